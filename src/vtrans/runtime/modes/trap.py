"""``--mode trap``: classic trap-and-emulate on the unmodified image.

The guest kernel runs in real User mode; what traps (UNDEFINED in User mode:
mcr/mrc, mrs/msr spsr, srs, rfe, ldm/stm ^, subs/movs pc, ...) is emulated by the
VMM against the vCPU (``runtime/vmm.py``).  What does not trap runs as the hardware
runs it in User mode — ``cps`` is a NOP, ``mrs Rd, cpsr`` shows User mode,
``msr cpsr_c`` writes only the flags — which is exactly the Popek–Goldberg
failure of ARMv7 this mode exists to expose: the guest's output diverges from
native on the samples that use them.
"""

from __future__ import annotations

from vtrans.runtime.vmm import VmmMode


class TrapMode(VmmMode):
    name = "trap"


MODE = TrapMode

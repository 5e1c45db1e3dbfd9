"""Execution modes: how the machine handles what the guest's CPU cannot do by itself.

The machine (``runtime/machine.py``) owns the CPU, memory, devices, the clock and
the run loop.  An ``ExecutionMode`` decides what an exception, an invalid
instruction or an interrupt *means*:

* ``native`` — the guest runs privileged, as on bare hardware: exceptions are
  taken architecturally (B1.8) on the real CPU; this is the reference every
  other mode is compared against.
* ``trap`` / ``previrt`` (the VMM) — the guest runs in real User mode and gets
  *virtual* exceptions; privileged instructions trap and are emulated.
* ``bt`` — code runs from a translation cache.

Modes are looked up by name in a registry; a mode module registers itself with
``register_mode``.  The interface is small on purpose (see ARCHITECTURE.md, "Runtime").
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from vtrans.errors import UsageError

if TYPE_CHECKING:  # pragma: no cover
    from vtrans.isa.arm.cpu import ArchState
    from vtrans.isa.arm.exceptions import ExceptionKind
    from vtrans.runtime.machine import Machine


class ExecutionMode:
    """Base class (and documentation) of an execution mode.

    The machine calls, from inside Unicorn hooks or between runs of the CPU:

    ``attach(machine)``
        once, before the image is loaded: install hooks, set the initial CPU state.
    ``on_exception(kind, pc, **info)``
        the CPU raised a synchronous exception (SVC that is not semihosting, BKPT,
        prefetch/data abort, UNDEFINED); ``pc`` is the address of the instruction
        that caused it; ``info`` has ``fault_address``/``fault_status``/``write``
        for aborts.  Must leave the CPU ready to continue (PC set).
    ``on_invalid_insn(pc) -> bool``
        Unicorn's invalid-instruction hook; return True if handled (continue).
    ``interrupt_masked(fiq) -> bool``
        is the (virtual) IRQ/FIQ masked for the guest right now?
    ``deliver_interrupt(fiq)``
        take IRQ (or FIQ) now, between two instructions; PC is the next instruction.
    ``unmask_watch(irq_pending, fiq_pending) -> int``
        CPSR bits whose clearing by the guest must stop the CPU so that a pending
        interrupt is taken right after the unmasking instruction (0: none; a mode
        that traps every unmasking instruction returns 0).
    ``on_halt()``
        the run is ending; flush whatever the mode buffers.
    ``final_state() -> ArchState``
        the guest-visible architectural state (virtual, for a VMM).
    """

    name = "?"
    #: set by a tracer (``runtime/tracing.py``): told of every (virtual) exception taken,
    #: ``observer.exception_taken(kind, pc, cpsr_before, cpsr_after, vector)``
    observer = None

    def attach(self, machine: "Machine") -> None:
        self.machine = machine

    def guest_cpsr(self) -> int:
        """The CPSR as the guest sees it (the virtual CPSR in a deprivileged mode)."""
        from vtrans.isa.arm.cpu import CPSR

        return self.machine.uc.reg_read(CPSR)

    def on_exception(self, kind: "ExceptionKind", pc: int, **info) -> None:  # pragma: no cover
        raise NotImplementedError

    def on_invalid_insn(self, pc: int) -> bool:  # pragma: no cover
        raise NotImplementedError

    def interrupt_masked(self, fiq: bool) -> bool:  # pragma: no cover
        raise NotImplementedError

    def deliver_interrupt(self, fiq: bool) -> None:  # pragma: no cover
        raise NotImplementedError

    def unmask_watch(self, irq_pending: bool, fiq_pending: bool) -> int:
        return 0

    def on_halt(self) -> None:
        pass

    def on_cpu_error(self, error, pc: int) -> bool:
        """``emu_start`` failed with ``error`` at ``pc``; True if the mode made it a guest exception."""
        return False

    def final_state(self) -> "ArchState":  # pragma: no cover
        raise NotImplementedError


#: mode name -> module defining ``MODE`` (a class deriving from ExecutionMode)
_MODES: dict[str, str] = {
    "native": "vtrans.runtime.modes.native",
    "trap": "vtrans.runtime.modes.trap",
    "previrt": "vtrans.runtime.modes.previrt",
    "bt": "vtrans.runtime.modes.bt",
}


def register_mode(name: str, module: str) -> None:
    _MODES[name] = module


def get_mode(name: str) -> type[ExecutionMode]:
    module = _MODES.get(name)
    if module is None:
        raise UsageError(f"unknown execution mode '{name}' (known: {', '.join(mode_names())})")
    return importlib.import_module(module).MODE


def mode_names() -> list[str]:
    return sorted(_MODES)

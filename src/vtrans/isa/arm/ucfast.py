"""Register and coprocessor-register access straight through libunicorn.

The VMM and the exception entry touch a handful of registers on every trap, exception and
hypercall; the Python bindings' generic ``reg_read``/``reg_write``/``cpr_read`` build a
ctypes object and pick a register class on every call, about 3x the cost of the C call.
``fast(uc)`` returns one cached accessor per CPU that reuses its buffers and checks the
status like the bindings (an unimplemented coprocessor register still raises ``UcError``).
Other bindings (without ``uclib``) fall back to the public API.

The accessor also knows which bank of the banked cp15 registers (SCTLR, TTBR0, VBAR, ...:
Security Extensions, B1.5) the CPU itself uses: ``reset_security_state`` puts a CPU in the
security state QEMU's boards run it in, and every vtrans access then reaches the registers the
guest's own ``mrc``/``mcr`` reach.
"""

from __future__ import annotations

import ctypes

import unicorn
from unicorn import arm_const as A


class _CpReg(ctypes.Structure):
    # uc_arm_cp_reg (include/unicorn/arm.h)
    _fields_ = (("cp", ctypes.c_uint32), ("is64", ctypes.c_uint32), ("sec", ctypes.c_uint32),
                ("crn", ctypes.c_uint32), ("crm", ctypes.c_uint32), ("opc1", ctypes.c_uint32),
                ("opc2", ctypes.c_uint32), ("val", ctypes.c_uint64))


#: CPU models with the Security Extensions but not the Virtualization Extensions, which Unicorn
#: resets Non-secure (SCR.NS = 1).  From Non-secure PL1 such a CPU cannot change CPSR.A or
#: CPSR.F unless SCR.AW/FW allow it (B1.8.6), nor read SCR.  QEMU's boards run them where
#: privileged code can: vexpress-a9 boots its Cortex-A9 Secure (SCR reads 0), realview-pb-a8
#: builds its Cortex-A8 without EL3.  Both run here in Secure state.  (The Cortex-A15 has
#: the Virtualization Extensions, which make A and F writable in either state; virt builds it
#: without EL3 and it stays as Unicorn resets it.)
SECURE_AT_RESET = frozenset({A.UC_CPU_ARM_CORTEX_A8, A.UC_CPU_ARM_CORTEX_A9})

#: SCR (B4.1.129): CRn=c1, opc1=0, CRm=c1, opc2=0
_SCR = (15, 0, 1, 1, 0)


class FastAccess:
    #: uc_arm_cp_reg.sec of vtrans's cp15 accesses: 1 for the Secure bank (see SECURE_AT_RESET)
    sec = 0

    def __init__(self, uc: unicorn.Uc):
        self.uc = uc
        try:
            from unicorn.unicorn_py3.unicorn import uclib

            self._handle = uc._uch
            self._c_read, self._c_write = uclib.uc_reg_read, uclib.uc_reg_write
            self._c_write_batch = uclib.uc_reg_write_batch
        except (ImportError, AttributeError):
            self.read, self.write = uc.reg_read, uc.reg_write
            self.write_many = lambda regs, values: [uc.reg_write(r, v) for r, v in zip(regs, values)]
            self.cp_read = lambda cp, opc1, crn, crm, opc2: uc.cpr_read(cp, opc1, crn, crm, opc2, self.sec, False)
            self.cp_write = lambda cp, opc1, crn, crm, opc2, v: uc.cpr_write(cp, opc1, crn, crm, opc2, self.sec,
                                                                             False, v)
            return
        self._value = ctypes.c_uint32()
        self._ref = ctypes.byref(self._value)
        self._cp = _CpReg()
        self._cp_ref = ctypes.byref(self._cp)
        self._batches: dict[tuple[int, ...], tuple] = {}

    def read(self, reg: int) -> int:
        status = self._c_read(self._handle, reg, self._ref)
        if status:
            raise unicorn.UcError(status)
        return self._value.value

    def write(self, reg: int, value: int) -> None:
        self._value.value = value & 0xFFFFFFFF
        status = self._c_write(self._handle, reg, self._ref)
        if status:
            raise unicorn.UcError(status)

    def write_many(self, regs: tuple[int, ...], values) -> None:
        """Write several 32-bit registers in one C call (``uc_reg_write_batch``)."""
        batch = self._batches.get(regs)
        if batch is None:
            n = len(regs)
            vals = (ctypes.c_uint32 * n)()
            base = ctypes.addressof(vals)
            batch = self._batches[regs] = ((ctypes.c_int * n)(*regs), vals,
                                           (ctypes.c_void_p * n)(*(base + 4 * i for i in range(n))), n)
        ids, vals, ptrs, n = batch
        vals[:] = [v & 0xFFFFFFFF for v in values]
        status = self._c_write_batch(self._handle, ids, ptrs, n)
        if status:
            raise unicorn.UcError(status)

    def cp_read(self, cp: int, opc1: int, crn: int, crm: int, opc2: int) -> int:
        r = self._cp
        r.cp, r.is64, r.sec, r.crn, r.crm, r.opc1, r.opc2, r.val = cp, 0, self.sec, crn, crm, opc1, opc2, 0
        status = self._c_read(self._handle, A.UC_ARM_REG_CP_REG, self._cp_ref)
        if status:
            raise unicorn.UcError(status)
        return r.val

    def cp_write(self, cp: int, opc1: int, crn: int, crm: int, opc2: int, value: int) -> None:
        r = self._cp
        r.cp, r.is64, r.sec, r.crn, r.crm, r.opc1, r.opc2, r.val = cp, 0, self.sec, crn, crm, opc1, opc2, value
        status = self._c_write(self._handle, A.UC_ARM_REG_CP_REG, self._cp_ref)
        if status:
            raise unicorn.UcError(status)


def reset_security_state(uc: unicorn.Uc, model: int, *, write: bool = True) -> None:
    """After reset of a ``model`` CPU: put it in the security state QEMU's boards run it in (see
    ``SECURE_AT_RESET``) and point ``fast(uc)``'s cp15 accesses at that state's bank.
    ``write=False``: the CPU is already in that state (a port on a CPU set up before)."""
    if model in SECURE_AT_RESET:
        acc = fast(uc)
        if write:
            acc.sec = 0
            acc.cp_write(*_SCR, 0)   # SCR.NS = 0
        acc.sec = 1


def fast(uc: unicorn.Uc) -> FastAccess:
    """The cached accessor of ``uc``."""
    acc = getattr(uc, "_vtrans_fast", None)
    if acc is None:
        acc = FastAccess(uc)
        uc._vtrans_fast = acc
    return acc

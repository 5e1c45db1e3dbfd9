"""Register and coprocessor-register access straight through libunicorn.

The VMM and the exception entry touch a handful of registers on every trap, exception and
hypercall; the Python bindings' generic ``reg_read``/``reg_write``/``cpr_read`` build a
ctypes object and pick a register class on every call, about 3x the cost of the C call.
``fast(uc)`` returns one cached accessor per CPU that reuses its buffers and checks the
status like the bindings (an unimplemented coprocessor register still raises ``UcError``).
Other bindings (without ``uclib``) fall back to the public API.
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


class FastAccess:
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
            self.cp_read = lambda cp, opc1, crn, crm, opc2: uc.cpr_read(cp, opc1, crn, crm, opc2, 0, False)
            self.cp_write = lambda cp, opc1, crn, crm, opc2, v: uc.cpr_write(cp, opc1, crn, crm, opc2, 0, False, v)
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
        r.cp, r.is64, r.sec, r.crn, r.crm, r.opc1, r.opc2, r.val = cp, 0, 0, crn, crm, opc1, opc2, 0
        status = self._c_read(self._handle, A.UC_ARM_REG_CP_REG, self._cp_ref)
        if status:
            raise unicorn.UcError(status)
        return r.val

    def cp_write(self, cp: int, opc1: int, crn: int, crm: int, opc2: int, value: int) -> None:
        r = self._cp
        r.cp, r.is64, r.sec, r.crn, r.crm, r.opc1, r.opc2, r.val = cp, 0, 0, crn, crm, opc1, opc2, value
        status = self._c_write(self._handle, A.UC_ARM_REG_CP_REG, self._cp_ref)
        if status:
            raise unicorn.UcError(status)


def fast(uc: unicorn.Uc) -> FastAccess:
    """The cached accessor of ``uc``."""
    acc = getattr(uc, "_vtrans_fast", None)
    if acc is None:
        acc = FastAccess(uc)
        uc._vtrans_fast = acc
    return acc

"""Decode and emulate the privileged and sensitive A32 instructions against a ``VCpu``.

One function, ``emulate(vcpu, mem, word, pc)``, executes one instruction word
exactly as the hardware would in the guest's *virtual* mode: registers of the
current virtual mode are the real CPU's, privileged state is the vCPU's, and
memory goes through a ``GuestMemory`` that checks permissions with the
privilege the access architecturally has (the current virtual mode, or User for
``ldrt``/``strt`` and ``ldm/stm ^``'s bank only — their memory accesses are
made with the current mode's privilege, B9.3.5).

The decoder is a table of (mask, value) bit patterns, one per form, each with
its ARM ARM (DDI 0406C) section.  UNPREDICTABLE forms (SPSR access, ``srs``,
``rfe``, ``ldm/stm ^`` and exception returns from User or System mode) are
treated as UNDEFINED: that is what Unicorn's CPU, the reference, does for the
ones it can see.
"""

from __future__ import annotations

import logging
import struct
from dataclasses import dataclass
from enum import StrEnum
from typing import Callable, Protocol

from unicorn import arm_const as A

from vtrans.isa.arm.ucfast import fast
from vtrans.isa.arm.vcpu import (
    CP15_READ_ONLY, PSR_A, PSR_E, PSR_F, PSR_FLAGS, PSR_I, PSR_M, PSR_T, VALID_MODES, Cp15, ExceptionKind, GuestStateError,
    Mode, VCpu, bank_of, cp15_key, write_cp_raw,
)

log = logging.getLogger(__name__)

M32 = 0xFFFFFFFF


class Form(StrEnum):
    """Instruction forms the emulator implements (with the ARM ARM section of each)."""

    CPS = "cps"                 # B9.3.2
    MRS = "mrs"                 # B9.3.8
    MRS_BANKED = "mrs-banked"   # B9.3.9 (Virtualization Extensions)
    MSR_BANKED = "msr-banked"   # B9.3.10
    MSR_REG = "msr-reg"         # B9.3.12
    MSR_IMM = "msr-imm"         # B9.3.11
    SRS = "srs"                 # B9.3.16
    RFE = "rfe"                 # B9.3.13
    LDM_USER = "ldm-user"       # B9.3.5  LDM (User registers)
    LDM_ERET = "ldm-eret"       # B9.3.4  LDM (exception return)
    STM_USER = "stm-user"       # B9.3.17 STM (User registers)
    #: plain block transfers (A8.8.57-A8.8.61, A8.8.199-A8.8.202): never decoded from a trap (they
    #: do not trap); the binary translator hands over the ones naming every register
    LDM = "ldm"
    STM = "stm"
    DP_ERET = "dp-eret"         # B9.3.20 SUBS PC, LR and related instructions
    ERET = "eret"               # B9.3.3
    LDR_T = "ldrt"              # A8.8.69/A8.8.72/A8.8.80/A8.8.84/A8.8.86 (unprivileged loads)
    STR_T = "strt"              # A8.8.211/A8.8.208/A8.8.220 (unprivileged stores)
    MCR = "mcr"                 # A8.8.98, B3.17 (cp15), C6 (cp14)
    MRC = "mrc"                 # A8.8.107
    MCRR = "mcrr"               # A8.8.99
    MRRC = "mrrc"               # A8.8.108
    VMRS = "vmrs"               # B6.1.14
    VMSR = "vmsr"               # B6.1.15
    WFI = "wfi"                 # A8.8.425
    WFE = "wfe"                 # A8.8.424
    SVC = "svc"                 # A8.8.228
    BKPT = "bkpt"               # A8.8.24
    SMC = "smc"                 # B9.3.14
    HVC = "hvc"                 # B9.3.4 (Virtualization Extensions)
    UDF = "udf"                 # A8.8.247
    #: innocuous, but it changes the byte order of later loads and stores: the binary
    #: translator hands it over (its data page follows the guest's endianness)
    SETEND = "setend"           # A8.8.138


class Event(StrEnum):
    """What, besides registers, an emulated instruction did — for the VMM's bookkeeping."""

    NONE = "none"
    EXCEPTION = "exception"           # a virtual exception was entered
    EXCEPTION_RETURN = "exception-return"
    WAIT = "wait"                     # wfi/wfe: idle until an interrupt


@dataclass(frozen=True, slots=True)
class Emulated:
    form: Form | None
    next_pc: int
    event: Event = Event.NONE
    exception: ExceptionKind | None = None


class VirtualAbort(Exception):
    """A guest memory access faulted; the emulator turns it into a virtual Data Abort.

    ``fsr`` is the DFSR value (short-descriptor format, B4.1.52), ``far`` the address.
    """

    def __init__(self, far: int, fsr: int, *, prefetch: bool = False):
        super().__init__(f"guest abort at 0x{far:08x} (fsr 0x{fsr:x})")
        self.far = far
        self.fsr = fsr
        self.prefetch = prefetch


class GuestMemory(Protocol):
    """Guest virtual memory as seen with a given privilege.  Raises ``VirtualAbort``."""

    def read(self, va: int, size: int, *, privileged: bool) -> int: ...

    def write(self, va: int, size: int, value: int, *, privileged: bool) -> None: ...


# --------------------------------------------------------------------------- decoding

#: (mask, value, form) for cond == 0b1111 (unconditional space, A5.7)
_UNCOND: tuple[tuple[int, int, Form], ...] = (
    (0xFFF1FE20, 0xF1000000, Form.CPS),
    (0xFE5FFFE0, 0xF84D0500, Form.SRS),
    (0xFE50FFFF, 0xF8100A00, Form.RFE),
    (0xFFFFFDFF, 0xF1010000, Form.SETEND),
)
#: (mask, value, form) for conditional instructions, first match wins (A5.1-A5.6)
_COND: tuple[tuple[int, int, Form], ...] = (
    (0x0FFFFFFF, 0x0160006E, Form.ERET),
    (0x0FBF02F0, 0x010F0000, Form.MRS),      # SBZ bits are don't-care, as in the table
    (0x0FB002F0, 0x01000200, Form.MRS_BANKED),
    (0x0FB002F0, 0x01200200, Form.MSR_BANKED),
    (0x0FB002F0, 0x01200000, Form.MSR_REG),
    (0x0FFF00FF, 0x03200003, Form.WFI),
    (0x0FFF00FF, 0x03200002, Form.WFE),
    (0x0FB00000, 0x03200000, Form.MSR_IMM),   # R=0 mask=0 are the hints: refined in decode()
    (0x0FF000F0, 0x01200070, Form.BKPT),
    (0x0FF000F0, 0x01400070, Form.HVC),
    (0x0FFFFFF0, 0x01600070, Form.SMC),
    (0x0E500000, 0x08500000, Form.LDM_USER),  # refined below: PC in list -> LDM_ERET
    (0x0E500000, 0x08400000, Form.STM_USER),
    (0x0E10F000, 0x0210F000, Form.DP_ERET),   # immediate operand
    (0x0E10F010, 0x0010F000, Form.DP_ERET),   # register operand, immediate shift
    (0x0D300000, 0x04300000, Form.LDR_T),     # ldrt/ldrbt
    (0x0D300000, 0x04200000, Form.STR_T),     # strt/strbt
    (0x0F300090, 0x00300090, Form.LDR_T),     # ldrht/ldrsbt/ldrsht
    (0x0F3000F0, 0x002000B0, Form.STR_T),     # strht
    (0x0FF00FFF, 0x0EF00A10, Form.VMRS),
    (0x0FF00FFF, 0x0EE00A10, Form.VMSR),
    (0x0F100010, 0x0E100010, Form.MRC),
    (0x0F100010, 0x0E000010, Form.MCR),
    (0x0FF00000, 0x0C500000, Form.MRRC),
    (0x0FF00000, 0x0C400000, Form.MCRR),
    (0x0F000000, 0x0F000000, Form.SVC),
)


def decode(word: int) -> Form | None:
    """The form of ``word`` if the emulator implements it, else None."""
    if word >> 28 == 0xF:
        for mask, value, form in _UNCOND:
            if word & mask == value:
                return form
        return None
    if word & 0xFFF000F0 == 0xE7F000F0:
        return Form.UDF
    for mask, value, form in _COND:
        if word & mask == value:
            if form is Form.MSR_IMM and word & 0x004F0000 == 0:
                return None  # nop/yield/sev/dbg hints: innocuous
            if form is Form.DP_ERET and (word >> 23) & 3 == 2:
                return None  # tst/teq/cmp/cmn (opcode 10xx) do not write Rd
            if form is Form.LDM_USER and word & 0x8000:
                return Form.LDM_ERET
            if form is Form.LDR_T and word & 0x02000000 and word & 0x10:
                return None  # media space (A5.4), not a register-offset ldrt
            if form is Form.STR_T and word & 0x02000000 and word & 0x10:
                return None
            if form in (Form.MRC, Form.MCR, Form.MRRC, Form.MCRR) and (word >> 8) & 0xE == 0xA:
                return None  # cp10/cp11 are VFP/Advanced SIMD, not coprocessor moves
            return form
    return None


_EXCEPTION_FORMS = frozenset({Form.SVC, Form.BKPT, Form.UDF, Form.SMC, Form.HVC})


def condition_passed(cond: int, cpsr: int) -> bool:
    """``ConditionPassed`` (A8.3, table A8-1)."""
    n, z, c, v = (cpsr >> 31) & 1, (cpsr >> 30) & 1, (cpsr >> 29) & 1, (cpsr >> 28) & 1
    base = cond >> 1
    if base == 0:
        r = z == 1
    elif base == 1:
        r = c == 1
    elif base == 2:
        r = n == 1
    elif base == 3:
        r = v == 1
    elif base == 4:
        r = c == 1 and z == 0
    elif base == 5:
        r = n == v
    elif base == 6:
        r = n == v and z == 0
    else:
        return True
    return not r if cond & 1 else r


# --------------------------------------------------------------------------- helpers


def _ror(x: int, n: int) -> int:
    n &= 31
    return ((x >> n) | (x << (32 - n))) & M32 if n else x


def arm_expand_imm(imm12: int) -> int:
    """``ARMExpandImm`` (A5.2.4)."""
    return _ror(imm12 & 0xFF, 2 * (imm12 >> 8))


def _shift_imm(value: int, stype: int, imm5: int, carry: int) -> int:
    """``DecodeImmShift`` + ``Shift`` (A8.4.1, A8.4.3); carry-out is not needed here."""
    if stype == 0:
        return (value << imm5) & M32
    if stype == 1:
        return 0 if imm5 == 0 else value >> imm5
    if stype == 2:
        n = 32 if imm5 == 0 else imm5
        return ((value - (1 << 32) if value & 0x80000000 else value) >> n) & M32
    if imm5 == 0:  # RRX
        return (carry << 31) | (value >> 1)
    return _ror(value, imm5)


def _bitcount(x: int) -> int:
    return bin(x).count("1")


class _Undefined(Exception):
    """Internal: the instruction is UNDEFINED (or UNPREDICTABLE, treated so) here."""


class CoprocUndefined(_Undefined):
    """Raised by a ``coproc_hook``: the register is not accessible now (it does not exist on the
    board's CPU, or not from this privilege level): the instruction is UNDEFINED."""


#: ``coproc_hook(coproc, opc1, crn, crm, opc2, wide, value, privileged)``: a coprocessor register
#: owned by a device model (the generic timer, the PMU) or overridden by the board.  ``value`` is
#: None for a read (return the value, or None if not owned) and the value written for a write
#: (return non-None if owned); ``privileged``: the access is made from PL1.  Raises
#: ``CoprocUndefined`` for an access the register does not allow.  Wide (mrrc/mcrr) registers
#: have crn = opc2 = 0 and 64-bit values.
CoprocHook = Callable[[int, int, int, int, int, bool, "int | None", bool], "int | None"]


class Emulator:
    """Emulates instruction words for one vCPU over one guest memory."""

    def __init__(self, vcpu: VCpu, mem: GuestMemory, coproc_hook: CoprocHook | None = None):
        self.vcpu = vcpu
        self.mem = mem
        self.coproc_hook = coproc_hook

    # register access with PC reading as the instruction's address + 8 (A2.3)
    def _r(self, n: int, pc: int) -> int:
        return (pc + 8) & M32 if n == 15 else self.vcpu.reg(n)

    def emulate(self, word: int, pc: int, form: Form | None = None, *, thumb: int = 0) -> Emulated:
        """Execute ``word`` (at guest address ``pc``) in the virtual mode; set the real PC.
        ``form``: what the caller knows ``word`` to be, instead of decoding it.  ``thumb``: the
        size (2 or 4) of the Thumb instruction ``word`` is the A32 counterpart of
        (``isa/arm/thumb.a32_equivalent``; the CPU traps one inside an IT block only when its
        condition passed); 0 for A32 code."""
        vcpu = self.vcpu
        if form is None:
            form = decode(word)
        cond = word >> 28
        if form is not None and cond != 0xF and not condition_passed(cond, vcpu.cpsr):
            return self._finish(Emulated(form, (pc + 4) & M32))
        try:
            if form is None:
                raise _Undefined
            if form not in _EXCEPTION_FORMS and vcpu.model.undefined(word):
                raise _Undefined  # the CPU model does not implement it (e.g. cps on ARM926)
            result = getattr(self, "_" + form.name.lower())(word, pc)
        except _Undefined:
            return self._finish(self._exception(form, ExceptionKind.UNDEF, pc))
        except VirtualAbort as abort:
            return self._finish(self.data_abort(form, abort, pc))
        if thumb and result.event in (Event.NONE, Event.WAIT) and result.next_pc == (pc + 4) & M32:
            # on to the next Thumb instruction, in the IT block's next slot (A2.5.2 ITAdvance)
            result = Emulated(result.form, (pc + thumb) & M32, result.event, result.exception)
            vcpu.advance_it()
        return self._finish(result)

    def _finish(self, result: Emulated) -> Emulated:
        self.vcpu.set_pc(result.next_pc)
        return result

    def _exception(self, form: Form | None, kind: ExceptionKind, pc: int) -> Emulated:
        return Emulated(form, self.vcpu.take_exception(kind, pc), Event.EXCEPTION, kind)

    def data_abort(self, form: Form | None, abort: VirtualAbort, pc: int) -> Emulated:
        """Deliver a virtual Data (or Prefetch) Abort: DFSR/DFAR or IFSR/IFAR first (B3.12)."""
        vcpu = self.vcpu
        if abort.prefetch:
            vcpu.store_cp15(Cp15.IFSR, abort.fsr)
            if vcpu.model.implements(Cp15.IFAR):  # not before ARMv6 (the ARM926 has none)
                vcpu.store_cp15(Cp15.IFAR, abort.far)
            return self._exception(form, ExceptionKind.PREFETCH_ABORT, pc)
        vcpu.store_cp15(Cp15.DFSR, abort.fsr)
        vcpu.store_cp15(Cp15.DFAR, abort.far)
        return self._exception(form, ExceptionKind.DATA_ABORT, pc)

    def _need_priv(self) -> None:
        if not self.vcpu.privileged:
            raise _Undefined

    def _need_exception_mode(self) -> None:
        """User and System modes have no SPSR: UNPREDICTABLE, treated as UNDEFINED."""
        if bank_of(self.vcpu.mode) == Mode.USR:
            raise _Undefined

    def _exception_return(self, form: Form, new_pc: int, spsr: int) -> Emulated:
        """``CPSRWriteByInstr(SPSR[], '1111', TRUE); BranchWritePC(new_pc)`` (B1.9.1 / B9.3.20)."""
        self.vcpu.write_cpsr(spsr, 0xF, exception_return=True)
        # BranchWritePC in the new state: halfword-aligned in Thumb, word-aligned in ARM
        return Emulated(form, new_pc & (~1 if spsr & PSR_T else ~3) & M32, Event.EXCEPTION_RETURN)

    def _big_endian(self) -> bool:
        """CPSR.E: data accesses are big-endian (``setend be``, SCTLR.EE on exception entry)."""
        return bool(self.vcpu.cpsr & PSR_E)

    def _data(self, value: int, size: int) -> int:
        """``value`` between the guest's data byte order and memory's (little-endian) order:
        byte-reversed while CPSR.E is set (A3.3.1)."""
        if size > 1 and self._big_endian():
            return int.from_bytes(value.to_bytes(size, "little"), "big")
        return value

    def _load(self, va: int, size: int, privileged: bool) -> int:
        """A data load of ``size`` bytes in the current data byte order."""
        return self._data(self.mem.read(va, size, privileged=privileged), size)

    def _store(self, va: int, size: int, value: int, privileged: bool) -> None:
        self.mem.write(va, size, self._data(value, size), privileged=privileged)

    def _read_words(self, address: int, count: int) -> list[int]:
        """``MemA`` word reads with the current privilege and data byte order; alignment fault
        first (B3.12.3)."""
        priv = self.vcpu.privileged
        if address & 3:
            raise VirtualAbort(address, 0x01)
        block = getattr(self.mem, "read_block", None)
        if block is not None and (address & 0x3FF) + 4 * count <= 0x400:
            # one translation and one read for a block inside one (1 KB) page
            data = block(address, 4 * count, privileged=priv)
            return list(struct.unpack_from(f"{'>' if self._big_endian() else '<'}{count}I", data))
        return [self._load((address + 4 * i) & M32, 4, priv) for i in range(count)]

    def _write_words(self, address: int, values: list[int]) -> None:
        priv = self.vcpu.privileged
        if address & 3:
            raise VirtualAbort(address, 0x801)
        for i, v in enumerate(values):
            self._store((address + 4 * i) & M32, 4, v & M32, priv)

    # ---------------------------------------------------------------- status register access
    def _setend(self, word: int, pc: int) -> Emulated:
        vcpu = self.vcpu
        vcpu.set_flags((vcpu.cpsr & ~PSR_E) | (PSR_E if word & (1 << 9) else 0))
        return Emulated(Form.SETEND, (pc + 4) & M32)

    def _cps(self, word: int, pc: int) -> Emulated:
        vcpu = self.vcpu
        if vcpu.privileged:  # a NOP in User mode (B9.3.2)
            imod = (word >> 18) & 3
            value = vcpu.cpsr
            affected = (word & 0x1C0)  # A(8) I(7) F(6) in the same positions as in the CPSR
            if imod == 2:
                value &= ~affected
            elif imod == 3:
                value |= affected
            if word & (1 << 17):
                value = (value & ~PSR_M) | (word & PSR_M)
            vcpu.write_cpsr(value, 0xF)
        return Emulated(Form.CPS, (pc + 4) & M32)

    def _mrs(self, word: int, pc: int) -> Emulated:
        vcpu = self.vcpu
        rd = (word >> 12) & 0xF
        if word & (1 << 22):
            self._need_exception_mode()
            value = vcpu.spsr
        else:
            value = vcpu.cpsr
            if not vcpu.privileged:
                # B9.3.8: in User mode the execution state and mask bits are UNKNOWN; the
                # hardware (and Unicorn) returns the CPSR, which is what we give
                pass
        vcpu.set_reg(rd, value)
        return Emulated(Form.MRS, (pc + 4) & M32)

    def _msr(self, form: Form, word: int, value: int, pc: int) -> Emulated:
        vcpu = self.vcpu
        mask = (word >> 16) & 0xF
        if word & (1 << 22):
            self._need_exception_mode()
            vcpu.write_spsr(value, mask)
        else:
            vcpu.write_cpsr(value, mask)
        return Emulated(form, (pc + 4) & M32)

    def _msr_reg(self, word: int, pc: int) -> Emulated:
        return self._msr(Form.MSR_REG, word, self._r(word & 0xF, pc), pc)

    def _msr_imm(self, word: int, pc: int) -> Emulated:
        return self._msr(Form.MSR_IMM, word, arm_expand_imm(word & 0xFFF), pc)

    # banked registers by SYSm = R:M:m1 (B9.2.3, table B9-2): ("reg", mode, n) or ("spsr", mode)
    _BANKED: dict[tuple[int, int, int], tuple] = {
        **{(0, 0, i): ("reg", Mode.USR, 8 + i) for i in range(7)},
        **{(0, 0, 8 + i): ("reg", Mode.FIQ, 8 + i) for i in range(7)},
        (0, 1, 0): ("reg", Mode.IRQ, 14), (0, 1, 1): ("reg", Mode.IRQ, 13),
        (0, 1, 2): ("reg", Mode.SVC, 14), (0, 1, 3): ("reg", Mode.SVC, 13),
        (0, 1, 4): ("reg", Mode.ABT, 14), (0, 1, 5): ("reg", Mode.ABT, 13),
        (0, 1, 6): ("reg", Mode.UND, 14), (0, 1, 7): ("reg", Mode.UND, 13),
        (1, 0, 14): ("spsr", Mode.FIQ), (1, 1, 0): ("spsr", Mode.IRQ), (1, 1, 2): ("spsr", Mode.SVC),
        (1, 1, 4): ("spsr", Mode.ABT), (1, 1, 6): ("spsr", Mode.UND),
    }

    def _banked(self, word: int) -> tuple:
        """Decode SYSm; UNDEFINED in User mode, UNPREDICTABLE (treated so) for Monitor/Hyp registers
        and for the current mode's own registers (B9.3.9)."""
        self._need_priv()
        target = self._BANKED.get(((word >> 22) & 1, (word >> 8) & 1, (word >> 16) & 0xF))
        if target is None:
            raise _Undefined
        mode, cur = target[1], bank_of(self.vcpu.mode)
        if target[0] == "spsr" and mode == cur:
            raise _Undefined
        if target[0] == "reg":
            n = target[2]
            own = (mode == cur if n >= 13 else (mode == Mode.FIQ) == (cur == Mode.FIQ))
            if own:
                raise _Undefined
        return target

    def _banked_get(self, target: tuple) -> int:
        vcpu = self.vcpu
        if target[0] == "spsr":
            return vcpu.banks[target[1]].spsr
        mode, n = target[1], target[2]
        if n >= 13:
            return vcpu.banked_sp_lr(mode)[n - 13]
        return vcpu.other_r8_r12[n - 8]  # the bank not in the real CPU (the current one is refused)

    def _banked_set(self, target: tuple, value: int) -> None:
        vcpu = self.vcpu
        if target[0] == "spsr":
            vcpu.banks[target[1]].spsr = value & M32
            return
        mode, n = target[1], target[2]
        if n == 13:
            vcpu.set_banked_sp(mode, value)
        elif n == 14:
            vcpu.banks[bank_of(mode)].lr = value & M32
        else:
            vcpu.other_r8_r12[n - 8] = value & M32

    def _mrs_banked(self, word: int, pc: int) -> Emulated:
        self.vcpu.set_reg((word >> 12) & 0xF, self._banked_get(self._banked(word)))
        return Emulated(Form.MRS_BANKED, (pc + 4) & M32)

    def _msr_banked(self, word: int, pc: int) -> Emulated:
        self._banked_set(self._banked(word), self._r(word & 0xF, pc))
        return Emulated(Form.MSR_BANKED, (pc + 4) & M32)

    # ---------------------------------------------------------------- exception state
    def _srs(self, word: int, pc: int) -> Emulated:
        vcpu = self.vcpu
        self._need_exception_mode()
        mode = word & PSR_M
        if mode not in VALID_MODES:
            raise _Undefined
        increment = bool(word & (1 << 23))
        wordhigher = bool(word & (1 << 24)) == increment
        base = vcpu.banked_sp_lr(mode)[0]
        address = base if increment else base - 8
        if wordhigher:
            address += 4
        self._write_words(address & M32, [vcpu.reg(14), vcpu.spsr])
        if word & (1 << 21):
            vcpu.set_banked_sp(mode, base + 8 if increment else base - 8)
        return Emulated(Form.SRS, (pc + 4) & M32)

    def _rfe(self, word: int, pc: int) -> Emulated:
        vcpu = self.vcpu
        self._need_priv()
        if vcpu.mode == Mode.SYS:
            raise _Undefined  # UNPREDICTABLE in System mode... only when returning; refused
        n = (word >> 16) & 0xF
        increment = bool(word & (1 << 23))
        wordhigher = bool(word & (1 << 24)) == increment
        base = vcpu.reg(n)
        address = base if increment else base - 8
        if wordhigher:
            address += 4
        new_pc, spsr = self._read_words(address & M32, 2)
        if word & (1 << 21):
            vcpu.set_reg(n, base + 8 if increment else base - 8)
        return self._exception_return(Form.RFE, new_pc, spsr)

    def _block_address(self, word: int, count: int, pc: int) -> tuple[int, int]:
        """Start address and written-back base of an LDM/STM (A8.8.57-A8.8.61)."""
        n = (word >> 16) & 0xF
        base = self._r(n, pc)
        increment = bool(word & (1 << 23))
        wordhigher = bool(word & (1 << 24)) == increment
        address = base if increment else base - 4 * count
        if wordhigher:
            address += 4
        return address & M32, (base + 4 * count if increment else base - 4 * count) & M32

    def _ldm_user(self, word: int, pc: int) -> Emulated:
        vcpu = self.vcpu
        self._need_exception_mode()
        if word & (1 << 21):
            raise _Undefined  # W=1 is UNPREDICTABLE (B9.3.5)
        regs = [i for i in range(15) if word & (1 << i)]
        address, _ = self._block_address(word, len(regs), pc)
        values = self._read_words(address, len(regs))
        for i, v in zip(regs, values):
            vcpu.set_user_reg(i, v)
        return Emulated(Form.LDM_USER, (pc + 4) & M32)

    def _stm_user(self, word: int, pc: int) -> Emulated:
        vcpu = self.vcpu
        self._need_exception_mode()
        if word & (1 << 21):
            raise _Undefined  # W=1 is UNPREDICTABLE (B9.3.17)
        regs = [i for i in range(16) if word & (1 << i)]
        address, _ = self._block_address(word, len(regs), pc)
        values = [(pc + 8) & M32 if i == 15 else vcpu.user_reg(i) for i in regs]
        self._write_words(address, values)
        return Emulated(Form.STM_USER, (pc + 4) & M32)

    def _ldm(self, word: int, pc: int) -> Emulated:
        """LDM in the current mode (A8.8.57-A8.8.60); a loaded PC is a branch (LoadWritePC)."""
        vcpu = self.vcpu
        n = (word >> 16) & 0xF
        regs = [i for i in range(16) if word & (1 << i)]
        if not regs:
            raise _Undefined  # an empty list is UNPREDICTABLE
        address, wb = self._block_address(word, len(regs), pc)
        values = self._read_words(address, len(regs))
        low = [r for r in regs if r != 15]
        if low:
            vcpu.set_regs(low, values[:len(low)])
        if word & (1 << 21) and n not in regs:
            vcpu.set_reg(n, wb)        # (with the base in the list, the loaded value stays, as QEMU)
        if 15 not in regs:
            return Emulated(Form.LDM, (pc + 4) & M32)
        target = values[-1]
        # LoadWritePC: an interworking branch (BXWritePC, A2.3.2): bit 0 selects Thumb state
        vcpu.set_execution_state(PSR_T if target & 1 else 0)
        return Emulated(Form.LDM, target & (~1 if target & 1 else ~3))

    def _stm(self, word: int, pc: int) -> Emulated:
        """STM in the current mode (A8.8.199-A8.8.202); a stored PC reads as its address + 8."""
        n = (word >> 16) & 0xF
        regs = [i for i in range(16) if word & (1 << i)]
        if not regs:
            raise _Undefined
        address, wb = self._block_address(word, len(regs), pc)
        self._write_words(address, [self._r(i, pc) for i in regs])   # the base's old value
        if word & (1 << 21):
            self.vcpu.set_reg(n, wb)
        return Emulated(Form.STM, (pc + 4) & M32)

    def _ldm_eret(self, word: int, pc: int) -> Emulated:
        vcpu = self.vcpu
        self._need_exception_mode()
        n = (word >> 16) & 0xF
        regs = [i for i in range(15) if word & (1 << i)]
        address, wb = self._block_address(word, len(regs) + 1, pc)
        values = self._read_words(address, len(regs) + 1)
        if regs:
            vcpu.set_regs(regs, values[:len(regs)])
        if word & (1 << 21) and n not in regs:
            vcpu.set_reg(n, wb)
        return self._exception_return(Form.LDM_ERET, values[-1], vcpu.spsr)

    def _dp_eret(self, word: int, pc: int) -> Emulated:
        vcpu = self.vcpu
        self._need_exception_mode()
        cpsr = vcpu.cpsr
        carry = (cpsr >> 29) & 1
        if word & (1 << 25):
            op2 = arm_expand_imm(word & 0xFFF)
        else:
            op2 = _shift_imm(self._r(word & 0xF, pc), (word >> 5) & 3, (word >> 7) & 0x1F, carry)
        rn = self._r((word >> 16) & 0xF, pc)
        opcode = (word >> 21) & 0xF
        result = {
            0x0: lambda: rn & op2,
            0x1: lambda: rn ^ op2,
            0x2: lambda: rn + (~op2 & M32) + 1,
            0x3: lambda: (~rn & M32) + op2 + 1,
            0x4: lambda: rn + op2,
            0x5: lambda: rn + op2 + carry,
            0x6: lambda: rn + (~op2 & M32) + carry,
            0x7: lambda: (~rn & M32) + op2 + carry,
            0xC: lambda: rn | op2,
            0xD: lambda: op2,
            0xE: lambda: rn & ~op2,
            0xF: lambda: ~op2,
        }[opcode]() & M32
        return self._exception_return(Form.DP_ERET, result, vcpu.spsr)

    def _eret(self, word: int, pc: int) -> Emulated:
        # B9.3.3: outside Hyp mode ERET returns to LR with CPSR = SPSR, like SUBS PC, LR, #0
        self._need_exception_mode()
        return self._exception_return(Form.ERET, self.vcpu.reg(14), self.vcpu.spsr)

    # ---------------------------------------------------------------- unprivileged loads and stores
    def _t_offset(self, word: int, pc: int) -> int:
        if word & 0x0C000000 == 0x04000000:  # ldrt/strt/ldrbt/strbt
            if word & (1 << 25):
                carry = (self.vcpu.cpsr >> 29) & 1
                return _shift_imm(self._r(word & 0xF, pc), (word >> 5) & 3, (word >> 7) & 0x1F, carry)
            return word & 0xFFF
        if word & (1 << 22):  # halfword/signed forms, immediate (A8.8.80 encoding A1)
            return ((word >> 4) & 0xF0) | (word & 0xF)
        return self._r(word & 0xF, pc)

    def _ldr_t(self, word: int, pc: int) -> Emulated:
        vcpu = self.vcpu
        n, t = (word >> 16) & 0xF, (word >> 12) & 0xF
        if t == 15 or n == 15 or n == t:
            raise _Undefined  # UNPREDICTABLE
        base = vcpu.reg(n)
        offset = self._t_offset(word, pc)
        if word & 0x0C000000 == 0x04000000:
            size, signed = (1 if word & (1 << 22) else 4), False
        else:
            sh = (word >> 5) & 3
            size, signed = {1: (2, False), 2: (1, True), 3: (2, True)}[sh]
        value = self._load(base, size, False)
        if signed and value & (1 << (8 * size - 1)):
            value -= 1 << (8 * size)
        vcpu.set_reg(n, base + offset if word & (1 << 23) else base - offset)
        vcpu.set_reg(t, value & M32)
        return Emulated(Form.LDR_T, (pc + 4) & M32)

    def _str_t(self, word: int, pc: int) -> Emulated:
        vcpu = self.vcpu
        n, t = (word >> 16) & 0xF, (word >> 12) & 0xF
        if n == 15 or n == t:
            raise _Undefined  # UNPREDICTABLE
        base = vcpu.reg(n)
        offset = self._t_offset(word, pc)
        if word & 0x0C000000 == 0x04000000:
            size = 1 if word & (1 << 22) else 4
        else:
            size = 2
        value = self._r(t, pc) & ((1 << (8 * size)) - 1)
        self._store(base, size, value, False)
        vcpu.set_reg(n, base + offset if word & (1 << 23) else base - offset)
        return Emulated(Form.STR_T, (pc + 4) & M32)

    # ---------------------------------------------------------------- coprocessors
    def _cp15_op(self, crn: int, opc1: int, crm: int, opc2: int) -> str | None:
        """Classify an MCR p15 that is an operation, not a register write (B4.2.1, B4.2.2)."""
        if crn == 7 and opc1 == 0:
            if (crm, opc2) == (0, 4):
                return "wfi"  # ARMv6 CP15 wait-for-interrupt (B6.2.1)
            if crm in (0, 1, 5, 6, 10, 11, 13, 14):
                return "cache"  # cache maintenance and CP15 barriers: no effect on the model
            return None
        if crn == 8 and opc1 == 0:
            return "tlb"
        return None

    def _mcr(self, word: int, pc: int) -> Emulated:
        vcpu = self.vcpu
        coproc = (word >> 8) & 0xF
        opc1, crn, t = (word >> 21) & 7, (word >> 16) & 0xF, (word >> 12) & 0xF
        opc2, crm = (word >> 5) & 7, word & 0xF
        value = self._r(t, pc)
        if self.coproc_hook is not None \
                and self.coproc_hook(coproc, opc1, crn, crm, opc2, False, value, vcpu.privileged) is not None:
            return Emulated(Form.MCR, (pc + 4) & M32)
        if coproc == 14:
            self._need_priv()
            try:
                write_cp_raw(vcpu.uc, 14, opc1, crn, crm, opc2, value)
            except Exception as e:  # noqa: BLE001 - an unimplemented debug register is UNDEFINED
                raise _Undefined from e
            return Emulated(Form.MCR, (pc + 4) & M32)
        if coproc != 15:
            raise _Undefined
        op = self._cp15_op(crn, opc1, crm, opc2)
        key = cp15_key(crn, opc1, crm, opc2)
        user_ok = op == "cache" and (crm, opc2) in ((5, 4), (10, 4), (10, 5)) or key == Cp15.TPIDRURW
        if not vcpu.privileged and not user_ok:
            raise _Undefined
        if op == "wfi":
            return Emulated(Form.MCR, (pc + 4) & M32, Event.WAIT)
        if op == "cache":
            return Emulated(Form.MCR, (pc + 4) & M32)
        if op == "tlb":
            if vcpu.on_translation_change:
                vcpu.on_translation_change()
            return Emulated(Form.MCR, (pc + 4) & M32)
        if not vcpu.write_cp15(key, value):
            if key in CP15_READ_ONLY or not vcpu.privileged:
                raise _Undefined
            # a register the model implements (it did not UNDEF) but the vCPU does not
            # virtualize (performance monitors, lockdown, implementation defined): the
            # real CPU's copy is the guest's
            write_cp_raw(vcpu.uc, 15, opc1, crn, crm, opc2, value)
        return Emulated(Form.MCR, (pc + 4) & M32)

    def _mrc(self, word: int, pc: int) -> Emulated:
        vcpu = self.vcpu
        coproc = (word >> 8) & 0xF
        opc1, crn, t = (word >> 21) & 7, (word >> 16) & 0xF, (word >> 12) & 0xF
        opc2, crm = (word >> 5) & 7, word & 0xF
        owned = None
        if self.coproc_hook is not None:
            owned = self.coproc_hook(coproc, opc1, crn, crm, opc2, False, None, vcpu.privileged)
        if owned is not None:
            value = owned
        elif coproc == 14:
            self._need_priv()
            try:
                value = fast(vcpu.uc).cp_read(14, opc1, crn, crm, opc2)
            except Exception as e:  # noqa: BLE001
                raise _Undefined from e
        elif coproc == 15:
            key = cp15_key(crn, opc1, crm, opc2)
            if not vcpu.privileged and key not in (Cp15.TPIDRURW, Cp15.TPIDRURO):
                raise _Undefined
            if vcpu.model.read_is_nop(word):
                return Emulated(Form.MRC, (pc + 4) & M32)  # a no-op encoding on this model
            value = vcpu.read_cp15(key)
            if value is None:
                # implemented by the model (it did not UNDEF), not virtualized: the real copy
                value = fast(vcpu.uc).cp_read(15, opc1, crn, crm, opc2)
        else:
            raise _Undefined
        if t == 15:  # APSR_nzcv form: flags from bits 31:28 (A8.8.107)
            vcpu.set_flags((vcpu.cpsr & ~0xF0000000) | (value & 0xF0000000))
        else:
            vcpu.set_reg(t, value)
        return Emulated(Form.MRC, (pc + 4) & M32)

    _CP15_64 = {(0, 2): Cp15.TTBR0, (1, 2): Cp15.TTBR1, (0, 7): Cp15.PAR}

    def _mcrr(self, word: int, pc: int) -> Emulated:
        vcpu = self.vcpu
        if self.coproc_hook is not None:
            value = self._r((word >> 12) & 0xF, pc) | (self._r((word >> 16) & 0xF, pc) << 32)
            if self.coproc_hook((word >> 8) & 0xF, (word >> 4) & 0xF, 0, word & 0xF, 0, True, value,
                                vcpu.privileged) is not None:
                return Emulated(Form.MCRR, (pc + 4) & M32)
        self._need_priv()
        if (word >> 8) & 0xF != 15:
            raise _Undefined
        reg = self._CP15_64.get(((word >> 4) & 0xF, word & 0xF))
        if reg is None:
            raise _Undefined
        # short-descriptor translation only (TTBCR.EAE = 0): the low word is the 32-bit register
        if not vcpu.write_cp15(int(reg), self._r((word >> 12) & 0xF, pc)):
            raise _Undefined
        return Emulated(Form.MCRR, (pc + 4) & M32)

    def _mrrc(self, word: int, pc: int) -> Emulated:
        vcpu = self.vcpu
        if self.coproc_hook is not None:
            owned = self.coproc_hook((word >> 8) & 0xF, (word >> 4) & 0xF, 0, word & 0xF, 0, True, None,
                                     vcpu.privileged)
            if owned is not None:
                vcpu.set_reg((word >> 12) & 0xF, owned & M32)
                vcpu.set_reg((word >> 16) & 0xF, (owned >> 32) & M32)
                return Emulated(Form.MRRC, (pc + 4) & M32)
        self._need_priv()
        if (word >> 8) & 0xF != 15:
            raise _Undefined
        reg = self._CP15_64.get(((word >> 4) & 0xF, word & 0xF))
        value = None if reg is None else vcpu.read_cp15(int(reg))
        if value is None:
            raise _Undefined
        vcpu.set_reg((word >> 12) & 0xF, value)
        vcpu.set_reg((word >> 16) & 0xF, 0)
        return Emulated(Form.MRRC, (pc + 4) & M32)

    # VFP system registers (B6.1.14, table B6-? "VFP system registers"): reg field -> Unicorn id
    _VFP_REGS = {0: A.UC_ARM_REG_FPSID, 1: A.UC_ARM_REG_FPSCR, 8: A.UC_ARM_REG_FPEXC,
                 9: A.UC_ARM_REG_FPINST, 10: A.UC_ARM_REG_FPINST2}

    def _vfp_check(self, reg: int) -> int:
        vcpu = self.vcpu
        uc_id = self._VFP_REGS.get(reg)
        if uc_id is None:
            raise _Undefined
        # CPACR (B4.1.40) is not consulted: the reference CPU model (Unicorn's) gives PL1 the
        # FP system registers whatever CPACR says, and keeps CPACR at 0
        if reg != 1 and not vcpu.privileged:
            raise _Undefined  # only FPSCR is reachable from PL0 (B6.1.14)
        fpexc = vcpu.uc.reg_read(A.UC_ARM_REG_FPEXC)
        if reg not in (0, 8) and not fpexc & (1 << 30):
            raise _Undefined  # FPEXC.EN = 0: only FPSID and FPEXC are accessible
        return uc_id

    def _vmrs(self, word: int, pc: int) -> Emulated:
        vcpu = self.vcpu
        reg, t = (word >> 16) & 0xF, (word >> 12) & 0xF
        value = vcpu.uc.reg_read(self._vfp_check(reg))
        if t == 15:
            vcpu.set_flags((vcpu.cpsr & ~0xF0000000) | (value & 0xF0000000))
        else:
            vcpu.set_reg(t, value)
        return Emulated(Form.VMRS, (pc + 4) & M32)

    def _vmsr(self, word: int, pc: int) -> Emulated:
        vcpu = self.vcpu
        reg, t = (word >> 16) & 0xF, (word >> 12) & 0xF
        vcpu.uc.reg_write(self._vfp_check(reg), self._r(t, pc))
        return Emulated(Form.VMSR, (pc + 4) & M32)

    # ---------------------------------------------------------------- hints and exceptions
    def _wfi(self, word: int, pc: int) -> Emulated:
        return Emulated(Form.WFI, (pc + 4) & M32, Event.WAIT)

    def _wfe(self, word: int, pc: int) -> Emulated:
        # WFE may complete at once (an event register that is set is allowed, A8.8.424); vtrans
        # has one CPU and no SEV source, so it is a hint that costs nothing
        return Emulated(Form.WFE, (pc + 4) & M32)

    def _svc(self, word: int, pc: int) -> Emulated:
        return self._exception(Form.SVC, ExceptionKind.SVC, pc)

    def _bkpt(self, word: int, pc: int) -> Emulated:
        # BKPT is a debug event; with halting debug disabled it is a Prefetch Abort with
        # IFSR.FS = 0b00010 "debug event" (C4.2, B4.1.96)
        self.vcpu.store_cp15(Cp15.IFSR, 0x2)
        return self._exception(Form.BKPT, ExceptionKind.PREFETCH_ABORT, pc)

    def _smc(self, word: int, pc: int) -> Emulated:
        # the Security Extensions are not virtualized: SMC is UNDEFINED (B9.3.14 without them)
        raise _Undefined

    def _hvc(self, word: int, pc: int) -> Emulated:
        # the Virtualization Extensions are not virtualized: HVC is UNDEFINED (B9.3.4, HCR absent)
        raise _Undefined

    def _udf(self, word: int, pc: int) -> Emulated:
        raise _Undefined


__all__ = ["Emulated", "Emulator", "Event", "Form", "GuestMemory", "VirtualAbort", "condition_passed", "decode",
           "PSR_A", "PSR_F", "PSR_FLAGS", "PSR_I"]

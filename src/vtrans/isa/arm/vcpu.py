"""The virtual CPU of a deprivileged ARM guest.

The guest kernel runs in real User mode on Unicorn.  Everything the hardware
would keep for a privileged mode lives here instead:

* the virtual CPSR's mode field M[4:0] and the A/I/F masks (the condition flags
  N Z C V Q and GE[3:0] stay in the real CPSR: they are unprivileged state and
  the guest's own instructions update them at full speed);
* the banked SP/LR of every mode, the SPSR of every exception mode and the FIQ
  bank of r8-r12 (ARM ARM B1.3.2, "ARM core registers");
* a virtual cp15 (B4.1, "VMSA System control registers");
* the virtual interrupt inputs (IRQ/FIQ lines driven by the board's
  interrupt controller).

The real CPU always holds the registers of the *current virtual mode*: its
User-mode SP and LR are the guest's current SP and LR, and while the virtual
mode is FIQ its r8-r12 are the FIQ bank.  ``set_mode`` swaps them, as the
hardware's banking would.

Exception entry (B1.8.3 "Exception entry") and the CPSR writes of MSR and
exception returns (B1.3.3, pseudocode ``CPSRWriteByInstr``) are implemented
here, so the emulator and the VMM share one definition.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Callable

import unicorn
from unicorn import arm_const as A

from vtrans.isa.arm.modes import Mode  # noqa: F401 - part of this module's vocabulary
from vtrans.isa.arm.ucfast import fast, reset_security_state
log = logging.getLogger(__name__)


#: modes the virtual CPU implements (no Security or Virtualization Extensions are virtualized)
VALID_MODES = frozenset({Mode.USR, Mode.FIQ, Mode.IRQ, Mode.SVC, Mode.ABT, Mode.UND, Mode.SYS})
#: exception modes, in the order of the vCPU block's SPSR slots (see ARCHITECTURE.md "Hypercall ABI")
SPSR_MODES = (Mode.SVC, Mode.ABT, Mode.UND, Mode.IRQ, Mode.FIQ)

# CPSR bit masks (B1.3.3, figure B1-2)
PSR_FLAGS = 0xF8000000  # N Z C V Q
PSR_GE = 0x000F0000
PSR_E = 1 << 9          # data endianness: User code changes it itself (setend)
PSR_USER = PSR_FLAGS | PSR_GE | PSR_E  # what lives in the real CPSR
PSR_A = 1 << 8
PSR_I = 1 << 7
PSR_F = 1 << 6
PSR_T = 1 << 5
#: IT[7:0] (CPSR[15:10] and [26:25], B1.3.3): the Thumb If-Then state
PSR_IT = (0x3F << 10) | (0x3 << 25)
#: the execution state, which also lives in the real CPSR: the real CPU executes in it
PSR_EXEC = PSR_T | PSR_IT
PSR_J = 1 << 24
PSR_AIF = PSR_A | PSR_I | PSR_F
PSR_M = 0x1F


def bank_of(mode: int) -> int:
    """The register bank a mode uses: System mode shares User's (B1.3.2)."""
    return Mode.USR if mode == Mode.SYS else mode


class ExceptionKind(StrEnum):
    """Exceptions the vCPU delivers (B1.8.1, table B1-3)."""

    RESET = "reset"
    UNDEF = "undefined"
    SVC = "svc"
    PREFETCH_ABORT = "prefetch-abort"
    DATA_ABORT = "data-abort"
    IRQ = "irq"
    FIQ = "fiq"


@dataclass(frozen=True)
class _Vector:
    offset: int
    mode: Mode
    #: LR = address of the faulting/next instruction + this (ARM state, B1.8.3 table B1-7)
    lr_offset: int
    #: masks set on entry: I always; A on aborts, IRQ, FIQ; F on FIQ and reset (B1.8.3)
    set_mask: int


def lr_offset(kind: ExceptionKind, thumb: bool) -> int:
    """LR = the preferred return address + this (B1.8.3 table B1-7): from Thumb state UNDEF and
    SVC add 2, the rest as from ARM state."""
    if thumb and kind in (ExceptionKind.UNDEF, ExceptionKind.SVC):
        return 2
    return VECTORS[kind].lr_offset


VECTORS: dict[ExceptionKind, _Vector] = {
    ExceptionKind.RESET: _Vector(0x00, Mode.SVC, 0, PSR_A | PSR_I | PSR_F),
    ExceptionKind.UNDEF: _Vector(0x04, Mode.UND, 4, PSR_I),
    ExceptionKind.SVC: _Vector(0x08, Mode.SVC, 4, PSR_I),
    ExceptionKind.PREFETCH_ABORT: _Vector(0x0C, Mode.ABT, 4, PSR_A | PSR_I),
    ExceptionKind.DATA_ABORT: _Vector(0x10, Mode.ABT, 8, PSR_A | PSR_I),
    ExceptionKind.IRQ: _Vector(0x18, Mode.IRQ, 4, PSR_A | PSR_I),
    ExceptionKind.FIQ: _Vector(0x1C, Mode.FIQ, 4, PSR_A | PSR_I | PSR_F),
}


class Cp15(IntEnum):
    """The cp15 registers the vCPU virtualizes, keyed (CRn, opc1, CRm, opc2) (B4.1, table B3-42)."""

    MIDR = 0x0000_0000
    CTR = 0x0000_0001
    TCMTR = 0x0000_0002
    TLBTR = 0x0000_0003
    MPIDR = 0x0000_0005
    REVIDR = 0x0000_0006
    ID_PFR0 = 0x0000_0100
    ID_PFR1 = 0x0000_0101
    ID_DFR0 = 0x0000_0102
    ID_AFR0 = 0x0000_0103
    ID_MMFR0 = 0x0000_0104
    ID_MMFR1 = 0x0000_0105
    ID_MMFR2 = 0x0000_0106
    ID_MMFR3 = 0x0000_0107
    ID_ISAR0 = 0x0000_0200
    ID_ISAR1 = 0x0000_0201
    ID_ISAR2 = 0x0000_0202
    ID_ISAR3 = 0x0000_0203
    ID_ISAR4 = 0x0000_0204
    ID_ISAR5 = 0x0000_0205
    CCSIDR = 0x0001_0000
    CLIDR = 0x0001_0001
    AIDR = 0x0001_0007
    CSSELR = 0x0002_0000
    SCTLR = 0x0100_0000
    ACTLR = 0x0100_0001
    CPACR = 0x0100_0002
    TTBR0 = 0x0200_0000
    TTBR1 = 0x0200_0001
    TTBCR = 0x0200_0002
    DACR = 0x0300_0000
    DFSR = 0x0500_0000
    IFSR = 0x0500_0001
    ADFSR = 0x0500_0100
    AIFSR = 0x0500_0101
    DFAR = 0x0600_0000
    IFAR = 0x0600_0002
    PAR = 0x0700_0400
    PRRR = 0x0A00_0200
    NMRR = 0x0A00_0201
    VBAR = 0x0C00_0000
    ISR = 0x0C00_0100
    CONTEXTIDR = 0x0D00_0001
    TPIDRURW = 0x0D00_0002
    TPIDRURO = 0x0D00_0003
    TPIDRPRW = 0x0D00_0004
    CBAR = 0x0F04_0000

    @property
    def coords(self) -> tuple[int, int, int, int]:
        v = int(self)
        return (v >> 24) & 0xF, (v >> 16) & 0xF, (v >> 8) & 0xF, v & 0xF


def cp15_key(crn: int, opc1: int, crm: int, opc2: int) -> int:
    return (crn << 24) | (opc1 << 16) | (crm << 8) | opc2


#: read-only identification registers (writes are UNDEFINED, B4.1)
CP15_READ_ONLY = frozenset({
    Cp15.MIDR, Cp15.CTR, Cp15.TCMTR, Cp15.TLBTR, Cp15.MPIDR, Cp15.REVIDR,
    Cp15.ID_PFR0, Cp15.ID_PFR1, Cp15.ID_DFR0, Cp15.ID_AFR0, Cp15.ID_MMFR0, Cp15.ID_MMFR1,
    Cp15.ID_MMFR2, Cp15.ID_MMFR3, Cp15.ID_ISAR0, Cp15.ID_ISAR1, Cp15.ID_ISAR2, Cp15.ID_ISAR3,
    Cp15.ID_ISAR4, Cp15.ID_ISAR5, Cp15.CCSIDR, Cp15.CLIDR, Cp15.AIDR, Cp15.ISR, Cp15.CBAR,
})
#: registers that stay in the real CPU because User mode may reach them there (B4.1.150-152):
#: TPIDRURW is read/write and TPIDRURO readable from PL0, so the hardware copy is the guest's copy
CP15_REAL = frozenset({Cp15.TPIDRURW, Cp15.TPIDRURO})
#: registers whose writes change address translation: the VMM must flush its TLB (B3.10)
CP15_TRANSLATION = frozenset({Cp15.SCTLR, Cp15.TTBR0, Cp15.TTBR1, Cp15.TTBCR, Cp15.DACR,
                              Cp15.CONTEXTIDR, Cp15.PRRR, Cp15.NMRR})
#: registers compared in architectural-state snapshots (the guest-visible configuration)
_CP15_KEYS = frozenset(int(r) for r in Cp15)
CP15_STATE = (Cp15.SCTLR, Cp15.ACTLR, Cp15.CPACR, Cp15.TTBR0, Cp15.TTBR1, Cp15.TTBCR, Cp15.DACR,
              Cp15.DFSR, Cp15.IFSR, Cp15.DFAR, Cp15.IFAR, Cp15.VBAR, Cp15.CONTEXTIDR,
              Cp15.TPIDRURW, Cp15.TPIDRURO, Cp15.TPIDRPRW)

_GPR = (A.UC_ARM_REG_R0, A.UC_ARM_REG_R1, A.UC_ARM_REG_R2, A.UC_ARM_REG_R3, A.UC_ARM_REG_R4,
        A.UC_ARM_REG_R5, A.UC_ARM_REG_R6, A.UC_ARM_REG_R7, A.UC_ARM_REG_R8, A.UC_ARM_REG_R9,
        A.UC_ARM_REG_R10, A.UC_ARM_REG_R11, A.UC_ARM_REG_R12, A.UC_ARM_REG_SP, A.UC_ARM_REG_LR,
        A.UC_ARM_REG_PC)
_SP_LR = (A.UC_ARM_REG_SP, A.UC_ARM_REG_LR)
GPR_IDS = _GPR


def read_cp15(uc: unicorn.Uc, reg: Cp15) -> int | None:
    """A cp15 register of a real (Unicorn) CPU, or None if its model does not implement it."""
    crn, opc1, crm, opc2 = reg.coords
    try:
        return fast(uc).cp_read(15, opc1, crn, crm, opc2)
    except unicorn.UcError:
        return None


class ReferenceModel:
    """What the real CPU model does with a word when it runs *privileged* — asked, not assumed.

    The CPU models differ (ARM926 has no ``cps``/``srs``/VBAR, nor GE flags), and native mode
    is whatever the model does.  A deprivileged guest must see the same, so the vCPU asks a
    scratch CPU of the same model, reset as the machine resets it (``reset_security_state``),
    in SVC mode, once per distinct word, and caches the answer.
    """

    _by_model: dict[int, "ReferenceModel"] = {}
    _models_lock = threading.Lock()

    def __init__(self, model: int):
        self.model = model
        self._undefined: dict[int, bool] = {}
        self._nop_read: dict[int, bool] = {}
        self._scratch: tuple[unicorn.Uc, object] | None = None
        # one scratch CPU per model, shared by every machine of the process: machines run on
        # several threads at once, and a Unicorn instance must never run on two
        self._lock = threading.Lock()
        # msr cpsr_cx, #0x13 from SVC with A, I, F set: which masks did it clear?
        err, (cpsr,) = self._run(0xE323F013, Mode.SVC | PSR_AIF, read=(A.UC_ARM_REG_CPSR,))
        cpsr = cpsr if err is None else PSR_AIF
        self.a_writable = not cpsr & PSR_A
        self.f_writable = not cpsr & PSR_F
        # msr cpsr_fs, r0 and msr cpsr_x, r0 with r0 = ~0: the flag bits the model has (no GE
        # nor E before ARMv6)
        err, (cpsr,) = self._run(0xE12CF000, Mode.SVC | PSR_AIF, r0=0xFFFFFFFF, read=(A.UC_ARM_REG_CPSR,))
        self.user_mask = cpsr & PSR_USER if err is None else PSR_FLAGS
        err, (cpsr,) = self._run(0xE122F000, Mode.SVC | PSR_AIF, r0=0xFFFFFFFF, read=(A.UC_ARM_REG_CPSR,))
        if err is None:
            self.user_mask |= cpsr & PSR_E
        # msr spsr_fsxc, r0 with r0 = ~0, then read SPSR: the bits an SPSR holds on this model
        err, (spsr,) = self._run(0xE16FF000, Mode.SVC | PSR_AIF, r0=0xFFFFFFFF, read=(A.UC_ARM_REG_SPSR,))
        self.spsr_mask = spsr if err is None else 0xFFFFFFFF

    @classmethod
    def of(cls, uc: unicorn.Uc) -> "ReferenceModel":
        model = uc.ctl_get_cpu_model()
        with cls._models_lock:
            ref = cls._by_model.get(model)
            if ref is None:
                ref = cls._by_model[model] = cls(model)
        return ref

    def _run(self, word: int, cpsr: int, r0: int = 0x8000,
             read: tuple[int, ...] = ()) -> tuple[int | None, list[int]]:
        """Run ``word`` once on the scratch CPU, from its reset state (restored each time: a
        word may change any register, the MMU's included): the Unicorn error (None if it
        ran) and the values of the registers ``read`` afterwards."""
        with self._lock:
            if self._scratch is None:
                uc = unicorn.Uc(unicorn.UC_ARCH_ARM, unicorn.UC_MODE_ARM)
                uc.ctl_set_cpu_model(self.model)
                reset_security_state(uc, self.model)
                uc.mem_map(0, 0x10000)
                self._scratch = (uc, uc.context_save())
            uc, reset = self._scratch
            uc.context_restore(reset)
            uc.ctl(unicorn.UC_CTL_TLB_FLUSH, unicorn.UC_CTL_IO_WRITE)
            uc.mem_write(0, bytes(0x10000))
            uc.mem_write(0x1000, word.to_bytes(4, "little"))
            uc.ctl_remove_cache(0x1000, 0x1004)
            uc.reg_write(A.UC_ARM_REG_CPSR, cpsr)
            for r in _GPR[:15]:
                uc.reg_write(r, 0x8000)  # any base register points at mapped memory
            uc.reg_write(A.UC_ARM_REG_R0, r0)
            try:
                uc.emu_start(0x1000, 0x2000, count=1)
            except unicorn.UcError as e:
                return e.errno, [0] * len(read)
            return None, [uc.reg_read(r) for r in read]

    def implements(self, reg: "Cp15") -> bool:
        """True if ``mrc`` of cp15 register ``reg`` is defined on this model."""
        crn, opc1, crm, opc2 = reg.coords
        return not self.undefined(0xEE100F10 | (opc1 << 21) | (crn << 16) | (opc2 << 5) | crm)

    def read_is_nop(self, word: int) -> bool:
        """True if the model's ``mrc`` ``word`` leaves its destination register as it was (a
        register QEMU defines as a no-op, like the ARM926's PRRR/NMRR encodings)."""
        word = (word & 0x0FFF0FFF) | 0xE0000000      # AL, Rt = r0
        hit = self._nop_read.get(word)
        if hit is None:
            hit = True
            for sentinel in (0x12345678, 0xEDCBA987):
                err, (r0,) = self._run(word, Mode.SVC | PSR_AIF, r0=sentinel, read=(A.UC_ARM_REG_R0,))
                hit = hit and err is None and r0 == sentinel
            self._nop_read[word] = hit
        return hit

    def undefined(self, word: int) -> bool:
        """True if the model raises UNDEFINED for ``word`` in SVC mode (condition made AL)."""
        if word >> 28 != 0xF:
            word = (word & 0x0FFFFFFF) | 0xE0000000
        hit = self._undefined.get(word)
        if hit is None:
            err, _ = self._run(word, Mode.SVC | PSR_AIF)
            hit = self._undefined[word] = err == unicorn.UC_ERR_INSN_INVALID
        return hit


def write_cp_raw(uc: unicorn.Uc, cp: int, opc1: int, crn: int, crm: int, opc2: int, value: int) -> None:
    """``cpr_write`` that survives a Unicorn 2.1 defect: writing a register the model defines as a
    constant (e.g. the A15's ACTLR) stores the value at offset 0 of the CPU state, which is r0.
    r0 is saved and restored around the write."""
    r0 = uc.reg_read(A.UC_ARM_REG_R0)
    fast(uc).cp_write(cp, opc1, crn, crm, opc2, value & 0xFFFFFFFF)
    uc.reg_write(A.UC_ARM_REG_R0, r0)


@dataclass
class Banks:
    """Banked registers of one mode (B1.3.2)."""

    sp: int = 0
    lr: int = 0
    spsr: int = 0


@dataclass(frozen=True)
class ArchState:
    """The guest-visible architectural state, for comparing execution modes.

    ``regs`` are r0-r15 as seen in the current mode; ``banks`` maps each mode
    to (SP, LR, SPSR) (User/System has no SPSR: 0); ``fiq_r8_r12`` and
    ``usr_r8_r12`` are the two r8-r12 banks.
    """

    regs: tuple[int, ...]
    cpsr: int
    banks: tuple[tuple[str, int, int, int], ...]
    usr_r8_r12: tuple[int, ...]
    fiq_r8_r12: tuple[int, ...]
    cp15: tuple[tuple[str, int], ...]

    def diff(self, other: "ArchState") -> list[str]:
        """Human-readable differences (empty when equal)."""
        out: list[str] = []
        for i, (a, b) in enumerate(zip(self.regs, other.regs)):
            if a != b:
                out.append(f"r{i}: 0x{a:08x} != 0x{b:08x}")
        if self.cpsr != other.cpsr:
            out.append(f"cpsr: 0x{self.cpsr:08x} != 0x{other.cpsr:08x}")
        for a, b in zip(self.banks, other.banks):
            if a != b:
                out.append(f"bank {a[0]}: sp/lr/spsr {tuple(hex(x) for x in a[1:])} != {tuple(hex(x) for x in b[1:])}")
        if self.usr_r8_r12 != other.usr_r8_r12:
            out.append(f"usr r8-r12: {[hex(x) for x in self.usr_r8_r12]} != {[hex(x) for x in other.usr_r8_r12]}")
        if self.fiq_r8_r12 != other.fiq_r8_r12:
            out.append(f"fiq r8-r12: {[hex(x) for x in self.fiq_r8_r12]} != {[hex(x) for x in other.fiq_r8_r12]}")
        for a, b in zip(self.cp15, other.cp15):
            if a != b:
                out.append(f"{a[0]}: 0x{a[1]:08x} != 0x{b[1]:08x}")
        return out


_STATE_MODES = (Mode.USR, Mode.SVC, Mode.ABT, Mode.UND, Mode.IRQ, Mode.FIQ)


def native_arch_state(uc: unicorn.Uc) -> ArchState:
    """Snapshot a CPU running the guest natively (privileged).  Restores its CPSR.

    Unicorn has no per-mode register ids: other modes' banks are reached by
    switching CPSR.M, which banks SP/LR/SPSR and r8-r12 correctly.
    """
    cpsr = uc.reg_read(A.UC_ARM_REG_CPSR)
    regs = tuple(uc.reg_read(r) for r in _GPR)
    banks = []
    usr = fiq = ()
    try:
        for m in _STATE_MODES:
            uc.reg_write(A.UC_ARM_REG_CPSR, (cpsr & ~PSR_M) | m)
            spsr = 0 if m == Mode.USR else uc.reg_read(A.UC_ARM_REG_SPSR)
            banks.append((m.name.lower(), uc.reg_read(A.UC_ARM_REG_SP), uc.reg_read(A.UC_ARM_REG_LR), spsr))
            hi = tuple(uc.reg_read(r) for r in _GPR[8:13])
            if m == Mode.USR:
                usr = hi
            elif m == Mode.FIQ:
                fiq = hi
    finally:
        uc.reg_write(A.UC_ARM_REG_CPSR, cpsr)
    model = ReferenceModel.of(uc)
    cp15 = tuple((r.name, (read_cp15(uc, r) if model.implements(r) else 0) or 0) for r in CP15_STATE)
    return ArchState(regs, cpsr & ~PSR_T, tuple(banks), usr, fiq, cp15)


def _fast_registers(uc: unicorn.Uc) -> tuple[Callable[[int], int], Callable[[int, int], None]]:
    """32-bit register read/write straight through the C library (``ucfast.py``): the VMM
    touches registers on every trap and hypercall."""
    from vtrans.isa.arm.ucfast import fast

    acc = fast(uc)
    return acc.read, acc.write


class VCpu:
    """Virtual privileged state of one guest CPU, over a real CPU kept in User mode.

    ``on_translation_change`` is called whenever what the guest's accesses may
    reach changes (privilege, MMU registers, TLB maintenance): the VMM flushes
    its software TLB there.
    """

    def __init__(self, uc: unicorn.Uc, *, mode: Mode = Mode.SVC, cpsr_masks: int = PSR_A | PSR_I | PSR_F,
                 cp15_overrides: dict[Cp15, int] | None = None,
                 on_translation_change: Callable[[], None] | None = None):
        self.uc = uc
        self._rd, self._wr = _fast_registers(uc)
        from vtrans.isa.arm.ucfast import fast

        self._wr_many = fast(uc).write_many
        #: M[4:0] of the virtual CPSR
        self.mode: int = int(mode)
        #: A, I, F bits of the virtual CPSR
        self.masks: int = cpsr_masks & PSR_AIF
        #: banked SP/LR/SPSR of every mode except the current one (whose SP/LR are in the real CPU)
        self.banks: dict[int, Banks] = {m: Banks() for m in (Mode.USR, Mode.FIQ, Mode.IRQ, Mode.SVC,
                                                               Mode.ABT, Mode.UND)}
        #: the r8-r12 bank not currently in the real CPU
        self.other_r8_r12: list[int] = [0] * 5
        #: virtual interrupt inputs (level), set by the interrupt controller
        self.irq_line = False
        self.fiq_line = False
        self.on_translation_change = on_translation_change
        #: called when the virtual privilege changes (default: ``on_translation_change``)
        self.on_privilege_change: Callable[[], None] | None = None
        #: exceptions are taken in the state SCTLR.TE selects (ARMv7; earlier CPUs take
        #: them in ARM state): set by the VMM from the CPU's traits
        self.thumb_exceptions = False
        #: the TTBCR bits the board's CPU keeps in QEMU (``CpuTraits.ttbcr_mask``): set by the VMM
        self.ttbcr_mask = 0xFFFFFFFF
        self.model = ReferenceModel.of(uc)
        self.cp15: dict[int, int] = {}
        for reg in Cp15:
            if reg in CP15_REAL or not self.model.implements(reg):
                continue
            value = read_cp15(uc, reg)
            if value is not None:
                self.cp15[int(reg)] = value
        self.cp15[int(Cp15.ISR)] = 0
        for reg, value in (cp15_overrides or {}).items():
            self.cp15[int(reg)] = value & 0xFFFFFFFF
        # the virtual registers start as the real CPU's (the model's reset values); the VMM
        # translates with a software TLB (runtime/vmm.py), so the real MMU never walks them
        self._real_cpsr_user()

    @classmethod
    def deprivilege(cls, uc: unicorn.Uc, **kwargs) -> "VCpu":
        """Move the privileged state of a CPU set up natively (any mode) into a new vCPU and
        drop the real CPU to User mode, keeping every guest-visible value (banks, SPSRs,
        cp15, masks).  The VMM calls this after the board's reset code ran."""
        cpsr = uc.reg_read(A.UC_ARM_REG_CPSR)
        mode = cpsr & PSR_M
        if mode not in VALID_MODES:
            raise GuestStateError(f"cannot virtualize CPU mode 0x{mode:02x}")
        saved: dict[int, Banks] = {}
        hi: dict[int, list[int]] = {}
        try:
            for m in (Mode.USR, Mode.FIQ, Mode.IRQ, Mode.SVC, Mode.ABT, Mode.UND):
                uc.reg_write(A.UC_ARM_REG_CPSR, (cpsr & ~PSR_M) | m)
                saved[m] = Banks(uc.reg_read(A.UC_ARM_REG_SP), uc.reg_read(A.UC_ARM_REG_LR),
                                 0 if m == Mode.USR else uc.reg_read(A.UC_ARM_REG_SPSR))
                if m in (Mode.USR, Mode.FIQ):
                    hi[m] = [uc.reg_read(r) for r in _GPR[8:13]]
        finally:
            uc.reg_write(A.UC_ARM_REG_CPSR, cpsr)
        # switch the real CPU to User mode: its USR bank must then hold the current mode's
        # registers (System mode shares them already)
        cur = bank_of(mode)
        uc.reg_write(A.UC_ARM_REG_CPSR, (cpsr & (PSR_USER | PSR_EXEC)) | Mode.USR)
        uc.reg_write(A.UC_ARM_REG_SP, saved[cur].sp)
        uc.reg_write(A.UC_ARM_REG_LR, saved[cur].lr)
        if cur == Mode.FIQ:
            for r, v in zip(_GPR[8:13], hi[Mode.FIQ]):
                uc.reg_write(r, v)
        vcpu = cls(uc, mode=Mode(mode), cpsr_masks=cpsr & PSR_AIF, **kwargs)
        vcpu.banks = saved
        vcpu.other_r8_r12 = hi[Mode.USR] if cur == Mode.FIQ else hi[Mode.FIQ]
        return vcpu

    # -- real CPU helpers ---------------------------------------------------------------
    def _real_cpsr_user(self) -> None:
        cpsr = self._rd(A.UC_ARM_REG_CPSR)
        if cpsr & PSR_M != Mode.USR:
            self._wr(A.UC_ARM_REG_CPSR, (cpsr & (PSR_USER | PSR_EXEC)) | Mode.USR)

    def reg(self, n: int) -> int:
        """Register ``n`` of the current virtual mode (r15 reads the real PC, not PC+8)."""
        return self._rd(_GPR[n])

    def set_reg(self, n: int, value: int) -> None:
        self._wr(_GPR[n], value & 0xFFFFFFFF)

    def set_pc(self, address: int) -> None:
        """Continue at ``address`` in the current execution state (a write of Unicorn's PC
        selects the state by its bit 0, so a Thumb address gets it)."""
        thumb = 1 if self._rd(A.UC_ARM_REG_CPSR) & PSR_T else 0
        self._wr(A.UC_ARM_REG_PC, (address & ~1 & 0xFFFFFFFF) | thumb)

    @property
    def thumb(self) -> bool:
        """The real CPU (so the guest) is in Thumb state."""
        return bool(self._rd(A.UC_ARM_REG_CPSR) & PSR_T)

    def set_execution_state(self, value: int) -> None:
        """CPSR.T and IT[7:0] from ``value`` (an exception return, exception entry)."""
        real = self._rd(A.UC_ARM_REG_CPSR)
        self._wr(A.UC_ARM_REG_CPSR, (real & ~PSR_EXEC) | (value & PSR_EXEC))

    def advance_it(self) -> None:
        """``ITAdvance()`` (A2.5.2) after an emulated Thumb instruction inside an IT block."""
        real = self._rd(A.UC_ARM_REG_CPSR)
        it = (real >> 8) & 0xFC | (real >> 25) & 3
        if not it:
            return
        it = 0 if it & 7 == 0 else (it & 0xE0) | ((it << 1) & 0x1F)
        self._wr(A.UC_ARM_REG_CPSR, (real & ~PSR_IT) | (it & 0xFC) << 8 | (it & 3) << 25)

    def set_regs(self, ns: list[int], values) -> None:
        """Registers ``ns`` of the current virtual mode at once (an LDM's list)."""
        self._wr_many(tuple(_GPR[n] for n in ns), values)

    @property
    def privileged(self) -> bool:
        return self.mode != Mode.USR

    # -- CPSR -----------------------------------------------------------------------------
    @property
    def cpsr(self) -> int:
        """The virtual CPSR: flags and execution state from the real CPU, mode and masks from
        here."""
        return (self._rd(A.UC_ARM_REG_CPSR) & (PSR_USER | PSR_EXEC)) | self.masks | self.mode

    def set_flags(self, value: int) -> None:
        real = self._rd(A.UC_ARM_REG_CPSR)
        self._wr(A.UC_ARM_REG_CPSR, (real & ~PSR_USER & ~PSR_M) | (value & PSR_USER) | Mode.USR)

    def _set_real(self, bits: int) -> None:
        """The real CPSR's flags, E and execution state from ``bits`` (User mode, as ever)."""
        real = self._rd(A.UC_ARM_REG_CPSR)
        keep = PSR_USER | PSR_EXEC
        self._wr(A.UC_ARM_REG_CPSR, (real & ~keep & ~PSR_M) | (bits & keep) | Mode.USR)

    def write_cpsr(self, value: int, bytemask: int, *, exception_return: bool = False) -> None:
        """``CPSRWriteByInstr`` (ARM ARM B1.3.3 / pseudocode in B9.3.12) for the virtual CPSR.

        The execution state (T and IT) lives in the real CPSR: an instruction never writes it,
        an exception return does (``exception_return``); J (Jazelle) stays 0, returning with it
        set is refused.  E (data endianness) lives in the real CPSR, as User code changes it
        itself with ``setend``.
        """
        value &= 0xFFFFFFFF
        priv = self.privileged
        new_flags = self._rd(A.UC_ARM_REG_CPSR) & PSR_USER
        writable = self.model.user_mask
        if bytemask & 8:
            new_flags = (new_flags & ~(PSR_FLAGS & writable)) | (value & PSR_FLAGS & writable)
        if bytemask & 4:
            new_flags = (new_flags & ~(PSR_GE & writable)) | (value & PSR_GE & writable)
        if bytemask & 2:  # E is writable at any privilege (B9.3.12 CPSRWriteByInstr)
            new_flags = (new_flags & ~(PSR_E & writable)) | (value & PSR_E & writable)
        masks = self.masks
        # A and F are writable only "if IsSecure() || SCR.AW/FW || HaveVirtExt()"; which holds
        # is the CPU model's business, so it is asked (ReferenceModel)
        if bytemask & 2 and priv and self.model.a_writable:
            masks = (masks & ~PSR_A) | (value & PSR_A)
        if bytemask & 1 and priv:
            masks = (masks & ~PSR_I) | (value & PSR_I)
            # SCTLR.NMFI (bit 27) makes F write-once-to-1 (B1.8.7)
            if self.model.f_writable and (not (self.cp15.get(Cp15.SCTLR, 0) & (1 << 27)) or not value & PSR_F):
                masks = (masks & ~PSR_F) | (value & PSR_F)
        if exception_return and value & PSR_J:
            raise GuestStateError("exception return to Jazelle state (J=1) is not supported")
        if exception_return:
            new_flags |= value & PSR_EXEC
        else:
            new_flags |= self._rd(A.UC_ARM_REG_CPSR) & PSR_EXEC
        self._set_real(new_flags)
        self.masks = masks
        if bytemask & 1 and priv:
            new_mode = value & PSR_M
            if new_mode not in VALID_MODES:
                # UNPREDICTABLE (BadMode, B1.3.1); the hardware vtrans mirrors leaves the mode unchanged
                log.debug("ignoring CPSR write with bad mode 0x%02x", new_mode)
            else:
                self.set_mode(new_mode)

    # -- modes and banks --------------------------------------------------------------------
    def set_mode(self, new_mode: int) -> None:
        """Switch the virtual mode, swapping banked registers in the real CPU (B1.3.2)."""
        old_mode = self.mode
        if new_mode == old_mode:
            return
        rd, wr = self._rd, self._wr
        ob, nb = bank_of(old_mode), bank_of(new_mode)
        if ob != nb:
            old = self.banks[ob]
            old.sp = rd(A.UC_ARM_REG_SP)
            old.lr = rd(A.UC_ARM_REG_LR)
            new = self.banks[nb]
            self._wr_many(_SP_LR, (new.sp, new.lr))
            if (ob == Mode.FIQ) != (nb == Mode.FIQ):
                cur = [rd(r) for r in _GPR[8:13]]
                for r, v in zip(_GPR[8:13], self.other_r8_r12):
                    wr(r, v)
                self.other_r8_r12 = cur
        self.mode = new_mode
        if (old_mode == Mode.USR) != (new_mode == Mode.USR):
            # the permission checks of every cached translation depend on the privilege
            notify = self.on_privilege_change or self.on_translation_change
            if notify:
                notify()

    @property
    def spsr(self) -> int:
        """SPSR of the current mode (UNPREDICTABLE in User/System mode: reads 0)."""
        b = bank_of(self.mode)
        return 0 if b == Mode.USR else self.banks[b].spsr

    def set_spsr(self, value: int) -> None:
        b = bank_of(self.mode)
        if b != Mode.USR:
            self.banks[b].spsr = value & 0xFFFFFFFF

    def write_spsr(self, value: int, bytemask: int) -> None:
        """``SPSRWriteByInstr`` (B9.3.12): each mask bit writes one byte."""
        mask = 0
        for i in range(4):
            if bytemask & (1 << i):
                mask |= 0xFF << (8 * i)
        mask &= self.model.spsr_mask
        self.set_spsr((self.spsr & ~mask) | (value & mask))

    def banked_sp_lr(self, mode: int) -> tuple[int, int]:
        """SP and LR of ``mode`` (from the real CPU if it is the current bank)."""
        if bank_of(mode) == bank_of(self.mode):
            return self._rd(A.UC_ARM_REG_SP), self._rd(A.UC_ARM_REG_LR)
        b = self.banks[bank_of(mode)]
        return b.sp, b.lr

    def set_banked_sp(self, mode: int, value: int) -> None:
        if bank_of(mode) == bank_of(self.mode):
            self._wr(A.UC_ARM_REG_SP, value & 0xFFFFFFFF)
        else:
            self.banks[bank_of(mode)].sp = value & 0xFFFFFFFF

    def user_reg(self, n: int) -> int:
        """User-mode register ``n`` (for ``ldm/stm ^``, B9.3.5/B9.3.17)."""
        cur = bank_of(self.mode)
        if 8 <= n <= 12 and cur == Mode.FIQ:
            return self.other_r8_r12[n - 8]
        if n in (13, 14) and cur != Mode.USR:
            b = self.banks[Mode.USR]
            return b.sp if n == 13 else b.lr
        return self.reg(n)

    def set_user_reg(self, n: int, value: int) -> None:
        value &= 0xFFFFFFFF
        cur = bank_of(self.mode)
        if 8 <= n <= 12 and cur == Mode.FIQ:
            self.other_r8_r12[n - 8] = value
        elif n in (13, 14) and cur != Mode.USR:
            b = self.banks[Mode.USR]
            if n == 13:
                b.sp = value
            else:
                b.lr = value
        else:
            self.set_reg(n, value)

    # -- exceptions ---------------------------------------------------------------------------
    def vector_base(self) -> int:
        """SCTLR.V selects the high vectors, else VBAR (B1.8.1)."""
        if self.cp15.get(Cp15.SCTLR, 0) & (1 << 13):
            return 0xFFFF0000
        return self.cp15.get(Cp15.VBAR, 0) & ~0x1F

    def take_exception(self, kind: ExceptionKind, pc: int) -> int:
        """Enter exception ``kind`` (B1.8.3 ``TakeXException`` pseudocode); return the vector address.

        ``pc`` is the address the hardware's LR is computed from: the faulting
        instruction for UNDEF/SVC/aborts, the next instruction to execute for
        IRQ/FIQ.  Sets SPSR_<mode> = CPSR (with the execution state: T and IT),
        LR_<mode> = pc + offset (table B1-7: from Thumb state UNDEF and SVC add 2), the
        mode and the masks, and the handler's execution state: IT cleared, T = SCTLR.TE on
        ARMv7 (``thumb_exceptions``); the caller sets the real PC to the returned vector.
        """
        vec = VECTORS[kind]
        old_cpsr = self.cpsr
        if self.model.user_mask & PSR_E:
            # the handler's data endianness is SCTLR.EE (B1.8.3)
            ee = PSR_E if self.cp15.get(Cp15.SCTLR, 0) & (1 << 25) else 0
            if old_cpsr & PSR_E != ee:
                self.set_flags((old_cpsr & ~PSR_E) | ee)
        self.set_mode(vec.mode)
        self.banks[vec.mode].spsr = old_cpsr
        self._wr(A.UC_ARM_REG_LR, (pc + lr_offset(kind, bool(old_cpsr & PSR_T))) & 0xFFFFFFFF)
        self.masks |= vec.set_mask
        te = self.thumb_exceptions and self.cp15.get(Cp15.SCTLR, 0) & (1 << 30)
        if old_cpsr & PSR_EXEC or te:
            self.set_execution_state(PSR_T if te else 0)
        return (self.vector_base() + vec.offset) & 0xFFFFFFFF

    def pending_interrupt(self) -> ExceptionKind | None:
        """The virtual interrupt to take now, if any (FIQ before IRQ, B1.8.2)."""
        if self.fiq_line and not self.masks & PSR_F:
            return ExceptionKind.FIQ
        if self.irq_line and not self.masks & PSR_I:
            return ExceptionKind.IRQ
        return None

    # -- cp15 -----------------------------------------------------------------------------------
    def read_cp15(self, key: int) -> int | None:
        """Virtual cp15 register ``key`` (see ``cp15_key``), None if not implemented."""
        if key == Cp15.ISR:
            # ISR (B4.1.86): the virtual interrupt inputs, F bit 6, I bit 7
            return (0x40 if self.fiq_line else 0) | (0x80 if self.irq_line else 0)
        if key in (Cp15.TPIDRURW, Cp15.TPIDRURO):
            return read_cp15(self.uc, Cp15(key))
        return self.cp15.get(key)

    def write_cp15(self, key: int, value: int) -> bool:
        """Write a virtual cp15 register as ``mcr`` would; False if it does not exist or is read-only.

        The real CPU's cp15 is the backing store (it applies the model's write masks, and with
        the VMM's software TLB the real MMU never translates); ``self.cp15`` mirrors it for speed.
        """
        if key in CP15_READ_ONLY or key not in _CP15_KEYS:
            return False
        reg = Cp15(key)
        if reg == Cp15.TTBCR:
            value &= self.ttbcr_mask
        self.store_cp15(reg, value)
        if reg == Cp15.CPACR:
            # the real CPU must give the deprivileged kernel the access its virtual PL1 has:
            # "PL1 only" (01) becomes "full" (11) for cp10/cp11 (B4.1.40)
            real = self.cp15[key]
            for cp in (10, 11):
                if (real >> (2 * cp)) & 3 == 1:
                    real |= 3 << (2 * cp)
            crn, opc1, crm, opc2 = reg.coords
            write_cp_raw(self.uc, 15, opc1, crn, crm, opc2, real)
        if reg in CP15_TRANSLATION and self.on_translation_change:
            self.on_translation_change()
        return True

    def store_cp15(self, reg: Cp15, value: int) -> None:
        """Set a cp15 register (no side effects): real CPU, then the mirror from what it kept."""
        crn, opc1, crm, opc2 = reg.coords
        write_cp_raw(self.uc, 15, opc1, crn, crm, opc2, value)
        self.cp15[int(reg)] = fast(self.uc).cp_read(15, opc1, crn, crm, opc2)

    # -- snapshots ------------------------------------------------------------------------------
    def arch_state(self) -> ArchState:
        """The guest's architectural state, in the form ``native_arch_state`` gives."""
        regs = tuple(self._rd(r) for r in _GPR)
        cur = bank_of(self.mode)
        banks = []
        for m in _STATE_MODES:
            sp, lr = self.banked_sp_lr(m)
            spsr = 0 if m == Mode.USR else self.banks[m].spsr
            banks.append((m.name.lower(), sp, lr, spsr))
        hi = regs[8:13]
        other = tuple(self.other_r8_r12)
        usr, fiq = (other, hi) if cur == Mode.FIQ else (hi, other)
        cp15 = tuple((r.name, (self.read_cp15(int(r)) if self.model.implements(r) else 0) or 0)
                     for r in CP15_STATE)
        return ArchState(regs, self.cpsr & ~PSR_T, tuple(banks), usr, fiq, cp15)


class GuestStateError(Exception):
    """The guest asked for a state the vCPU does not virtualize (the VMM reports it as a GuestError)."""

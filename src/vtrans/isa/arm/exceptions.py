"""ARMv7-A exception entry on a real (Unicorn) CPU: DDI 0406C B1.8.

Unicorn reports exceptions but never takes them; the runtime calls
``take_exception`` to do what the hardware does on entry (B1.8.3):

* SPSR_<mode> := CPSR; LR_<mode> := return address (table B1-7 offsets);
* CPSR.M := the exception's mode; CPSR.I := 1; CPSR.A := 1 for aborts, IRQ and FIQ;
  CPSR.F := 1 for FIQ (and reset); IT and J cleared; CPSR.T := SCTLR.TE and
  CPSR.E := SCTLR.EE on ARMv7 (B1.8.3 pseudocode ``TakeXException``), T := 0 on ARMv5;
* PC := vector base + offset, where the base is 0xFFFF0000 if SCTLR.V, else VBAR
  on CPUs with the Security Extensions (B1.8.1), else 0.

How Unicorn reports them (measured; UNICORN-NOTES): SVC at the interrupt hook
(intno 2) with PC past the instruction; BKPT intno 7 with PC on it; prefetch and
data aborts intno 3/4 with PC on the faulting instruction; UNDEFINED at the
invalid-instruction hook with PC on the instruction (``wfe``/``yield``: PC already
past it).
"""

from __future__ import annotations

from dataclasses import dataclass

import unicorn

from vtrans.isa.arm import cp15
from vtrans.isa.arm.mmu import MmuConfig
from vtrans.isa.arm.ucfast import fast
from vtrans.isa.arm.cpu import (
    CPSR,
    CPU_ARCH_V7,
    CPU_HAS_PXN,
    CPU_HAS_VBAR,
    LR,
    TTBCR_KEPT,
    PC,
    PSR_E,
    PSR_IT,
    PSR_J,
    PSR_M,
    PSR_T,
    SPSR,
)
from vtrans.isa.arm.vcpu import VECTORS, ExceptionKind, lr_offset  # noqa: F401 - re-exported

#: Unicorn interrupt numbers (QEMU's EXCP_* for ARM) -> exception kinds
UC_INTNO: dict[int, ExceptionKind] = {
    1: ExceptionKind.UNDEF,
    2: ExceptionKind.SVC,
    3: ExceptionKind.PREFETCH_ABORT,
    4: ExceptionKind.DATA_ABORT,
    5: ExceptionKind.IRQ,
    6: ExceptionKind.FIQ,
    7: ExceptionKind.PREFETCH_ABORT,  # BKPT: a debug event, taken as a prefetch abort (C4.4.1, B1.9.7)
}
#: intno of BKPT (its IFSR status is "debug event")
UC_INTNO_BKPT = 7
#: HIGH_VECTORS base (B1.8.1)
HIGH_VECTORS = 0xFFFF0000


@dataclass(frozen=True)
class CpuTraits:
    """What exception entry depends on in the CPU model."""

    v7: bool
    has_vbar: bool
    #: PXN in the short-descriptor tables, and the TTBCR bits the walk honours (the MMU's
    #: traits, not exception entry's: kept with the rest)
    pxn: bool = False
    ttbcr_mask: int = 0xFFFFFFFF

    @classmethod
    def of_model(cls, model: int) -> "CpuTraits":
        return cls(v7=model in CPU_ARCH_V7, has_vbar=model in CPU_HAS_VBAR, pxn=model in CPU_HAS_PXN,
                   ttbcr_mask=TTBCR_KEPT.get(model, 0))

    def mmu_config(self, sctlr: int, ttbr0: int = 0, ttbr1: int = 0, ttbcr: int = 0, dacr: int = 0) -> MmuConfig:
        """What this CPU's MMU makes of these register values (the real CPU's, or a vCPU's)."""
        return MmuConfig(sctlr, ttbr0, ttbr1, ttbcr & self.ttbcr_mask, dacr, self.v7, self.pxn)


def vector_base(uc: unicorn.Uc, traits: CpuTraits, sctlr: int | None = None) -> int:
    """The exception vector base (B1.8.1): high vectors, else VBAR (Security Extensions), else 0."""
    if sctlr is None:
        sctlr = cp15.read(uc, cp15.Cp15.SCTLR)
    if sctlr & cp15.SCTLR_V:
        return HIGH_VECTORS
    if traits.has_vbar:
        return cp15.read(uc, cp15.Cp15.VBAR) & ~0x1F
    return 0


def entry_cpsr(cpsr: int, kind: ExceptionKind, sctlr: int, traits: CpuTraits) -> int:
    """CPSR after taking ``kind`` from ``cpsr`` (B1.8.3; AArch32 ``TakeXException``)."""
    vec = VECTORS[kind]
    new = (cpsr & ~(PSR_M | PSR_IT | PSR_J | PSR_T | PSR_E)) | vec.mode | vec.set_mask
    if traits.v7:
        if sctlr & cp15.SCTLR_TE:
            new |= PSR_T
        if sctlr & cp15.SCTLR_EE:
            new |= PSR_E
    else:
        new |= cpsr & PSR_E
    return new


def take_exception(uc: unicorn.Uc, kind: ExceptionKind, preferred: int, traits: CpuTraits) -> int:
    """Enter ``kind``.  ``preferred`` is the address the LR offset applies to: the faulting
    instruction for UNDEF/SVC/aborts, the next instruction to execute for IRQ/FIQ
    (B1.8.3, table B1-7: LR = preferred + offset; the offsets are for ARM state, Thumb's
    differ).  Returns the vector address now in PC."""
    vec = VECTORS[kind]
    regs = fast(uc)
    cpsr = regs.read(CPSR)
    sctlr = cp15.read(uc, cp15.Cp15.SCTLR)
    thumb = bool(cpsr & PSR_T)
    new_cpsr = entry_cpsr(cpsr, kind, sctlr, traits)
    target = vector_base(uc, traits, sctlr) + vec.offset
    regs.write(CPSR, new_cpsr)  # switches to the exception mode's bank
    regs.write(SPSR, cpsr)
    regs.write(LR, (preferred + lr_offset(kind, thumb)) & 0xFFFFFFFF)
    regs.write(PC, target | (1 if new_cpsr & PSR_T else 0))
    return target

"""The A32 register file as Unicorn exposes it: register ids, modes, PSR bits, banks.

Mode numbers, PSR masks and the architectural-state snapshot are shared with
the vCPU (``isa/arm/vcpu.py``), which defines them; this module re-exports
them under one name for the runtime and adds what a real (Unicorn) CPU needs:
CPU models by name, and helpers to reach another mode's bank.
"""

from __future__ import annotations

import unicorn
from unicorn import arm_const as A

from vtrans.isa.arm.vcpu import (  # noqa: F401 - re-exported vocabulary
    GPR_IDS,
    PSR_A,
    PSR_AIF,
    PSR_E,
    PSR_F,
    PSR_FLAGS,
    PSR_I,
    PSR_IT,
    PSR_J,
    PSR_M,
    PSR_T,
    ArchState,
    Mode,
    native_arch_state,
)


#: CPU model names (QEMU ``-cpu``) -> Unicorn model ids
CPU_MODELS: dict[str, int] = {
    "arm926": A.UC_CPU_ARM_926,
    "arm1176": A.UC_CPU_ARM_1176,
    "cortex-a8": A.UC_CPU_ARM_CORTEX_A8,
    "cortex-a9": A.UC_CPU_ARM_CORTEX_A9,
    "cortex-a15": A.UC_CPU_ARM_CORTEX_A15,
}
#: architecture version of each model: ARMv5 has no SCTLR.TE, no VBAR, no CPS (B1.8, A8.8.32)
CPU_ARCH_V7 = frozenset({A.UC_CPU_ARM_CORTEX_A8, A.UC_CPU_ARM_CORTEX_A9, A.UC_CPU_ARM_CORTEX_A15})
#: CPUs with the Large Physical Address Extension, whose short-descriptor tables have PXN (B3.5.1)
CPU_HAS_PXN = frozenset({A.UC_CPU_ARM_CORTEX_A15})
#: the TTBCR bits QEMU 7.2 keeps on each board's CPU (vmsa_ttbcr_raw_write): with LPAE, bits
#: [21:19], [15:14] and [6:3] go (PD0/PD1 among them, even with EAE = 0); with the Security
#: Extensions N, PD0 and PD1 stay (the Cortex-A9 of vexpress-a9); without them only N (the
#: Cortex-A8 of realview-pb-a8, which QEMU builds without EL3).  Unicorn keeps more: the walk
#: uses what QEMU would have kept.
TTBCR_KEPT = {A.UC_CPU_ARM_CORTEX_A15: 0xFFFFFFFF & ~((7 << 19) | (3 << 14) | (0xF << 3)),
              A.UC_CPU_ARM_CORTEX_A9: 0x37, A.UC_CPU_ARM_CORTEX_A8: 0x07}
#: models with the Security Extensions, hence VBAR (B1.8.1 "Exception vectors"; ARM1176 has TrustZone)
CPU_HAS_VBAR = frozenset({A.UC_CPU_ARM_1176, *CPU_ARCH_V7})

SP, LR, PC, CPSR, SPSR = A.UC_ARM_REG_SP, A.UC_ARM_REG_LR, A.UC_ARM_REG_PC, A.UC_ARM_REG_CPSR, A.UC_ARM_REG_SPSR

MODE_NAMES = {int(m): m.name.lower() for m in Mode}


def mode_name(cpsr: int) -> str:
    return MODE_NAMES.get(cpsr & PSR_M, f"mode{cpsr & PSR_M:#x}")


def write_banked(uc: unicorn.Uc, mode: int, *, sp: int | None = None, lr: int | None = None,
                 spsr: int | None = None) -> None:
    """Set SP/LR/SPSR of ``mode`` (Unicorn has no per-mode ids: switch CPSR.M and back, B1.3.2)."""
    cpsr = uc.reg_read(CPSR)
    uc.reg_write(CPSR, (cpsr & ~PSR_M) | mode)
    try:
        if sp is not None:
            uc.reg_write(SP, sp)
        if lr is not None:
            uc.reg_write(LR, lr)
        if spsr is not None:
            uc.reg_write(SPSR, spsr)
    finally:
        uc.reg_write(CPSR, cpsr)

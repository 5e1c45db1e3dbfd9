"""cp15 (the VMSA system control coprocessor) as the runtime uses it on a real CPU.

Register coordinates are the vCPU's ``Cp15`` enum (CRn, opc1, CRm, opc2; DDI 0406C
B4.1, table B3-42).  Unicorn implements cp15 itself (``cpr_read``/``cpr_write``);
what it does not do is write the fault registers, because it never takes an
abort: the runtime sets DFSR/DFAR/IFSR/IFAR when it vectors one.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from enum import IntEnum

import unicorn
from unicorn import arm_const

from vtrans.isa.arm.ucfast import fast
from vtrans.isa.arm.vcpu import CP15_STATE, Cp15  # noqa: F401 - re-exported

# SCTLR bits (B4.1.130)
SCTLR_M = 1 << 0    # MMU enable
SCTLR_A = 1 << 1    # alignment checking
SCTLR_V = 1 << 13   # high vectors (0xFFFF0000)
SCTLR_EE = 1 << 25  # exception endianness
SCTLR_TE = 1 << 30  # Thumb exception enable

#: DFSR.WnR (B4.1.52): the abort was caused by a write (ARMv6 and later; an ARMv5 FSR has no
#: such bit: ARM926EJ-S TRM 2.3.5, and QEMU sets it only with ARM_FEATURE_V6)
DFSR_WNR = 1 << 11


class FaultStatus(IntEnum):
    """Short-descriptor fault status codes FS[4:0] (B3.13.3, table B3-23); bit 4 goes to FSR[10]."""

    ALIGNMENT = 0b00001
    DEBUG = 0b00010
    ACCESS_FLAG_SECTION = 0b00011
    TRANSLATION_SECTION = 0b00101
    ACCESS_FLAG_PAGE = 0b00110
    TRANSLATION_PAGE = 0b00111
    SYNC_EXTERNAL = 0b01000
    DOMAIN_SECTION = 0b01001
    DOMAIN_PAGE = 0b01011
    EXTERNAL_L1 = 0b01100
    PERMISSION_SECTION = 0b01101
    EXTERNAL_L2 = 0b01110
    PERMISSION_PAGE = 0b01111


def fsr_value(status: int, domain: int = 0, write: bool = False) -> int:
    """DFSR/IFSR value for a short-descriptor fault (B4.1.52, B4.1.96)."""
    value = (status & 0xF) | ((status >> 4) & 1) << 10 | (domain & 0xF) << 4
    if write:
        value |= DFSR_WNR
    return value


def read(uc: unicorn.Uc, reg: Cp15) -> int:
    crn, opc1, crm, opc2 = reg.coords
    return fast(uc).cp_read(15, opc1, crn, crm, opc2)


def write(uc: unicorn.Uc, reg: Cp15, value: int) -> None:
    crn, opc1, crm, opc2 = reg.coords
    fast(uc).cp_write(15, opc1, crn, crm, opc2, value)


def try_read(uc: unicorn.Uc, reg: Cp15) -> int | None:
    try:
        return read(uc, reg)
    except unicorn.UcError:
        return None


#: identification registers where Unicorn's CPU models (QEMU 5 based) differ from
#: qemu-system-arm 7.2's, keyed (opc1, CRn, CRm, opc2) of ``mrc p15``; the machine
#: intercepts these reads so that a guest sees the CPU QEMU users see (values read
#: from QEMU 7.2 with the cp15_id sample)
QEMU_ID_OVERRIDES: dict[int, dict[tuple[int, int, int, int], int]] = {
    arm_const.UC_CPU_ARM_CORTEX_A8: {
        (0, 0, 1, 1): 0x00000001,  # ID_PFR1: no Generic Timer/GIC system register bits
    },
    arm_const.UC_CPU_ARM_CORTEX_A15: {
        (0, 0, 0, 0): 0x414FC0F0,  # MIDR: r4p0 (Unicorn: r2p1)
        (0, 0, 0, 4): 0x414FC0F0,  # c0, c0, 4 and 7: unused encodings that read as MIDR
        (0, 0, 0, 6): 0x414FC0F0,  # REVIDR: unimplemented, reads as MIDR (B4.1.106)
        (0, 0, 0, 7): 0x414FC0F0,
        (0, 0, 1, 1): 0x00010001,  # ID_PFR1
        (0, 0, 1, 2): 0x02010505,  # ID_DFR0
    },
}

#: Hyp-mode registers (opc1 = 4) Unicorn's Cortex-A8/A9 answer although neither has the
#: Virtualization Extensions (QEMU: UNDEFINED)
_HYP_REGS = frozenset({(4, 1, 0, 0), (4, 1, 1, 0), (4, 1, 0, 1), (4, 1, 1, 1), (4, 1, 1, 2), (4, 1, 1, 3),
                       (4, 1, 1, 7), (4, 2, 0, 2), (4, 5, 1, 0), (4, 5, 2, 0), (4, 5, 1, 1), (4, 6, 0, 0),
                       (4, 6, 0, 2), (4, 10, 2, 0), (4, 10, 3, 0), (4, 10, 2, 1), (4, 10, 3, 1), (4, 12, 0, 0),
                       (4, 13, 0, 2), (4, 14, 1, 0), (4, 14, 2, 0), (4, 14, 2, 1)})
#: cp15 registers (opc1, CRn, CRm, opc2) Unicorn's CPU models have and qemu-system-arm 7.2's do
#: not, on the boards' CPUs: every access is UNDEFINED there, and the machine makes it so (found
#: by ``tests/runtime/test_cp15_vs_qemu.py``'s sweep of every ``mrc p15``).  realview-pb-a8's
#: Cortex-A8 is built without EL3 (no SCR, SDER, NSACR, MVBAR); virt's Cortex-A15 without
#: EL3 or EL2 (NSACR does not exist on an ARMv7 CPU without EL3).
QEMU_ABSENT: dict[int, frozenset[tuple[int, int, int, int]]] = {
    arm_const.UC_CPU_ARM_CORTEX_A8: _HYP_REGS | {(0, 1, 1, 0), (0, 1, 1, 1), (0, 1, 1, 2), (0, 12, 0, 1),
                                                 (6, 5, 1, 0), (6, 5, 1, 1)},
    arm_const.UC_CPU_ARM_CORTEX_A9: _HYP_REGS - {(4, 1, 0, 1)},
    arm_const.UC_CPU_ARM_CORTEX_A15: frozenset({(0, 1, 1, 2)}),
}


#: I-cache and branch-predictor invalidations (opc1, CRn, CRm, opc2; B4.2.1: ICIALLUIS,
#: BPIALLIS, ICIALLU, ICIMVAU, BPIALL, BPIMVA): a kernel makes one before it runs code it wrote
#: (B2.2.9); ICIMVAU and BPIMVA (opc2 1 and 7) name an address
ICACHE_INVALIDATE = frozenset({(0, 7, 1, 0), (0, 7, 1, 6), (0, 7, 5, 0), (0, 7, 5, 1), (0, 7, 5, 6), (0, 7, 5, 7)})


def transfer_words(data: bytes) -> Iterator[tuple[int, int]]:
    """``(offset, word)`` of each word of the A32 code ``data`` that is an ``mrc/mcr``
    (A8.8.99/A8.8.107) or ``mrrc/mcrr`` (A8.8.100/A8.8.108) encoding, any coprocessor."""
    for i, word in enumerate(struct.unpack(f"<{len(data) // 4}I", data[:len(data) & ~3])):
        if word & 0x0F000010 == 0x0E000010 or word & 0x0FE00000 == 0x0C400000:
            yield 4 * i, word

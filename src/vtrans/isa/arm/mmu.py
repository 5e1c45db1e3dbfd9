"""The VMSAv7 short-descriptor translation table walk (DDI 0406C B3.5) and its faults (B3.12).

Used by the runtime to translate a virtual address the way the guest's tables say
(semihosting arguments, fault addresses and status codes, the TLB-fill hook), so
it implements exactly: TTBCR.N split between TTBR0 and TTBR1 (B3.5.4), first-level
section, supersection and page-table descriptors (B3.5.1), second-level large (64 KB)
and small (4 KB) pages, domains through DACR (B3.12.3: no access -> domain fault,
client -> permission check, manager -> none), AP[2:0] without the access flag
(SCTLR.AFE = 0, table B3-8) and XN (B3.7.2).  On ARMv5 (ARM926, the VMSAv5
format with SCTLR.XP = 0) small pages carry four AP fields, one per 1 KB subpage,
and there is no XN or APX; a first-level descriptor 0b11 is a fine page table
(1024 entries indexed by VA[19:10]) whose 0b11 entries are 1 KB tiny pages with one
AP field (ARM926EJ-S TRM 3.2; QEMU's get_phys_addr_v5); AP = 0b00 there is governed by
SCTLR.S and R (no access; privileged read-only; read-only), and a first-level fault
reports the domain field of the descriptor it read, as QEMU's walk does.  With the
Large Physical Address Extension (Cortex-A15) the short descriptors carry PXN: bit 2 of
a page-table descriptor, bit 0 of a section (0b11, a fault without the extension).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from vtrans.isa.arm.cp15 import FaultStatus


@dataclass(frozen=True, slots=True)
class Walk:
    """Where the walk ended: a physical address and its permissions, or a fault."""

    va: int
    pa: int | None
    fault: FaultStatus | None = None
    domain: int = 0
    #: the page (or section) size that maps ``va``
    size: int = 0
    readable: bool = False
    writable: bool = False
    executable: bool = False
    #: level of the descriptor that faulted (1 or 2), for external aborts on the walk
    level: int = 1


@dataclass(frozen=True, slots=True)
class MmuConfig:
    sctlr: int
    ttbr0: int
    ttbr1: int
    ttbcr: int
    dacr: int
    v7: bool = True
    #: PXN in the descriptors (LPAE implemented: CpuTraits.pxn)
    pxn: bool = False

    @property
    def enabled(self) -> bool:
        return bool(self.sctlr & 1)


#: TTBCR.PD0 and PD1: translation table walks through TTBR0/TTBR1 disabled
_TTBCR_PD0, _TTBCR_PD1 = 1 << 4, 1 << 5
#: SCTLR.S and SCTLR.R: what AP = 0b00 allows on ARMv5 (ARM926EJ-S TRM table 3-7)
_SCTLR_S, _SCTLR_R = 1 << 8, 1 << 9


def _ap_allows(apx: int, ap: int, privileged: bool, write: bool, v5_sr: int | None = None) -> bool:
    """Access permissions, AFE = 0 (B3.7.1, table B3-8); ``v5_sr``: SCTLR's S and R bits on
    ARMv5, where they decide AP = 0b00 (both set: no access, as QEMU takes it)."""
    code = (apx << 2) | ap
    if code == 0 and v5_sr:
        if v5_sr == _SCTLR_S:
            return privileged and not write
        if v5_sr == _SCTLR_R:
            return not write
        return False
    if code in (0b000, 0b100):
        return False  # no access (0b100 reserved: treated as no access)
    if code == 0b001:
        return privileged
    if code == 0b010:
        return privileged or not write
    if code == 0b011:
        return True
    if code == 0b101:
        return privileged and not write
    return not write  # 0b110, 0b111: read-only at every level


def walk(cfg: MmuConfig, read32: Callable[[int], int | None], va: int, *, write: bool = False,
         fetch: bool = False, privileged: bool = True) -> Walk:
    """Translate ``va`` for one access.  ``read32(pa)`` reads a descriptor (None: external abort)."""
    va &= 0xFFFFFFFF
    if not cfg.enabled:
        return Walk(va, va, size=1 << 12, readable=True, writable=True, executable=True)
    n = cfg.ttbcr & 7 if cfg.v7 else 0
    ttbr1 = bool(n and va >> (32 - n))
    if cfg.v7 and cfg.ttbcr & (_TTBCR_PD1 if ttbr1 else _TTBCR_PD0):
        # TTBCR.PD0/PD1: no walk through that table -- a section translation fault (B4.1.153)
        return Walk(va, None, FaultStatus.TRANSLATION_SECTION, level=1)
    if ttbr1:
        base, index = cfg.ttbr1 & 0xFFFFC000, va >> 20
    else:
        base = cfg.ttbr0 & (0xFFFFC000 >> n) & 0xFFFFFFFF
        index = (va & (0xFFFFFFFF >> n)) >> 20
    l1 = read32(base | (index << 2))
    if l1 is None:
        return Walk(va, None, FaultStatus.EXTERNAL_L1, level=1)
    kind = l1 & 3
    if kind == 0 or (kind == 3 and cfg.v7 and not cfg.pxn):
        # (ARMv5: the domain field of whatever was read -- QEMU reports it; VMSAv7: 0)
        return Walk(va, None, FaultStatus.TRANSLATION_SECTION, 0 if cfg.v7 else (l1 >> 5) & 0xF, level=1)
    domain = (l1 >> 5) & 0xF
    if kind == 2 or (kind == 3 and cfg.v7):
        supersection = cfg.v7 and bool(l1 & (1 << 18))
        if supersection:
            domain = 0
            pa, size = (l1 & 0xFF000000) | (va & 0x00FFFFFF), 1 << 24
        else:
            pa, size = (l1 & 0xFFF00000) | (va & 0x000FFFFF), 1 << 20
        ap, apx = (l1 >> 10) & 3, ((l1 >> 15) & 1) if cfg.v7 else 0
        xn = bool(l1 & (1 << 4)) and cfg.v7
        pxn = kind == 3   # a section with PXN (LPAE)
        return _check(va, pa, size, domain, ap, apx, xn, cfg, write, fetch, privileged, page=False, pxn=pxn)
    pxn = cfg.pxn and bool(l1 & (1 << 2))   # a page table whose pages are PXN (LPAE)
    if (cfg.dacr >> (2 * domain)) & 3 in (0, 2):
        # a page table in a no-access (or reserved) domain: a page domain fault before its entry
        # is read, whatever that entry holds -- QEMU's order (get_phys_addr_v5/_v6), which the
        # guests are written against; the ARM ARM's fault-checking sequence reports an invalid
        # second-level entry as a translation fault first
        return Walk(va, None, FaultStatus.DOMAIN_PAGE, domain, level=2)
    fine = kind == 3  # ARMv5 fine page table: 1024 entries, one per KB (VA[19:10])
    if fine:
        l2 = read32((l1 & 0xFFFFF000) | (((va >> 10) & 0x3FF) << 2))
    else:  # coarse page table: 256 entries (VA[19:12])
        l2 = read32((l1 & 0xFFFFFC00) | (((va >> 12) & 0xFF) << 2))
    if l2 is None:
        return Walk(va, None, FaultStatus.EXTERNAL_L2, domain, level=2)
    t = l2 & 3
    if t == 0:
        return Walk(va, None, FaultStatus.TRANSLATION_PAGE, domain, level=2)
    if t == 3 and not cfg.v7:
        if not fine:
            # a 0b11 descriptor in a v5 coarse table is UNPREDICTABLE: a translation fault, as
            # QEMU's get_phys_addr_v5 takes it
            return Walk(va, None, FaultStatus.TRANSLATION_PAGE, domain, level=2)
        # tiny page, 1 KB, one AP field
        pa, size = (l2 & 0xFFFFFC00) | (va & 0x3FF), 1 << 10
        return _check(va, pa, size, domain, (l2 >> 4) & 3, 0, False, cfg, write, fetch, privileged, page=True)
    if t == 1:  # large page, 64 KB
        pa, size = (l2 & 0xFFFF0000) | (va & 0xFFFF), 1 << 16
        xn = bool(l2 & (1 << 15)) and cfg.v7
        ap = (l2 >> 4) & 3 if cfg.v7 else (l2 >> (4 + 2 * ((va >> 14) & 3))) & 3
        apx = (l2 >> 9) & 1 if cfg.v7 else 0
    else:  # small page, 4 KB (v7 XN in bit 0)
        pa, size = (l2 & 0xFFFFF000) | (va & 0xFFF), 1 << 12
        xn = bool(l2 & 1) and cfg.v7
        if cfg.v7:
            ap, apx = (l2 >> 4) & 3, (l2 >> 9) & 1
        else:
            ap, apx = (l2 >> (4 + 2 * ((va >> 10) & 3))) & 3, 0
            size = 1 << 10  # the permission granule is the 1 KB subpage
    return _check(va, pa, size, domain, ap, apx, xn, cfg, write, fetch, privileged, page=True, pxn=pxn)


def _check(va: int, pa: int, size: int, domain: int, ap: int, apx: int, xn: bool, cfg: MmuConfig,
           write: bool, fetch: bool, privileged: bool, *, page: bool, pxn: bool = False) -> Walk:
    access = (cfg.dacr >> (2 * domain)) & 3
    level = 2 if page else 1
    if access in (0, 2):  # no access, reserved (B3.12.3)
        return Walk(va, None, FaultStatus.DOMAIN_PAGE if page else FaultStatus.DOMAIN_SECTION, domain,
                    level=level)
    if access == 3:  # manager: no permission checks, not even XN (B3.7.2)
        return Walk(va, pa, None, domain, size, True, True, True, level)
    v5_sr = None if cfg.v7 else cfg.sctlr & (_SCTLR_S | _SCTLR_R)
    readable = _ap_allows(apx, ap, privileged, False, v5_sr)
    writable = _ap_allows(apx, ap, privileged, True, v5_sr)
    executable = readable and not xn and not (pxn and privileged)
    ok = executable if fetch else writable if write else readable
    if not ok:
        return Walk(va, None, FaultStatus.PERMISSION_PAGE if page else FaultStatus.PERMISSION_SECTION,
                    domain, level=level)
    return Walk(va, pa, None, domain, size, readable, writable, executable, level)


def is_unprivileged_access(word: int, thumb: bool = False) -> bool:
    """Is ``word`` an unprivileged load or store (LDRT, LDRBT, LDRHT, LDRSBT, LDRSHT, STRT,
    STRBT, STRHT: A8.8), whose access is checked as if in User mode whatever the mode?
    ``word`` is an A32 instruction, or for Thumb the two halfwords, first in the low half."""
    if thumb:
        hw1, hw2 = word & 0xFFFF, word >> 16
        # 1111 100s 0ssL nnnn | tttt 1110 imm8 (T1 of each; Rn = PC is a literal load)
        if (hw1 & 0xFE80) != 0xF800 or (hw2 & 0x0F00) != 0x0E00 or (hw1 & 0xF) == 0xF:
            return False
        return not (hw1 & 0x0100) or bool(hw1 & 0x0010)     # signed forms are loads only
    if word >> 28 == 0xF:
        return False
    if (word & 0x0D200000) == 0x04200000:                    # ldrt/ldrbt/strt/strbt: P=0, W=1
        return (word & 0x02000010) != 0x02000010              # (register form with bit 4 set: media)
    if (word & 0x0F200090) == 0x00200090:                    # ldrht/ldrsbt/ldrsht/strht: P=0, W=1
        op2 = (word >> 5) & 3
        return op2 != 0 and (bool(word & 0x00100000) or op2 == 1)
    return False


def _shifted(value: int, stype: int, imm5: int, carry: int) -> int:
    """Shift for register offsets (A8.4.3, DecodeImmShift + Shift)."""
    if stype == 0:
        return (value << imm5) & 0xFFFFFFFF
    if stype == 1:
        return 0 if imm5 == 0 else value >> imm5
    if stype == 2:
        n = 32 if imm5 == 0 else imm5
        return (0xFFFFFFFF if value & 0x80000000 else 0) if n == 32 else \
            ((value - (1 << 32) if value & 0x80000000 else value) >> n) & 0xFFFFFFFF
    if imm5 == 0:  # RRX
        return (carry << 31) | (value >> 1)
    return ((value >> imm5) | (value << (32 - imm5))) & 0xFFFFFFFF


def access_addresses(word: int, reg: Callable[[int], int], cpsr: int = 0) -> list[int] | None:
    """The byte addresses an A32 load/store word accesses, lowest first (one per word or
    unit), with ``reg(n)`` giving register values (r15 reads as the instruction's
    address + 8).  Covers single and extra loads/stores (A8.6: LDR/STR/B/H/SB/SH/D),
    LDM/STM, SWP, the exclusives and RFE; None for anything else.  Used to report the
    exact fault address (DFAR) of an abort, which Unicorn only gives page-aligned."""
    cond = word >> 28
    rn = (word >> 16) & 0xF
    p, u, w = (word >> 24) & 1, (word >> 23) & 1, (word >> 21) & 1
    if cond == 0xF:
        if (word & 0x0E50FFFF) == 0x08100A00:  # RFE (B9.3.13): two words
            n = 8
            base = reg(rn)
            start = base if u else base - n
            if p == u:
                start += 4
            return [(start + 4 * i) & 0xFFFFFFFF for i in range(2)]
        return None
    op = (word >> 25) & 7
    if op in (2, 3) and not (op == 3 and word & 0x10):  # LDR/STR/LDRB/STRB (A8.6.58 ...)
        if op == 2:
            off = word & 0xFFF
        else:
            off = _shifted(reg(word & 0xF), (word >> 5) & 3, (word >> 7) & 0x1F, (cpsr >> 29) & 1)
        base = reg(rn)
        addr = (base + off if u else base - off) & 0xFFFFFFFF if p else base
        size = 1 if word & (1 << 22) else 4
        return [addr + i for i in range(0, size, 1 if size == 1 else 4)]
    if op == 4:  # LDM/STM (A8.8.57 ...)
        n = 4 * bin(word & 0xFFFF).count("1")
        base = reg(rn)
        start = base if u else base - n
        if p == u:
            start += 4
        return [(start + i) & 0xFFFFFFFF for i in range(0, n, 4)]
    if op == 0 and word & 0x90 == 0x90:
        if (word & 0x0FB00FF0) == 0x01000090:  # SWP/SWPB (A8.8.229)
            return [reg(rn)]
        if (word & 0x0F800F90) == 0x01800F90 or (word & 0x0F900FFF) == 0x01900F9F:  # LDREX/STREX family
            return [reg(rn)]
        if word & 0x60 == 0:
            return None  # multiplies
        off = ((word >> 4) & 0xF0) | (word & 0xF) if word & (1 << 22) else reg(word & 0xF)
        base = reg(rn)
        addr = (base + off if u else base - off) & 0xFFFFFFFF if p else base
        if not word & (1 << 20) and (word >> 5) & 3 in (2, 3):
            # LDRD (op2 = 0b10) and STRD (0b11) live in the L = 0 space (A8.8.72, A8.8.210)
            return [addr, (addr + 4) & 0xFFFFFFFF]
        return [addr]
    return None


def fault_address(word: int | None, reg: Callable[[int], int], page_va: int, cpsr: int = 0) -> int:
    """DFAR for a fault in the page at ``page_va``: the first address the instruction
    accesses in that page (B4.1.52), or the page's address when the word is not decoded."""
    if word is None:
        return page_va
    addrs = access_addresses(word, reg, cpsr)
    if not addrs:
        return page_va
    page = page_va & ~0xFFF
    for a in addrs:
        if page <= a < page + 0x1000:
            return a
    for a in addrs:  # a multi-word access whose unit straddles the page boundary
        if page <= a + 3 < page + 0x1000 or a <= page < a + 4:
            return a
    return page_va

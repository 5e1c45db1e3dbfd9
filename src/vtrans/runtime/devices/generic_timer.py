"""ARMv7 Generic Timer (ARM ARM DDI 0406C, chapter B8), as QEMU's target/arm/helper.c models it.

The counter is virtual time divided by QEMU's GTIMER_SCALE (16 ns, so CNTFRQ
reads 62.5 MHz); it never looks at the host clock, unlike Unicorn's own
generic timer, which is why the machine routes these cp15 accesses here.

Each timer (physical, virtual) has a 64-bit compare value CVAL and a control
register CTL {ENABLE, IMASK, ISTATUS}.  ISTATUS = ENABLE and (count - offset
>= CVAL), compared as unsigned 64-bit (B8.1.4); the output line is ISTATUS
and not IMASK.  TVAL is the signed 32-bit view CVAL - (count - offset).  On
``virt`` the physical timer drives PPI 30 and the virtual timer PPI 27.

Register encodings (B4.1.21 and following): ``REGS32`` maps
(opc1, CRn, CRm, opc2) of ``mrc/mcr p15`` and ``REGS64`` maps (opc1, CRm)
of ``mrrc/mcrr p15`` to the register names ``read``/``write`` accept.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum

from vtrans.runtime.clock import VirtualClock
from vtrans.runtime.devices.base import IrqLine

#: QEMU's GTIMER_SCALE: nanoseconds per counter tick
GTIMER_SCALE_NS = 16
CNTFRQ_HZ = 1_000_000_000 // GTIMER_SCALE_NS
_U64 = (1 << 64) - 1

CTL_ENABLE, CTL_IMASK, CTL_ISTATUS = 1 << 0, 1 << 1, 1 << 2


class GtReg(StrEnum):
    CNTFRQ = "CNTFRQ"
    CNTKCTL = "CNTKCTL"
    CNTP_TVAL = "CNTP_TVAL"
    CNTP_CTL = "CNTP_CTL"
    CNTV_TVAL = "CNTV_TVAL"
    CNTV_CTL = "CNTV_CTL"
    CNTPCT = "CNTPCT"
    CNTVCT = "CNTVCT"
    CNTP_CVAL = "CNTP_CVAL"
    CNTV_CVAL = "CNTV_CVAL"
    CNTVOFF = "CNTVOFF"


class GtIndex(IntEnum):
    PHYS = 0
    VIRT = 1


#: mrc/mcr p15, opc1, Rt, CRn, CRm, opc2 (B4.1.21, B8.2)
REGS32: dict[tuple[int, int, int, int], GtReg] = {
    (0, 14, 0, 0): GtReg.CNTFRQ,
    (0, 14, 1, 0): GtReg.CNTKCTL,
    (0, 14, 2, 0): GtReg.CNTP_TVAL,
    (0, 14, 2, 1): GtReg.CNTP_CTL,
    (0, 14, 3, 0): GtReg.CNTV_TVAL,
    (0, 14, 3, 1): GtReg.CNTV_CTL,
}
#: mrrc/mcrr p15, opc1, Rt, Rt2, CRm (B4.1.21)
REGS64: dict[tuple[int, int], GtReg] = {
    (0, 14): GtReg.CNTPCT,
    (1, 14): GtReg.CNTVCT,
    (2, 14): GtReg.CNTP_CVAL,
    (3, 14): GtReg.CNTV_CVAL,
    (4, 14): GtReg.CNTVOFF,
}


class _Timer:
    def __init__(self, irq: IrqLine):
        self.irq = irq
        self.ctl = 0
        self.cval = 0
        self.event = None


class GenericTimer:
    """The per-CPU generic timer: counter plus physical and virtual timers."""

    name = "generic-timer"

    def __init__(self, clock: VirtualClock, phys_irq: IrqLine | None = None, virt_irq: IrqLine | None = None):
        self.clock = clock
        self.timers = (_Timer(phys_irq or IrqLine("cntp")), _Timer(virt_irq or IrqLine("cntv")))
        self.reset()

    def reset(self) -> None:
        self.cntfrq = CNTFRQ_HZ
        self.cntkctl = 0
        self.cntvoff = 0
        for t in self.timers:
            VirtualClock.cancel(t.event)
            t.event = None
            t.ctl = 0
            t.cval = 0
            t.irq.lower()

    # -- counter ------------------------------------------------------------------
    def count(self) -> int:
        return self.clock.now_ns() // GTIMER_SCALE_NS

    def _offset(self, idx: GtIndex) -> int:
        return self.cntvoff if idx == GtIndex.VIRT else 0

    def _recalc(self, idx: GtIndex) -> None:
        t = self.timers[idx]
        VirtualClock.cancel(t.event)
        t.event = None
        if not t.ctl & CTL_ENABLE:
            t.ctl &= ~CTL_ISTATUS
            t.irq.lower()
            return
        offset = self._offset(idx)
        istatus = ((self.count() - offset) & _U64) >= t.cval
        t.ctl = (t.ctl & ~CTL_ISTATUS) | (CTL_ISTATUS if istatus else 0)
        t.irq.set(istatus and not t.ctl & CTL_IMASK)
        if istatus:
            return  # next change is a 64-bit wrap: never, in practice
        nexttick = (t.cval + offset) & _U64
        t.event = self.clock.at_ns(nexttick * GTIMER_SCALE_NS, lambda: self._recalc(idx))

    # -- registers ------------------------------------------------------------------
    def read(self, reg: GtReg) -> int:
        if reg == GtReg.CNTFRQ:
            return self.cntfrq
        if reg == GtReg.CNTKCTL:
            return self.cntkctl
        if reg == GtReg.CNTPCT:
            return self.count() & _U64
        if reg == GtReg.CNTVCT:
            return (self.count() - self.cntvoff) & _U64
        if reg == GtReg.CNTVOFF:
            return self.cntvoff
        idx = GtIndex.PHYS if reg in (GtReg.CNTP_TVAL, GtReg.CNTP_CTL, GtReg.CNTP_CVAL) else GtIndex.VIRT
        t = self.timers[idx]
        if reg in (GtReg.CNTP_CTL, GtReg.CNTV_CTL):
            return t.ctl
        if reg in (GtReg.CNTP_CVAL, GtReg.CNTV_CVAL):
            return t.cval
        # TVAL: the low 32 bits of CVAL - (count - offset)
        return (t.cval - (self.count() - self._offset(idx))) & 0xFFFFFFFF

    def write(self, reg: GtReg, value: int) -> None:
        if reg == GtReg.CNTFRQ:
            self.cntfrq = value & 0xFFFFFFFF
            return
        if reg == GtReg.CNTKCTL:
            self.cntkctl = value & 0x3FF
            return
        if reg in (GtReg.CNTPCT, GtReg.CNTVCT):
            return  # read-only
        if reg == GtReg.CNTVOFF:
            self.cntvoff = value & _U64
            self._recalc(GtIndex.VIRT)
            return
        idx = GtIndex.PHYS if reg in (GtReg.CNTP_TVAL, GtReg.CNTP_CTL, GtReg.CNTP_CVAL) else GtIndex.VIRT
        t = self.timers[idx]
        if reg in (GtReg.CNTP_CVAL, GtReg.CNTV_CVAL):
            t.cval = value & _U64
            self._recalc(idx)
        elif reg in (GtReg.CNTP_TVAL, GtReg.CNTV_TVAL):
            signed = (value & 0xFFFFFFFF) - ((value & 0x80000000) << 1)
            t.cval = (self.count() - self._offset(idx) + signed) & _U64
            self._recalc(idx)
        else:  # CTL: only ENABLE and IMASK are writable
            old = t.ctl
            t.ctl = (old & ~3) | (value & 3)
            if (old ^ value) & CTL_ENABLE:
                self._recalc(idx)
            elif (old ^ value) & CTL_IMASK:
                t.irq.set(bool(old & CTL_ISTATUS) and not value & CTL_IMASK)

    # -- privilege --------------------------------------------------------------------
    def accessible_from_pl0(self, reg: GtReg, write: bool) -> bool:
        """Whether User mode may make this access (B8.1.2, CNTKCTL B4.1.26); if not, it is UNDEFINED."""
        k = self.cntkctl
        pl0pcten, pl0vcten, pl0vten, pl0pten = k & 1, k & 2, k & 0x100, k & 0x200
        if reg == GtReg.CNTFRQ:
            return not write and bool(pl0pcten or pl0vcten)
        if reg == GtReg.CNTPCT:
            return not write and bool(pl0pcten)
        if reg == GtReg.CNTVCT:
            return not write and bool(pl0vcten)
        if reg in (GtReg.CNTP_TVAL, GtReg.CNTP_CTL, GtReg.CNTP_CVAL):
            return bool(pl0pten)
        if reg in (GtReg.CNTV_TVAL, GtReg.CNTV_CTL, GtReg.CNTV_CVAL):
            return bool(pl0vten)
        return False  # CNTKCTL, CNTVOFF: PL1 and above only

    # -- cp15 decoding ----------------------------------------------------------------
    @staticmethod
    def decode32(opc1: int, crn: int, crm: int, opc2: int) -> GtReg | None:
        return REGS32.get((opc1, crn, crm, opc2))

    @staticmethod
    def decode64(opc1: int, crm: int) -> GtReg | None:
        return REGS64.get((opc1, crm))

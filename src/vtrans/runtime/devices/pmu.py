"""The ARMv7 Performance Monitors (ARM ARM DDI 0406C, chapter C12), as QEMU 7.2's
target/arm/helper.c models them for each board's CPU.

Unicorn's CPU has the registers but counts cycles from the host clock (its
``QEMU_CLOCK_VIRTUAL`` is not instruction-driven), so a guest reading PMCCNTR
would see a different value in every run; and its PMCR (N = 4 counters, LC set)
is not the one QEMU's Cortex-A9/A15 report.  The machine routes these cp15
accesses here (as for the generic timer).

What QEMU does, and this model with it:

* PMCR reads as the CPU's reset value (IMP, IDCODE, N) with the writable bits
  LC, DP, X, D, E; writing P zeroes the event counters, C the cycle counter.
* Only the Cortex-A15 has ``ARM_FEATURE_PMU``: its counters count.  The
  Cortex-A8 and A9 have the registers but nothing ever counts.
* The cycle counter counts CPU_CYCLES at QEMU's 1 GHz (one per virtual
  nanosecond; one per 64 with PMCR.D); event counters count SW_INCR (written
  through PMSWINC), INST_RETIRED (executed instructions, as with ``-icount``) and
  CPU_CYCLES, and never count another event.  A counter is
  enabled by PMCR.E and its PMCNTENSET bit.
* Counters are updated only at PMU register accesses (QEMU's pmu_op_start/
  finish): a disabled counter remembers the source count of the last access,
  so a counter enabled through PMCNTENSET counts from the previous PMU access.
* Overflow of bit 31 (bit 63 of the cycle counter with PMCR.LC) sets its
  PMOVSR bit; the interrupt output is PMCR.E and (PMOVSR & PMINTENSET) (PPI 7
  on ``virt``).  An overflow is found at the next access or at the virtual time
  it happens (an event, as QEMU's PMU timer).
* User mode may access the PMU only with PMUSERENR.EN (PMUSERENR itself it may
  read); PMINTENSET/CLR and PMUSERENR writes are PL1 only; PMSWINC is
  write-only.

* The P and U bits of PMXEVTYPER and PMCCFILTR stop a counter while the CPU is at
  PL1 or PL0 (QEMU's ``pmu_counter_enabled``; its boards' CPUs run without EL3 and EL2,
  so NSK, NSU and NSH filter nothing).  QEMU brings the counters up to date at every
  change of exception level (``pmu_pre_el_change``/``pmu_post_el_change``, from exception
  entry and exception return); so does ``set_el``, which the machine calls when the guest
  goes between User mode and a privileged one while a filter bit is set (``filtering``),
  and every access also takes the privilege of the accessing instruction
  (``current_el``).
"""

from __future__ import annotations

from typing import Callable

from vtrans.runtime.clock import VirtualClock
from vtrans.runtime.devices.base import IrqLine

M32, M64 = 0xFFFFFFFF, (1 << 64) - 1
PMCR_E, PMCR_P, PMCR_C, PMCR_D, PMCR_X, PMCR_DP, PMCR_LC = 1, 2, 4, 8, 0x10, 0x20, 0x40
PMCR_WRITABLE = PMCR_LC | PMCR_DP | PMCR_X | PMCR_D | PMCR_E
CYCLE = 31
EV_SW_INCR, EV_INST_RETIRED, EV_CPU_CYCLES = 0x00, 0x08, 0x11
#: PMCR at reset on each board's CPU in QEMU 7.2 (IMP 0x41, IDCODE, N event counters)
PMCR_CORTEX_A8, PMCR_CORTEX_A9, PMCR_CORTEX_A15 = 0x41002000, 0x41093000, 0x410F3000
#: the events QEMU 7.2's PMU counts (pm_events; INST_RETIRED with -icount, as vtrans always is)
SUPPORTED_EVENTS = frozenset({EV_SW_INCR, EV_INST_RETIRED, EV_CPU_CYCLES})
#: the PMXEVTYPER bits QEMU keeps: P, U, NSK, NSU, NSH, M, MT and the event number
EVTYPER_MASK = 0xFE00FFFF
#: PMXEVTYPER/PMCCFILTR: do not count at PL1 (P), at PL0 (U)
FILTER_P, FILTER_U = 1 << 31, 1 << 30

#: mrc/mcr p15, 0, Rt, c9, CRm, opc2 -> register name (B4.1.116 and following)
REGS: dict[tuple[int, int, int, int], str] = {
    (0, 9, 12, 0): "PMCR", (0, 9, 12, 1): "PMCNTENSET", (0, 9, 12, 2): "PMCNTENCLR",
    (0, 9, 12, 3): "PMOVSR", (0, 9, 12, 4): "PMSWINC", (0, 9, 12, 5): "PMSELR",
    (0, 9, 13, 0): "PMCCNTR", (0, 9, 13, 1): "PMXEVTYPER", (0, 9, 13, 2): "PMXEVCNTR",
    (0, 9, 14, 0): "PMUSERENR", (0, 9, 14, 1): "PMINTENSET", (0, 9, 14, 2): "PMINTENCLR",
}


def event_counter_regs(n: int) -> dict[tuple[int, int, int, int], str]:
    """PMEVCNTR<i> (c14, c8-c11) and PMEVTYPER<i> (c14, c12-c15) of the ``n`` event counters,
    and PMCCFILTR (c14, c15, 7): the direct encodings QEMU gives an ARMv7 PMU."""
    regs = {(0, 14, 8 + i // 8, i % 8): f"PMEVCNTR{i}" for i in range(n)}
    regs.update({(0, 14, 12 + i // 8, i % 8): f"PMEVTYPER{i}" for i in range(n)})
    regs[(0, 14, 15, 7)] = "PMCCFILTR"
    return regs


class Pmu:
    """The PMU of one CPU.  ``pmcr_reset``: QEMU's PMCR reset value for the model (its N field
    is the number of event counters); ``counts``: whether the CPU has QEMU's PMU feature;
    ``retired()``: instructions executed so far (INST_RETIRED)."""

    name = "pmu"

    def __init__(self, clock: VirtualClock, pmcr_reset: int, *, counts: bool,
                 retired: Callable[[], int] | None = None, irq: IrqLine | None = None):
        self.clock = clock
        self.pmcr_reset = pmcr_reset
        self.n = (pmcr_reset >> 11) & 0x1F
        self.counts = counts
        self.retired = retired or (lambda: clock.insns)
        self.irq = irq or IrqLine("pmu")
        self.regs = {**REGS, **event_counter_regs(self.n)}
        self._event = None
        #: the guest's privilege now (0: PL0, 1: PL1), asked at each register access; None: PL1
        self.current_el: Callable[[], int] | None = None
        self.reset()

    def reset(self) -> None:
        self.pmcr = self.pmcr_reset
        self.cnten = 0
        self.ovs = 0
        self.inten = 0
        self.selr = 0
        self.userenr = 0
        self.ccnt = 0
        self.ccnt_delta = 0
        self.ccfilter = 0
        self.evcnt = [0] * self.n
        self.evdelta = [0] * self.n
        self.evtype = [0] * self.n
        #: the privilege the counters last counted at (1 after reset: SVC mode)
        self.el = 1
        self.filtering = False
        VirtualClock.cancel(self._event)
        self._event = None
        self.irq.lower()

    # -- counting (QEMU's pmu_op_start / pmu_op_finish) ----------------------------------------
    def _mask(self) -> int:
        return (1 << CYCLE) | ((1 << self.n) - 1)

    @staticmethod
    def _supported(event: int) -> bool:
        return event in SUPPORTED_EVENTS

    def _enabled(self, counter: int) -> bool:
        if not self.counts or not self.pmcr & PMCR_E or not self.cnten >> counter & 1:
            return False
        kind = self.ccfilter if counter == CYCLE else self.evtype[counter]
        if kind & (FILTER_P if self.el else FILTER_U):
            return False
        return counter == CYCLE or self._supported(kind & 0xFFFF)

    def _update_filtering(self) -> None:
        """``filtering``: does a counter filter by privilege (so that each change of privilege
        matters)?  Kept up to date by every write (the machine asks at every exception)."""
        bits = self.ccfilter
        for kind in self.evtype:
            bits |= kind
        self.filtering = self.counts and bool(bits & (FILTER_P | FILTER_U))

    def set_el(self, el: int) -> None:
        """The guest now runs at privilege ``el`` (0 or 1): counters filtered at one level and
        not the other start or stop here (QEMU's pmu_pre_el_change/pmu_post_el_change)."""
        if el == self.el:
            return
        self._start()
        self.el = el
        self._finish()

    def _source(self, event: int) -> int:
        if event == EV_CPU_CYCLES:
            return self.clock.now_ns()       # QEMU: 1 GHz, one cycle per virtual nanosecond
        if event == EV_INST_RETIRED:
            return self.retired()
        return 0                             # SW_INCR (PMSWINC adds), or an event never counted

    def _start(self) -> None:
        cycles = self._source(EV_CPU_CYCLES)
        if self._enabled(CYCLE):
            eff = cycles // 64 if self.pmcr & PMCR_D else cycles
            new = (eff - self.ccnt_delta) & M64
            if self.ccnt & ~new & (1 << 63 if self.pmcr & PMCR_LC else 1 << 31):
                self.ovs |= 1 << CYCLE
            self.ccnt = new
        self.ccnt_delta = cycles
        for i in range(self.n):
            event = self.evtype[i] & 0xFFFF
            count = self._source(event) if self._supported(event) else 0
            if self._enabled(i):
                new = (count - self.evdelta[i]) & M32
                if self.evcnt[i] & ~new & (1 << 31):
                    self.ovs |= 1 << i
                self.evcnt[i] = new
            self.evdelta[i] = count

    def _finish(self) -> None:
        if self._enabled(CYCLE):
            prev = self.ccnt_delta // 64 if self.pmcr & PMCR_D else self.ccnt_delta
            self.ccnt_delta = (prev - self.ccnt) & M64
        for i in range(self.n):
            if self._enabled(i):
                self.evdelta[i] = (self.evdelta[i] - self.evcnt[i]) & M32
        self._update_irq()
        self._schedule()

    def _update_irq(self) -> None:
        self.irq.set(bool(self.pmcr & PMCR_E) and bool(self.inten & self.ovs))

    def _schedule(self) -> None:
        """An event at the first virtual time a counting counter can overflow (then looked at
        again, as QEMU's PMU timer): instruction and cycle sources both advance at most one
        per 2**shift ns."""
        VirtualClock.cancel(self._event)
        self._event = None
        soonest = None
        if self._enabled(CYCLE):
            width = 64 if self.pmcr & PMCR_LC else 32
            left = ((1 << width) - (self.ccnt & ((1 << width) - 1)))
            ns = left * (64 if self.pmcr & PMCR_D else 1)
            soonest = ns
        for i in range(self.n):
            event = self.evtype[i] & 0xFFFF
            if self._enabled(i) and event in (EV_CPU_CYCLES, EV_INST_RETIRED):
                left = (1 << 32) - self.evcnt[i]
                ns = left if event == EV_CPU_CYCLES else left << self.clock.shift
                soonest = ns if soonest is None else min(soonest, ns)
        if soonest is not None:
            self._event = self.clock.at_ns(self.clock.now_ns() + soonest, self._tick)

    def _tick(self) -> None:
        self._event = None
        self._start()
        self._finish()

    # -- registers --------------------------------------------------------------------------
    def accessible(self, reg: str, write: bool, privileged: bool) -> bool:
        """QEMU's access rules: PL1 always; PL0 with PMUSERENR.EN, except the PL1-only
        PMINTENSET/CLR and PMUSERENR writes (PMUSERENR is always readable)."""
        if reg == "PMSWINC" and not write:
            return False  # write-only
        if privileged:
            return True
        if reg == "PMUSERENR":
            return not write
        if reg in ("PMINTENSET", "PMINTENCLR"):
            return False
        return bool(self.userenr & 1)

    def _at_access(self) -> None:
        if self.current_el is not None:
            self.el = self.current_el()

    def read(self, reg: str) -> int:
        self._at_access()
        self._start()
        try:
            return self._read(reg)
        finally:
            self._finish()

    def _read(self, reg: str) -> int:
        if reg == "PMCR":
            return self.pmcr
        if reg in ("PMCNTENSET", "PMCNTENCLR"):
            return self.cnten
        if reg == "PMOVSR":
            return self.ovs
        if reg == "PMSELR":
            return self.selr
        if reg == "PMCCNTR":
            return self.ccnt & M32
        if reg == "PMUSERENR":
            return self.userenr
        if reg in ("PMINTENSET", "PMINTENCLR"):
            return self.inten
        if reg == "PMCCFILTR":
            return self.ccfilter
        if reg == "PMXEVTYPER":
            return self.ccfilter if self.selr == CYCLE else self.evtype[self.selr] if self.selr < self.n else 0
        if reg == "PMXEVCNTR":
            return self.evcnt[self.selr] if self.selr < self.n else 0
        if reg.startswith("PMEVCNTR"):
            return self.evcnt[int(reg[8:])]
        if reg.startswith("PMEVTYPER"):
            return self.evtype[int(reg[9:])]
        return 0  # PMSWINC: write-only

    def write(self, reg: str, value: int) -> None:
        value &= M32
        self._at_access()
        self._start()
        try:
            self._write(reg, value)
        finally:
            self._update_filtering()
            self._finish()

    def _write(self, reg: str, value: int) -> None:
        if reg == "PMCR":
            if value & PMCR_C:
                self.ccnt = 0
            if value & PMCR_P:
                self.evcnt = [0] * self.n
            self.pmcr = (self.pmcr & ~PMCR_WRITABLE) | (value & PMCR_WRITABLE)
        elif reg == "PMCNTENSET":
            self.cnten |= value & self._mask()
        elif reg == "PMCNTENCLR":
            self.cnten &= ~value
        elif reg == "PMOVSR":
            self.ovs &= ~(value & self._mask())
        elif reg == "PMSWINC":
            for i in range(self.n):
                if value >> i & 1 and self._enabled(i) and self.evtype[i] & 0xFFFF == EV_SW_INCR:
                    new = (self.evcnt[i] + 1) & M32
                    if self.evcnt[i] & ~new & (1 << 31):
                        self.ovs |= 1 << i
                    self.evcnt[i] = new
        elif reg == "PMSELR":
            self.selr = value & 0x1F
        elif reg == "PMCCNTR":
            self.ccnt = (self.ccnt & ~M32 & M64) | value
        elif reg == "PMUSERENR":
            self.userenr = value & 1
        elif reg == "PMINTENSET":
            self.inten |= value & self._mask()
        elif reg == "PMINTENCLR":
            self.inten &= ~value
        elif reg == "PMCCFILTR":
            # QEMU's AArch32 PMCCFILTR keeps the M bit; through PMXEVTYPER the write sets it too
            self.ccfilter = (self.ccfilter & 0x04000000) | (value & 0xF8000000)
        elif reg == "PMXEVTYPER" and self.selr == CYCLE:
            self.ccfilter = value & 0xFC000000
        elif reg == "PMXEVTYPER":
            if self.selr < self.n:
                self._set_type(self.selr, value)
        elif reg == "PMXEVCNTR":
            if self.selr < self.n:
                self.evcnt[self.selr] = value
        elif reg.startswith("PMEVCNTR"):
            self.evcnt[int(reg[8:])] = value
        elif reg.startswith("PMEVTYPER"):
            self._set_type(int(reg[9:]), value)

    def _set_type(self, i: int, value: int) -> None:
        """QEMU's pmevtyper_write: a counter whose event changes is re-based on the new event's
        source (``_finish`` makes the base relative to the counter's value)."""
        if (value ^ self.evtype[i]) & 0xFFFF:
            event = value & 0xFFFF
            self.evdelta[i] = self._source(event) if self._supported(event) else 0
        self.evtype[i] = value & EVTYPER_MASK

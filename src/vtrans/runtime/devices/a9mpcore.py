"""Cortex-A9 MPCore private memory region (ARM DDI 0407), after QEMU's a9mpcore_priv.

At PERIPHBASE (CBAR; 0x1E000000 on the Versatile Express A9):

=========  =====================================  ==========
offset     block                                  interrupt
=========  =====================================  ==========
0x0000     Snoop Control Unit                     -
0x0100     GIC CPU interface (GICv1)              -
0x0200     global timer                           PPI 27
0x0600     private timer                          PPI 29
0x0620     watchdog (QEMU: a second private timer) PPI 30
0x1000     GIC distributor                        -
=========  =====================================  ==========

The gaps between blocks are unassigned, as in QEMU.  Timers run from
PERIPHCLK, which QEMU fixes at 100 MHz (10 ns per tick before prescaling).
"""

from __future__ import annotations

from vtrans.runtime.clock import VirtualClock
from vtrans.runtime.devices.base import Device, IrqLine
from vtrans.runtime.devices.gic import Gic
from vtrans.runtime.devices.primecell import WordDevice
from vtrans.runtime.devices.ptimer import PTimer, PTimerPolicy

#: nanoseconds per PERIPHCLK tick in QEMU
PERIPHCLK_NS = 10
PPI_GLOBAL_TIMER, PPI_PRIVATE_TIMER, PPI_WATCHDOG = 27, 29, 30

_MPTIMER_POLICY = (PTimerPolicy.WRAP_AFTER_ONE_PERIOD | PTimerPolicy.CONTINUOUS_TRIGGER
                   | PTimerPolicy.NO_IMMEDIATE_TRIGGER | PTimerPolicy.NO_IMMEDIATE_RELOAD
                   | PTimerPolicy.NO_COUNTER_ROUND_DOWN)


class A9Scu(WordDevice):
    name = "a9-scu"
    size = 0x100

    def __init__(self, num_cpu: int = 1):
        self.num_cpu = num_cpu
        self.reset()

    def reset(self) -> None:
        self.control = 0
        self.status = 0

    def read32(self, offset: int) -> int:
        if offset == 0x00:
            return self.control
        if offset == 0x04:  # SCU configuration: CPUs in SMP mode, number of CPUs - 1
            return (((1 << self.num_cpu) - 1) << 4) | (self.num_cpu - 1)
        if offset == 0x08:
            return self.status
        return 0  # invalidate-all, filtering and access control: RAZ in QEMU

    def write32(self, offset: int, value: int) -> None:
        if offset == 0x00:
            self.control = value & 1
        elif offset == 0x08:
            self.status = value


def _timerblock_scale(control: int) -> int:
    return (((control >> 8) & 0xFF) + 1) * PERIPHCLK_NS


class MPTimer(WordDevice):
    """The private timer (and QEMU's stand-in for the watchdog): Load, Counter, Control, ISR."""

    size = 0x20

    def __init__(self, clock: VirtualClock, irq: IrqLine | None = None, name: str = "mptimer"):
        self.name = name
        self.irq = irq if irq is not None else IrqLine(f"{name}.irq")
        self.timer = PTimer(clock, self._tick, _MPTIMER_POLICY)
        self.reset()

    def reset(self) -> None:
        self.control = 0
        self.status = 0
        t = self.timer
        t.begin()
        t.stop()
        t.set_limit(0, True)
        t.set_period(_timerblock_scale(0))
        t.commit()
        self._update_irq()

    def _update_irq(self) -> None:
        self.irq.set(bool(self.status) and bool(self.control & 4))

    def _tick(self) -> None:
        # Periodic with Load 0 and no prescaler fires once and stops (QEMU).
        if self.control & 2 and not self.control & 0xFF00 and self.timer.get_limit() == 0:
            self.timer.stop()
        self.status = 1
        self._update_irq()

    def _run(self, control: int, load: int) -> None:
        if control & 1 and (control & 0xFF00 or load != 0):
            self.timer.run(not control & 2)

    def read32(self, offset: int) -> int:
        if offset == 0x00:
            return self.timer.get_limit() & 0xFFFFFFFF
        if offset == 0x04:
            return self.timer.get_count() & 0xFFFFFFFF
        if offset == 0x08:
            return self.control
        if offset == 0x0C:
            return self.status
        return 0

    def write32(self, offset: int, value: int) -> None:
        t = self.timer
        control = self.control
        if offset == 0x00:
            t.begin()
            # Load 0 without prescaler stops the timer without a tick.
            if control & 1 and not control & 0xFF00 and value == 0:
                t.stop()
            t.set_limit(value, True)
            self._run(control, value)
            t.commit()
        elif offset == 0x04:
            t.begin()
            if control & 1 and not control & 0xFF00 and value == 0 and (not control & 2 or t.get_limit() == 0):
                t.stop()
            t.set_count(value)
            self._run(control, t.get_limit())
            t.commit()
        elif offset == 0x08:
            t.begin()
            if (control & 3) != (value & 3):
                t.stop()
            if (control & 0xFF00) != (value & 0xFF00):
                t.set_period(_timerblock_scale(value))
            if value & 1:
                count = t.get_count()
                if value & 2 and count == 0:
                    t.set_count(t.get_limit())  # re-load a periodic timer
                self._run(value, count)
            self.control = value
            t.commit()
        elif offset == 0x0C:
            self.status &= ~value
            self._update_irq()


class A9GlobalTimer(WordDevice):
    """The 64-bit global timer with its comparator and auto-increment (one CPU)."""

    name = "a9-global-timer"
    size = 0x20
    ENABLE, COMP_ENABLE, IRQ_ENABLE, AUTO_INCREMENT = 1 << 0, 1 << 1, 1 << 2, 1 << 3
    BANKED = COMP_ENABLE | IRQ_ENABLE | AUTO_INCREMENT
    NEEDS_SYNC = ENABLE | 0xFF00

    def __init__(self, clock: VirtualClock, irq: IrqLine | None = None):
        self.clock = clock
        self.irq = irq if irq is not None else IrqLine("a9-global-timer.irq")
        self._event = None
        self.reset()

    def reset(self) -> None:
        VirtualClock.cancel(self._event)
        self._event = None
        self.counter = 0
        self.control = 0
        self.ref_counter = 0
        self.cpu_ref_time = 0
        self.cpu_control = 0
        self.status = 0
        self.compare = 0
        self.inc = 0
        self.irq.lower()

    def _conv(self) -> int:
        return (((self.control >> 8) & 0xFF) + 1) * PERIPHCLK_NS

    def _now(self) -> tuple[int, int]:
        now = self.clock.now_ns()
        return now, (self.ref_counter + (now - self.cpu_ref_time) // self._conv()) & ((1 << 64) - 1)

    def _update(self, sync: bool) -> None:
        now, new = self._now()
        next_cdiff = 0
        if self.control & self.ENABLE and self.cpu_control & self.COMP_ENABLE:
            # (the r2p0 compare is ">=", but QEMU 7.2 tests "<" here and fires one tick later)
            if self.compare < new:
                self.status = 1
                if self.cpu_control & self.AUTO_INCREMENT and self.inc:
                    step = -(-(new - self.compare) // self.inc) * self.inc
                    self.compare = (self.compare + step) & ((1 << 64) - 1)
            cdiff = self.compare - new + 1
            if cdiff > 0:
                next_cdiff = cdiff
        self.irq.set(bool(self.status) and bool(self.cpu_control & self.IRQ_ENABLE))
        VirtualClock.cancel(self._event)
        self._event = None
        if next_cdiff:
            self._event = self.clock.at_ns(now + next_cdiff * self._conv(), self._fire)
        if self.control & self.ENABLE:
            self.counter = new
        if sync:
            self.cpu_ref_time = now
            self.ref_counter = self.counter

    def _fire(self) -> None:
        self._event = None
        self._update(False)

    def read32(self, offset: int) -> int:
        if offset in (0x00, 0x04):
            # QEMU 7.2 extrapolates from the last re-base whether or not the
            # timer is enabled, so the counter runs from reset.
            value = self._now()[1]
            return (value >> (32 if offset == 0x04 else 0)) & 0xFFFFFFFF
        if offset == 0x08:
            return self.control | self.cpu_control
        if offset == 0x0C:
            return self.status
        if offset in (0x10, 0x14):
            return (self.compare >> (32 if offset == 0x14 else 0)) & 0xFFFFFFFF
        if offset == 0x18:
            return self.inc
        return 0

    def write32(self, offset: int, value: int) -> None:
        if offset in (0x00, 0x04):
            if self.control & self.ENABLE:
                return  # the TRM requires disabling the timer first; QEMU ignores the write
            shift = 32 if offset == 0x04 else 0
            self.counter = (self.counter & ~(0xFFFFFFFF << shift)) | (value << shift)
            return
        if offset == 0x08:
            # Bring the counter up to date under the old settings, re-basing it there when the
            # enable bit or the prescaler changes; then the new settings (QEMU's order)
            self._update(bool((value ^ self.control) & self.NEEDS_SYNC))
            self.cpu_control = value & self.BANKED
            self.control = value & ~self.BANKED & 0xFFFFFFFF
        elif offset == 0x0C:
            self._update(False)
            self.status &= ~value
        elif offset in (0x10, 0x14):
            self._update(False)
            shift = 32 if offset == 0x14 else 0
            self.compare = (self.compare & ~(0xFFFFFFFF << shift)) | (value << shift)
        elif offset == 0x18:
            self.inc = value
            return
        else:
            return
        self._update(False)


class A9MPCorePrivate:
    """The whole private region: its blocks and where they sit relative to PERIPHBASE."""

    def __init__(self, clock: VirtualClock, num_irq: int = 96):
        # QEMU gives the A9's GIC the security extensions when the CPU has EL3 (it does).
        # (QEMU's a9mpcore: A9_GIC_NUM_PRIORITY_BITS 5)
        self.gic = Gic(num_irq=num_irq, revision=1, name="a9-gic", security_extn=True, priority_bits=5)
        self.scu = A9Scu()
        self.global_timer = A9GlobalTimer(clock, self.gic.ppi(PPI_GLOBAL_TIMER))
        self.timer = MPTimer(clock, self.gic.ppi(PPI_PRIVATE_TIMER), name="a9-private-timer")
        self.watchdog = MPTimer(clock, self.gic.ppi(PPI_WATCHDOG), name="a9-watchdog")

    def regions(self) -> list[tuple[int, Device]]:
        return [
            (0x0000, self.scu),
            (0x0100, self.gic.cpu_interface),
            (0x0200, self.global_timer),
            (0x0600, self.timer),
            (0x0620, self.watchdog),
            (0x1000, self.gic.distributor),
        ]

"""ARM SP804 dual timer (ARM DDI 0271), as QEMU's hw/timer/arm_timer.c models it.

Two identical timers at offsets 0x00 and 0x20, one combined interrupt output.
Each counts down at the block's clock (1 MHz on the Versatile, RealView and
Versatile Express boards in QEMU), divided by the prescaler.  QEMU's quirks
are kept because guests written for QEMU see them:

* writing Control with ENABLE set reloads the counter from Load;
* free-running mode (neither PERIODIC nor ONESHOT) wraps at 0xffff/0xffffffff
  and ignores Load for the reload value;
* the interrupt is level: RIS stays set until IntClr, MIS = RIS & IE.
"""

from __future__ import annotations

from vtrans.runtime.clock import VirtualClock
from vtrans.runtime.devices.base import IrqLine
from vtrans.runtime.devices.primecell import WordDevice, primecell_id
from vtrans.runtime.devices.ptimer import PTimer, PTimerPolicy

CTRL_ONESHOT = 1 << 0
CTRL_32BIT = 1 << 1
CTRL_PRESCALE_SHIFT = 2
CTRL_IE = 1 << 5
CTRL_PERIODIC = 1 << 6
CTRL_ENABLE = 1 << 7

REG_LOAD, REG_VALUE, REG_CONTROL, REG_INTCLR, REG_RIS, REG_MIS, REG_BGLOAD = (
    0x00, 0x04, 0x08, 0x0C, 0x10, 0x14, 0x18)

#: TimerPeriphID0-3, TimerPCellID0-3 (QEMU ``sp804_ids``)
SP804_ID = bytes([0x04, 0x18, 0x14, 0x00, 0x0D, 0xF0, 0x05, 0xB1])


class ArmTimer:
    """One of the two counters of an SP804."""

    def __init__(self, clock: VirtualClock, freq_hz: int, irq: IrqLine):
        self.freq = freq_hz
        self.irq = irq
        self.timer = PTimer(clock, self._tick, PTimerPolicy.LEGACY)
        self.reset()

    def reset(self) -> None:
        self.timer.begin()
        self.timer.stop()
        self.timer.commit()
        self.timer.delta = 0
        self.timer.limit = 0
        self.control = CTRL_IE
        self.limit = 0
        self.int_level = False
        self._update()

    def _update(self) -> None:
        self.irq.set(self.int_level and bool(self.control & CTRL_IE))

    def _tick(self) -> None:
        self.int_level = True
        self._update()

    def _recalibrate(self, reload: bool) -> None:
        if not self.control & (CTRL_PERIODIC | CTRL_ONESHOT):
            limit = 0xFFFFFFFF if self.control & CTRL_32BIT else 0xFFFF  # free-running
        else:
            limit = self.limit
        self.timer.set_limit(limit, reload)

    def read(self, offset: int) -> int | None:
        if offset in (REG_LOAD, REG_BGLOAD):
            return self.limit
        if offset == REG_VALUE:
            return self.timer.get_count() & 0xFFFFFFFF
        if offset == REG_CONTROL:
            return self.control
        if offset == REG_RIS:
            return int(self.int_level)
        if offset == REG_MIS:
            return int(self.int_level) if self.control & CTRL_IE else 0
        return None

    def write(self, offset: int, value: int) -> bool:
        t = self.timer
        if offset == REG_LOAD:
            self.limit = value
            t.begin()
            self._recalibrate(True)
            t.commit()
        elif offset == REG_VALUE:
            pass  # read-only; Linux writes it anyway (QEMU ignores)
        elif offset == REG_CONTROL:
            t.begin()
            if self.control & CTRL_ENABLE:
                # QEMU pauses the timer around a control change.
                t.stop()
            self.control = value
            freq = self.freq
            prescale = (value >> CTRL_PRESCALE_SHIFT) & 3
            if prescale == 1:
                freq >>= 4
            elif prescale == 2:
                freq >>= 8
            self._recalibrate(bool(self.control & CTRL_ENABLE))
            t.set_freq(freq)
            if self.control & CTRL_ENABLE:
                t.run(bool(self.control & CTRL_ONESHOT))
            t.commit()
        elif offset == REG_INTCLR:
            self.int_level = False
        elif offset == REG_BGLOAD:
            self.limit = value
            t.begin()
            self._recalibrate(False)
            t.commit()
        else:
            return False
        self._update()
        return True


class SP804(WordDevice):
    name = "sp804"

    def __init__(self, clock: VirtualClock, irq: IrqLine | None = None, *,
                 freq0: int = 1_000_000, freq1: int = 1_000_000, name: str = "sp804"):
        self.name = name
        self.irq = irq if irq is not None else IrqLine(f"{name}.intr")
        self._lines = [IrqLine(f"{name}.t0", self._merge), IrqLine(f"{name}.t1", self._merge)]
        self.timers = [ArmTimer(clock, freq0, self._lines[0]), ArmTimer(clock, freq1, self._lines[1])]

    def _merge(self, _level: bool) -> None:
        self.irq.set(self._lines[0].level or self._lines[1].level)

    def reset(self) -> None:
        for t in self.timers:
            t.reset()

    def read32(self, offset: int) -> int:
        if offset < 0x40:
            value = self.timers[offset >> 5].read(offset & 0x1F)
            if value is not None:
                return value
        elif 0xFE0 <= offset <= 0xFFC:
            return primecell_id(offset, SP804_ID)
        elif offset in (0xF00, 0xF04):
            return 0  # integration test registers: unimplemented in QEMU, read 0
        self.bad_offset(offset, "read")
        return 0

    def write32(self, offset: int, value: int) -> None:
        if offset < 0x40 and self.timers[offset >> 5].write(offset & 0x1F, value):
            return
        self.bad_offset(offset, "write")

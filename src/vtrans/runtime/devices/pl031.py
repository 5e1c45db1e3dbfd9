"""ARM PrimeCell PL031 real-time clock (ARM DDI 0224), after QEMU's hw/rtc/pl031.c.

The seconds counter is ``epoch`` plus virtual time, not the host's wall
clock, so a guest that reads it behaves the same in every run (QEMU starts it
from the host clock unless given ``-rtc base=...``).  The match interrupt is
scheduled on the virtual clock.
"""

from __future__ import annotations

from vtrans.runtime.clock import VirtualClock
from vtrans.runtime.devices.base import IrqLine
from vtrans.runtime.devices.primecell import WordDevice, primecell_id

PL031_ID = bytes([0x31, 0x10, 0x14, 0x00, 0x0D, 0xF0, 0x05, 0xB1])
RTC_DR, RTC_MR, RTC_LR, RTC_CR, RTC_IMSC, RTC_RIS, RTC_MIS, RTC_ICR = range(0, 0x20, 4)
NS_PER_S = 1_000_000_000


class PL031(WordDevice):
    name = "pl031"

    def __init__(self, clock: VirtualClock, irq: IrqLine | None = None, epoch: int = 0):
        self.clock = clock
        self.irq = irq if irq is not None else IrqLine("pl031.intr")
        self.epoch = epoch
        self._event = None
        self.reset()

    def reset(self) -> None:
        VirtualClock.cancel(self._event)
        self._event = None
        self.tick_offset = self.epoch
        self.mr = 0
        self.lr = 0
        self.im = 0
        self.is_ = 0
        self._update()

    def _seconds(self) -> int:
        return (self.tick_offset + self.clock.now_ns() // NS_PER_S) & 0xFFFFFFFF

    def _update(self) -> None:
        self.irq.set(bool(self.is_ & self.im))

    def _interrupt(self) -> None:
        self._event = None
        self.is_ = 1
        self._update()

    def _set_alarm(self) -> None:
        VirtualClock.cancel(self._event)
        self._event = None
        ticks = (self.mr - self._seconds()) & 0xFFFFFFFF
        if ticks == 0:
            self._interrupt()
        else:
            # The alarm fires at the start of the matching second.
            now = self.clock.now_ns()
            self._event = self.clock.at_ns((now // NS_PER_S + ticks) * NS_PER_S, self._interrupt)

    def read32(self, offset: int) -> int:
        if 0xFE0 <= offset <= 0xFFC:
            return primecell_id(offset, PL031_ID)
        regs = {RTC_MR: self.mr, RTC_LR: self.lr, RTC_CR: 1, RTC_IMSC: self.im,
                RTC_RIS: self.is_, RTC_MIS: self.is_ & self.im}
        if offset == RTC_DR:
            return self._seconds()
        if offset in regs:
            return regs[offset]
        self.bad_offset(offset, "read")
        return 0

    def write32(self, offset: int, value: int) -> None:
        if offset == RTC_LR:
            self.tick_offset += value - self._seconds()
            self._set_alarm()
        elif offset == RTC_MR:
            self.mr = value
            self._set_alarm()
        elif offset == RTC_IMSC:
            self.im = value & 1
            self._update()
        elif offset == RTC_ICR:
            self.is_ &= ~value
            self._update()
        elif offset == RTC_CR:
            pass  # writing 0 does not stop QEMU's RTC either
        else:
            self.bad_offset(offset, "write")

"""ARM PrimeCell PL061 GPIO (ARM DDI 0190), after QEMU 7.2's hw/gpio/pl061.c.

Eight pins.  DATA is addressed through a mask in the address bits [9:2] (a
write changes only the masked output pins).  Interrupts: per pin, level
(IS=1) or edge (IS=0) sensitive, on the IEV polarity or on both edges (IBE);
RIS is sticky until cleared through IC, and a level interrupt re-asserts as
long as its condition holds, as in QEMU.  ``inputs[n]`` drives pin n while it
is an input (a change on an output pin is lost, as in QEMU); a pin that stops
being an output keeps its last driven value until its input changes.
"""

from __future__ import annotations

from typing import Callable

from vtrans.runtime.devices.base import IrqLine
from vtrans.runtime.devices.primecell import WordDevice

#: PeriphID4-7 (zero), PeriphID0-3, PCellID0-3 from 0xfd0 (QEMU ``pl061_id``)
PL061_ID = bytes([0x00, 0x00, 0x00, 0x00, 0x61, 0x10, 0x04, 0x00, 0x0D, 0xF0, 0x05, 0xB1])

REG_DIR, REG_IS, REG_IBE, REG_IEV, REG_IE, REG_RIS, REG_MIS, REG_IC, REG_AFSEL = (
    0x400, 0x404, 0x408, 0x40C, 0x410, 0x414, 0x418, 0x41C, 0x420)


class PL061(WordDevice):
    name = "pl061"

    def __init__(self, irq: IrqLine | None = None, name: str = "pl061"):
        self.name = name
        self.irq = irq if irq is not None else IrqLine(f"{name}.intr")
        #: the pins as seen from outside, for boards that wire something to them
        self.inputs = [IrqLine(f"{name}.pin{n}", self._input_sink(n)) for n in range(8)]
        self.reset()

    def _input_sink(self, pin: int) -> Callable[[bool], None]:
        bit = 1 << pin

        def sink(level: bool) -> None:
            if not self.dir & bit:
                self.data = (self.data | bit) if level else (self.data & ~bit)
                self._update()
        return sink

    def reset(self) -> None:
        self.data = 0
        self.old_in_data = 0
        self.dir = 0
        self.isense = 0
        self.ibe = 0
        self.iev = 0
        self.im = 0
        self.istate = 0
        self.afsel = 0
        # whatever drives the pins re-asserts its level after the reset
        for pin, line in enumerate(self.inputs):
            if line.level:
                self.data |= 1 << pin
        self._update()

    def _update(self) -> None:
        changed = (self.old_in_data ^ self.data) & ~self.dir & 0xFF
        if changed:
            self.old_in_data = self.data
            for pin in range(8):
                bit = 1 << pin
                if changed & bit and not self.isense & bit:
                    # edge: any edge with IBE, else the edge IEV selects
                    self.istate |= bit if self.ibe & bit else ~(self.data ^ self.iev) & bit
        # level: asserted while the pin is at the IEV level
        self.istate = (self.istate | (~(self.data ^ self.iev) & self.isense)) & 0xFF
        self.irq.set(bool(self.istate & self.im))

    def read32(self, offset: int) -> int:
        if offset < 0x400:
            return self.data & (offset >> 2)
        if 0xFD0 <= offset < 0x1000:
            return PL061_ID[(offset - 0xFD0) >> 2]
        regs = {REG_DIR: self.dir, REG_IS: self.isense, REG_IBE: self.ibe, REG_IEV: self.iev,
                REG_IE: self.im, REG_RIS: self.istate, REG_MIS: self.istate & self.im, REG_AFSEL: self.afsel}
        if offset in regs:
            return regs[offset]
        self.bad_offset(offset, "read")
        return 0

    def write32(self, offset: int, value: int) -> None:
        value &= 0xFF
        if offset < 0x400:
            mask = (offset >> 2) & self.dir
            self.data = (self.data & ~mask) | (value & mask)
        elif offset == REG_DIR:
            self.dir = value
        elif offset == REG_IS:
            self.isense = value
        elif offset == REG_IBE:
            self.ibe = value
        elif offset == REG_IEV:
            self.iev = value
        elif offset == REG_IE:
            self.im = value
        elif offset == REG_IC:
            self.istate &= ~value
        elif offset == REG_AFSEL:
            self.afsel = value
        else:
            self.bad_offset(offset, "write")
            return
        self._update()

"""The Versatile/PB secondary interrupt controller, after QEMU's ``versatilepb_sic``.

32 inputs.  Their masked OR drives primary (PL190) input 31; inputs 21..30
can also be passed straight through to the same-numbered PL190 inputs
(PICENABLE), which is how QEMU wires the PCI, MMC and AACI interrupts.
"""

from __future__ import annotations

from typing import Callable

from vtrans.runtime.devices.base import IrqLine
from vtrans.runtime.devices.primecell import WordDevice

REG_STATUS, REG_RAWSTAT, REG_ENABLE, REG_ENCLR = 0x00, 0x04, 0x08, 0x0C
REG_SOFTINTSET, REG_SOFTINTCLR, REG_PICENABLE, REG_PICENCLR = 0x10, 0x14, 0x20, 0x24

#: the SIC input lines that can be passed through to the PIC
PASSTHROUGH_MASK = 0x7FE00000


class VersatileSIC(WordDevice):
    name = "versatile-sic"

    def __init__(self, parent: list[IrqLine], name: str = "versatile-sic"):
        """``parent[n]`` is PIC input n; the combined output drives ``parent[31]``."""
        if len(parent) != 32:
            raise ValueError("the SIC needs the 32 PIC inputs")
        self.name = name
        self.parent = parent
        self.inputs = [IrqLine(f"{name}[{n}]", self._input_sink(n)) for n in range(32)]
        self.level = 0
        self.reset()

    def reset(self) -> None:
        self.mask = 0
        self.pic_enable = 0
        self._update()

    def _input_sink(self, n: int) -> Callable[[bool], None]:
        bit = 1 << n

        def sink(level: bool) -> None:
            self.level = (self.level | bit) if level else (self.level & ~bit)
            if self.pic_enable & bit:
                self.parent[n].set(level)
            self._update()
        return sink

    def _update(self) -> None:
        self.parent[31].set(bool(self.level & self.mask))

    def _update_pic(self) -> None:
        for n in range(21, 31):
            bit = 1 << n
            if self.pic_enable & bit:
                self.parent[n].set(bool(self.level & bit))

    def read32(self, offset: int) -> int:
        if offset == REG_STATUS:
            return self.level & self.mask
        if offset == REG_RAWSTAT:
            return self.level
        if offset == REG_ENABLE:
            return self.mask
        if offset == REG_SOFTINTSET:
            return self.level & 1
        if offset == REG_PICENABLE:
            return self.pic_enable
        self.bad_offset(offset, "read")
        return 0

    def write32(self, offset: int, value: int) -> None:
        if offset == REG_ENABLE:
            self.mask |= value
        elif offset == REG_ENCLR:
            self.mask &= ~value
        elif offset == REG_SOFTINTSET:
            # QEMU sets the *mask* bit here, not the level: kept for fidelity.
            if value:
                self.mask |= 1
        elif offset == REG_SOFTINTCLR:
            if value:
                self.mask &= ~1
        elif offset == REG_PICENABLE:
            self.pic_enable |= value & PASSTHROUGH_MASK
            self._update_pic()
        elif offset == REG_PICENCLR:
            self.pic_enable &= ~value
            self._update_pic()
        else:
            self.bad_offset(offset, "write")
            return
        self._update()

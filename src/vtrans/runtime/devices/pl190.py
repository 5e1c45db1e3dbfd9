"""ARM PrimeCell PL190 vectored interrupt controller (ARM DDI 0181), after QEMU's hw/intc/pl190.c.

32 level-sensitive inputs; each is routed to FIQ (IntSelect) or IRQ.  The 16
vectored slots form a priority chain: reading VectAddr at the start of an
ISR raises the current priority to that of the highest pending vectored
interrupt (masking it and everything below), writing VectAddr restores the
previous level.  The CPU's IRQ line only sees interrupts above the current
priority; FIQ is never masked by it.
"""

from __future__ import annotations

from typing import Callable

from vtrans.runtime.devices.base import IrqLine
from vtrans.runtime.devices.primecell import WordDevice, primecell_id

#: 16 vectored slots plus the default (non-vectored) level
NUM_PRIO = 17
#: PeriphID0-3, PCellID0-3 (QEMU ``pl190_id``)
PL190_ID = bytes([0x90, 0x11, 0x04, 0x00, 0x0D, 0xF0, 0x05, 0xB1])

REG_IRQSTATUS, REG_FIQSTATUS, REG_RAWINTR, REG_INTSELECT = 0x00, 0x04, 0x08, 0x0C
REG_INTENABLE, REG_INTENCLEAR, REG_SOFTINT, REG_SOFTINTCLEAR = 0x10, 0x14, 0x18, 0x1C
REG_PROTECTION, REG_VECTADDR, REG_DEFVECTADDR, REG_ITCR = 0x20, 0x30, 0x34, 0x300


class PL190(WordDevice):
    name = "pl190"

    def __init__(self, irq: IrqLine | None = None, fiq: IrqLine | None = None, name: str = "pl190"):
        self.name = name
        self.irq = irq if irq is not None else IrqLine(f"{name}.irq")
        self.fiq = fiq if fiq is not None else IrqLine(f"{name}.fiq")
        #: input lines 0..31, to hand to the devices wired to this controller
        self.inputs = [IrqLine(f"{name}[{n}]", self._input_sink(n)) for n in range(32)]
        self.level = 0
        self.reset()

    def _input_sink(self, n: int) -> Callable[[bool], None]:
        bit = 1 << n

        def sink(level: bool) -> None:
            self.level = (self.level | bit) if level else (self.level & ~bit)
            self._update()
        return sink

    def reset(self) -> None:
        # The input level follows the wires, which a reset does not change.
        self.soft_level = 0
        self.irq_enable = 0
        self.fiq_select = 0
        self.protected = 0
        self.vect_addr = [0] * NUM_PRIO
        self.vect_control = [0] * 16
        self.prio_mask = [0] * (NUM_PRIO + 1)
        self.prio_mask[NUM_PRIO] = 0xFFFFFFFF
        self.priority = NUM_PRIO
        self.prev_priority = [0] * NUM_PRIO
        self._update_vectors()

    # -- state --------------------------------------------------------------------
    def _irq_level(self) -> int:
        return (self.level | self.soft_level) & self.irq_enable & ~self.fiq_select & 0xFFFFFFFF

    def _update(self) -> None:
        self.irq.set(bool(self._irq_level() & self.prio_mask[self.priority]))
        self.fiq.set(bool((self.level | self.soft_level) & self.fiq_select))

    def _update_vectors(self) -> None:
        mask = 0
        for i in range(16):
            self.prio_mask[i] = mask
            if self.vect_control[i] & 0x20:
                mask |= 1 << (self.vect_control[i] & 0x1F)
        self.prio_mask[16] = mask
        self._update()

    # -- registers ------------------------------------------------------------------
    def read32(self, offset: int) -> int:
        if 0xFE0 <= offset < 0x1000:
            return primecell_id(offset, PL190_ID)
        if 0x100 <= offset < 0x140:
            return self.vect_addr[(offset - 0x100) >> 2]
        if 0x200 <= offset < 0x240:
            return self.vect_control[(offset - 0x200) >> 2]
        if offset == REG_IRQSTATUS:
            return self._irq_level()
        if offset == REG_FIQSTATUS:
            return (self.level | self.soft_level) & self.fiq_select
        if offset == REG_RAWINTR:
            return self.level | self.soft_level
        if offset == REG_INTSELECT:
            return self.fiq_select
        if offset == REG_INTENABLE:
            return self.irq_enable
        if offset == REG_SOFTINT:
            return self.soft_level
        if offset == REG_PROTECTION:
            return self.protected
        if offset == REG_VECTADDR:
            return self._read_vectaddr()
        if offset == REG_DEFVECTADDR:
            return self.vect_addr[16]
        self.bad_offset(offset, "read")
        return 0

    def _read_vectaddr(self) -> int:
        # Entering an ISR: prio_mask[i+1] holds every vectored interrupt above
        # level i+1, so the loop stops at the highest-priority pending one.
        pending = self.level | self.soft_level
        i = 0
        while i < self.priority:
            if pending & self.prio_mask[i + 1]:
                break
            i += 1
        if i == NUM_PRIO:
            return self.vect_addr[16]  # nothing pending: the default address
        if i < self.priority:
            self.prev_priority[i] = self.priority
            self.priority = i
            self._update()
        return self.vect_addr[self.priority]

    def write32(self, offset: int, value: int) -> None:
        if 0x100 <= offset < 0x140:
            self.vect_addr[(offset - 0x100) >> 2] = value
            self._update_vectors()
            return
        if 0x200 <= offset < 0x240:
            self.vect_control[(offset - 0x200) >> 2] = value & 0xFF
            self._update_vectors()
            return
        if offset == REG_IRQSTATUS:
            pass  # read-only; Linux writes it (QEMU ignores)
        elif offset == REG_INTSELECT:
            self.fiq_select = value
        elif offset == REG_INTENABLE:
            self.irq_enable |= value
        elif offset == REG_INTENCLEAR:
            self.irq_enable &= ~value
        elif offset == REG_SOFTINT:
            self.soft_level |= value
        elif offset == REG_SOFTINTCLEAR:
            self.soft_level &= ~value
        elif offset == REG_PROTECTION:
            self.protected = value & 1
        elif offset == REG_VECTADDR:
            # End of ISR: back to the previous level (the value is ignored).
            if self.priority < NUM_PRIO:
                self.priority = self.prev_priority[self.priority]
        elif offset == REG_DEFVECTADDR:
            self.vect_addr[16] = value
        elif offset == REG_ITCR:
            pass  # test mode: not implemented in QEMU either
        else:
            self.bad_offset(offset, "write")
            return
        self._update()

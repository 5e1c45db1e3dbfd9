"""ARM PrimeCell PL011 UART (ARM DDI 0183), as QEMU's hw/char/pl011.c models it.

Transmission completes at once (TXFE stays set, the TX interrupt is raised on
every write to DR, as in QEMU).  Received bytes come from the machine through
``receive()``; they wait in a host-side backlog until the RX FIFO (16 entries
with FIFOs enabled, 1 without) has room, which is how QEMU's character
backend paces input.

As in QEMU 7.2, loopback (CR.LBE) is not modelled, and enabling or disabling
the FIFOs empties the receive FIFO without touching the flags (FR may show a
stale RXFF until the next read of DR).

Input given before the guest has touched the UART is held back until its
first access: on QEMU such bytes arrive whenever the host delivers them,
typically after the guest has configured the UART, and a byte taken into the
holding register before the guest enables the FIFOs would be flushed by that
enable.  Holding it makes the outcome deterministic and the same as QEMU's
usual one.
"""

from __future__ import annotations

from collections import deque
from typing import Callable

from vtrans.runtime.devices.base import IrqLine
from vtrans.runtime.devices.primecell import WordDevice, primecell_id

# UARTFR bits
FR_RI, FR_TXFE, FR_RXFF, FR_TXFF, FR_RXFE, FR_DCD, FR_DSR, FR_CTS = 0x100, 0x80, 0x40, 0x20, 0x10, 0x4, 0x2, 0x1
# UARTRIS/MIS/IMSC/ICR bits
INT_OE, INT_BE, INT_PE, INT_FE = 1 << 10, 1 << 9, 1 << 8, 1 << 7
INT_RT, INT_TX, INT_RX = 1 << 6, 1 << 5, 1 << 4
INT_DSR, INT_DCD, INT_CTS, INT_RI = 1 << 3, 1 << 2, 1 << 1, 1 << 0
LCR_FEN = 1 << 4

FIFO_DEPTH = 16
#: PeriphID0-3, PCellID0-3 of the ARM variant (QEMU ``pl011_id_arm``)
PL011_ID = bytes([0x11, 0x10, 0x14, 0x00, 0x0D, 0xF0, 0x05, 0xB1])

REG_DR, REG_RSR, REG_FR, REG_ILPR, REG_IBRD, REG_FBRD = 0x00, 0x04, 0x18, 0x20, 0x24, 0x28
REG_LCR_H, REG_CR, REG_IFLS, REG_IMSC, REG_RIS, REG_MIS, REG_ICR, REG_DMACR = (
    0x2C, 0x30, 0x34, 0x38, 0x3C, 0x40, 0x44, 0x48)


class PL011(WordDevice):
    name = "pl011"

    def __init__(self, irq: IrqLine | None = None, name: str = "pl011"):
        self.name = name
        self.irq = irq if irq is not None else IrqLine(f"{name}.intr")
        #: called with each transmitted byte; the machine points it at its console
        self.output: Callable[[int], None] | None = None
        self._backlog: deque[int] = deque()
        self.reset()

    def reset(self) -> None:
        self.read_fifo = [0] * FIFO_DEPTH
        self.read_pos = 0
        self.read_count = 0
        self.read_trigger = 1
        self.flags = FR_TXFE | FR_RXFE
        self.lcr = 0
        self.rsr = 0
        self.cr = 0x300
        self.dmacr = 0
        self.int_enabled = 0
        self.int_level = 0
        self.ilpr = 0
        self.ibrd = 0
        self.fbrd = 0
        self.ifl = 0x12
        self._touched = False
        self._update()

    # -- host side ----------------------------------------------------------------
    def set_output(self, callback: Callable[[int], None] | None) -> None:
        self.output = callback

    def receive(self, data: bytes) -> None:
        """Queue bytes typed at the console; they enter the RX FIFO as it has room."""
        self._backlog.extend(data)
        self._accept_input()

    @property
    def pending_input(self) -> int:
        return len(self._backlog)

    def _fifo_depth(self) -> int:
        return FIFO_DEPTH if self.lcr & LCR_FEN else 1

    def _can_receive(self) -> bool:
        return self.read_count < self._fifo_depth()

    def _accept_input(self) -> None:
        while self._backlog and self._touched and self._can_receive():
            self._put_fifo(self._backlog.popleft())

    def _put_fifo(self, value: int) -> None:
        # the FIFO is a 16-entry ring whether or not it is enabled (QEMU 7.2)
        slot = (self.read_pos + self.read_count) & (FIFO_DEPTH - 1)
        self.read_fifo[slot] = value
        self.read_count += 1
        self.flags &= ~FR_RXFE
        if not self.lcr & LCR_FEN or self.read_count == FIFO_DEPTH:
            self.flags |= FR_RXFF
        if self.read_count == self.read_trigger:
            self.int_level |= INT_RX
            self._update()

    def _update(self) -> None:
        self.irq.set(bool(self.int_level & self.int_enabled))

    # -- registers ------------------------------------------------------------------
    def read(self, offset: int, size: int) -> int:
        if not self._touched:
            self._touched = True
            self._accept_input()
        return super().read(offset, size)

    def write(self, offset: int, size: int, value: int) -> None:
        super().write(offset, size, value)
        if not self._touched:
            self._touched = True
            self._accept_input()

    def read32(self, offset: int) -> int:
        if offset == REG_DR:
            self.flags &= ~FR_RXFF
            c = self.read_fifo[self.read_pos]
            if self.read_count > 0:
                self.read_count -= 1
                self.read_pos = (self.read_pos + 1) & (FIFO_DEPTH - 1)
            if self.read_count == 0:
                self.flags |= FR_RXFE
            if self.read_count == self.read_trigger - 1:
                self.int_level &= ~INT_RX
            self.rsr = c >> 8
            self._update()
            self._accept_input()
            return c
        if 0xFE0 <= offset <= 0xFFC:
            return primecell_id(offset, PL011_ID)
        reg = _READ.get(offset)
        if reg is None:
            self.bad_offset(offset, "read")
            return 0
        return reg(self)

    def write32(self, offset: int, value: int) -> None:
        if offset == REG_DR:
            if self.output is not None:
                self.output(value & 0xFF)
            self.int_level |= INT_TX
            self._update()
        elif offset == REG_RSR:
            self.rsr = 0
        elif offset == REG_FR:
            pass  # read-only
        elif offset == REG_ILPR:
            self.ilpr = value
        elif offset == REG_IBRD:
            self.ibrd = value  # QEMU 7.2 keeps every bit written
        elif offset == REG_FBRD:
            self.fbrd = value
        elif offset == REG_LCR_H:
            if (self.lcr ^ value) & LCR_FEN:
                # Enabling or disabling the FIFOs empties the receive FIFO; QEMU 7.2
                # leaves FR as it was.
                self.read_count = 0
                self.read_pos = 0
            self.lcr = value
            self.read_trigger = 1  # QEMU raises RX on the first byte whatever IFLS says
            self._accept_input()
        elif offset == REG_CR:
            self.cr = value  # enables and loopback are not modelled (nor in QEMU 7.2)
        elif offset == REG_IFLS:
            self.ifl = value
            self.read_trigger = 1
        elif offset == REG_IMSC:
            self.int_enabled = value
            self._update()
        elif offset == REG_ICR:
            self.int_level &= ~value
            self._update()
        elif offset == REG_DMACR:
            self.dmacr = value
        else:
            self.bad_offset(offset, "write")


_READ: dict[int, Callable[[PL011], int]] = {
    REG_RSR: lambda s: s.rsr,
    REG_FR: lambda s: s.flags,
    REG_ILPR: lambda s: s.ilpr,
    REG_IBRD: lambda s: s.ibrd,
    REG_FBRD: lambda s: s.fbrd,
    REG_LCR_H: lambda s: s.lcr,
    REG_CR: lambda s: s.cr,
    REG_IFLS: lambda s: s.ifl,
    REG_IMSC: lambda s: s.int_enabled,
    REG_RIS: lambda s: s.int_level,
    REG_MIS: lambda s: s.int_level & s.int_enabled,
    REG_DMACR: lambda s: s.dmacr,
}

"""What every device model and interrupt wire looks like to the machine.

A ``Device`` occupies ``size`` bytes of the MMIO bus at the address the board
gives it and answers 8/16/32-bit reads and writes by offset.  Devices raise
interrupts through ``IrqLine`` objects handed to them by the board; a line's
sink is an interrupt-controller input, or the CPU's IRQ/FIQ input.  Devices
keep time only through the ``VirtualClock`` (never the host clock), so runs are
deterministic.
"""

from __future__ import annotations

from typing import Callable


class IrqLine:
    """A level-sensitive interrupt wire.  ``sink(level)`` is called on every change."""

    __slots__ = ("name", "level", "_sink")

    def __init__(self, name: str = "", sink: Callable[[bool], None] | None = None):
        self.name = name
        self.level = False
        self._sink = sink

    def connect(self, sink: Callable[[bool], None]) -> None:
        self._sink = sink
        if self.level:
            sink(True)

    def set(self, level: bool) -> None:
        level = bool(level)
        if level != self.level:
            self.level = level
            if self._sink is not None:
                self._sink(level)

    def raise_(self) -> None:
        self.set(True)

    def lower(self) -> None:
        self.set(False)


class Device:
    """Base class of MMIO device models."""

    #: bytes of address space the device decodes
    size: int = 0x1000
    name: str = "device"

    def read(self, offset: int, size: int) -> int:  # pragma: no cover - overridden
        return 0

    def write(self, offset: int, size: int, value: int) -> None:  # pragma: no cover - overridden
        pass

    def reset(self) -> None:
        pass

"""Helpers shared by the ARM PrimeCell and other 32-bit register-file models."""

from __future__ import annotations

import logging

from vtrans.runtime.devices.base import Device

log = logging.getLogger(__name__)


def primecell_id(offset: int, ids: bytes) -> int:
    """The PeriphID0-3/PCellID0-3 byte at ``offset`` (0xfe0..0xffc), one per word."""
    return ids[(offset - 0xFE0) >> 2]


class WordDevice(Device):
    """A device whose registers are 32-bit words.

    Narrower or unaligned accesses see the bytes of the containing word, which
    is what QEMU's memory core does for models declaring 4-byte accesses; the
    model only implements ``read32``/``write32`` at aligned offsets.
    """

    def read(self, offset: int, size: int) -> int:
        shift = (offset & 3) * 8
        value = self.read32(offset & ~3) & 0xFFFFFFFF
        return (value >> shift) & ((1 << (size * 8)) - 1)

    def write(self, offset: int, size: int, value: int) -> None:
        if size < 4:
            # A sub-word store lands in its byte lane; QEMU widens it the same way.
            value = (value & ((1 << (size * 8)) - 1)) << ((offset & 3) * 8)
        self.write32(offset & ~3, value & 0xFFFFFFFF)

    def read32(self, offset: int) -> int:  # pragma: no cover - overridden
        return 0

    def write32(self, offset: int, value: int) -> None:  # pragma: no cover - overridden
        pass

    def bad_offset(self, offset: int, access: str) -> None:
        # QEMU logs these as LOG_GUEST_ERROR and reads 0 / ignores the write.
        log.debug("%s: bad %s offset 0x%x", self.name, access, offset)

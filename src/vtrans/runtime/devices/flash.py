"""The flash banks of QEMU's ``virt`` board when no firmware image is given.

``virt`` maps two 64 MB CFI flash banks at 0x0 and 0x04000000 (hw/arm/virt.c, ``virt_flash_map``).
Started with ``-kernel`` and no ``-bios``/``-pflash`` (how kernels are run, and what vtrans
mirrors), qemu-system-arm 7.2 reads every word of that space as 0 and ignores writes, CFI
commands included (checked with a probe guest against qemu-system-arm: tests/runtime).  A read
there therefore returns 0, where an unmapped address on ``virt`` aborts.
"""

from __future__ import annotations

from vtrans.runtime.devices.base import Device


class UnbackedFlash(Device):
    """Flash with no image behind it: reads as zero, writes ignored."""

    name = "flash"

    def __init__(self, size: int, name: str = "flash"):
        self.size = size
        self.name = name

    def read(self, offset: int, size: int) -> int:
        return 0

    def write(self, offset: int, size: int, value: int) -> None:
        pass

"""Device models of the QEMU-compatible boards (see ``vtrans.runtime.boards``)."""

from vtrans.runtime.devices.base import Device, IrqLine

__all__ = ["Device", "IrqLine"]

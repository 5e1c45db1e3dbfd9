"""Versatile / RealView / Versatile Express system registers, after QEMU's hw/misc/arm_sysctl.c.

The block every ARM development board has at 0x10000000: board identity
(SYS_ID, SYS_PROCID0/1), user LEDs, the lock register guarding reset control,
flag registers, the 24 MHz counter (derived from virtual time, so it is as
deterministic as everything else) and, on the Versatile Express, the
SYS_CFGCTRL interface to the motherboard microcontroller, through which a
guest can power the machine off or reboot it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import IntEnum
from typing import Callable

from vtrans.runtime.clock import VirtualClock
from vtrans.runtime.devices.primecell import WordDevice

log = logging.getLogger(__name__)

LOCK_VALUE = 0xA05F


class BoardKind(IntEnum):
    """The board-id field of SYS_ID (bits 27:16), which selects the register variants."""

    PB926 = 0x100
    EB = 0x140
    PBA8 = 0x178
    PBX = 0x182
    VEXPRESS = 0x190


class CfgFunction(IntEnum):
    """SYS_CFGCTRL function codes (Versatile Express motherboard, ARM DUI 0447)."""

    OSC = 1
    VOLT = 2
    AMP = 3
    TEMP = 4
    RESET = 5
    SCC = 6
    MUXFPGA = 7
    SHUTDOWN = 8
    REBOOT = 9
    DVIMODE = 11
    POWER = 12
    ENERGY = 13


@dataclass
class PowerHooks:
    """What the machine does when the guest asks the board to power off or reset."""

    shutdown: Callable[[], None] | None = None
    reset: Callable[[], None] | None = None

    def request_shutdown(self) -> None:
        if self.shutdown is not None:
            self.shutdown()

    def request_reset(self) -> None:
        if self.reset is not None:
            self.reset()


class SysRegs(WordDevice):
    name = "arm-sysctl"

    def __init__(self, clock: VirtualClock, *, sys_id: int, proc_id: int,
                 power: PowerHooks | None = None,
                 db_voltages: tuple[int, ...] = (), db_clocks: tuple[int, ...] = (),
                 name: str = "arm-sysctl"):
        self.name = name
        self.clock = clock
        self.sys_id = sys_id
        self.proc_id = proc_id
        self.power = power if power is not None else PowerHooks()
        self.db_voltages = db_voltages
        self._db_clocks = tuple(db_clocks)
        self.reset()

    @property
    def board(self) -> int:
        return (self.sys_id >> 16) & 0xFFF

    def reset(self) -> None:
        self.leds = 0
        self.lockval = 0
        self.cfgdata1 = 0
        self.cfgdata2 = 0
        self.flags = 0
        self.nvflags = 0
        self.resetlevel = 0
        self.sys_mci = 0
        self.sys_cfgdata = 0
        self.sys_cfgctrl = 0
        self.sys_cfgstat = 0
        self.db_clocks = list(self._db_clocks)
        self.mb_clocks = list(MB_CLOCKS)
        # CLCDID 0x1f (VGA) everywhere but the Versatile Express, where it is RAZ/WI.
        self.sys_clcd = 0 if self.board == BoardKind.VEXPRESS else 0x1F00

    def counter_24mhz(self) -> int:
        return (self.clock.now_ns() * 24_000_000 // 1_000_000_000) & 0xFFFFFFFF

    def read32(self, offset: int) -> int:
        vexpress = self.board == BoardKind.VEXPRESS
        simple = {
            0x00: self.sys_id, 0x04: 0, 0x08: self.leds, 0x20: self.lockval,
            0x28: self.cfgdata1, 0x2C: self.cfgdata2, 0x30: self.flags, 0x38: self.nvflags,
            0x44: 1, 0x48: self.sys_mci, 0x50: self.sys_clcd, 0x84: self.proc_id, 0x88: 0xFF000000,
        }
        if offset in simple:
            return simple[offset]
        if offset == 0x40:  # RESETCTL: reserved on the Versatile Express
            return 0 if vexpress else self.resetlevel
        if offset == 0x5C:
            return self.counter_24mhz()
        if offset in _RAZ:
            return 0
        if vexpress and offset == 0xA0:
            return self.sys_cfgdata
        if vexpress and offset == 0xA4:
            return self.sys_cfgctrl
        if vexpress and offset == 0xA8:
            return self.sys_cfgstat
        self.bad_offset(offset, "read")
        return 0

    def write32(self, offset: int, value: int) -> None:
        board = self.board
        if offset == 0x08:
            self.leds = value
            log.debug("%s: LEDs 0x%02x", self.name, value & 0xFF)
        elif offset == 0x20:
            self.lockval = value if value == LOCK_VALUE else value & 0x7FFF
        elif offset == 0x28:
            self.cfgdata1 = value
        elif offset == 0x2C:
            self.cfgdata2 = value
        elif offset == 0x30:
            self.flags |= value
        elif offset == 0x34:
            self.flags &= ~value
        elif offset == 0x38:
            self.nvflags |= value
        elif offset == 0x3C:
            self.nvflags &= ~value
        elif offset == 0x40:
            self._write_resetctl(value)
        elif offset == 0x50:
            if board != BoardKind.VEXPRESS:
                # CLCDID (bits 13:8) is read-only.
                self.sys_clcd = (self.sys_clcd & 0x3F00) | (value & ~0x3F00 & 0xFFFFFFFF)
        elif offset == 0xA0 and board == BoardKind.VEXPRESS:
            self.sys_cfgdata = value
        elif offset == 0xA4 and board == BoardKind.VEXPRESS:
            self._write_cfgctrl(value)
        elif offset == 0xA8 and board == BoardKind.VEXPRESS:
            self.sys_cfgstat = value & 3
        elif offset in _WI or (0x0C <= offset <= 0x1C):
            pass  # oscillators, PCI, flash, DMA mapping...: accepted and ignored, as in QEMU
        else:
            self.bad_offset(offset, "write")

    def _write_resetctl(self, value: int) -> None:
        reset_bit = {BoardKind.PB926: 0x100, BoardKind.PBA8: 0x04, BoardKind.PBX: 0x04}.get(self.board)
        if reset_bit is None or self.lockval != LOCK_VALUE:
            return  # reserved, or locked
        self.resetlevel = value
        if value & reset_bit:
            self.power.request_reset()

    def _write_cfgctrl(self, value: int) -> None:
        # Bits 19:18 are RAZ/WI; START (bit 31) triggers the transfer and reads 0.
        self.sys_cfgctrl = value & ~((3 << 18) | (1 << 31)) & 0xFFFFFFFF
        if value & (1 << 31):
            ctrl = self.sys_cfgctrl
            write = bool(ctrl & (1 << 30))
            function = (ctrl >> 20) & 0x3F
            site = (ctrl >> 16) & 3
            device = ctrl & 0xFFF
            self.sys_cfgstat = 1  # complete
            if not self._cfg_transfer(write, function, site, device):
                self.sys_cfgstat |= 2  # error
        self.sys_cfgctrl &= ~(1 << 31)

    def _cfg_transfer(self, write: bool, function: int, site: int, device: int) -> bool:
        site_mb, site_db1 = 0, 1
        if site == site_mb and device == 0 and write:
            if function == CfgFunction.SHUTDOWN:
                self.power.request_shutdown()
                return True
            if function == CfgFunction.REBOOT:
                self.power.request_reset()
                return True
        if site == site_db1 and function == CfgFunction.VOLT and device < len(self.db_voltages) and not write:
            self.sys_cfgdata = self.db_voltages[device]
            return True
        if function == CfgFunction.OSC:
            clocks = {site_mb: self.mb_clocks, site_db1: self.db_clocks}.get(site, [])
            if device < len(clocks):
                if write:
                    clocks[device] = self.sys_cfgdata
                else:
                    self.sys_cfgdata = clocks[device]
                return True
        log.debug("%s: unimplemented SYS_CFG function %d site %d device %d", self.name, function, site, device)
        return False


#: Versatile Express motherboard oscillators at reset, in Hz (QEMU arm_sysctl_reset):
#: static memory, CLCD, and four 24 MHz peripheral/bus clocks
MB_CLOCKS = (50_000_000, 23_750_000, 24_000_000, 24_000_000, 24_000_000, 24_000_000)

#: registers that read as zero (unimplemented in QEMU too)
_RAZ = frozenset({0x0C, 0x10, 0x14, 0x18, 0x1C, 0x24, 0x4C, 0x54, 0x58, 0x60, 0x64, 0x68, 0x6C, 0x70,
                  0x74, 0x80, 0x8C, 0x90, 0x94, 0x98, 0x9C, 0xC0, 0xC4, 0xC8, 0xCC, 0xD0})
#: registers whose writes are accepted and ignored
_WI = frozenset({0x44, 0x4C, 0x54, 0x64, 0x68, 0x6C, 0x70, 0x74, 0x80, 0x84, 0x88, 0x8C, 0x90, 0x94,
                 0x98, 0x9C, 0xC0, 0xC4, 0xC8, 0xCC, 0xD0, 0x48})

"""QEMU-compatible boards: memory maps, device instances and interrupt wiring.

A ``BoardSpec`` is the immutable description of a machine as QEMU's
``-M <name>`` builds it (hw/arm/versatilepb.c, realview.c, vexpress.c,
virt.c): CPU model, RAM windows, where a raw kernel is loaded, the Linux
board id, and a builder that instantiates the devices on a ``VirtualClock``.
``build()`` returns a ``BoardInstance`` that the machine maps: each device
at its base address, the RAM regions, the CPU's IRQ/FIQ lines (whose sinks
the machine connects), and the console UART.

Addresses and interrupt numbers follow QEMU 7.2, because users bring kernels
written and tested on QEMU.  Boards are looked up by name in a registry
(``get_board``); adding a board is one ``register_board`` call.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Callable

from unicorn import arm_const

from vtrans.errors import UsageError
from vtrans.runtime.clock import VirtualClock
from vtrans.runtime.devices.a9mpcore import A9MPCorePrivate
from vtrans.runtime.devices.base import Device, IrqLine
from vtrans.runtime.devices.flash import UnbackedFlash
from vtrans.runtime.devices.generic_timer import GenericTimer
from vtrans.runtime.devices.pmu import PMCR_CORTEX_A8, PMCR_CORTEX_A9, PMCR_CORTEX_A15, Pmu
from vtrans.runtime.devices.gic import Gic
from vtrans.runtime.devices.l2x0 import L2x0
from vtrans.runtime.devices.pl011 import PL011
from vtrans.runtime.devices.pl031 import PL031
from vtrans.runtime.devices.pl061 import PL061
from vtrans.runtime.devices.pl190 import PL190
from vtrans.runtime.devices.sp804 import SP804
from vtrans.runtime.devices.sysregs import PowerHooks, SysRegs
from vtrans.runtime.devices.versatile_sic import VersatileSIC

log = logging.getLogger(__name__)

#: QEMU's default ``-m`` for these boards
DEFAULT_RAM_SIZE = 128 * 1024 * 1024
#: QEMU loads a raw (non-ELF) kernel image at loader_start + KERNEL_LOAD_ADDR (hw/arm/boot.c)
KERNEL_LOAD_OFFSET = 0x10000


class Unassigned(StrEnum):
    """What an access to an address no device or RAM decodes does."""

    #: reads return 0, writes are ignored
    RAZ_WI = "raz-wi"
    #: the CPU takes a (synchronous external) data abort
    ABORT = "abort"


@dataclass(frozen=True)
class RamRegion:
    """A window of guest RAM.  ``alias_of`` names another region sharing the same storage."""

    name: str
    base: int
    size: int
    alias_of: str | None = None

    @property
    def end(self) -> int:
        return self.base + self.size


@dataclass
class BoardInstance:
    """The devices of one machine, ready to be mapped."""

    spec: BoardSpec
    clock: VirtualClock
    #: (guest physical base, device) pairs; each device decodes ``device.size`` bytes
    devices: list[tuple[int, Device]]
    ram: list[RamRegion]
    cpu_irq: IrqLine
    cpu_fiq: IrqLine
    uarts: list[PL011]
    #: the primary interrupt controller, for inspection and tests
    interrupt_controller: PL190 | Gic
    power: PowerHooks = field(default_factory=PowerHooks)
    #: the CPU's generic timer, on boards whose CPU has one (the machine routes cp15 to it)
    generic_timer: GenericTimer | None = None
    #: the CPU's performance monitors, on ARMv7 CPUs (the machine routes cp15 to them)
    pmu: Pmu | None = None
    #: named devices, for tests and diagnostics ("timer0", "vic", "sysregs", ...)
    named: dict[str, Device] = field(default_factory=dict)
    unassigned: Unassigned = Unassigned.RAZ_WI

    @property
    def console(self) -> PL011:
        """UART0: the machine sets ``console.output`` and feeds stdin with ``console.receive``."""
        return self.uarts[0]

    def reset(self) -> None:
        """Reset every device (a guest-requested reboot, or a fresh run)."""
        for _base, dev in self.devices:
            dev.reset()
        if self.generic_timer is not None:
            self.generic_timer.reset()
        if self.pmu is not None:
            self.pmu.reset()

    def device_at(self, addr: int) -> tuple[int, Device] | None:
        for base, dev in self.devices:
            if base <= addr < base + dev.size:
                return base, dev
        return None

    def check_layout(self) -> None:
        """Raise ``ValueError`` if two devices or RAM windows overlap (a board definition bug)."""
        spans = sorted([(b, b + d.size, d.name) for b, d in self.devices]
                       + [(r.base, r.end, r.name) for r in self.ram])
        for (b0, e0, n0), (b1, _e1, n1) in zip(spans, spans[1:]):
            if b1 < e0:
                raise ValueError(f"{self.spec.name}: {n0} [0x{b0:08x}, 0x{e0:08x}) overlaps {n1} at 0x{b1:08x}")


Builder = Callable[["BoardSpec", VirtualClock, int], BoardInstance]


@dataclass(frozen=True)
class BoardSpec:
    name: str
    description: str
    #: Unicorn ``UC_CPU_ARM_*`` model
    cpu_model: int
    cpu_name: str
    ram_base: int
    ram_size: int
    #: QEMU's loader_start (where RAM begins for the boot loader, ATAGs at +0x100)
    loader_start: int
    #: where QEMU puts a raw kernel image: loader_start + 0x10000
    kernel_load_addr: int
    #: Linux machine type passed in r1 (0xffffffff: device-tree only)
    board_id: int
    builder: Builder = field(repr=False, compare=False)
    #: PERIPHBASE as the CPU's CBAR reports it (``mrc p15, 4, Rt, c15, c0, 0``), None where the CPU has none
    cbar: int | None = None
    #: device summary for documentation and ``--help``
    devices_summary: str = ""
    #: the largest ``-m`` QEMU accepts for the board (our limit where QEMU's would overlap devices)
    max_ram_size: int = 1 << 30
    #: accesses to unassigned addresses: the legacy boards set QEMU's
    #: ignore_memory_transaction_failures (read 0, ignore writes); ``virt`` aborts
    unassigned: Unassigned = Unassigned.RAZ_WI
    #: the device tree QEMU hands a kernel on this board (``runtime/data/<dtb>``; None: ATAGs)
    dtb: str | None = None

    def build(self, clock: VirtualClock, ram_size: int | None = None) -> BoardInstance:
        ram_size = ram_size or self.ram_size
        if ram_size > self.max_ram_size:
            raise UsageError(f"{self.name}: memory size must not exceed {self.max_ram_size >> 20} MiB")
        if ram_size % 0x100000:
            raise UsageError(f"{self.name}: memory size must be a whole number of MiB")
        board = self.builder(self, clock, ram_size)
        board.unassigned = self.unassigned
        board.check_layout()
        return board


# -- registry -------------------------------------------------------------------------
_BOARDS: dict[str, BoardSpec] = {}


def register_board(spec: BoardSpec) -> BoardSpec:
    if spec.name in _BOARDS:
        raise ValueError(f"board {spec.name!r} is already registered")
    _BOARDS[spec.name] = spec
    return spec


def get_board(name: str) -> BoardSpec:
    try:
        return _BOARDS[name]
    except KeyError:
        raise UsageError(f"unknown board {name!r} (known boards: {', '.join(board_names())})") from None


def board_names() -> list[str]:
    return sorted(_BOARDS)


# -- helpers ----------------------------------------------------------------------------
def _uarts(bases_and_lines: list[tuple[int, IrqLine]]) -> tuple[list[PL011], list[tuple[int, Device]]]:
    uarts = [PL011(line, name=f"uart{i}") for i, (_b, line) in enumerate(bases_and_lines)]
    return uarts, [(b, u) for (b, _l), u in zip(bases_and_lines, uarts)]


# -- versatilepb --------------------------------------------------------------------------
def _build_versatilepb(spec: BoardSpec, clock: VirtualClock, ram_size: int) -> BoardInstance:
    cpu_irq, cpu_fiq = IrqLine("cpu.irq"), IrqLine("cpu.fiq")
    vic = PL190(cpu_irq, cpu_fiq, name="vic")
    pic = vic.inputs
    sic = VersatileSIC(pic, name="sic")
    power = PowerHooks()
    sysregs = SysRegs(clock, sys_id=0x41007004, proc_id=0x02000000, power=power)
    timer01 = SP804(clock, pic[4], name="timer01")
    timer23 = SP804(clock, pic[5], name="timer23")
    rtc = PL031(clock, pic[10])
    gpios = [(0x101E4000 + 0x1000 * i, PL061(pic[6 + i], name=f"gpio{i}")) for i in range(4)]
    uarts, uart_devs = _uarts([(0x101F1000, pic[12]), (0x101F2000, pic[13]), (0x101F3000, pic[14]),
                               (0x10009000, sic.inputs[6])])
    devices: list[tuple[int, Device]] = [
        (0x10000000, sysregs), (0x10003000, sic), (0x10140000, vic),
        (0x101E2000, timer01), (0x101E3000, timer23), *gpios, (0x101E8000, rtc), *uart_devs,
    ]
    return BoardInstance(spec, clock, devices, [RamRegion("ram", 0, ram_size)], cpu_irq, cpu_fiq, uarts,
                         vic, power, named={"vic": vic, "sic": sic, "sysregs": sysregs, "timer01": timer01,
                                            "timer23": timer23, "rtc": rtc})


register_board(BoardSpec(
    name="versatilepb", description="ARM Versatile/PB (ARM926EJ-S)",
    cpu_model=arm_const.UC_CPU_ARM_926, cpu_name="arm926",
    ram_base=0, ram_size=DEFAULT_RAM_SIZE, loader_start=0, kernel_load_addr=KERNEL_LOAD_OFFSET,
    board_id=0x183, builder=_build_versatilepb, max_ram_size=256 << 20,
    devices_summary="PL190 VIC, SIC, 4x PL011, 2x SP804, 4x PL061, PL031, system registers"))


# -- realview-pb-a8 -------------------------------------------------------------------------
def _build_realview_pb_a8(spec: BoardSpec, clock: VirtualClock, ram_size: int) -> BoardInstance:
    cpu_irq, cpu_fiq = IrqLine("cpu.irq"), IrqLine("cpu.fiq")
    # RealView GIC: GICv1 with 96 interrupts, CPU interface at +0, distributor at +0x1000.
    gic = Gic(num_irq=96, revision=1, name="gic")
    gic.irq.connect(cpu_irq.set)
    gic.fiq.connect(cpu_fiq.set)
    power = PowerHooks()
    sysregs = SysRegs(clock, sys_id=0x01780500, proc_id=0x0E000000, power=power)
    timer01 = SP804(clock, gic.spi(4), name="timer01")
    timer23 = SP804(clock, gic.spi(5), name="timer23")
    rtc = PL031(clock, gic.spi(10))
    gpios = [(0x10013000 + 0x1000 * i, PL061(gic.spi(6 + i), name=f"gpio{i}")) for i in range(3)]
    # GPIO2 pin 0 is the MMC card-detect line, inverted: high while no card is present (QEMU)
    gpios[2][1].inputs[0].raise_()
    uarts, uart_devs = _uarts([(0x10009000 + 0x1000 * i, gic.spi(12 + i)) for i in range(4)])
    devices: list[tuple[int, Device]] = [
        (0x10000000, sysregs), (0x10011000, timer01), (0x10012000, timer23), *gpios, (0x10017000, rtc),
        *uart_devs,
        (0x1E000000, gic.cpu_interface), (0x1E001000, gic.distributor),
    ]
    # QEMU's "realview.hack": a page of RAM at 0xE0000000 that Linux' SMP boot path once needed
    ram = [RamRegion("ram", 0x70000000, ram_size), RamRegion("ram.low", 0, min(ram_size, 0x10000000), "ram"),
           RamRegion("hack", 0xE0000000, 0x1000)]
    return BoardInstance(spec, clock, devices, ram, cpu_irq, cpu_fiq, uarts, gic, power,
                         pmu=Pmu(clock, PMCR_CORTEX_A8, counts=False),
                         named={"gic": gic.distributor, "gicc": gic.cpu_interface, "sysregs": sysregs,
                                "timer01": timer01, "timer23": timer23, "rtc": rtc})


register_board(BoardSpec(
    name="realview-pb-a8", description="ARM RealView Platform Baseboard for Cortex-A8",
    cpu_model=arm_const.UC_CPU_ARM_CORTEX_A8, cpu_name="cortex-a8",
    ram_base=0x70000000, ram_size=DEFAULT_RAM_SIZE, loader_start=0x70000000,
    kernel_load_addr=0x70000000 + KERNEL_LOAD_OFFSET, board_id=0x769, builder=_build_realview_pb_a8,
    devices_summary="RealView GIC (v1), 4x PL011, 2x SP804, 3x PL061, PL031, system registers"))


# -- vexpress-a9 --------------------------------------------------------------------------------
A9_VOLTAGES = (1000000, 1000000, 1000000, 1800000, 900000, 3300000)
A9_CLOCKS = (45000000, 23750000, 66670000)


def _build_vexpress_a9(spec: BoardSpec, clock: VirtualClock, ram_size: int) -> BoardInstance:
    cpu_irq, cpu_fiq = IrqLine("cpu.irq"), IrqLine("cpu.fiq")
    priv = A9MPCorePrivate(clock, num_irq=96)
    gic = priv.gic
    gic.irq.connect(cpu_irq.set)
    gic.fiq.connect(cpu_fiq.set)
    power = PowerHooks()
    sysregs = SysRegs(clock, sys_id=0x1190F500, proc_id=0x0C000191, power=power,
                      db_voltages=A9_VOLTAGES, db_clocks=A9_CLOCKS)
    timer01 = SP804(clock, gic.spi(2), name="timer01")
    timer23 = SP804(clock, gic.spi(3), name="timer23")
    rtc = PL031(clock, gic.spi(4))
    db_timer = SP804(clock, gic.spi(48), name="db-timer")
    uarts, uart_devs = _uarts([(0x10009000 + 0x1000 * i, gic.spi(5 + i)) for i in range(4)])
    periphbase = spec.cbar or 0x1E000000
    l2cc = L2x0()
    devices: list[tuple[int, Device]] = [
        (0x10000000, sysregs), (0x10011000, timer01), (0x10012000, timer23), (0x10017000, rtc),
        (0x100E4000, db_timer), *uart_devs,
        *[(periphbase + off, dev) for off, dev in priv.regions()],
        (0x1E00A000, l2cc),
    ]
    ram = [RamRegion("ram", 0x60000000, ram_size),
           RamRegion("sram", 0x48000000, 0x02000000), RamRegion("vram", 0x4C000000, 0x00800000)]
    return BoardInstance(spec, clock, devices, ram, cpu_irq, cpu_fiq, uarts, gic, power,
                         pmu=Pmu(clock, PMCR_CORTEX_A9, counts=False),
                         named={"gic": gic.distributor, "gicc": gic.cpu_interface, "scu": priv.scu,
                                "global_timer": priv.global_timer, "private_timer": priv.timer,
                                "watchdog": priv.watchdog, "sysregs": sysregs, "timer01": timer01,
                                "timer23": timer23, "rtc": rtc, "l2cc": l2cc})


register_board(BoardSpec(
    name="vexpress-a9", description="ARM Versatile Express for Cortex-A9",
    cpu_model=arm_const.UC_CPU_ARM_CORTEX_A9, cpu_name="cortex-a9",
    ram_base=0x60000000, ram_size=DEFAULT_RAM_SIZE, loader_start=0x60000000,
    kernel_load_addr=0x60000000 + KERNEL_LOAD_OFFSET, board_id=0x8E0, builder=_build_vexpress_a9,
    cbar=0x1E000000,
    devices_summary="A9MPCore (SCU, GIC v1, global/private timers, watchdog), PL310 L2 cache controller, "
                    "4x PL011, 3x SP804, PL031, system registers (SYS_CFG shutdown/reboot)"))


# -- virt ---------------------------------------------------------------------------------------
#: GIC interrupt numbers of the Cortex-A15 generic timer on ``virt`` (hw/arm/virt.h ARCH_TIMER_*_IRQ + 16)
VIRT_PPI_CNTV, VIRT_PPI_CNTP = 27, 30
#: the PMU's overflow interrupt on ``virt`` (VIRTUAL_PMU_IRQ 7 + 16)
VIRT_PPI_PMU = 23


def _build_virt(spec: BoardSpec, clock: VirtualClock, ram_size: int) -> BoardInstance:
    cpu_irq, cpu_fiq = IrqLine("cpu.irq"), IrqLine("cpu.fiq")
    gic = Gic(num_irq=256 + 32, revision=2, name="gic")
    gic.irq.connect(cpu_irq.set)
    gic.fiq.connect(cpu_fiq.set)
    rtc = PL031(clock, gic.spi(2))
    uarts, uart_devs = _uarts([(0x09000000, gic.spi(1))])
    timer = GenericTimer(clock, phys_irq=gic.ppi(VIRT_PPI_CNTP), virt_irq=gic.ppi(VIRT_PPI_CNTV))
    gpio = PL061(gic.spi(7), name="gpio")
    devices: list[tuple[int, Device]] = [
        (0x00000000, UnbackedFlash(0x04000000, "flash0")),   # two 64 MB CFI flash banks (QEMU "romd"
        (0x04000000, UnbackedFlash(0x04000000, "flash1")),   # regions), no firmware image
        (0x08000000, gic.distributor), (0x08010000, gic.cpu_interface), *uart_devs, (0x09010000, rtc),
        (0x09030000, gpio),
    ]
    return BoardInstance(spec, clock, devices, [RamRegion("ram", 0x40000000, ram_size)], cpu_irq, cpu_fiq,
                         uarts, gic, PowerHooks(), generic_timer=timer,
                         pmu=Pmu(clock, PMCR_CORTEX_A15, counts=True, irq=gic.ppi(VIRT_PPI_PMU)),
                         named={"gic": gic.distributor, "gicc": gic.cpu_interface, "rtc": rtc})


register_board(BoardSpec(
    name="virt", description="QEMU 'virt' board, 32-bit, Cortex-A15",
    cpu_model=arm_const.UC_CPU_ARM_CORTEX_A15, cpu_name="cortex-a15",
    ram_base=0x40000000, ram_size=DEFAULT_RAM_SIZE, loader_start=0x40000000,
    kernel_load_addr=0x40000000 + KERNEL_LOAD_OFFSET, board_id=0xFFFFFFFF, builder=_build_virt,
    max_ram_size=3 << 30, cbar=0x08000000,
    unassigned=Unassigned.ABORT, dtb="virt.dtb",
    devices_summary="GICv2, PL011, PL031, PL061, generic timer (PPI 27 virtual, 30 physical), "
                    "flash (no image: reads 0)"))

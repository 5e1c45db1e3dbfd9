"""Guest physical memory of a machine: RAM windows and the MMIO bus, over one Unicorn instance.

RAM is host memory we own (a ctypes buffer per region, mapped with
``mem_map_ptr``), so an alias window (RealView's low RAM mirror) shares storage
with its region, and the runtime reads guest RAM without a Unicorn call.

Devices are mapped with ``uc.mmio_map``: Unicorn calls back on every access and
the bus forwards ``Device.read(offset, size)`` / ``Device.write(offset, size, value)``.
Several devices may share a 4 KB page (the Cortex-A9 private region puts the SCU,
GIC CPU interface and timers 0x100 bytes apart), so each run of pages is mapped
once and dispatched by address.  Before every device access the bus calls
``before_access(addr, write)`` (the machine brings the virtual clock up to the
accessing instruction) and after a write ``after_write`` (the machine re-checks interrupt
lines and timer deadlines).

Accesses that decode to nothing follow the board: RAZ/WI (QEMU's
``ignore_memory_transaction_failures`` legacy boards) or a synchronous external
abort (``virt``), which the bus records for the machine to vector.
"""

from __future__ import annotations

import bisect
import ctypes
import mmap
import hashlib
import logging
from dataclasses import dataclass
from typing import Callable

import unicorn

from vtrans.errors import ImageError
from vtrans.runtime.devices.base import Device

log = logging.getLogger(__name__)

PAGE = 0x1000
#: the highest physical address a hook bound can name
_ADDR_MAX = 0xFFFFFFFFFFFFFFFF


def _page_down(x: int) -> int:
    return x & ~(PAGE - 1)


def _page_up(x: int) -> int:
    return (x + PAGE - 1) & ~(PAGE - 1)


@dataclass
class RamWindow:
    name: str
    base: int
    size: int
    buffer: ctypes.Array
    alias_of: str | None = None
    #: the buffer as bytes, for slicing without copying element by element
    view: memoryview | None = None

    @property
    def end(self) -> int:
        return self.base + self.size


@dataclass(frozen=True)
class BusFault:
    """An access that decoded to nothing (recorded for the machine to turn into an abort)."""

    address: int
    write: bool
    fetch: bool


class _MmioRun:
    """One contiguous run of pages holding one or more devices."""

    def __init__(self, base: int, size: int, devices: list[tuple[int, Device]], bus: "PhysicalMemory"):
        self.base = base
        self.size = size
        self.devices = sorted(devices, key=lambda d: d[0])
        self.starts = [b for b, _ in self.devices]
        self.bus = bus

    def find(self, addr: int) -> tuple[int, Device] | None:
        i = bisect.bisect_right(self.starts, addr) - 1
        if i >= 0:
            base, dev = self.devices[i]
            if addr < base + dev.size:
                return base, dev
        return None

    def read(self, uc: unicorn.Uc, offset: int, size: int, _user) -> int:
        addr = self.base + offset
        bus = self.bus
        bus.before_access(addr, False)
        hit = self.find(addr)
        if hit is None:
            bus.unassigned_access(addr, False)
            return 0
        base, dev = hit
        return dev.read(addr - base, size) & ((1 << (8 * size)) - 1)

    def write(self, uc: unicorn.Uc, offset: int, size: int, value: int, _user) -> None:
        addr = self.base + offset
        bus = self.bus
        bus.before_access(addr, True)
        hit = self.find(addr)
        if hit is None:
            bus.unassigned_access(addr, True)
            return
        base, dev = hit
        dev.write(addr - base, size, value & ((1 << (8 * size)) - 1))
        bus.after_write()


class PhysicalMemory:
    """RAM and MMIO of one machine."""

    def __init__(self, uc: unicorn.Uc, *, abort_unassigned: bool = False):
        self.uc = uc
        self.abort_unassigned = abort_unassigned
        self.ram: list[RamWindow] = []
        self._runs: list[_MmioRun] = []
        self._raz_pages: set[int] = set()
        #: what the CPU has mapped, (first, last, perms), for ``backed`` (None: to be read again)
        self._regions: list[tuple[int, int, int]] | None = None
        self._last_window: RamWindow | None = None
        #: the last unassigned access, when the board aborts on them
        self.fault: BusFault | None = None
        self.before_access: Callable[[int, bool], None] = lambda addr, write: None
        self.after_write: Callable[[], None] = lambda: None
        self._hook = uc.hook_add(unicorn.UC_HOOK_MEM_UNMAPPED, self._on_unmapped)
        self._hooks = [self._hook]

    # -- RAM -----------------------------------------------------------------------------
    def add_ram(self, name: str, base: int, size: int, alias_of: str | None = None) -> RamWindow:
        if base % PAGE or size % PAGE:
            raise ValueError(f"RAM window {name} is not page aligned")
        if alias_of is not None:
            target = self.window(alias_of)
            if size > target.size:
                raise ValueError(f"alias {name} is larger than {alias_of}")
            buf = (ctypes.c_ubyte * size).from_buffer(target.buffer)
        else:
            # anonymous pages, zero until first touched: a 1 GiB board costs nothing to build
            # (a ctypes array would be zeroed up front, ~0.5 ms per MiB)
            buf = (ctypes.c_ubyte * size).from_buffer(mmap.mmap(-1, size))
        self.uc.mem_map_ptr(base, size, unicorn.UC_PROT_ALL, ctypes.addressof(buf))
        win = RamWindow(name, base, size, buf, alias_of, memoryview(buf).cast("B"))
        self.ram.append(win)
        return win

    def window(self, name: str) -> RamWindow:
        for w in self.ram:
            if w.name == name:
                return w
        raise KeyError(name)

    def ram_at(self, addr: int, size: int = 1) -> RamWindow | None:
        w = self._last_window
        if w is not None and w.base <= addr and addr + size <= w.base + w.size:
            return w
        for w in self.ram:
            if w.base <= addr and addr + size <= w.end:
                self._last_window = w
                return w
        return None

    # -- devices ---------------------------------------------------------------------------
    def add_devices(self, devices: list[tuple[int, Device]]) -> None:
        """Map every device; devices whose pages touch are grouped into one MMIO run."""
        spans = sorted(((_page_down(b), _page_up(b + d.size), b, d) for b, d in devices), key=lambda s: s[0])
        group: list[tuple[int, Device]] = []
        lo = hi = None
        for p0, p1, b, d in spans:
            if lo is not None and p0 < hi:
                group.append((b, d))
                hi = max(hi, p1)
                continue
            if lo is not None:
                self._map_run(lo, hi, group)
            lo, hi, group = p0, p1, [(b, d)]
        if lo is not None:
            self._map_run(lo, hi, group)

    def _map_run(self, lo: int, hi: int, group: list[tuple[int, Device]]) -> None:
        run = _MmioRun(lo, hi - lo, group, self)
        self.uc.mmio_map(lo, hi - lo, run.read, None, run.write, None)
        self._runs.append(run)

    def mmio_windows(self) -> list[tuple[int, int]]:
        """(first, last) address of every mapped device run."""
        return [(r.base, r.base + r.size - 1) for r in self._runs]

    def device_at(self, addr: int) -> tuple[int, Device] | None:
        for run in self._runs:
            if run.base <= addr < run.base + run.size:
                return run.find(addr)
        return None

    # -- unassigned addresses ---------------------------------------------------------------
    def unassigned_access(self, addr: int, write: bool, fetch: bool = False) -> None:
        if self.abort_unassigned:
            self.fault = BusFault(addr, write, fetch)
        else:
            log.debug("unassigned %s at 0x%08x (RAZ/WI)", "write" if write else "read", addr)

    def _on_unmapped(self, uc: unicorn.Uc, access: int, address: int, size: int, value: int, _user) -> bool:
        # a fetch from nowhere (QEMU aborts on every board), or a data access through a TLB
        # entry to nothing on ``virt`` (where the machine may leave such entries to this hook:
        # Machine._data_page); on the read-as-zero boards data entries never point at nothing
        fetch = access == unicorn.UC_MEM_FETCH_UNMAPPED
        if self.abort_unassigned or fetch:
            self.fault = BusFault(address, access == unicorn.UC_MEM_WRITE_UNMAPPED, fetch)
        return False

    def backed(self, pa: int) -> bool:
        """Is physical address ``pa`` backed by anything mapped on the CPU (RAM, a device run, a
        read-as-zero page)?"""
        if self.ram_at(pa) is not None:
            return True
        regions = self._regions
        for _ in range(2):
            if regions is not None and any(lo <= pa <= hi for lo, hi, _perms in regions):
                return True
            regions = self._regions = list(self.uc.mem_regions())  # refresh once: new mappings
        return False

    def map_raz(self, pa: int) -> None:
        """Map the page of ``pa``, which nothing backs, read-as-zero / write-ignored (the
        unassigned behaviour of the boards other than ``virt``).  Called while the TLB
        translates the page, before any access through it: never from an access hook (a
        mapping flushes the TLB, and Unicorn's access helper goes on with its pointer into the
        TLB and the entry it had looked up)."""
        page = _page_down(pa)
        if page not in self._raz_pages:
            self._raz_pages.add(page)
            self.uc.mmio_map(page, PAGE, self._raz_read, None, self._raz_write, None)
            self._regions = None

    def _raz_read(self, _uc, offset: int, size: int, _user) -> int:
        return 0

    def _raz_write(self, _uc, offset: int, size: int, value: int, _user) -> None:
        return None

    def confine_unmapped_hook(self) -> None:
        """Re-install the unmapped-access hook over the holes between RAM windows only.

        Same behaviour (an access to RAM is never unmapped), but a hook whose bounds cover a RAM
        page makes Unicorn's ``uc_mem_hook_installed`` true for it, and then its ``notdirty_write``
        never clears the TLB's not-dirty flag: every store to that page would take the slow
        path (cputlb.c, Unicorn 2.1).  Call once the RAM windows are mapped; only on a CPU whose
        hook bounds are physical addresses (not a hypervisor port)."""
        for h in self._hooks:
            self.uc.hook_del(h)
        self._hooks = []
        self._confined = True
        lo = 0
        owned = getattr(self, "_owned", [])
        for base, end in sorted([(w.base, w.end) for w in self.ram] + owned):
            if base > lo:
                self._hooks.append(self.uc.hook_add(unicorn.UC_HOOK_MEM_UNMAPPED, self._on_unmapped, None,
                                                    lo, base - 1))
            lo = max(lo, end)
        if lo <= _ADDR_MAX:
            self._hooks.append(self.uc.hook_add(unicorn.UC_HOOK_MEM_UNMAPPED, self._on_unmapped, None,
                                                lo, _ADDR_MAX))
        self._hook = self._hooks[0] if self._hooks else None

    def exclude_from_unmapped_hook(self, base: int, end: int) -> None:
        """``[base, end)`` is memory the runtime maps for itself (the translation cache): keep the
        unmapped-access hook's bounds off it, for the same reason as RAM (its stores stay on
        Unicorn's fast path).  Effective on a CPU whose hook was confined."""
        self._owned = getattr(self, "_owned", []) + [(base, end)]
        if getattr(self, "_confined", False):
            self.confine_unmapped_hook()

    # -- physical access for the runtime (loader, page-table walks, semihosting) ------------
    def read(self, addr: int, size: int) -> bytes:
        w = self.ram_at(addr, size)
        if w is not None:
            off = addr - w.base
            return bytes(w.view[off:off + size])
        try:
            return bytes(self.uc.mem_read(addr, size))
        except unicorn.UcError as e:
            raise ImageError(f"physical address 0x{addr:08x}+{size} is not memory") from e

    def write(self, addr: int, data: bytes) -> None:
        w = self.ram_at(addr, len(data))
        if w is not None:
            off = addr - w.base
            ctypes.memmove(ctypes.addressof(w.buffer) + off, data, len(data))
            return
        try:
            self.uc.mem_write(addr, data)
        except unicorn.UcError as e:
            raise ImageError(f"physical address 0x{addr:08x}+{len(data)} is not memory") from e

    def read32(self, addr: int) -> int | None:
        w = self.ram_at(addr, 4)
        if w is None:
            return None
        off = addr - w.base
        return int.from_bytes(w.view[off:off + 4], "little")

    def digests(self) -> dict[str, str]:
        """BLAKE2b of every RAM region's contents (aliases skipped: they repeat their region)."""
        out = {}
        for w in self.ram:
            if w.alias_of is None:
                out[w.name] = hashlib.blake2b(memoryview(w.buffer).cast("B"), digest_size=16).hexdigest()
        return out

"""The translation cache: a region of host code outside guest memory.

The region is laid out by the ISA's ``CacheGeometry``: code pages, each preceded
by an alias of one shared data page (the slots and the lookup table the
translated code reaches PC-relative).  Code pages are mapped executable only;
the data page is the only part translated code reads or writes.  Space is
allocated linearly; when it runs out the dispatcher flushes everything (QEMU's
policy: ``tb_flush`` when ``code_gen_buffer`` is full), which is simple and
makes stale chains impossible.
"""

from __future__ import annotations

import ctypes
import logging
import struct

import unicorn

from vtrans.errors import UsageError

log = logging.getLogger(__name__)

#: smallest cache accepted by ``--tc-size``: the runtime page and two code pages
MIN_CODE_PAGES = 3


class TranslationCache:
    def __init__(self, uc: unicorn.Uc, geometry, size: int):
        self.uc = uc
        self.g = geometry
        pages = size // geometry.page
        if pages < MIN_CODE_PAGES:
            raise UsageError(f"--tc-size {size} is too small: at least {MIN_CODE_PAGES * geometry.page} bytes")
        self.pages = pages
        self.data = ctypes.create_string_buffer(geometry.page)
        self.view = memoryview(self.data).cast("B")
        try:
            for i in range(pages):
                base = geometry.base + i * geometry.stride
                uc.mem_map_ptr(base + geometry.data_offset, geometry.page,
                               unicorn.UC_PROT_READ | unicorn.UC_PROT_WRITE, ctypes.addressof(self.data))
                uc.mem_map(base + geometry.code_offset, geometry.page, unicorn.UC_PROT_EXEC)
        except unicorn.UcError as e:
            raise UsageError(f"cannot map the translation cache at 0x{geometry.base:08x}: {e}") from e
        self.lo = geometry.base
        self.hi = geometry.base + pages * geometry.stride
        self._page = geometry.runtime_pages
        self._offset = 0
        #: bytes of code currently allocated (statistics)
        self.used = 0

    # -- address helpers -----------------------------------------------------
    def code_page(self, index: int) -> int:
        return self.g.base + index * self.g.stride + self.g.code_offset

    def contains(self, addr: int) -> bool:
        return self.lo <= addr < self.hi

    @property
    def capacity(self) -> int:
        return (self.pages - self.g.runtime_pages) * self.g.code_limit

    # -- allocation ----------------------------------------------------------
    def cursor(self) -> int | None:
        """Where the next block would go, or None when the cache is full."""
        if self._page >= self.pages:
            return None
        return self.code_page(self._page) + self._offset

    def fits(self, size: int) -> bool:
        return self._offset + size <= self.g.code_limit

    def next_page(self) -> int | None:
        self._page += 1
        self._offset = 0
        return self.cursor()

    def commit(self, addr: int, code: bytes) -> None:
        """Write a block at the cursor and advance it."""
        self.uc.mem_write(addr, code)
        # Unicorn keeps its own translations of our code: forget any of this range
        self.uc.ctl_remove_cache(addr, addr + len(code))
        self._offset += len(code)
        self.used += len(code)

    def write_runtime(self, code: bytes) -> None:
        addr = self.code_page(0)
        self.uc.mem_write(addr, code)
        self.uc.ctl_remove_cache(addr, addr + len(code))

    def patch(self, addr: int, word: int) -> None:
        self.uc.mem_write(addr, struct.pack("<I", word))
        self.uc.ctl_remove_cache(addr, addr + 4)

    def reset(self) -> None:
        """Forget every block (flush): the next allocation starts at the first code page."""
        self._page = self.g.runtime_pages
        self._offset = 0
        self.used = 0
        self.uc.ctl_remove_cache(self.code_page(self.g.runtime_pages), self.hi)

    # -- data page -----------------------------------------------------------
    def read_word(self, offset: int) -> int:
        return struct.unpack_from("<I", self.view, offset)[0]

    def read_signed(self, offset: int) -> int:
        return struct.unpack_from("<i", self.view, offset)[0]

    def write_word(self, offset: int, value: int) -> None:
        struct.pack_into("<I", self.view, offset, value & 0xFFFFFFFF)

    def write_pair(self, offset: int, a: int, b: int) -> None:
        struct.pack_into("<II", self.view, offset, a & 0xFFFFFFFF, b & 0xFFFFFFFF)

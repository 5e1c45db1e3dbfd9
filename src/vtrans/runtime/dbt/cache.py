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

import array
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
        #: byte order of the data page's words: the order translated code's loads and stores
        #: use, which is the guest's data endianness (``set_byte_order``)
        self._u32, self._s32, self._pair = struct.Struct("<I"), struct.Struct("<i"), struct.Struct("<II")
        self.big_endian = False
        # pages are mapped as the allocator reaches them: Unicorn's cost of a mapping grows
        # with the number of regions, and most runs use a few pages of a large cache
        self._mapped = 0
        self._map_through(geometry.runtime_pages)
        self.lo = geometry.base
        self.hi = geometry.base + pages * geometry.stride
        self._page = geometry.runtime_pages
        self._offset = 0
        #: bytes of code currently allocated (statistics)
        self.used = 0

    def _map_through(self, page: int) -> None:
        g = self.g
        try:
            while self._mapped <= min(page, self.pages - 1):
                base = g.base + self._mapped * g.stride
                self.uc.mem_map_ptr(base + g.data_offset, g.page, unicorn.UC_PROT_READ | unicorn.UC_PROT_WRITE,
                                    ctypes.addressof(self.data))
                self.uc.mem_map(base + g.code_offset, g.page, unicorn.UC_PROT_EXEC)
                self._mapped += 1
        except unicorn.UcError as e:
            raise UsageError(f"cannot map the translation cache at 0x{g.base:08x}: {e}") from e

    # -- address helpers -----------------------------------------------------
    def code_page(self, index: int) -> int:
        return self.g.base + index * self.g.stride + self.g.code_offset

    def contains(self, addr: int) -> bool:
        return self.lo <= addr < self.hi

    def tlb_fill(self, vaddr: int, access: int, entry) -> bool:
        """The translation policy for the cache region, for the host's TLB-fill hook: identity,
        code pages execute-only (a guest load or store there faults, and so does the budget
        probe of a block entered without budget), the data page read/write.  False for an
        address outside the region."""
        if not self.lo <= vaddr < self.hi:
            return False
        entry.paddr = vaddr
        code = (vaddr - self.lo) % self.g.stride >= self.g.code_offset
        entry.perms = unicorn.UC_PROT_EXEC if code else unicorn.UC_PROT_READ | unicorn.UC_PROT_WRITE
        return True

    @property
    def capacity(self) -> int:
        return (self.pages - self.g.runtime_pages) * self.g.code_limit

    # -- allocation ----------------------------------------------------------
    def cursor(self) -> int | None:
        """Where the next block would go, or None when the cache is full."""
        if self._page >= self.pages:
            return None
        if self._page >= self._mapped:
            self._map_through(self._page)
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
        self.uc.ctl_remove_cache(self.code_page(self.g.runtime_pages), self.g.base + self._mapped * self.g.stride)

    # -- data page -----------------------------------------------------------
    def read_word(self, offset: int) -> int:
        return self._u32.unpack_from(self.view, offset)[0]

    def read_signed(self, offset: int) -> int:
        return self._s32.unpack_from(self.view, offset)[0]

    def write_word(self, offset: int, value: int) -> None:
        self._u32.pack_into(self.view, offset, value & 0xFFFFFFFF)

    def write_pair(self, offset: int, a: int, b: int) -> None:
        self._pair.pack_into(self.view, offset, a & 0xFFFFFFFF, b & 0xFFFFFFFF)

    def set_byte_order(self, big_endian: bool) -> None:
        """Keep the data page in the byte order translated code now loads and stores words in
        (the guest switched its data endianness, ARM ``setend``): every word of the page is
        byte-reversed, so the lookup table and the slots keep their values for both sides."""
        if big_endian == self.big_endian:
            return
        words = array.array("I", self.view.tobytes())
        words.byteswap()
        self.view[:] = words.tobytes()
        self.big_endian = big_endian
        o = ">" if big_endian else "<"
        self._u32, self._s32, self._pair = struct.Struct(o + "I"), struct.Struct(o + "i"), struct.Struct(o + "II")

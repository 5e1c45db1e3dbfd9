"""Translated blocks and the maps that find them: by guest pc (the dispatcher's
lookup), by guest page (invalidation) and by host address (DynamoRIO's
``recreate_app_pc``: faults, traces and LR values speak guest addresses)."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field


@dataclass(eq=False, slots=True)
class Block:
    guest_pc: int
    guest_end: int
    count: int                  # guest instructions (what the prologue charges)
    start: int                  # host address of the first word
    entry: int                  # host address the dispatcher and chained branches jump to
    end: int                    # host address after the last word
    exits: list                 # the ISA's ExitStub records
    pc_map: list[tuple[int, int]]
    spills: list[tuple[int, int, int, int]]
    truncated: bool = False     # a shortened copy ending at a clock deadline: never chained
    valid: bool = True
    #: exits of other blocks whose branch currently jumps here
    incoming: list = field(default_factory=list)
    #: the guest instruction words (for decoding what a hook caught in the middle of the block)
    words: list[int] = field(default_factory=list)
    #: the host's pages (physical) the guest code came from: writes there invalidate
    code_pages: list[int] = field(default_factory=list)

    def guest_index(self, host: int) -> int:
        """Index of the guest instruction the host address belongs to."""
        off = host - self.start
        keys = [o for o, _ in self.pc_map]
        i = bisect.bisect_right(keys, off) - 1
        return self.pc_map[max(i, 0)][1]


class BlockMap:
    def __init__(self, page_size: int):
        self.page_size = page_size
        self.by_guest: dict[int, Block] = {}
        self.by_page: dict[int, set[Block]] = {}
        self._starts: list[int] = []
        self._blocks: list[Block] = []

    def add(self, block: Block, *, lookup: bool = True) -> None:
        if lookup:
            self.by_guest[block.guest_pc] = block
        for page in block.code_pages:
            self.by_page.setdefault(page, set()).add(block)
        # blocks are allocated at increasing host addresses until a flush
        i = bisect.bisect_right(self._starts, block.start)
        self._starts.insert(i, block.start)
        self._blocks.insert(i, block)

    def remove(self, block: Block) -> None:
        if self.by_guest.get(block.guest_pc) is block:
            del self.by_guest[block.guest_pc]
        for page in block.code_pages:
            s = self.by_page.get(page)
            if s is not None:
                s.discard(block)
                if not s:
                    del self.by_page[page]
        # stays in the host index: its code may still be running until the next boundary

    def at_host(self, addr: int) -> Block | None:
        i = bisect.bisect_right(self._starts, addr) - 1
        if i >= 0:
            b = self._blocks[i]
            if b.start <= addr < b.end:
                return b
        return None

    def clear(self) -> None:
        self.by_guest.clear()
        self.by_page.clear()
        self._starts.clear()
        self._blocks.clear()

    def __len__(self) -> int:
        return len(self.by_guest)

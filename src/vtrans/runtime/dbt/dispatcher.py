"""The dispatcher: the central hub of a translated run (DynamoRIO's ``dispatch``).

Loop: deliver pending interrupts at the block boundary, look the guest pc up
(translate on a miss), enter the cache, and come back only when translated code
exits: a direct branch to an untranslated block (then chain it), an indirect
branch the in-cache lookup missed (then fill the table), a sensitive
instruction (the host emulates it), or the instruction budget running out.

Clock accounting (QEMU's icount): before entering the cache the dispatcher
writes the guest instructions left before the next clock deadline into the
data page's budget slot; every block's prologue subtracts its guest instruction
count and exits *before* executing if the budget would go negative.  At an exit,
retired guest instructions = budget written - budget now - instructions of the
exiting block not executed.  A block that does not fit in the budget left is
retranslated truncated to exactly that many instructions, so a deadline lands on
the same guest instruction as in native mode.  Host instructions of rewrites,
prologues and lookups are never counted.

Anything that must happen at the next block boundary but is noticed inside the
cache (a write to translated code, an interrupt raised by an MMIO write) calls
``request_boundary()``: it moves the budget into the dispatcher's books and
zeroes the slot, so the next block entry exits.  Nothing is patched while
translated code runs.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Protocol

import unicorn

from vtrans.errors import GuestError
from vtrans.runtime.clock import VirtualClock
from vtrans.runtime.dbt.blocks import Block, BlockMap
from vtrans.runtime.dbt.cache import TranslationCache
from vtrans.runtime.dbt.stats import DbtStats

log = logging.getLogger(__name__)

#: budget when no deadline is pending (fits the prologue's signed arithmetic)
BIG_BUDGET = 1 << 30
DEFAULT_TC_SIZE = 4 << 20


class DbtHost(Protocol):
    """What the dispatcher needs from the machine / VMM around it."""

    uc: unicorn.Uc

    def budget(self) -> int:
        """Guest instructions that may retire before the dispatcher must return (the next
        clock deadline, an instruction limit); <= 0 to return now."""

    def retire(self, count: int) -> None:
        """``count`` more guest instructions retired (advance the clock)."""

    def code_page(self, guest_pc: int) -> int:
        """The page that holds the code at ``guest_pc`` (physical: what writes hit)."""

    def cpu_error(self, error: unicorn.UcError, guest_pc: int) -> int | None:
        """Translated code raised a CPU error at guest instruction ``guest_pc`` (registers
        already hold the guest's values): the guest pc to continue at, or None."""

    def fetch_code(self, guest_pc: int) -> int | None:
        """The instruction word at ``guest_pc`` as the guest would fetch it, or None."""

    def fetch_fault(self, guest_pc: int) -> int:
        """The first instruction cannot be fetched: deliver the abort, return the next pc."""

    def callout(self, guest_pc: int, word: int) -> int:
        """Emulate ``word`` at ``guest_pc`` in the guest's virtual mode; the next guest pc."""

    def boundary(self, guest_pc: int) -> int:
        """A block boundary: take a pending interrupt if allowed; the pc to continue at."""

    def halted(self) -> bool:
        """True when the run must end (the guest exited, a limit was reached)."""

    def watch_code_page(self, page: int, on_write) -> None:
        """Call ``on_write(page)`` at the first guest write to ``page`` (then stop watching)."""


class ClockHost:
    """Time for a host built on a bare ``VirtualClock``: the budget is the next deadline."""

    clock: VirtualClock
    limit: int | None = None

    def budget(self) -> int:
        clock = self.clock
        clock.fire_due()
        deadline = clock.next_deadline()
        if self.limit is not None:
            deadline = self.limit if deadline is None else min(deadline, self.limit)
        return BIG_BUDGET if deadline is None else deadline - clock.insns

    def retire(self, count: int) -> None:
        self.clock.advance(count)


class UnicornCodeWatch:
    """Reports the first write to each guest page that has translations, through the TLB.

    A watched page's TLB entries are filled without write permission (the host's TLB-fill
    hook asks ``fill``), so the first store to it misses and refills with a write access:
    ``fill`` then reports the page and grants the write, and the store completes as usual.
    No memory hook and no ``mem_protect``: a memory hook's bounds covering a page (an
    unbounded one covers them all) keep Unicorn 2.1's stores to it on the slow path
    (``notdirty_write`` / ``uc_mem_hook_installed``, cputlb.c), about 2x on store-heavy code."""

    def __init__(self, uc: unicorn.Uc, page_size: int = 0x1000, to_phys=None):
        self.uc = uc
        self.page_size = page_size
        self.to_phys = to_phys or (lambda va: va)
        self._watched: dict[int, object] = {}

    def watch(self, page: int, on_write) -> None:
        if page in self._watched:
            return
        self._watched[page] = on_write
        # entries filled before lose their write permission
        self.uc.ctl(unicorn.UC_CTL_TLB_FLUSH, unicorn.UC_CTL_IO_WRITE)

    def fill(self, paddr: int, access: int, entry) -> None:
        """Adjust a TLB entry for physical ``paddr`` the host is filling."""
        if not self._watched:
            return
        page = paddr // self.page_size
        on_write = self._watched.get(page)
        if on_write is None:
            return
        if access == unicorn.UC_MEM_WRITE:
            del self._watched[page]
            on_write(page)
        else:
            entry.perms &= ~unicorn.UC_PROT_WRITE


@dataclass(frozen=True, slots=True)
class GuestPoint:
    """Where a host address of translated code is in guest terms."""

    guest_pc: int
    block: Block | None
    index: int


class Dispatcher:
    def __init__(self, host: DbtHost, ops, *, tc_size: int = DEFAULT_TC_SIZE):
        self.host = host
        self.uc = host.uc
        self.ops = ops
        self.stats = DbtStats()
        self.cache = TranslationCache(self.uc, ops.geometry, tc_size)
        self.page_size = ops.geometry.page
        self.blocks = BlockMap(self.page_size)
        self._truncated: dict[tuple[int, int], Block] = {}
        code, miss_stub, miss = ops.runtime_code()
        self.cache.write_runtime(code)
        self._ibl_miss = miss
        self._runtime_lo = self.cache.code_page(0)
        self._exits = {miss_stub.stub: miss_stub}
        self._clear_hash()
        self._dirty: set[int] = set()
        self._icache_all = False
        self._entry_budget = 0
        #: True while translated code runs (emu_start): hooks then see host addresses
        self.in_cache = False
        self._redirect: int | None = None
        self._gate = ops.exit_address()
        self._uc_pc, self._uc_link = ops.uc_pc, ops.uc_link

    # ------------------------------------------------------------------ lookup table
    def _clear_hash(self) -> None:
        for i in range(self.ops.hash_entries):
            # an empty entry can never match an aligned target; a false hit lands on the miss path
            self.cache.write_pair(self.ops.hash_off + 8 * i, 0xFFFFFFFF, self._ibl_miss)

    def _hash_insert(self, block: Block) -> None:
        self.cache.write_pair(self.ops.hash_off + 8 * self.ops.hash_index(block.guest_pc),
                              block.guest_pc, block.entry)

    def _hash_remove(self, block: Block) -> None:
        off = self.ops.hash_off + 8 * self.ops.hash_index(block.guest_pc)
        if self.cache.read_word(off) == block.guest_pc:
            self.cache.write_pair(off, 0xFFFFFFFF, self._ibl_miss)

    # ------------------------------------------------------------------ translation
    def lookup(self, guest_pc: int) -> Block:
        block = self.blocks.by_guest.get(guest_pc)
        if block is None:
            block = self._translate(guest_pc, self.ops.max_block_insns, truncated=False)
        return block

    def _translate(self, guest_pc: int, limit: int, *, truncated: bool) -> Block:
        t0 = time.perf_counter()
        infos = self.ops.scan(self.host.fetch_code, guest_pc, limit)
        if not infos:
            raise _FetchFault(guest_pc)
        for _ in range(2):
            at = self.cache.cursor()
            if at is None:
                self.flush()
                at = self.cache.cursor()
            try:
                tc = self.ops.translate(infos, guest_pc, at)
            except self.ops.page_overflow:
                tc = None
            except Exception as e:  # the ISA's TranslationError
                raise GuestError(f"cannot translate: {e}", pc=guest_pc) from e
            if tc is None or not self.cache.fits(tc.size):
                if self.cache.next_page() is None:
                    self.flush()
                continue
            break
        else:  # pragma: no cover - a block larger than a page cannot be produced
            raise GuestError("translated block larger than a cache page", pc=guest_pc)
        self.cache.commit(tc.start, tc.code())
        block = Block(guest_pc, tc.guest_end, tc.guest_count, tc.start, tc.entry, tc.start + tc.size,
                      tc.exits, tc.pc_map, tc.spills, truncated=truncated, words=[i.word for i in infos])
        for stub in tc.exits:
            stub.block = block
            self._exits[stub.stub] = stub
        block.code_pages = sorted({self.host.code_page(guest_pc), self.host.code_page(tc.guest_end - 4)})
        self.blocks.add(block, lookup=not truncated)
        st = self.stats
        st.blocks_translated += 1
        st.guest_insns_translated += tc.guest_count
        t1 = time.perf_counter()
        st.translate_seconds += t1 - t0
        for page in block.code_pages:
            self.host.watch_code_page(page, self.code_written)
        st.protect_seconds += time.perf_counter() - t1
        st.cache_bytes = self.cache.used
        return block

    def _truncated_block(self, guest_pc: int, count: int) -> Block:
        key = (guest_pc, count)
        block = self._truncated.get(key)
        if block is None or not block.valid:
            block = self._translate(guest_pc, count, truncated=True)
            self._truncated[key] = block
        return block

    # ------------------------------------------------------------------ invalidation
    def code_written(self, page: int) -> None:
        """A guest write hit a page with translations (called from a memory hook)."""
        self._dirty.add(page)
        self.request_boundary()

    def icache_invalidate(self, op: str, address: int = 0) -> None:
        """The guest invalidated its instruction cache (all, or the line of ``address``)."""
        if op == "all":
            self._icache_all = True
        else:
            self._dirty.add(address // self.page_size)

    def _apply_invalidations(self) -> None:
        if self._icache_all:
            self._icache_all = False
            self._dirty.update(self.blocks.by_page)
        pages, self._dirty = self._dirty, set()
        for page in pages:
            for block in list(self.blocks.by_page.get(page, ())):
                self.invalidate(block)

    def invalidate(self, block: Block) -> None:
        if not block.valid:
            return
        block.valid = False
        self.blocks.remove(block)
        self._hash_remove(block)
        for stub in block.incoming:
            src = stub.block
            if src.valid and stub.chained_to is block:
                self.cache.patch(stub.site, self.ops.link_word(stub.site, stub.cond, stub.stub))
            stub.chained_to = None
        block.incoming.clear()
        for stub in block.exits:
            tgt = stub.chained_to
            if tgt is not None:
                try:
                    tgt.incoming.remove(stub)
                except ValueError:
                    pass
                stub.chained_to = None
        if block.truncated:
            self._truncated.pop((block.guest_pc, block.count), None)
        self.stats.invalidations += 1

    def flush(self) -> None:
        """Drop every translation (the cache is full)."""
        for block in list(self.blocks.by_guest.values()) + list(self._truncated.values()):
            block.valid = False
        self.blocks.clear()
        self._truncated.clear()
        self._exits = {k: v for k, v in self._exits.items() if k < self.cache.code_page(1)}
        self._clear_hash()
        self.cache.reset()
        self.stats.flushes += 1
        self.stats.cache_bytes = 0

    # ------------------------------------------------------------------ redirection
    def redirect(self, guest_pc: int) -> None:
        """A hook delivered an exception inside translated code: continue at ``guest_pc``
        (the host also stops the CPU; instructions up to the hook's are accounted)."""
        self._redirect = guest_pc

    # ------------------------------------------------------------------ chaining
    def _chain(self, stub, target: Block) -> None:
        src = stub.block
        if not (src.valid and target.valid) or src.truncated or target.truncated or stub.site is None:
            return
        if stub.chained_to is not None:
            return
        self.cache.patch(stub.site, self.ops.link_word(stub.site, stub.cond, target.entry))
        stub.chained_to = target
        target.incoming.append(stub)
        self.stats.chain_links += 1

    # ------------------------------------------------------------------ boundary requests
    def request_boundary(self) -> None:
        """Make translated code exit at the next block entry (safe from inside a hook)."""
        left = self.budget_left()
        if left > 0:
            self._entry_budget -= left
            self.ops.write_budget(self.uc, self.cache, 0)

    def budget_left(self) -> int:
        """The budget counter as translated code left it."""
        return self.ops.read_budget(self.uc, self.cache)

    # ------------------------------------------------------------------ guest addresses
    def guest_point(self, host: int) -> GuestPoint | None:
        """``recreate_app_pc``: the guest instruction a host address of the cache belongs to."""
        block = self.blocks.at_host(host)
        if block is None:
            return None
        i = block.guest_index(host)
        return GuestPoint((block.guest_pc + 4 * i) & 0xFFFFFFFF, block, i)

    def recreate_state(self, host: int) -> GuestPoint | None:
        """Guest pc of a fault at ``host``, with every register a rewrite had spilled put back."""
        point = self.guest_point(host)
        if point is None or point.block is None:
            return point
        off = host - point.block.start
        for lo, hi, slot, reg in point.block.spills:
            if lo <= off <= hi:
                self.uc.reg_write(self.ops.uc_regs[reg], self.ops.spill_value(self.uc, self.cache, slot))
        return point

    def retired_at(self, host: int) -> int:
        """Guest instructions retired in the current cache entry up to (not including) the
        instruction at ``host`` (for a clock read in a device hook)."""
        point = self.guest_point(host)
        left = self.budget_left()
        unretired = point.block.count - point.index if point and point.block else 0
        return self._entry_budget - left - unretired

    # ------------------------------------------------------------------ the loop
    def run(self, guest_pc: int) -> int:
        """Run translated code from ``guest_pc`` until the host halts or its budget is spent;
        returns the guest pc to continue at (the real PC register is not meaningful)."""
        uc, host, cache, st = self.uc, self.host, self.cache, self.stats
        ops = self.ops
        while True:
            if self._dirty or self._icache_all:
                self._apply_invalidations()
            guest_pc = host.boundary(guest_pc)
            if host.halted():
                return guest_pc
            budget = min(host.budget(), BIG_BUDGET)
            if budget <= 0:
                return guest_pc
            error = ops.bad_target(guest_pc)
            if error is not None:
                raise error
            try:
                block = self.lookup(guest_pc)
                if budget < block.count:
                    block = self._truncated_block(guest_pc, budget)
            except _FetchFault:
                guest_pc = host.fetch_fault(guest_pc)
                continue
            self._entry_budget = budget
            cache.set_byte_order(ops.data_big_endian(uc))
            ops.write_budget(uc, cache, budget)
            st.cache_entries += 1
            self.in_cache = True
            try:
                uc.emu_start(block.entry, self._gate)
            except unicorn.UcError as e:
                self.in_cache = False
                pc = uc.reg_read(self._uc_pc)
                probed = self._budget_probe(pc)
                if probed is not None:
                    guest_pc = probed
                    continue
                point = self.recreate_state(pc)
                if point is None:
                    raise GuestError(f"{e} (at host address 0x{pc:08x})", pc=pc) from e
                self._retire_partial(pc)
                nxt = host.cpu_error(e, point.guest_pc)
                if nxt is None:
                    raise GuestError(str(e), pc=point.guest_pc) from e
                guest_pc = nxt
                continue
            self.in_cache = False
            pc = uc.reg_read(self._uc_pc)
            if self._redirect is not None:
                guest_pc, self._redirect = self._redirect, None
                continue
            if pc != self._gate:
                # stopped by a hook (the host halted, or wants the CPU): account what ran
                point = self.recreate_state(pc)
                if point is None:
                    raise GuestError(f"translated code stopped outside a block at 0x{pc:08x}", pc=pc)
                self._retire_partial(pc)
                guest_pc = point.guest_pc
                continue
            stub = self._exits.get(uc.reg_read(self._uc_link) - 8)
            if stub is None:
                raise GuestError("translated code reached the exit gate from an unknown place")
            uc.reg_write(self._uc_link, cache.read_word(ops.slot_lr))
            left = ops.read_budget(uc, cache)
            retired = self._entry_budget - left - stub.unretired
            st.dispatcher_exits += 1
            kind = stub.kind.value
            if retired:
                host.retire(retired)
            if kind == "direct":
                guest_pc = stub.target
                st.exits_direct += 1
                if ops.bad_target(guest_pc) is None:
                    try:
                        target = self.lookup(guest_pc)
                    except _FetchFault:
                        continue
                    self._chain(stub, target)
            elif kind == "indirect":
                guest_pc = cache.read_word(ops.slot_target)
                st.ibl_misses += 1
                if ops.bad_target(guest_pc) is None:
                    try:
                        self._hash_insert(self.lookup(guest_pc))
                    except _FetchFault:
                        continue
            elif kind == "callout":
                st.callouts += 1
                op = ops.icache_op(stub.word, lambda n: uc.reg_read(ops.uc_regs[n]))
                if op is not None:
                    self.icache_invalidate(*op)
                # the instruction counts as executed when the VMM sees it, as a trapped one
                # does in the other modes (a semihosting call reads the clock after its svc)
                host.retire(1)
                guest_pc = host.callout(stub.target, stub.word)
            else:  # pragma: no cover - the ISA reported an exit kind this loop does not know
                raise GuestError(f"unknown exit kind {kind}", pc=stub.target)

    def _budget_probe(self, host_pc: int) -> int | None:
        """A block entered without enough budget faulted on its probe: nothing of it ran.
        Returns the block's guest pc, or None for any other fault."""
        block = self.blocks.at_host(host_pc)
        if block is None or host_pc != block.entry + self.ops.probe_offset:
            return None
        self.recreate_state(host_pc)        # puts back r0, which the prologue holds
        left = self.budget_left()
        retired = self._entry_budget - left - block.count
        if retired:
            self.host.retire(retired)
        self.stats.exits_budget += 1
        self.stats.dispatcher_exits += 1
        return block.guest_pc

    def _retire_partial(self, host_pc: int) -> None:
        retired = self.retired_at(host_pc)
        if retired > 0:
            self.host.retire(retired)

    def finish_stats(self) -> DbtStats:
        self.stats.ibl_hits = self.cache.read_word(self.ops.slot_hits)
        self.stats.cache_bytes = self.cache.used
        self.stats.cache_capacity = self.cache.capacity
        return self.stats


class _FetchFault(Exception):
    def __init__(self, pc: int):
        super().__init__(f"cannot fetch 0x{pc:08x}")
        self.pc = pc

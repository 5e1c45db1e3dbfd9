"""The emulated machine: a Unicorn ARM CPU, the board's RAM and devices, the virtual
clock, and the run loop that turns Unicorn (a CPU) into a machine.

Unicorn never vectors an exception, has no interrupt controller and no timers.
The machine supplies them:

* **Exceptions** reach Unicorn hooks (interrupt hook, invalid-instruction hook,
  unmapped-memory hook); the machine classifies them (semihosting or not, fault
  address and status) and hands them to the ``ExecutionMode`` (``modes/``),
  which in native mode takes them architecturally on the CPU and lets it go on —
  no stop and restart of the CPU for an exception.
* **Time** is the instruction counter (``icount.py``, exact at any instant)
  plus the time skipped while the CPU idles in WFI.  The CPU runs in *chunks*
  that end exactly at the next device deadline, so a timer interrupt lands on the
  same instruction in every run (``clock.py``).
* **Interrupts**: the board's IRQ/FIQ lines are level signals.  Between chunks
  the machine delivers an asserted, unmasked line; a line asserted by a device
  write stops the CPU after that instruction; a line pending while masked arms
  the counter hook to stop the CPU right after the instruction that unmasks it.
* **Device-visible instructions**: ``register_cp_handler`` lets a device own
  coprocessor registers (the generic timer's CNT*, which Unicorn would read from
  the host clock): each page of A32 code is scanned for ``mrc/mcr/mrrc/mcrr`` with a
  registered key as the CPU fetches from it (again when it changes), and each match gets
  a one-address code hook that emulates it and skips it.

A run ends with a ``RunStats`` (``stats.py``): semihosting exit, halt (WFI or a
branch-to-self that nothing can wake), instruction or time budget, board
power-off/reset, or a dead guest.  A **dead guest** is one that cannot make
progress through its exception handlers: the same synchronous exception (UNDEF
or abort) raised by the same instruction word at the same address with the same
registers (r0-r14 of the mode, CPSR) ``DEAD_SAME_STATE`` times in a row with no
other exception between (a handler returning to it without changing what it
depends on; a guest that probes instructions in one slot, or a fault handler
that fixes the fault, changes the word, the registers or the fault), or an
exception raised by the very first instruction of the vector just entered (a
vector with no code) ``DEAD_REPEAT`` times in a row.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass
from typing import Callable

import unicorn
from unicorn import arm_const as A

from vtrans.errors import GuestError, ImageError
from vtrans.isa.arm import cp15
from vtrans.isa.arm.cp15 import FaultStatus, fsr_value
from vtrans.isa.arm.cpu import CPSR, PC, PSR_IT, PSR_M, PSR_T, ArchState, Mode
from vtrans.isa.arm.emulate import condition_passed
from vtrans.isa.arm.exceptions import UC_INTNO, UC_INTNO_BKPT, CpuTraits, ExceptionKind
from vtrans.isa.arm.mmu import MmuConfig, Walk, access_addresses, fault_address, is_unprivileged_access, walk
from vtrans.isa.arm.ucfast import fast, reset_security_state
from vtrans.isa.arm import thumb as t32
from vtrans.isa.arm.semihosting import SVC_IMM_ARM, SVC_IMM_THUMB, HostIO, Semihosting, SemihostExit, is_semihosting_svc
from vtrans.runtime.boards import BoardSpec, Unassigned
from vtrans.runtime.clock import VirtualClock
from vtrans.runtime.icount import STOP_IT_LATCH, STOP_LIMIT, STOP_UNMASK, STOP_UNREAD, IcountHook
from vtrans.runtime.loader import (KERNEL_ARGS_OFFSET, LoadedImage, atags, elf_device_tree, heap_layout,
                                   raw_image)
from vtrans.runtime.memory import PhysicalMemory
from vtrans.runtime.modes import ExecutionMode
from vtrans.runtime.stats import ExitReason, RunStats

log = logging.getLogger(__name__)

#: longest run of the CPU without a look at the wall clock and halt conditions
SLICE = 1 << 20
#: see "dead guest" above: an exception loop through a vector with no code, and through a
#: handler that changes no register (only memory could still change: a guest may count its
#: retries there, hence far more than two)
DEAD_REPEAT = 3
#: fast exits pay off while intercepted A32 coprocessor accesses are rare.  Leaving out the
#: per-access checks saves ~0.09 µs per 1000 instructions; against that, an exit taken costs
#: ~20 µs more than a code hook (the run ends), and every run that ends costs ~0.6 µs per exit
#: address (Unicorn retranslates the block before each exit then).  The machine keeps that
#: account in instructions' worth of savings (``Machine._account_exits``) and goes back to
#: Unicorn's checks and code hooks for the rest of the run once the costs pass what was saved
#: over a window of ``EXIT_WINDOW`` instructions (or that window's worth, whichever first: a
#: busy-wait reading the generic timer, say).  Counted in instructions: deterministic.
EXIT_WINDOW = 16_000_000
EXIT_TAKEN_COST = 250_000
EXIT_ADDRESS_COST = 8_000
DEAD_SAME_STATE = 64
#: WFI (A8.8.425) and the ARMv5 cp15 wait-for-interrupt ``mcr p15, 0, Rt, c7, c0, 4``
_WFI_MASK, _WFI = 0x0FFFFFFF, 0x0320F003
_CP15_WFI_MASK, _CP15_WFI = 0x0FFF0FFF, 0x0E070F90
#: ``b .`` (A8.8.18 with imm24 = -2)
_B_SELF_MASK, _B_SELF = 0x0FFFFFFF, 0x0AFFFFFE
_WFE_YIELD = (0x0320F002, 0x0320F001)
#: ``until`` address of an unbounded run: odd, so never the address of an instruction
_NO_UNTIL = 0xFFFFFFFF
_UNTIL_PAGE = 0xFFFFFC00
_PROT_RW = unicorn.UC_PROT_READ | unicorn.UC_PROT_WRITE


def _never_handled(*_args) -> bool:
    return False


@dataclass(frozen=True)
class CpKey:
    """A coprocessor register as ``mrc/mcr`` (``wide=False``) or ``mrrc/mcrr`` (``wide=True``, crn=opc2=0)
    name it: ``mrc p<coproc>, <opc1>, Rt, c<crn>, c<crm>, <opc2>``."""

    coproc: int
    opc1: int
    crn: int
    crm: int
    opc2: int
    wide: bool = False


@dataclass(frozen=True)
class CpHandler:
    #: returns the register value (a 64-bit value for wide registers)
    read: Callable[[], int] | None
    #: receives the value written
    write: Callable[[int], None] | None
    #: ``access(write, privileged)``: may the guest make this access now?  If not, the
    #: instruction is UNDEFINED.  None: from PL1 only (most cp15 registers, B3.17)
    access: Callable[[bool, bool], bool] | None = None

    def allows(self, write: bool, privileged: bool) -> bool:
        return self.access(write, privileged) if self.access is not None else privileged


def _absent(_write: bool, _privileged: bool) -> bool:
    return False


def decode_cp_transfer(word: int) -> tuple[CpKey, bool, int, int] | None:
    """(key, is_read, Rt, Rt2) for an ``mrc/mcr/mrrc/mcrr`` word (A8.8.99, A8.8.100, A8.8.107, A8.8.108)."""
    if word >> 28 == 0xF:
        return None  # mrc2/mcr2: not used by the registers we intercept
    if (word >> 24) & 0xF == 0xE and word & 0x10:
        key = CpKey((word >> 8) & 0xF, (word >> 21) & 7, (word >> 16) & 0xF, word & 0xF, (word >> 5) & 7)
        return key, bool(word & (1 << 20)), (word >> 12) & 0xF, 0
    if (word >> 21) & 0x7F == 0b1100010:
        key = CpKey((word >> 8) & 0xF, (word >> 4) & 0xF, 0, word & 0xF, 0, True)
        return key, bool(word & (1 << 20)), (word >> 12) & 0xF, (word >> 16) & 0xF
    return None


_ICACHE_INVALIDATE = frozenset(CpKey(15, *key) for key in cp15.ICACHE_INVALIDATE)

_REG_IDS = (A.UC_ARM_REG_R0, A.UC_ARM_REG_R1, A.UC_ARM_REG_R2, A.UC_ARM_REG_R3, A.UC_ARM_REG_R4,
            A.UC_ARM_REG_R5, A.UC_ARM_REG_R6, A.UC_ARM_REG_R7, A.UC_ARM_REG_R8, A.UC_ARM_REG_R9,
            A.UC_ARM_REG_R10, A.UC_ARM_REG_R11, A.UC_ARM_REG_R12, A.UC_ARM_REG_SP, A.UC_ARM_REG_LR,
            A.UC_ARM_REG_PC)
#: what the dead-guest rule compares between two exceptions of one instruction: r0-r14, CPSR
_STATE_REGS = (*_REG_IDS[:15], CPSR)


class _StopRun(Exception):
    pass


@dataclass
class FinalState:
    """The architectural state at the end of a run, for comparisons between modes."""

    arch: ArchState
    pc: int
    memory: dict[str, str]
    instructions: int

    def to_dict(self) -> dict:
        a = self.arch
        return {
            "regs": [f"0x{r:08x}" for r in a.regs],
            "cpsr": f"0x{a.cpsr:08x}",
            "banks": {name: {"sp": f"0x{sp:08x}", "lr": f"0x{lr:08x}", "spsr": f"0x{spsr:08x}"}
                      for name, sp, lr, spsr in a.banks},
            "usr_r8_r12": [f"0x{r:08x}" for r in a.usr_r8_r12],
            "fiq_r8_r12": [f"0x{r:08x}" for r in a.fiq_r8_r12],
            "cp15": {name: f"0x{v:08x}" for name, v in a.cp15},
            "memory": dict(self.memory),
            "instructions": self.instructions,
        }


class _GuestMemory:
    """Virtual-address access for semihosting: walks the guest's tables when its MMU is on."""

    def __init__(self, machine: "Machine"):
        self.m = machine

    def _pa(self, va: int) -> int:
        m = self.m
        cfg = m.mmu_config()
        if not cfg.enabled:
            return va
        w = walk(cfg, m.memory.read32, va)
        if w.pa is None:
            raise GuestError(f"semihosting argument at 0x{va:08x} is not mapped ({w.fault.name})",
                             pc=m.uc.reg_read(PC))
        return w.pa

    def read(self, addr: int, size: int) -> bytes:
        out = bytearray()
        while size > 0:
            n = min(size, 0x1000 - (addr & 0xFFF))
            out += self.m.memory.read(self._pa(addr), n)
            addr, size = addr + n, size - n
        return bytes(out)

    def write(self, addr: int, data: bytes) -> None:
        off = 0
        while off < len(data):
            n = min(len(data) - off, 0x1000 - ((addr + off) & 0xFFF))
            self.m.memory.write(self._pa(addr + off), data[off:off + n])
            off += n


class Machine:
    """One guest machine.  ``load`` an image, then ``run``."""

    def __init__(self, board: BoardSpec, *, mode: ExecutionMode | None = None, icount_shift: int = 3,
                 ram_size: int | None = None, io: HostIO | None = None,
                 uart_output: Callable[[bytes], None] | None = None, cmdline: str = "",
                 cpu: "unicorn.Uc | None" = None):
        from vtrans.runtime.modes.native import NativeMode

        self.spec = board
        self.clock = VirtualClock(icount_shift)
        self.board = board.build(self.clock, ram_size)
        try:
            # ``cpu``: a CPU given by the hypervisor (runtime/hypervisor: a VM's port on a shared CPU)
            uc = cpu if cpu is not None else unicorn.Uc(unicorn.UC_ARCH_ARM, unicorn.UC_MODE_ARM)
            uc.ctl_set_cpu_model(board.cpu_model)
            # the security state QEMU runs this CPU in (a shared CPU was put there when created)
            reset_security_state(uc, board.cpu_model, write=cpu is None)
        except unicorn.UcError as e:
            raise GuestError(f"cannot create the {board.cpu_name} CPU: {e}") from e
        self.uc = uc
        self._regs = fast(uc)
        self.traits = CpuTraits.of_model(board.cpu_model)
        # the counter hook first: it must run before every other code hook
        self.icount = IcountHook(uc)
        self.memory = PhysicalMemory(uc, abort_unassigned=self.board.unassigned == Unassigned.ABORT)
        for r in self.board.ram:
            if r.alias_of is None:
                self.memory.add_ram(r.name, r.base, r.size)
        for r in self.board.ram:
            if r.alias_of is not None:
                self.memory.add_ram(r.name, r.base, r.size, r.alias_of)
        self.memory.add_devices(self.board.devices)
        #: physical pages (1 KB, Unicorn's ARM page) the CPU has fetched code from, guarded so that
        #: stores to them keep invalidating translated blocks (see ``_executable_entry``); on a
        #: hypervisor's shared CPU the port puts the hooks' physical bounds into the VM's partition
        self._code_pages: set[int] | None = set()
        self._code_guards: dict[int, tuple[int, int]] = {}
        self.memory.confine_unmapped_hook()
        self.memory.before_access = self._sync_clock_at_pc
        self.memory.after_write = self._after_device_write
        self._uart_out = uart_output or (lambda data: None)
        self.board.console.set_output(lambda ch: self._uart_out(bytes([ch])))
        self.board.cpu_irq.connect(lambda level: self._line_changed())
        self.board.cpu_fiq.connect(lambda level: self._line_changed())
        self.board.power.shutdown = lambda: self.request_stop(ExitReason.SHUTDOWN, "the guest powered the board off")
        self.board.power.reset = lambda: self.request_stop(ExitReason.RESET, "the guest reset the board")
        self.io = io or HostIO(console=lambda b: None, stdout=lambda b: None, stderr=lambda b: None)
        self.semihosting: Semihosting | None = None
        self._cmdline = cmdline
        self.guest_memory = _GuestMemory(self)

        #: time skipped while idle (WFI), in instruction units
        self.idle_insns = 0
        #: called when the CPU idles in WFI (virtual time has skipped to the next deadline);
        #: True ends the run there, to be resumed later (the hypervisor runs another VM meanwhile)
        self.on_idle: Callable[[], bool] | None = None
        #: called when the CPU idles in WFI with no device deadline: True means an interrupt
        #: source outside the board (the hypervisor's message doorbell) may still wake it, and
        #: ends the run there, to be resumed when it does; False halts as alone
        self.on_wait: Callable[[], bool] | None = None
        self._cp_handlers: dict[CpKey, CpHandler] = {}
        self._block_words: dict[tuple[int, int], tuple] = {}
        self._io_execution: tuple[int, int] | None = None
        self._io_index = -1
        self._cp_hooks: list[int] = []
        #: A32 code pages scanned for owned coprocessor registers (``_scan_code_page``): virtual
        #: page -> (physical page, its content when scanned, the code hooks placed on it)
        self._cp_pages: dict[int, tuple[int, bytes, list[int]]] = {}
        self._cp_scan = False
        #: A32 coprocessor accesses intercepted through Unicorn's exits rather than code hooks
        #: (with ``fast exits``: ``_decide_exits``): address -> (the hook's function, its data)
        self._cp_exits: dict[int, tuple] = {}
        #: ``_cp_exits`` changed since Unicorn was last told (``_push_exits``)
        self._exits_changed = False
        #: A32 blocks without Unicorn's exit check after each load and store (``ucinternals``):
        #: None until the first run decides
        self._exits_fast: bool | None = None
        #: something hooks A32 instructions by address and needs Unicorn's exit checks
        self._keep_exit_checks = False
        #: fast exits' costs in the current window, in instructions' worth (``_account_exits``),
        #: the instruction count when the window began, and the exits taken so far
        self._exit_costs = 0
        self._exit_window = 0
        self._cp_exits_taken = 0
        self._thumb_ranges: list[tuple[int, int]] = []
        self._state_known: list[tuple[int, int]] = []
        self._warned_it: set[int] = set()
        self._stop: tuple[ExitReason, str, int] | None = None
        self._last_exc: tuple | None = None
        self._exc_repeat = 0
        self._entered_vector: int | None = None
        self._vector_repeat = 0
        self.image: LoadedImage | None = None
        self.stats = RunStats(mode="native", board=board.name)

        # Address translation by our own walk (isa/arm/mmu.py) so that faults come with an
        # address and a status: Unicorn's MMU raises aborts without either
        uc.ctl_set_tlb_mode(unicorn.UC_TLB_VIRTUAL)
        uc.hook_add(unicorn.UC_HOOK_TLB_FILL, self._on_tlb_fill)
        self._mmu_fault = None
        #: the last run left a TLB entry for the ``until`` page the guest does not map (see
        #: ``_until_page_entry``), to be dropped before the guest runs again
        self._until_stub: set[int] = set()
        #: SCTLR.A alignment checking (B3.12.4): the access hook while it is on, a change the
        #: TLB fill saw (applied at the next block boundary), the unaligned access the hook found
        #: (physical address, write, and the virtual address once the TLB fill refusing it saw
        #: its page), and which virtual pages the TLB holds for each physical one
        self._align_hook: int | None = None
        self._align_change = False
        self._align_pending: list | None = None
        self._align_rmap: dict[int, set[int]] = {}
        self._tlb_page = uc.query(unicorn.UC_QUERY_PAGE_SIZE)
        uc.hook_add(unicorn.UC_HOOK_INTR, self._on_interrupt)
        uc.hook_add(unicorn.UC_HOOK_INSN_INVALID, self._on_invalid)
        if self.board.generic_timer is not None:
            self._route_generic_timer()
        if self.board.pmu is not None:
            self.board.pmu.retired = lambda: self.icount.state.count
            self._route_pmu()
        for key in cp15.QEMU_ABSENT.get(board.cpu_model, ()):
            self.register_cp_handler(CpKey(15, *key), None, None, _absent)
        for (opc1, crn, crm, opc2), value in cp15.QEMU_ID_OVERRIDES.get(board.cpu_model, {}).items():
            self.register_cp_handler(CpKey(15, opc1, crn, crm, opc2), (lambda v=value: v), None)
        if board.cbar is not None:
            # CBAR (PERIPHBASE, Cortex-A9/A15 TRMs): QEMU sets it per board; Unicorn reads 0
            self.register_cp_handler(CpKey(15, 4, 15, 0, 0), (lambda v=board.cbar: v), None)
        self.mode = mode or NativeMode()
        self.stats.mode = self.mode.name
        if self.mode.name == "native" and self.traits.ttbcr_mask not in (0, 0xFFFFFFFF):
            # Unicorn's CPU keeps TTBCR bits QEMU's drops: a guest reads back what QEMU kept
            self.register_cp_handler(CpKey(15, 0, 2, 0, 2), lambda: cp15.read(uc, cp15.Cp15.TTBCR),
                                     lambda v: cp15.write(uc, cp15.Cp15.TTBCR, v & self.traits.ttbcr_mask))
        self.mode.attach(self)
        #: looked up once: the TLB-fill hook runs on every TLB miss
        self._mode_fill = getattr(self.mode, "tlb_fill", None)
        self._virtual_sctlr = getattr(self.mode, "guest_sctlr", None)

    # -- coprocessor interception ----------------------------------------------------------
    def register_cp_handler(self, key: CpKey, read: Callable[[], int] | None = None,
                            write: Callable[[int], None] | None = None,
                            access: Callable[[bool, bool], bool] | None = None) -> None:
        """Own the coprocessor register ``key``: every ``mrc/mrrc`` of it in the code the CPU
        runs calls ``read()``, every ``mcr/mcrr`` calls ``write(value)``, if
        ``access(write, privileged)`` allows it (default: PL1 only), else it is UNDEFINED.
        Register before ``load``."""
        self._cp_handlers[key] = CpHandler(read, write, access)

    def _route_generic_timer(self) -> None:
        from vtrans.runtime.devices.generic_timer import REGS32, REGS64

        gt = self.board.generic_timer
        for (opc1, crn, crm, opc2), reg in REGS32.items():
            self.register_cp_handler(CpKey(15, opc1, crn, crm, opc2),
                                     (lambda r=reg: gt.read(r)), (lambda v, r=reg: gt.write(r, v)),
                                     (lambda w, p, r=reg: p or gt.accessible_from_pl0(r, w)))
        for (opc1, crm), reg in REGS64.items():
            self.register_cp_handler(CpKey(15, opc1, 0, crm, 0, True),
                                     (lambda r=reg: gt.read(r)), (lambda v, r=reg: gt.write(r, v)),
                                     (lambda w, p, r=reg: p or gt.accessible_from_pl0(r, w)))

    def _route_pmu(self) -> None:
        pmu = self.board.pmu
        pmu.current_el = lambda: int((self.mode.guest_cpsr() & PSR_M) != Mode.USR)
        for (opc1, crn, crm, opc2), reg in pmu.regs.items():
            self.register_cp_handler(CpKey(15, opc1, crn, crm, opc2),
                                     (lambda r=reg: pmu.read(r)), (lambda v, r=reg: pmu.write(r, v)),
                                     (lambda w, p, r=reg: pmu.accessible(r, w, p)))

    def _install_cp_hooks(self, image: LoadedImage) -> None:
        """Coprocessor interception, set up at load: A32 code is scanned page by page as the CPU
        first fetches from it (``_scan_code_page``); Thumb code in the image's Thumb ranges is
        scanned here, once (a Thumb instruction's boundaries are known only from the start of
        its code)."""
        for handle in self._cp_hooks:
            self.uc.hook_del(handle)
        self._cp_hooks.clear()
        for _pa, _data, hooks in self._cp_pages.values():
            for handle in hooks:
                self._unhook(handle)
        self._cp_pages.clear()
        self._push_exits()
        self._thumb_ranges = list(image.thumb_ranges)
        # code whose instruction set the loader knows (an ELF file's mapping symbols): no
        # Thumb scan at run time
        self._state_known = (image.executable_ranges()
                             if image.is_elf and ("$a" in image.symbols or "$t" in image.symbols) else [])
        self._cp_scan = True
        if not self._cp_handlers:
            return
        in_it = []
        for lo, hi in image.thumb_ranges:
            for addr, word, in_it_block in t32.coprocessor_transfers(self.memory.read(lo, hi - lo), lo):
                dec = decode_cp_transfer(word)
                if dec is None or dec[0] not in self._cp_handlers:
                    continue
                if in_it_block:
                    # Unicorn cannot leave a block inside an IT block (its hook's PC write is
                    # ignored there), so the instruction cannot be skipped
                    in_it.append(addr)
                    continue
                h = self.uc.hook_add(unicorn.UC_HOOK_CODE, self._on_cp_insn, (word, dec, True, None, None), addr, addr)
                self._cp_hooks.append(h)
        if in_it:
            log.warning("%s: %d Thumb coprocessor access(es) to registers vtrans models, inside IT blocks "
                        "(first at 0x%08x), read the CPU's own registers in native mode", image.name, len(in_it),
                        in_it[0])

    def cp_hooks_after_counter(self) -> None:
        """The per-instruction counter's code hook was installed again (a switch of granularity,
        a hypervisor's world switch): Unicorn calls code hooks in the order they were added, and
        an interception hook, which leaves its instruction, must run after the counter counted
        it.  So the interception hooks go and come back after it: Thumb ones now, A32 ones as
        their pages are fetched again."""
        if self.icount.per_block or self.image is None:
            return
        self._rescan_code_pages()

    def _rescan_code_pages(self) -> None:
        """Interception hooks anew: Thumb ones now, A32 ones as their pages are fetched again
        (the TLB is flushed, and every code fetch refills it)."""
        self._install_cp_hooks(self.image)
        self.uc.ctl(unicorn.UC_CTL_TLB_FLUSH, unicorn.UC_CTL_IO_WRITE)

    def _scan_code_page(self, va: int, pa: int, push: bool = True) -> bool:
        """The CPU fetches code from virtual page ``va`` (physical ``pa``): give each ``mrc/mcr/
        mrrc/mcrr`` of an owned register on it a one-address code hook (``_on_cp_insn``).

        Called on every fetch that fills a TLB entry, so code the kernel copies, relocates or
        generates is found wherever and through whatever virtual address it runs; a page is
        scanned again when its mapping or its content changed since (a TLB fill after the
        change, or the I-cache invalidation the architecture requires before modified code
        runs: ``_on_icache_maint``).  The hooks are Unicorn's, by virtual address; each one
        checks the word is still there when it fires.  True if the page was scanned again:
        its mapping or content changed (blocks translated from it may have the old hooks).
        ``push=False``: the exits it adds or removes reach Unicorn at the next run
        (``_set_exits``), not now (``_exit_look``)."""
        size = self._tlb_page
        va &= -size
        pa &= -size
        try:
            data = self.memory.read(pa, size)
        except ImageError:
            return False
        known = self._cp_pages.get(va)
        if known is not None:
            if known[0] == pa and known[1] == data:
                return False
            for handle in known[2]:
                self._unhook(handle)
        hooks = []
        for off, word in cp15.transfer_words(data):
            if any(lo <= pa + off < hi for lo, hi in self._thumb_ranges):
                continue   # Thumb code of the image: scanned at load
            self._hook_cp_candidate(hooks, va + off, word, False, pa + off, word)
        if not self.icount.per_block or self.icount.thumb_blocks:
            self._scan_thumb_page(hooks, va, pa, data)
        self._cp_pages[va] = (pa, data, hooks)
        if push:
            self._push_exits()
        if known is not None:
            self.icount.forget_blocks(va, va + size)
        return known is not None

    def _push_exits(self) -> None:
        """Exits added or removed: to Unicorn at once (the block being translated may reach one
        of them), in one call for a whole page scan."""
        if self._exits_changed:
            self._exits_changed = False
            if self._exits_fast:
                self._set_exits(self._until)

    def _hook_cp_candidate(self, hooks: list[int], addr: int, word: int, thumb: bool, pa: int, raw: int) -> None:
        """Hook the instruction at ``addr`` if ``word`` (its A32 form) accesses an owned register
        (``_on_cp_insn``) or invalidates the I-cache (``_on_icache_maint``).  ``raw``: the
        little-endian word at physical ``pa``, which the hook checks is still there."""
        dec = decode_cp_transfer(word)
        if dec is None:
            return
        if dec[0] in self._cp_handlers:
            hook, user = self._on_cp_insn, (word, dec, thumb, pa, raw)
        elif dec[0] in _ICACHE_INVALIDATE and not dec[1]:
            hook, user = self._on_icache_maint, (word, dec[0], thumb, pa, raw)
        else:
            return
        if self._exits_fast and not thumb:
            # A32 blocks have no exit check after a code hook: the block ends before the
            # instruction instead, and the run stops there (``_take_cp_exit``)
            # (called as the page is first fetched, before a block of it is translated; or
            # scanned again as its content changed, when its blocks go)
            self._cp_exits[addr] = (hook, user)
            hooks.append(-1 - addr)
            self._exits_changed = True   # (pushed to Unicorn once the page is scanned)
        else:
            hooks.append(self.uc.hook_add(unicorn.UC_HOOK_CODE, hook, user, addr, addr))

    def _unhook(self, handle: int) -> None:
        """Remove what ``_hook_cp_candidate`` placed: a code hook, or an exit (``-1 - address``)."""
        if handle >= 0:
            self.uc.hook_del(handle)
            return
        # (the block Unicorn made for the exit, which stops the CPU, goes with the page's other
        # blocks: Unicorn drops a block without instructions whenever it drops any on its page)
        if self._cp_exits.pop(-1 - handle, None) is not None:
            self._exits_changed = True

    def keep_exit_checks(self) -> None:
        """Before the first run: something will hook A32 instructions by address (a tracer)
        and needs Unicorn's exit checks after them."""
        self._keep_exit_checks = True

    def _decide_exits(self) -> None:
        """At the first run: translate A32 blocks without Unicorn's exit check after each load
        and store (``ucinternals``) if nothing needs them -- counting per block, on a CPU of
        this machine's own (not a CPU shared between VMs), not run by a mode that drives the CPU
        itself (bt), no tracer's code hooks."""
        ok = (self.icount.per_block and isinstance(self.uc, unicorn.Uc) and not self._keep_exit_checks
              and getattr(self.mode, "run_cpu", None) is None)
        self._exits_fast = bool(ok and self.icount.set_fast_exits(True))
        if self._exits_fast:
            self.uc.ctl_exits_enabled(True)
            self.uc.ctl_set_exits([])
            self._exit_set: tuple[int, ...] = ()
            self._until = _NO_UNTIL
            # pages scanned so far (by an earlier run) placed code hooks: scan them again
            if self.image is not None and self._cp_pages:
                self._install_cp_hooks(self.image)
            self.uc.ctl(unicorn.UC_CTL_TLB_FLUSH, unicorn.UC_CTL_IO_WRITE)
            self.flush_blocks()

    def _exits_slow(self) -> None:
        """Back to Unicorn's exit checks (the per-instruction counter came, or coprocessor
        exits came too often): the A32 pages are scanned again for code hooks (the caller has
        ``_install_cp_hooks`` do it, and drops the translated blocks)."""
        if not self._exits_fast:
            return
        self._exits_fast = False
        self.icount.set_fast_exits(False)
        for addr in list(self._cp_exits):
            self.uc.ctl_remove_cache(addr, addr + 4)
        self._cp_exits.clear()
        self.uc.ctl_exits_enabled(False)

    def _set_exits(self, until: int) -> None:
        """With fast exits (Unicorn's exits always on, its ``until`` argument ignored): the
        run stops at the intercepted coprocessor accesses and at ``until``."""
        self._until = until
        exits = tuple(sorted(self._cp_exits)) + (() if until == _NO_UNTIL else (until,))
        if exits != self._exit_set:
            self.uc.ctl_set_exits(list(exits))
            self._exit_set = exits

    def _take_cp_exit(self, until: int) -> None:
        """After a run that ended on its own: if it stopped at an intercepted A32 coprocessor
        access, do it now (as its code hook would have) -- unless a deadline falls first (the
        run loop comes back to it), or the CPU stopped in the WFI just before it."""
        uc = self.uc
        pc = uc.reg_read(PC)
        entry = self._cp_exits.get(pc)
        if entry is None or pc == until or uc.reg_read(CPSR) & PSR_T:
            return
        st = self.icount.state
        if st.count >= st.limit:
            st.reason = STOP_LIMIT
            return
        if self._wfi_at(pc) is not None and st.block_start + 4 * (st.count - st.block_base) == pc:
            return   # the block that ran ended with a WFI: the exit comes when the CPU wakes
        # the instruction runs as a block of its own
        st.block_start, st.block_base, st.block_thumb = pc, st.count, 0
        st.count += 1
        hook, user = entry
        hook(uc, pc, 4, user)
        if uc.reg_read(PC) == pc and hook == self._on_icache_maint:
            # left to the CPU: a no-op, UNDEFINED in User mode; or the code changed
            word, _key, _thumb, pa, raw = user
            if self._word_at(pa) != raw:
                self._rescan_in_hook(uc, pc, pa)
            elif (self.mode.guest_cpsr() & PSR_M) == Mode.USR and condition_passed(word >> 28, uc.reg_read(CPSR)):
                self._undefined_at(pc)
            else:
                self.icount.retire_through(pc)
                uc.reg_write(PC, pc + 4)
        self._cp_exits_taken += 1
        self._exit_costs += EXIT_TAKEN_COST

    def _account_exits(self) -> None:
        """After each run with fast exits: charge its end (Unicorn's look at every coprocessor
        exit's address) and, once a window's worth of instructions ran or of costs piled up, weigh the costs
        against the instructions run: over, go back to Unicorn's checks (``EXIT_WINDOW``)."""
        self._exit_costs += EXIT_ADDRESS_COST * len(self._cp_exits)
        ran = self.icount.state.count - self._exit_window
        if ran < EXIT_WINDOW and self._exit_costs < EXIT_WINDOW:
            return
        if self._exit_costs > ran:
            log.info("coprocessor exits cost more than they save (%d intercepted accesses, %d exit "
                     "addresses): back to Unicorn's exit checks", self._cp_exits_taken, len(self._cp_exits))
            self._exits_slow()
            self._rescan_code_pages()
            self.flush_blocks()
        self._exit_costs, self._exit_window = 0, self.icount.state.count

    def _scan_thumb_page(self, hooks: list[int], va: int, pa: int, data: bytes) -> None:
        """Thumb code the loader did not see (a raw image, code copied or generated at run time,
        counted per instruction: ``Machine.run``), or the image's seen through another virtual
        address (an MMU alias): instruction boundaries are not known there, so every halfword
        is a candidate -- a hook or an IT entry at an address that is not an instruction's
        start is never reached there.  IT blocks go to the counter (their failed slots are
        instructions it does not see); a coprocessor access inside one is left to the CPU
        (Unicorn ignores a hook's PC write there), with a warning."""
        if va == pa and self._state_known:
            # the image's classified code at its load address has its IT blocks and Thumb hooks
            # from the load (``_install_cp_hooks``): the scan is for what lies outside it
            def seen(off: int) -> bool:
                return any(lo <= pa + off < hi for lo, hi in self._state_known)
        else:
            def seen(off: int) -> bool:
                return False
        its = [b for b in t32.it_block_candidates(data, va) if not seen(b[0] - va)]
        if its and not self.icount.per_block:
            self.icount.add_it_blocks(its)
        in_it = {a for _it, slots, _end in its for a in slots}
        for addr, word, off in t32.coprocessor_candidates(data, va):
            if seen(off):
                continue
            if addr in in_it:
                dec = decode_cp_transfer(word)
                if dec is not None and dec[0] in self._cp_handlers and addr not in self._warned_it:
                    self._warned_it.add(addr)
                    log.warning("Thumb coprocessor access at 0x%08x, inside an IT block, to a register vtrans "
                                "models: it reads the CPU's own register in native mode", addr)
                continue
            raw = int.from_bytes(data[off:off + 4], "little")
            self._hook_cp_candidate(hooks, addr, word, True, pa + off, raw)

    def _on_icache_maint(self, uc: unicorn.Uc, address: int, size: int, user) -> None:
        """An I-cache or branch-predictor invalidation (B2.2.9: what a kernel must do before it
        runs code it wrote) is about to execute: look again at the code pages it covers -- the
        page of the address for ICIMVAU and BPIMVA, all of them otherwise.  If one changed, its
        translated blocks go and the CPU goes on after this instruction (a no-op on QEMU's CPUs
        and Unicorn's: it is skipped, unless from User mode, where it is UNDEFINED)."""
        word, key, thumb, pa, raw = user
        cpsr = uc.reg_read(CPSR)
        if (bool(cpsr & PSR_T) != thumb or self._word_at(pa) != raw
                or not (thumb or condition_passed(word >> 28, cpsr))):
            return
        size = self._tlb_page
        if key.opc2 in (1, 7):   # by MVA
            rt = (word >> 12) & 0xF
            mva = uc.reg_read(_REG_IDS[rt]) if rt != 15 else address + 8
            pages = [mva & -size]
        else:
            pages = list(self._cp_pages)
        changed = [va for va in pages if va in self._cp_pages and self._scan_code_page(va, self._cp_pages[va][0])]
        for va in changed:
            self.drop_blocks(va, va + size)
        if not changed or (self.mode.guest_cpsr() & PSR_M) == Mode.USR:
            return
        self.icount.retire_through(address)
        uc.reg_write(PC, (address + 4) | thumb)

    def _rescan_in_hook(self, uc: unicorn.Uc, address: int, pa: int) -> None:
        """From a code hook at ``address``: the code of its page changed since the page was
        scanned.  Scan it again, drop its translated blocks and run ``address`` again, in a block
        translated with the new hooks."""
        size = self._tlb_page
        self._scan_code_page(address, pa)
        self.drop_blocks(address & -size, (address & -size) + size)
        self.icount.retire_before(address)
        uc.reg_write(PC, address | bool(uc.reg_read(CPSR) & PSR_T))

    def _word_at(self, pa: int) -> int | None:
        word = self.memory.read32(pa)
        if word is None:
            try:
                word = int.from_bytes(self.memory.read(pa, 4), "little")
            except ImageError:
                return None
        return word

    def _on_cp_insn(self, uc: unicorn.Uc, address: int, size: int, user) -> None:
        """An ``mrc/mcr/mrrc/mcrr`` of a register a device owns, about to execute: do it here and
        continue after it.  ``user``: (A32 word, its decoding, False, its physical address, the
        word again) in ARM code; (Thumb instruction as its A32 counterpart, decoding, True,
        physical address or None for the image's, the little-endian word there) in Thumb code,
        outside IT blocks."""
        word, (key, is_read, rt, rt2), thumb, pa, raw = user
        if bool(uc.reg_read(CPSR) & PSR_T) != thumb:
            return  # the same bytes in the other state mean something else
        if pa is not None and self._word_at(pa) != raw:
            # the code changed under the hook with no I-cache invalidation: scan its page again
            # (this hook goes) and run this instruction again, in a block translated afresh
            # with the page's new hooks
            self._rescan_in_hook(uc, address, pa)
            return
        if not thumb and not condition_passed(word >> 28, uc.reg_read(CPSR)):
            self.icount.retire_through(address)
            uc.reg_write(PC, address + 4)
            return
        handler = self._cp_handlers[key]
        if not handler.allows(not is_read, (self.mode.guest_cpsr() & PSR_M) != Mode.USR):
            self._undefined_at(address)   # UNDEFINED here, as the invalid-instruction hook would
            return
        self.icount.retire_through(address)  # we leave the block here (PC is rewritten below)
        self.sync_clock()
        if is_read:
            value = handler.read() if handler.read else 0
            if key.wide:
                uc.reg_write(_REG_IDS[rt], value & 0xFFFFFFFF)
                uc.reg_write(_REG_IDS[rt2], (value >> 32) & 0xFFFFFFFF)
            elif rt == 15:  # APSR_nzcv form (A8.8.108)
                uc.reg_write(CPSR, (uc.reg_read(CPSR) & 0x0FFFFFFF) | (value & 0xF0000000))
            else:
                uc.reg_write(_REG_IDS[rt], value & 0xFFFFFFFF)
        else:
            value = uc.reg_read(_REG_IDS[rt]) if rt != 15 else address + 8
            if key.wide:
                value |= uc.reg_read(_REG_IDS[rt2]) << 32
            if handler.write:
                handler.write(value)
            self._after_device_write()
        uc.reg_write(PC, (address + 4) | thumb)

    # -- loading -----------------------------------------------------------------------------
    def load(self, image: LoadedImage) -> None:
        """Write the image into guest memory and set the CPU as QEMU's reset + boot loader would."""
        image = self._with_device_tree(image)
        for seg in image.segments:
            if self.memory.ram_at(seg.addr, max(len(seg.data), 1)) is None:
                from vtrans.errors import ImageError

                # (the stub strategy's stubs and vCPU block: placed right below the image by default)
                vcpu = image.symbols.get("__vtrans_vcpu")
                stubs = vcpu is not None and seg.addr <= vcpu + 0x1000
                hint = ("; the pre-virtualization stubs go right below the image unless placed: rewrite "
                        "with --stub-base ADDR inside the board's RAM") if stubs else ""
                raise ImageError(f"{image.name}: segment at 0x{seg.addr:08x}+0x{len(seg.data):x} is outside "
                                 f"the RAM of board {self.spec.name}{hint}")
            self.memory.write(seg.addr, seg.data)
        if not image.is_elf and not self.spec.dtb:
            self.memory.write(self.spec.loader_start + KERNEL_ARGS_OFFSET,
                              atags(self.spec, self.board.ram[0].size))
        self.image = image
        if image.has_thumb and self.icount.per_block:
            self._count_thumb()
        elif image.has_thumb:
            self._find_it_blocks()   # (the Python counter: per instruction already)
        windows = [(w.base, w.size) for w in self.memory.ram]
        self.semihosting = Semihosting(self.io, self.clock.now_ns, heap_layout(image, windows),
                                       cmdline=self._cmdline or image.name)
        self._install_cp_hooks(image)
        # reset state (B1.8.4 / QEMU arm_cpu_reset): SVC mode, A, I, F masked, ARM state; QEMU
        # zeroes its flag variables, and ZF == 0 means Z set: CPSR reads 0x400001d3
        self.uc.reg_write(CPSR, 0x400001D3)
        self.uc.reg_write(PC, image.start_pc)
        self.flush_blocks()

    def _count_thumb(self, per_block: bool = True) -> bool:
        """The guest runs Thumb code, whose blocks' sizes do not tell their instruction counts:
        on a CPU with Thumb-2, count per block still, learning each block's count from its code
        (``vt_icount_mixed``); on a Thumb-1 CPU (which may run a BL pair as two instructions),
        or if that cannot be done (``per_block`` false), count instruction by instruction.  True
        if per block."""
        old = self.icount
        blocks = per_block and self.traits.v7 and old.native
        old.remove()
        self.icount = IcountHook(self.uc, per_block=blocks, thumb_blocks=blocks)
        self.icount.state.count = old.state.count
        self.icount.state.limit = old.state.limit
        if self._exits_fast:
            if blocks:
                self.icount.set_fast_exits(True)
            else:
                self._exits_slow()
        if not blocks:
            self._find_it_blocks()
        return blocks

    def _find_it_blocks(self) -> None:
        """Tell the per-instruction counter where the image's IT blocks are."""
        image = getattr(self, "image", None)
        if image is not None:
            self.icount.set_it_blocks([b for lo, hi in image.thumb_ranges
                                       for b in t32.it_blocks(self.memory.read(lo, hi - lo), lo)])

    # -- time ------------------------------------------------------------------------------------
    @property
    def instructions(self) -> int:
        """Guest instructions executed so far (exact, at any moment)."""
        return self.icount.state.count

    def sync_clock(self) -> None:
        """Bring the virtual clock to the instruction count (between blocks, or after
        ``retire_through``)."""
        self.clock.insns = self.icount.state.count + self.idle_insns

    def _sync_clock_at_pc(self, addr: int, write: bool) -> None:
        """During a device access: the clock at the accessing instruction.

        Unicorn does not keep PC exact inside a block during MMIO callbacks (only with memory
        hooks, which would slow every load and store 4x), and the block was counted in full
        when entered.  So the accessing instruction is found by decoding the block: the first
        load/store at or after the previous device access of this block execution whose
        address, computed from the current registers, is ``addr``."""
        ic = self.icount
        if not ic.per_block:
            self.clock.insns = ic.state.count + self.idle_insns
            return
        st = ic.state
        n = st.count - st.block_base
        execution = (st.block_start, st.block_base)
        first = self._io_index + 1 if execution == self._io_execution else 0
        index = self._find_access(st.block_start, n, first, addr, bool(st.block_thumb))
        self._io_execution, self._io_index = execution, index
        self.clock.insns = st.block_base + index + 1 + self.idle_insns

    def _find_access(self, block: int, n: int, first: int, addr: int, thumb: bool) -> int:
        key = (block | thumb, n)
        insns = self._block_words.get(key)
        if insns is None:
            insns = self._thumb_block(block, n) if thumb else tuple(self.read_insn(block + 4 * i) or 0
                                                                    for i in range(n))
            if len(self._block_words) > 4096:
                self._block_words.clear()
            self._block_words[key] = insns
        uc = self.uc
        regs: dict[int, int] = {}

        def reg(r: int) -> int:
            v = regs.get(r)
            if v is None:
                v = regs[r] = uc.reg_read(_REG_IDS[r])
            return v

        cpsr = None
        for i in range(first, len(insns)):
            if thumb:
                span = t32.access_range(insns[i], reg)
                if span is not None and span[0] <= addr < span[1]:
                    return i
                continue
            word = insns[i]
            if (word >> 25) & 7 not in (0, 2, 3, 4):
                continue
            if cpsr is None:
                cpsr = uc.reg_read(CPSR)
            regs[15] = block + 4 * i + 8
            addrs = access_addresses(word, reg, cpsr)
            if addrs and any(a <= addr < a + 4 for a in addrs):
                return i
        return max(min(first, n - 1), 0)  # not decoded: the earliest instruction it can be

    def _thumb_block(self, block: int, n: int) -> tuple:
        """The ``n`` Thumb instructions of the block at ``block``, decoded (capstone details)."""
        for size in (4 * n, 2 * n):
            try:
                return tuple(t32.decode_block(self.guest_memory.read(block, size), block, n))
            except (GuestError, ImageError):   # the block's end may be the memory's end
                continue
        return ()

    def retire_through(self, pc: int) -> None:
        """For hooks that redirect PC in the middle of a block: the instruction at ``pc`` is the
        last one executed in this block (the instruction counter forgets the rest of it)."""
        self.icount.retire_through(pc)

    def _after_device_write(self) -> None:
        """A device may have scheduled an earlier event or changed an interrupt line, or the PMU
        started filtering by privilege (the counter must then watch the mode: ``_set_watch``)."""
        nxt = self.clock.next_deadline()
        st = self.icount.state
        if self._pmu_watches_mode() and not st.watch_mask & PSR_M:
            st.limit = min(st.limit, st.count)
        if nxt is not None:
            # the current block was counted in full when entered: stop at its end at the earliest
            st.limit = min(st.limit, max(nxt - self.idle_insns, st.count))

    def _line_changed(self) -> None:
        # stop after the current instruction: the run loop delivers the interrupt at the boundary
        if self.board.cpu_irq.level or self.board.cpu_fiq.level:
            st = self.icount.state
            st.limit = min(st.limit, st.count)

    def request_stop(self, reason: ExitReason, message: str, code: int = 0) -> None:
        if self._stop is None:
            self._stop = (reason, message, code)
        self.icount.state.limit = 0  # stops before the next instruction
        self.uc.emu_stop()

    # -- memory views ------------------------------------------------------------------------------
    def mmu_config(self) -> MmuConfig:
        uc = self.uc
        sctlr = cp15.read(uc, cp15.Cp15.SCTLR)
        if not sctlr & 1:
            return self.traits.mmu_config(sctlr)
        return self.traits.mmu_config(sctlr, cp15.read(uc, cp15.Cp15.TTBR0), cp15.try_read(uc, cp15.Cp15.TTBR1) or 0,
                                      cp15.try_read(uc, cp15.Cp15.TTBCR) or 0, cp15.read(uc, cp15.Cp15.DACR))

    def read_insn(self, va: int) -> int | None:
        try:
            return int.from_bytes(self.guest_memory.read(va, 4), "little")
        except Exception:  # noqa: BLE001 - an unmapped PC simply has no instruction
            return None

    def describe_insn(self, pc: int) -> str:
        word = self.read_insn(pc)
        if word is None:
            return "<unmapped>"
        from vtrans.isa import get

        for insn in get("arm").cs_fast.disasm(word.to_bytes(4, "little"), pc):
            return f"{insn.mnemonic} {insn.op_str}".strip()
        return f".word 0x{word:08x}"

    # -- exceptions ---------------------------------------------------------------------------------
    def _note_exception(self, kind: ExceptionKind, pc: int, detail: int = 0) -> None:
        """Count it and detect a dead guest (see the module docstring)."""
        self.stats.exceptions[str(kind)] += 1
        if kind in (ExceptionKind.UNDEF, ExceptionKind.PREFETCH_ABORT, ExceptionKind.DATA_ABORT):
            regs = self._regs
            key = (kind, pc, detail, self.read_insn(pc), *(regs.read(r) for r in _STATE_REGS))
            self._exc_repeat = self._exc_repeat + 1 if key == self._last_exc else 1
            self._last_exc = key
            if pc == self._entered_vector:
                self._vector_repeat += 1
            else:
                self._vector_repeat = 0
            if self._exc_repeat >= DEAD_SAME_STATE or self._vector_repeat >= DEAD_REPEAT:
                why = ("raised by the first instruction of its own vector" if self._vector_repeat >= DEAD_REPEAT
                       else f"raised {DEAD_SAME_STATE} times in a row by the same instruction in the same "
                            "register state")
                self.request_stop(ExitReason.DEAD, f"{kind} exception {why} at 0x{pc:08x} "
                                                   f"({self.describe_insn(pc)})", pc)
                raise _StopRun
        else:
            self._last_exc = None
            self._exc_repeat = 0
            self._vector_repeat = 0

    def _entered(self) -> None:
        self._entered_vector = self.uc.reg_read(PC)

    def _on_interrupt(self, uc: unicorn.Uc, intno: int, _user) -> None:
        try:
            self._interrupt(uc, intno)
        except _StopRun:
            uc.emu_stop()

    def _interrupt(self, uc: unicorn.Uc, intno: int) -> None:
        regs = self._regs
        cpsr = regs.read(CPSR)
        pc_now = regs.read(PC)
        kind = UC_INTNO.get(intno)
        if kind == ExceptionKind.SVC:
            thumb = bool(cpsr & PSR_T)
            pc = pc_now - (2 if thumb else 4)
            # QEMU honours semihosting only from privileged modes (semihosting_enabled(is_user));
            # from User mode ``svc 0x123456`` is an ordinary SVC.  ESR holds imm16 of the SVC:
            # decode the word (imm24) only when it can be the semihosting call
            if (not thumb and (cpsr & 0x1F) != 0x10
                    and (regs.read(A.UC_ARM_REG_ESR) & 0xFFFF) == (SVC_IMM_ARM & 0xFFFF)):
                word = self.read_insn(pc)
                if word is not None and is_semihosting_svc(word):
                    self._semihost(uc)
                    return
            if thumb and (cpsr & 0x1F) != 0x10 and (regs.read(A.UC_ARM_REG_ESR) & 0xFF) == SVC_IMM_THUMB:
                # Thumb state: ``svc 0xab`` (what Thumb builds of newlib and picolibc use)
                try:
                    half = int.from_bytes(self.guest_memory.read(pc, 2), "little")
                except Exception:  # noqa: BLE001 - an unmapped PC has no instruction
                    half = None
                if half is not None and is_semihosting_svc(half, thumb=True):
                    self._semihost(uc)
                    return
            self.icount.retire_through(pc)
            self._note_exception(kind, pc)
            self.mode.on_exception(kind, pc)
            self._entered_vector = None  # an SVC is not a symptom of a dead guest
            return
        self.icount.retire_through(pc_now)
        if intno == UC_INTNO_BKPT:
            self._note_exception(ExceptionKind.PREFETCH_ABORT, pc_now)
            # a debug event (C4.4.1): IFSR = 0b00010; IFAR is UNKNOWN and QEMU writes 0 there
            self.mode.on_exception(ExceptionKind.PREFETCH_ABORT, pc_now,
                                   fault_status=fsr_value(FaultStatus.DEBUG), fault_address=0)
            self._entered()
            return
        if kind in (ExceptionKind.PREFETCH_ABORT, ExceptionKind.DATA_ABORT):
            info = self._fault_info(kind, pc_now)
            self._note_exception(kind, pc_now, info.get("fault_address", 0))
            self.mode.on_exception(kind, pc_now, **info)
            self._entered()
            return
        self.request_stop(ExitReason.GUEST_ERROR, f"unexpected CPU exception {intno} at 0x{pc_now:08x}", 3)

    def _on_tlb_fill(self, uc: unicorn.Uc, vaddr: int, access: int, entry, _user) -> bool:
        """Translate one page for the CPU's TLB; a refusal makes Unicorn raise the abort."""
        if self._align_hook is None:
            return self._fill_page(uc, vaddr, access, entry)
        pending = self._align_pending
        if pending is not None and access != unicorn.UC_MEM_FETCH:
            # the unaligned access the hook found (its page was just flushed): refused, so
            # Unicorn raises the abort; this fill knows the virtual page, the hook did not
            pending[2] = vaddr | (pending[0] & (self._tlb_page - 1))
            return False
        if not self._fill_page(uc, vaddr, access, entry):
            return False
        self._align_rmap.setdefault(entry.paddr, set()).add(vaddr)
        return True

    def _fill_page(self, uc: unicorn.Uc, vaddr: int, access: int, entry) -> bool:
        # (the fill runs after every TLB flush, for every page touched: after each world switch
        # of a hypervisor too, so it reads SCTLR once and builds no MmuConfig with the MMU off)
        sctlr = self._regs.cp_read(15, 0, 1, 0, 0)
        virtual = self._virtual_sctlr
        guest_sctlr = sctlr if virtual is None else virtual()
        if (bool(guest_sctlr & cp15.SCTLR_A) != (self._align_hook is not None)
                and not self._align_change):
            # SCTLR was written (QEMU flushes the TLB then, and so does the VMM for its virtual
            # one): switch the checks at the next block boundary, which the counter reaches at
            # once (a cp15 write ends the block)
            self._align_change = True
            st = self.icount.state
            st.limit = min(st.limit, st.count)
        mode_fill = self._mode_fill
        fetch = access == unicorn.UC_MEM_FETCH
        if mode_fill is not None:
            # the mode's answer: True (filled: an address range it owns, bt's translation cache,
            # or the guest's tables walked with the virtual privilege), the walk that faulted, or
            # False (not the mode's: the machine walks with the real privilege)
            answer = mode_fill(vaddr, access, entry)
            if answer is True:
                return fetch or self._data_page(vaddr, entry, access == unicorn.UC_MEM_WRITE)
            if answer is not False:
                return self._refuse(vaddr, answer, access == unicorn.UC_MEM_WRITE, fetch, entry)
        write = access == unicorn.UC_MEM_WRITE
        if not sctlr & 1:
            entry.paddr = vaddr
            entry.perms = unicorn.UC_PROT_ALL if self._executable_entry(vaddr, fetch, vaddr) else _PROT_RW
            return fetch or self._data_page(vaddr, entry, write)
        cfg = self.mmu_config()
        cpsr = uc.reg_read(CPSR)
        privileged = (cpsr & 0x1F) != 0x10
        if privileged and not fetch and self._unprivileged_insn(cfg, cpsr):
            # ldrt/strt & co.: QEMU looks them up in the User TLB and checks them as User
            # accesses; the fill is for that TLB (Unicorn does not say which), so it answers with
            # User permissions, as every later access through that TLB expects
            privileged = False
        w = walk(cfg, self.memory.read32, vaddr, write=write, fetch=fetch, privileged=privileged)
        if w.pa is None:
            return self._refuse(vaddr, w, write, fetch, entry)
        entry.paddr = w.pa  # ``vaddr`` is the start of a target page (1 KB on ARM), so is ``w.pa``
        entry.perms = ((unicorn.UC_PROT_READ if w.readable else 0) | (unicorn.UC_PROT_WRITE if w.writable else 0)
                       | (unicorn.UC_PROT_EXEC if w.executable and self._executable_entry(w.pa, fetch, vaddr) else 0))
        return fetch or self._data_page(vaddr, entry, write)

    def _data_page(self, vaddr: int, entry, write: bool) -> bool:
        """The TLB is about to map the page at ``vaddr`` to ``entry.paddr`` for a data access:
        where nothing backs that physical page, the board's unassigned behaviour starts here.

        On the read-as-zero boards the page is mapped so now, and the access goes on.  On
        ``virt`` an access there is a synchronous external abort (B3.13.3), and the
        translation is refused: Unicorn reports that before the access, exactly, and the abort
        is the one of a refused page (``_fault_info``: DFAR is the *virtual* address the
        instruction accessed).  Left to Unicorn's unmapped-access hook, a store would stop the
        CPU only through Unicorn's exit check after each access -- which A32 blocks translated
        without those checks (fast exits) do not have -- and the hook knows only the physical
        address.  Thumb code keeps the hook (its accesses are not decoded for DFAR; the Thumb
        translator keeps the checks)."""
        mem = self.memory
        if mem.backed(entry.paddr):
            return True
        if not mem.abort_unassigned:
            mem.map_raz(entry.paddr)
            return True
        if self.uc.reg_read(CPSR) & PSR_T:
            return True
        self._mmu_fault = (vaddr, Walk(vaddr, None, FaultStatus.SYNC_EXTERNAL), write, False)
        return False

    def _refuse(self, vaddr: int, w: Walk, write: bool, fetch: bool, entry) -> bool:
        """A translation the guest's tables refuse: remembered for the abort (``_fault_info``),
        unless it is Unicorn's own look at the ``until`` page."""
        if fetch and self._exit_look(vaddr):
            return self._until_page_entry(vaddr, entry)
        self._mmu_fault = (vaddr, w, write, fetch)
        return False

    def _until_page_entry(self, vaddr: int, entry) -> bool:
        """The translation of the ``until`` page (0xFFFFFC00, never executed: the run's
        ``until`` is odd) when the guest's tables leave it unmapped.

        Whenever ``emu_start`` returns, Unicorn drops the blocks at its ``until`` address
        (``uc_invalidate_tb``), translating that page for a fetch; a refused translation there
        is ignored by Unicorn but leaves UC_ERR_EXCEPTION as the result of the whole run -- so
        every run slice of a guest with the MMU on and the top of its address space unmapped
        would end in an error.  The answer is an entry to physical memory nothing backs (Unicorn
        then has no block to drop), removed before the guest runs again (``_drop_until_stub``):
        a fetch the guest makes there must still take its translation fault.  That fetch is told
        from Unicorn's by the PC: on the page for the guest's (a block never crosses a page),
        wherever the guest stopped for Unicorn's."""
        entry.paddr = vaddr
        entry.perms = unicorn.UC_PROT_EXEC
        self._until_stub.add(vaddr)
        return True

    def _exit_look(self, vaddr: int) -> bool:
        """Whether a fetch translation of page ``vaddr`` is Unicorn's own, made when a run
        ends: its look at the ``until`` page or, with fast exits, at the page before each exit
        address (``uc_exit_invalidate_iter``, while it walks its set of exits) -- not the
        guest's, which fetches from the page PC is on (a block never crosses a page)."""
        page = -self._tlb_page
        return ((vaddr >= _UNTIL_PAGE or (self._exits_fast and self._exit_page(vaddr)))
                and self._regs.read(PC) & page != vaddr & page)

    def _exit_page(self, vaddr: int) -> bool:
        """Unicorn looks at the page before each exit address when a run ends (as at the
        ``until`` page): with fast exits, a page of an intercepted coprocessor access, which the
        guest's current tables may leave unmapped."""
        page = -self._tlb_page
        return any(((a - 1) & page) == vaddr & page for a in self._exit_set)

    def _drop_until_stub(self) -> None:
        if self._until_stub:
            for page in self._until_stub:
                self._regs.cp_write(15, 0, 8, 7, 1, page)   # TLBIMVA: that page only
            self._until_stub.clear()

    def _unprivileged_insn(self, cfg: MmuConfig, cpsr: int) -> bool:
        """Is the instruction making the data access being translated (MMU on: ``cfg``) an
        unprivileged load or store?  (Unicorn synchronises PC before it asks for a translation.)"""
        pc = self._regs.read(PC)
        word = self._code_word(cfg, pc & ~3)
        if word is None:
            return False
        if not cpsr & PSR_T:
            return is_unprivileged_access(word)
        if pc & 2:   # a Thumb-2 instruction need not be word aligned: its second halfword is next
            nxt = self._code_word(cfg, (pc + 2) & 0xFFFFFFFF)
            if nxt is None:
                return False
            word = (word >> 16) | (nxt & 0xFFFF) << 16
        return is_unprivileged_access(word, thumb=True)

    def _code_word(self, cfg: MmuConfig, va: int) -> int | None:
        """The word at virtual ``va`` (word aligned) under translation ``cfg``, or None."""
        w = walk(cfg, self.memory.read32, va, fetch=True)
        if w.pa is None:
            return None
        try:
            return int.from_bytes(self.memory.read(w.pa, 4), "little")
        except ImageError:
            return None

    def _executable_entry(self, pa: int, fetch: bool, va: int | None = None) -> bool:
        """Whether a TLB entry for physical page ``pa`` may carry execute permission.

        Unicorn 2.1 marks every writable RAM entry not-dirty when it fills it, and its
        ``notdirty_write`` (cputlb.c) clears the mark only for an entry without execute
        permission: so a store through an executable entry takes the slow path (TB
        invalidation, memory-region lookups) every time -- ~5x on bench_cpu.  A data access
        therefore gets a non-executable entry unless its page holds code; a fetch then misses
        and refills the entry with the execute permission the walk allows.  The first fetch
        from a page records it and guards it (see ``_guard_code_page``), so stores to a code
        page, through any virtual address, keep invalidating its translated blocks.  A fetch
        through virtual page ``va`` has its code scanned for coprocessor interception
        (``_scan_code_page``)."""
        if fetch and va is not None:
            if self._cp_scan:
                # (Unicorn's own look at the page before an exit, when a run ends, walks its
                # set of exits: a new set now would free it under that walk)
                self._scan_code_page(va, pa, push=not self._exit_look(va))
            if self.icount.per_block and not self.icount.thumb_blocks and self._regs.read(CPSR) & PSR_T:
                # Thumb code the loader did not see is being translated (the fill is for its
                # block): stop before it runs, and the run loop counts per instruction from there
                st = self.icount.state
                st.limit = min(st.limit, st.count)
        pages = self._code_pages
        if pages is None:
            return True
        page = pa >> 10
        if page in pages:
            return True
        if not fetch:
            return False
        pages.add(page)
        self._guard_code_page(page)
        # entries filled before this page held code may have had their not-dirty mark cleared
        self.uc.ctl(unicorn.UC_CTL_TLB_FLUSH, unicorn.UC_CTL_IO_WRITE)
        return True

    def _guard_code_page(self, page: int) -> None:
        """Keep Unicorn's ``uc_mem_hook_installed`` true for a code page: a fetch-unmapped hook
        bounded to it (RAM is mapped, so it never runs) stops ``notdirty_write`` from ever
        clearing the not-dirty mark of its TLB entries.  A run of adjacent pages shares one hook."""
        runs = self._code_guards  # first page -> (hook handle, last page)
        first, last = page, page
        below = next((f for f, (_h, l) in runs.items() if l == page - 1), None)
        for key in (below, page + 1 if page + 1 in runs else None):
            if key is not None:
                handle, end = runs.pop(key)
                self.uc.hook_del(handle)
                first, last = min(first, key), max(last, end)
        handle = self.uc.hook_add(unicorn.UC_HOOK_MEM_FETCH_UNMAPPED, _never_handled, None,
                                  first << 10, ((last + 1) << 10) - 1)
        runs[first] = (handle, last)

    def _fault_info(self, kind: ExceptionKind, pc: int) -> dict:
        """Fault address and status of an abort (Unicorn reports neither): from the walk that
        refused the page, and the faulting instruction for the exact address (B4.1.52)."""
        fault, self._mmu_fault = self._mmu_fault, None
        if fault is not None:
            vaddr, w, write, fetch = fault
            if fetch or kind == ExceptionKind.PREFETCH_ABORT:
                return {"fault_address": max(pc, vaddr), "fault_status": fsr_value(w.fault, w.domain)}
            uc = self.uc
            word = self.read_insn(pc) if not uc.reg_read(CPSR) & PSR_T else None
            addr = fault_address(word, lambda n: (pc + 8) if n == 15 else uc.reg_read(_REG_IDS[n]), vaddr,
                                 uc.reg_read(CPSR))
            return {"fault_address": addr, "fault_status": fsr_value(w.fault, w.domain, write and self.traits.v7)}
        if kind == ExceptionKind.DATA_ABORT:
            # not a translation fault: Unicorn's own checks (alignment, SCTLR.A; B3.12.4)
            return {"fault_status": fsr_value(FaultStatus.ALIGNMENT)}
        if kind == ExceptionKind.PREFETCH_ABORT:
            w = walk(self.mmu_config(), self.memory.read32, pc, fetch=True,
                     privileged=(self.uc.reg_read(CPSR) & 0x1F) != 0x10)
            status = w.fault if w.fault is not None else FaultStatus.SYNC_EXTERNAL
            return {"fault_address": pc, "fault_status": fsr_value(status, w.domain)}
        return {}

    def _on_invalid(self, uc: unicorn.Uc, _user) -> bool:
        pc = uc.reg_read(PC)
        prev = self.read_insn(pc - 4)
        if prev is not None and (prev & 0x0FFFFFFF) in _WFE_YIELD and prev >> 28 != 0xF:
            return True  # wfe / yield: Unicorn reports them with PC already past; hints, no effect
        return self._undefined_at(pc)

    def _undefined_at(self, pc: int) -> bool:
        """The instruction at ``pc`` is UNDEFINED: count it, watch for a dead guest, and let the
        mode take it (True: handled, the CPU may continue)."""
        try:
            self.icount.retire_through(pc)
            self._note_exception(ExceptionKind.UNDEF, pc)
            handled = self.mode.on_invalid_insn(pc)
            self._entered()
            return handled
        except _StopRun:
            self.uc.emu_stop()
            return True

    def _semihost(self, uc: unicorn.Uc) -> None:
        self.sync_clock()
        self.stats.semihosting_calls += 1
        op = uc.reg_read(A.UC_ARM_REG_R0)
        arg = uc.reg_read(A.UC_ARM_REG_R1)
        try:
            result = self.semihosting.call(op, arg, self.guest_memory)
        except SemihostExit as e:
            self.request_stop(ExitReason.SEMIHOST_EXIT, f"the guest exited with code {e.code}", e.code)
            return
        except GuestError as e:
            self.request_stop(ExitReason.GUEST_ERROR, e.message, 3)
            return
        if result is not None:
            uc.reg_write(A.UC_ARM_REG_R0, result & 0xFFFFFFFF)

    # -- the run loop ------------------------------------------------------------------------------
    def _deliver_interrupts(self) -> bool:
        """Take an asserted, unmasked interrupt now (FIQ first, B1.8.1 priorities)."""
        for fiq, line in ((True, self.board.cpu_fiq), (False, self.board.cpu_irq)):
            if line.level and not self.mode.interrupt_masked(fiq):
                self.stats.interrupts["fiq" if fiq else "irq"] += 1
                self._last_exc = None
                self.mode.deliver_interrupt(fiq)
                self._entered_vector = None
                return True
        return False

    def _halt_check(self) -> str | None:
        """Why the CPU can never do anything again, or None."""
        pc = self.uc.reg_read(PC)
        cpsr = self.uc.reg_read(CPSR)
        cond = self._self_branch(pc, bool(cpsr & PSR_T))
        if cond is None or not condition_passed(cond, cpsr):
            return None
        irq_possible = not self.mode.interrupt_masked(False)
        fiq_possible = not self.mode.interrupt_masked(True)
        if not irq_possible and not fiq_possible:
            return f"branch-to-self at 0x{pc:08x} with interrupts masked"
        if self.clock.next_deadline() is None and not self.board.cpu_irq.level and not self.board.cpu_fiq.level:
            return f"branch-to-self at 0x{pc:08x} and no interrupt can ever arrive"
        return None

    def _self_branch(self, pc: int, thumb: bool) -> int | None:
        """The condition of the branch-to-self at ``pc`` (``b .``, ``bne .``; Thumb ``b .``,
        ``b<c> .``, ``b.w .`` outside an IT block), or None if it is not one."""
        if not thumb:
            word = self.read_insn(pc)
            if word is None or (word & _B_SELF_MASK) != _B_SELF or word >> 28 == 0xF:
                return None
            return word >> 28
        if self.uc.reg_read(CPSR) & PSR_IT:
            return None     # (its condition is the IT block's)
        hw1 = self._read_half(pc)
        if hw1 is None:
            return None
        return t32.self_branch_condition(hw1, self._read_half(pc + 2) if t32.is_32bit(hw1) else None)

    def _clear_it_latch(self, last: int, until: int) -> None:
        """Make Unicorn forget it last translated an instruction of an IT block, by translating
        the Thumb instruction at ``last`` (which ends at ``until``) once more, alone, outside any
        IT block (IT bits cleared for the moment), and dropping that translation.

        Unicorn 2.1.4 keeps one flag (``uc->no_exit_request``), set while it translates an
        instruction of an IT block so that the block is not split, and cleared only by the next
        Thumb instruction it translates outside one: an A32 block translated while it is still
        set gets no exit checks at all -- its code hooks cannot leave it (an intercepted ``mrc``
        then runs on the CPU's own register), and a device write does not stop the CPU after
        it.  A Thumb block ending inside an IT block (a slot that ends it, a run to an ``until``
        there) leaves it set, and the exception the machine delivers next enters A32 vectors.
        Called when the per-block counter stops a new A32 block after such a Thumb block
        (``STOP_IT_LATCH``), and after the per-instruction counter's runs into an IT block."""
        uc = self.uc
        cpsr = uc.reg_read(CPSR)
        uc.reg_write(CPSR, (cpsr & ~PSR_IT) | PSR_T)
        self.icount.state.it_latch = 0
        uc.ctl_remove_cache(last, until)
        uc.ctl_exits_enabled(True)
        try:
            uc.ctl_set_exits([until])
            uc.ctl_request_cache(last)
        except unicorn.UcError:
            pass   # (nothing translated: no flag left set either)
        finally:
            if self._exits_fast:
                uc.ctl_set_exits(list(self._exit_set))
            else:
                uc.ctl_exits_enabled(False)
            uc.ctl_remove_cache(last, until)
            uc.reg_write(CPSR, cpsr)

    def _thumb_after(self, pc: int, n: int) -> int:
        """The address after the ``n`` Thumb instructions from ``pc``."""
        for _ in range(n):
            hw = self._read_half(pc)
            pc += 4 if hw is not None and t32.is_32bit(hw) else 2
        return pc

    def _read_half(self, va: int) -> int | None:
        word = self.read_insn(va & ~3)
        return None if word is None else (word >> (16 * ((va >> 1) & 1))) & 0xFFFF

    def _wfi_at(self, pc: int) -> int | None:
        """The address of the WFI the CPU stopped after, with PC at ``pc``, or None."""
        if self.uc.reg_read(CPSR) & PSR_T:
            # (the Thumb hints' A32 counterparts: t32.a32_equivalent)
            hw = self._read_half(pc - 2)
            if hw is not None and t32.a32_equivalent(hw) == 0xE000_0000 | _WFI:
                return pc - 2
            pair = self._read_half(pc - 4), self._read_half(pc - 2)
            if None not in pair and t32.is_32bit(pair[0]) and t32.a32_equivalent(*pair) == 0xE000_0000 | _WFI:
                return pc - 4
            return None
        word = self.read_insn(pc - 4)
        if word is None or word >> 28 == 0xF:
            return None
        if (word & _WFI_MASK) == _WFI or (word & _CP15_WFI_MASK) == _CP15_WFI:
            return pc - 4
        return None

    # -- alignment checking (SCTLR.A) -----------------------------------------------------------
    def update_alignment_checks(self) -> None:
        """Turn the access hook on or off as SCTLR.A says.  Unicorn never raises alignment
        faults for plain loads and stores; QEMU does when SCTLR.A is set (B3.12.4), so while
        it is set every access goes through a hook (Unicorn compiles memory hooks into its
        translated blocks, hence the cache flush)."""
        self._align_change = False
        want = bool(self._guest_sctlr() & cp15.SCTLR_A)
        if want == (self._align_hook is not None):
            return
        if want:
            self._align_hook = self.uc.hook_add(unicorn.UC_HOOK_MEM_READ | unicorn.UC_HOOK_MEM_WRITE,
                                                self._on_aligned_access)
            # from now on every page the TLB gets is recorded (``_on_tlb_fill``)
            self._align_rmap.clear()
            self.uc.ctl(unicorn.UC_CTL_TLB_FLUSH, unicorn.UC_CTL_IO_WRITE)
        else:
            self.uc.hook_del(self._align_hook)
            self._align_hook = None
            self._align_rmap.clear()
        self.flush_blocks()

    def _with_device_tree(self, image: LoadedImage) -> LoadedImage:
        """On a board whose kernels get a device tree (virt): the image with QEMU's, sized for
        this machine's RAM -- a raw image's (placed by ``raw_image`` for the board's default RAM,
        its boot stub pointing r2 at it), or an ELF image's when it fits below the image."""
        if not self.spec.dtb:
            return image
        ram = self.board.ram[0].size
        own = [s for s in image.segments if s.kind != "dtb"]
        if not image.is_elf:
            if ram == self.spec.ram_size:
                return image
            kernel = own[1]
            return dataclasses.replace(raw_image(image.name, kernel.data, self.spec, kernel.addr, ram),
                                       name=image.name)
        dtb = elf_device_tree(own, self.spec, ram)
        return dataclasses.replace(image, segments=own + ([dtb] if dtb is not None else []))

    def _guest_sctlr(self) -> int:
        """SCTLR as the guest sees it (a VMM mode's is virtual)."""
        virtual = getattr(self.mode, "guest_sctlr", None)
        return virtual() if virtual is not None else cp15.read(self.uc, cp15.Cp15.SCTLR)

    def _on_aligned_access(self, uc: unicorn.Uc, access: int, address: int, size: int, _value: int, _user) -> None:
        """An unaligned access while SCTLR.A is set: make it fault.  The hook runs before the
        access looks up the TLB; dropping the page's TLB entries makes that lookup miss, and the
        fill refuses it (``_on_tlb_fill``), so Unicorn raises the abort from inside the access with its
        precise state: PC on the instruction, no register, base or memory written (the PC a
        memory hook reads is not reliable, the exception's is).

        Only the TLB entries of the accessed page go (TLBIMVA, by the virtual pages the fill
        recorded for it): Unicorn's access helper holds a pointer into the TLB across the hook,
        and a whole flush may reallocate the TLB (QEMU resizes it on a flush, by a wall-clock
        window), after which the helper reads freed memory and the access sometimes
        completes."""
        if address % size and self._align_pending is None:
            self._align_pending = [address, access == unicorn.UC_MEM_WRITE, None]
            page = address & -self._tlb_page
            for va in self._align_rmap.get(page, ()) or (page,):
                self._regs.cp_write(15, 0, 8, 7, 1, va)   # TLBIMVA

    def drop_blocks(self, lo: int, hi: int) -> None:
        """Drop the translated blocks at virtual [lo, hi) (and what the counter knows of them)."""
        self.uc.ctl_remove_cache(lo, hi)
        self.icount.forget_blocks(lo, hi)

    def flush_blocks(self) -> None:
        """Drop every translated block."""
        self.uc.ctl_flush_tb()
        self.icount.forget_blocks()

    def _emulate(self, start: int, until: int = _NO_UNTIL) -> None:
        self._mmu_fault = None
        self._drop_until_stub()
        try:
            run_cpu = getattr(self.mode, "run_cpu", None)
            if run_cpu is not None:  # the mode runs the CPU itself (bt: the translation cache)
                run_cpu(start)
                return
            if self._exits_fast:
                self._set_exits(until)
            self.uc.emu_start(start, until)
            if self._exits_fast and self._cp_exits and self.icount.state.reason == 0 and self._stop is None:
                self._take_cp_exit(until)
        except unicorn.UcError as e:
            self._on_uc_error(e)
        if self._exits_fast:
            self._account_exits()
        st = self.icount.state
        if st.reason == STOP_IT_LATCH:
            # a new A32 block, stopped before it ran, may have been translated while Unicorn
            # believed it was in an IT block: clear that, and have it translated again
            thumb = st.it_latch & ~1
            hw = self._read_half(thumb)
            if hw is not None:
                self._clear_it_latch(thumb, thumb + (4 if t32.is_32bit(hw) else 2))
            pc = self.uc.reg_read(PC)
            self.drop_blocks(pc, pc + 4)
            st.it_latch = 0

    def _set_watch(self, st) -> None:
        """What the counter watches in the CPSR for the next run: interrupt masks with an
        interrupt pending behind them (stop right after the unmasking instruction); and, in
        native mode while the PMU filters by privilege, the mode (stop at the first block after
        a mode change: exception returns, ``cps`` and ``msr`` end their block)."""
        mask = self.mode.unmask_watch(self.board.cpu_irq.level, self.board.cpu_fiq.level)
        value = mask
        if self._pmu_watches_mode():
            mask |= PSR_M
            value |= self._regs.read(CPSR) & PSR_M
        st.watch_mask, st.watch_value = mask, value

    def _pmu_watches_mode(self) -> bool:
        """Native mode, with a PMU counter filtering by privilege: the counter watches the CPU's
        mode (under a VMM the virtual CPU reports each change itself)."""
        pmu = self.board.pmu
        return pmu is not None and pmu.filtering and self.mode.name == "native"

    def guest_privilege_changed(self, privileged: bool | None = None) -> None:
        """The guest went between User mode and a privileged mode (None: look which it is in):
        the PMU's counters that filter by privilege start or stop there (QEMU's pmu_pre/
        post_el_change)."""
        pmu = self.board.pmu
        if pmu is None or not pmu.filtering:
            return
        if privileged is None:
            privileged = (self.mode.guest_cpsr() & PSR_M) != Mode.USR
        if int(privileged) != pmu.el:
            self.sync_clock()
            pmu.set_el(int(privileged))

    def run(self, max_insns: int | None = None, timeout: float | None = None) -> RunStats:
        """Run until the guest exits or halts, or a budget is exhausted."""
        if self.image is None:
            raise GuestError("no image loaded")
        uc = self.uc
        st = self.icount.state
        t0 = time.perf_counter()
        wall_deadline = t0 + timeout if timeout else None
        if self._exits_fast is None:
            self._decide_exits()
        while True:
            self.sync_clock()
            self.clock.fire_due()
            if self._stop is not None:
                break
            if self._align_change:
                self.update_alignment_checks()
            self.guest_privilege_changed()   # (a mode change the counter's watch stopped at)
            self._deliver_interrupts()
            count = st.count
            if max_insns is not None and count >= max_insns:
                self._stop = (ExitReason.MAX_INSNS, f"instruction budget of {max_insns} reached", 0)
                break
            if wall_deadline is not None and time.perf_counter() >= wall_deadline:
                self._stop = (ExitReason.TIMEOUT, f"time budget of {timeout:g} s reached", 0)
                break
            limit = count + SLICE
            nxt = self.clock.next_deadline()
            at_deadline = False
            if nxt is not None and nxt - self.idle_insns <= limit:
                limit, at_deadline = max(nxt - self.idle_insns, count), True
            if max_insns is not None and max_insns < limit:
                limit, at_deadline = max_insns, True
            st.limit = limit
            st.reason = 0
            st.partial = 0
            self._set_watch(st)
            pc = uc.reg_read(PC)
            thumb = bool(uc.reg_read(CPSR) & PSR_T)
            if self.icount.per_block and ((thumb and not self.icount.thumb_blocks) or st.blk_unread):
                # Thumb code the loader did not see (a raw image, generated code): from here on
                # count Thumb blocks too, or instruction by instruction (blocks already run in
                # Thumb state were counted as A32)
                unread = st.blk_unread
                if self._count_thumb(per_block=not unread):
                    log.info("Thumb code at 0x%08x in an image without Thumb mapping symbols", pc)
                else:
                    log.warning("Thumb code at 0x%08x %s: counting instructions one by one from now on",
                                pc, "whose code cannot be read back" if unread else
                                "in an image without Thumb mapping symbols")
                # pages fetched so far are scanned again, for Thumb coprocessor accesses too (and
                # the interception hooks go after a per-instruction counter)
                self._rescan_code_pages()
                self.flush_blocks()   # blocks translated for the block counter have no per-instruction calls
                st = self.icount.state
                self._set_watch(st)
            self._emulate(pc | thumb)
            if self._stop is not None:
                break
            if (st.reason == STOP_LIMIT and at_deadline and not self.icount.per_block and st.count < st.limit
                    and uc.reg_read(CPSR) & PSR_T):
                # an IT block would cross the deadline (Unicorn cannot stop inside one by itself):
                # run its IT and the slots up to the deadline, to an ``until`` inside the block
                pc = uc.reg_read(PC)
                left = st.limit - st.count
                until = self._thumb_after(pc, left)
                st.reason = 0
                st.partial = 1
                self.drop_blocks(pc, until + 4)     # (translated blocks know their ``until``)
                self._emulate(pc | 1, until)
                self._clear_it_latch(self._thumb_after(pc, left - 1), until)
                self.drop_blocks(pc, until + 4)
                st.partial = 0
                if self._stop is not None:
                    break
                if uc.reg_read(PC) == until:
                    self.icount.stop_in_it_block(until)
                    continue
                if st.reason:
                    continue
                # the partial run stopped on its own: WFI, handled below
            elif (st.reason == STOP_LIMIT and at_deadline and self.icount.per_block and st.count < st.limit):
                # the next block would cross a deadline: run exactly the instructions left, up to
                # an ``until`` address inside it (a block is straight-line code).  A plain slice
                # end needs no exactness: the run goes on from the block boundary (splitting a
                # block means dropping its translation twice, ~0.1 ms)
                pc = uc.reg_read(PC)
                t = bool(uc.reg_read(CPSR) & PSR_T)
                if not t or self.icount.thumb_blocks:
                    left = st.limit - st.count
                    until = self._thumb_after(pc, left) if t else pc + 4 * left
                    st.reason = 0
                    st.partial = 1
                    # a block already translated without this ``until`` would run past it; and
                    # the truncated block must not outlive this run
                    self.drop_blocks(pc, until + 4)
                    self._emulate(pc | t, until)
                    self.drop_blocks(pc, until + 4)
                    st.partial = 0
                    if self._stop is not None:
                        break
                    if uc.reg_read(PC) == until or st.reason:
                        continue
                    # the partial run stopped on its own: WFI, handled below
            elif st.reason in (STOP_LIMIT, STOP_UNMASK, STOP_UNREAD, STOP_IT_LATCH):
                if st.reason == STOP_LIMIT and not at_deadline:
                    why = self._halt_check()
                    if why is not None:
                        self._stop = (ExitReason.HALTED, why, 0)
                        break
                continue
            # emu_start returned on its own: WFI (PC past it), or an emu_stop from a device
            wfi = self._wfi_at(uc.reg_read(PC))
            if wfi is not None:
                if self.board.cpu_irq.level or self.board.cpu_fiq.level:
                    continue  # an asserted line wakes the CPU even when masked (B1.8.13)
                nxt = self.clock.next_deadline()
                if nxt is None and self.on_wait is not None and self.on_wait():
                    self._stop = (ExitReason.MAX_INSNS, "idle in WFI: waiting for the message doorbell", 0)
                    break
                if nxt is None:
                    self._stop = (ExitReason.HALTED, f"wfi at 0x{wfi:08x} with no interrupt "
                                                     "source that could wake the CPU", 0)
                    break
                # idle: virtual time jumps to the next deadline (like QEMU -icount sleep=off);
                # idle time is not instructions, so --max-insns does not move
                self.idle_insns += max(nxt - (st.count + self.idle_insns), 0)
                if self.on_idle is not None and self.on_idle():
                    self._stop = (ExitReason.MAX_INSNS, "idle in WFI: yielded the CPU", 0)
                    break
        self.mode.on_halt()
        self.sync_clock()
        reason, message, code = self._stop
        s = self.stats
        s.instructions = st.count
        s.virtual_ns = self.clock.now_ns()
        s.semihosting_calls = self.semihosting.calls if self.semihosting else 0
        s.wall_s += time.perf_counter() - t0
        s.exit_reason = reason
        s.exit_code = code if reason == ExitReason.SEMIHOST_EXIT else _exit_status(reason)
        s.message = message
        s.pc = uc.reg_read(PC)
        return s

    def _on_uc_error(self, e: unicorn.UcError) -> None:
        uc = self.uc
        pc = uc.reg_read(PC)
        if self._align_pending is not None and e.errno == unicorn.UC_ERR_EXCEPTION:
            # the TLB fill refused an unaligned access (``_on_aligned_access``): Unicorn stopped
            # precisely, PC on the instruction, nothing of it done
            pa, write, va = self._align_pending
            address = pa if va is None else va
            self._align_pending = None
            self.icount.retire_through(pc)
            try:
                self._note_exception(ExceptionKind.DATA_ABORT, pc, address)
            except _StopRun:
                return
            self.mode.on_exception(ExceptionKind.DATA_ABORT, pc, fault_address=address,
                                   fault_status=fsr_value(FaultStatus.ALIGNMENT, 0, write and self.traits.v7))
            self._entered()
            return
        if self._mmu_fault is not None and e.errno == unicorn.UC_ERR_EXCEPTION:
            # our TLB-fill hook refused a translation: Unicorn stops with PC on the instruction
            # (or at the address that could not be fetched) instead of calling the interrupt hook
            fetch = self._mmu_fault[3]
            kind = ExceptionKind.PREFETCH_ABORT if fetch else ExceptionKind.DATA_ABORT
            if fetch:
                pc = max(pc, self._mmu_fault[0])
                uc.reg_write(PC, pc)
            else:
                self.icount.retire_through(pc)
            info = self._fault_info(kind, pc)
            try:
                self._note_exception(kind, pc, info.get("fault_address", 0))
            except _StopRun:
                return
            self.mode.on_exception(kind, pc, **info)
            self._entered()
            return
        fault = self.memory.fault
        self.memory.fault = None
        if fault is not None and e.errno in (unicorn.UC_ERR_READ_UNMAPPED, unicorn.UC_ERR_WRITE_UNMAPPED,
                                             unicorn.UC_ERR_FETCH_UNMAPPED):
            # an access that decoded to nothing: a synchronous external abort (B3.13.3)
            kind = ExceptionKind.PREFETCH_ABORT if fault.fetch else ExceptionKind.DATA_ABORT
            if fault.fetch:
                pc = fault.address
                uc.reg_write(PC, pc)
            else:
                self.icount.retire_through(pc)
            try:
                self._note_exception(kind, pc, fault.address)
            except _StopRun:
                return
            self.mode.on_exception(kind, pc, fault_address=fault.address,
                                   fault_status=fsr_value(FaultStatus.SYNC_EXTERNAL,
                                                                    write=fault.write and self.traits.v7))
            self._entered()
            return
        if self.mode.on_cpu_error(e, pc):
            return  # the mode turned it into a guest exception (the VMM's software-TLB faults)
        self.request_stop(ExitReason.GUEST_ERROR, f"{e} at 0x{pc:08x} ({self.describe_insn(pc)})", 3)

    # -- results ------------------------------------------------------------------------------------
    def final_state(self) -> FinalState:
        return FinalState(self.mode.final_state(), self.uc.reg_read(PC), self.memory.digests(),
                          self.icount.state.count)


def _exit_status(reason: ExitReason) -> int:
    from vtrans.runtime.stats import EXIT_STATUS

    return EXIT_STATUS.get(reason, 0)

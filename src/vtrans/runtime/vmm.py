"""The VMM: runs a guest kernel deprivileged (real User mode) and virtualizes what it may not do.

The real CPU (Unicorn) always runs the guest in User mode.  The guest's privileged
state is the ``VCpu`` (``isa/arm/vcpu.py``); the VMM regains control on

* **traps** — an instruction that is UNDEFINED in User mode (Unicorn's
  invalid-instruction hook): it is decoded and emulated (``isa/arm/emulate.py``)
  against the vCPU, inside the hook, and the CPU continues;
* **hypercalls** — ``svc #imm24`` with imm24 bit 23 set (the ABI of
  ``isa/arm/hypercall.py``): the interrupt hook emulates the original instruction
  from the VMM's own copy of ``.vtrans.hypercalls`` — again inside the hook;
* **guest exceptions** — a guest ``svc`` (or any UNDEFINED instruction the vCPU
  also finds UNDEFINED), aborts from the software TLB, and device interrupts are
  delivered as *virtual* exceptions through the guest's own vectors;
* **TLB fills** — Unicorn runs with ``UC_TLB_VIRTUAL``: every translation comes
  from ``tlb_fill`` walking the guest's tables (``isa/arm/mmu.py``) with the
  guest's *virtual* privilege, so a kernel page stays out of reach of the guest's
  user code while its kernel, in real User mode, reaches it.  The TLB is flushed
  whenever the virtual privilege or the translation registers change.

Clock: every guest instruction counts once whatever implements it.  A trapped
instruction and a hypercall's ``svc`` are one instruction for Unicorn's counter
already; stub code is not guest code and is subtracted (see ``StubAccounting``).
"""

from __future__ import annotations

import logging
import struct
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

import unicorn
from unicorn import arm_const as A

from vtrans.errors import GuestError
from vtrans.isa.arm import hypercall as hc
from vtrans.isa.arm.cp15 import fsr_value
from vtrans.isa.arm.emulate import Emulated, Emulator, Event, Form, VirtualAbort, decode
from vtrans.isa.arm.exceptions import CpuTraits
from vtrans.isa.arm.mmu import MmuConfig, Walk, walk
from vtrans.isa.arm.thumb import a32_equivalent, is_32bit
from vtrans.isa.arm.vcpu import (
    PSR_M, PSR_T, SPSR_MODES, Cp15, ExceptionKind, GuestStateError, Mode, VCpu, lr_offset,
)

log = logging.getLogger(__name__)

M32 = 0xFFFFFFFF
_UC_READ, _UC_WRITE, _UC_FETCH = unicorn.UC_MEM_READ, unicorn.UC_MEM_WRITE, unicorn.UC_MEM_FETCH
_SEMIHOST_IMM = 0x123456
_SEMIHOST_THUMB = 0xDFAB         # svc 0xab in Thumb state
_WFE_YIELD = (0x0320F002, 0x0320F001)
_UDF = 0xE7F000F0                 # the counterpart of an undefined Thumb instruction


@dataclass
class VmmStats:
    """What the VMM did, for ``vtrans run --stats``."""

    traps: Counter = field(default_factory=Counter)          # by cause
    hypercalls: Counter = field(default_factory=Counter)     # by kind
    exceptions: Counter = field(default_factory=Counter)     # virtual exceptions delivered, by kind
    emulated: Counter = field(default_factory=Counter)       # emulated instructions, by form
    vmm_ns: int = 0                                          # host time inside VMM handlers
    total_ns: int = 0                                        # host time of the whole run

    def rows(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for title, total, counter in (("trap", "traps", self.traps), ("hypercall", "hypercalls", self.hypercalls),
                                      ("virtual exception", "virtual exceptions", self.exceptions),
                                      ("emulated", "emulated instructions", self.emulated)):
            for key, n in sorted(counter.items()):
                out.append((f"{title}: {key}", str(n)))
            out.append((f"{total} total", str(sum(counter.values()))))
        guest = max(self.total_ns - self.vmm_ns, 0)
        out.append(("time in guest", f"{guest / 1e6:.3f} ms"))
        out.append(("time in VMM", f"{self.vmm_ns / 1e6:.3f} ms"))
        return out


class GuestMmu:
    """Guest virtual memory as the VMM sees it, and Unicorn's software TLB.

    Translations follow the guest's tables and the guest's *virtual* privilege
    (``isa/arm/mmu.py``).  Physical accesses go through Unicorn's physical memory,
    devices included (``mem_read`` on an MMIO range calls the device).
    """

    def __init__(self, uc: unicorn.Uc, vcpu: VCpu, *, traits: CpuTraits, memory=None):
        self.uc = uc
        self.vcpu = vcpu
        self.traits = traits
        self.v7 = traits.v7
        #: the machine's ``PhysicalMemory``: RAM is read from its buffers (a slice, no Unicorn
        #: call); devices, and every write (Unicorn invalidates translated code it overwrites),
        #: go through Unicorn
        self.memory = memory
        self._cfg: MmuConfig | None = None
        self.flushes = 0

    # -- configuration ------------------------------------------------------------------------
    def config(self) -> MmuConfig:
        cfg = self._cfg
        if cfg is None:
            c = self.vcpu.cp15
            cfg = self._cfg = self.traits.mmu_config(c.get(Cp15.SCTLR, 0), c.get(Cp15.TTBR0, 0), c.get(Cp15.TTBR1, 0),
                                                     c.get(Cp15.TTBCR, 0), c.get(Cp15.DACR, 0))
        return cfg

    def flush(self) -> None:
        """Forget every translation: privilege or translation registers changed (B3.10)."""
        self._cfg = None
        self.flushes += 1
        self.uc.ctl(unicorn.UC_CTL_TLB_FLUSH, unicorn.UC_CTL_IO_WRITE)

    def _phys(self, pa: int, size: int):
        """``size`` bytes at physical ``pa`` (bytes-like); ``UcError`` where nothing is."""
        mem = self.memory
        if mem is not None:
            w = mem.ram_at(pa, size)
            if w is not None:
                off = pa - w.base
                return w.view[off:off + size]
        return self.uc.mem_read(pa, size)

    def _read32_phys(self, pa: int) -> int | None:
        try:
            return int.from_bytes(self._phys(pa, 4), "little")
        except unicorn.UcError:
            return None

    # -- translation ----------------------------------------------------------------------------
    def translate(self, va: int, *, write: bool = False, fetch: bool = False, privileged: bool | None = None) -> int:
        if privileged is None:
            privileged = self.vcpu.privileged
        cfg = self.config()
        if not cfg.enabled:
            return va & M32
        w = walk(cfg, self._read32_phys, va, write=write, fetch=fetch, privileged=privileged)
        if w.pa is None:
            fsr = fsr_value(int(w.fault), w.domain, write and not fetch and self.v7)
            raise VirtualAbort(va & M32, fsr, prefetch=fetch)
        return w.pa

    def tlb_fill(self, vaddr: int, access: int, entry) -> "bool | Walk":
        """Unicorn's TLB-fill request, answered with the guest's *virtual* privilege: True, or
        the faulting walk (the machine raises the abort with its status; a walk with the real
        privilege, User, could allow what the virtual one does not: PXN)."""
        cfg = self.config()
        if not cfg.enabled:
            entry.paddr = vaddr
            entry.perms = unicorn.UC_PROT_ALL
            return True
        write, fetch = access == _UC_WRITE, access == _UC_FETCH
        w = walk(cfg, self._read32_phys, vaddr, write=write, fetch=fetch, privileged=self.vcpu.privileged)
        if w.pa is None:
            return w
        entry.paddr = w.pa
        entry.perms = ((unicorn.UC_PROT_READ if w.readable else 0) | (unicorn.UC_PROT_WRITE if w.writable else 0)
                       | (unicorn.UC_PROT_EXEC if w.executable else 0))
        return True

    def fault(self, va: int, *, write: bool, fetch: bool) -> VirtualAbort | None:
        """The abort an access makes with the guest's virtual privilege (None: it would not fault)."""
        try:
            self.translate(va, write=write, fetch=fetch)
        except VirtualAbort as abort:
            return abort
        return None

    # -- GuestMemory (for the emulator) --------------------------------------------------------
    def read(self, va: int, size: int, *, privileged: bool) -> int:
        pa = self.translate(va, privileged=privileged)
        try:
            return int.from_bytes(self._phys(pa, size), "little")
        except unicorn.UcError:
            raise VirtualAbort(va & M32, fsr_value(0b01000)) from None  # synchronous external abort

    def read_block(self, va: int, size: int, *, privileged: bool) -> bytes:
        """``size`` bytes at ``va``, which do not cross a 1 KB page (the smallest granule)."""
        pa = self.translate(va, privileged=privileged)
        try:
            return bytes(self._phys(pa, size))
        except unicorn.UcError:
            raise VirtualAbort(va & M32, fsr_value(0b01000)) from None

    def write(self, va: int, size: int, value: int, *, privileged: bool) -> None:
        pa = self.translate(va, write=True, privileged=privileged)
        try:
            self.uc.mem_write(pa, (value & ((1 << (8 * size)) - 1)).to_bytes(size, "little"))
        except unicorn.UcError:
            raise VirtualAbort(va & M32, fsr_value(0b01000, write=self.v7)) from None

    def fetch_word(self, va: int) -> int:
        """The instruction word at ``va`` as the guest fetched it (current virtual privilege)."""
        pa = self.translate(va, fetch=True)
        return int.from_bytes(self._phys(pa, 4), "little")

    def fetch_halfword(self, va: int) -> int:
        """The Thumb halfword at ``va`` as the guest fetched it (a 32-bit Thumb instruction is
        two fetches: it may cross a page)."""
        pa = self.translate(va, fetch=True)
        return int.from_bytes(self._phys(pa, 2), "little")

    # -- byte access with the privileged view (the vCPU block, load-time patching) ------------------
    def read_bytes(self, va: int, size: int) -> bytes:
        out = bytearray()
        while size > 0:
            chunk = min(size, 0x1000 - (va & 0xFFF))
            out += self._phys(self.translate(va, privileged=True), chunk)
            va, size = va + chunk, size - chunk
        return bytes(out)

    def write_bytes(self, va: int, data: bytes) -> None:
        off = 0
        while off < len(data):
            chunk = min(len(data) - off, 0x1000 - ((va + off) & 0xFFF))
            self.uc.mem_write(self.translate(va + off, write=True, privileged=True), data[off:off + chunk])
            off += chunk


@dataclass(frozen=True)
class HypercallTable:
    """The VMM's private copy of an image's ``.vtrans.hypercalls`` (the guest cannot change it)."""

    words: tuple[int, ...] = ()

    def __getitem__(self, index: int) -> int:
        return self.words[index]

    def __len__(self) -> int:
        return len(self.words)


#: magic, version, vcpsr, pending, then the SPSRs of SPSR_MODES (hypercall.py's layout, in order)
_BLOCK_HEAD = "<4I5I"
assert struct.calcsize("<4I") == hc.OFF_SPSR_SVC and [hc.SPSR_OFFSET[hc.Mode(int(m))] for m in SPSR_MODES] == \
    [hc.OFF_SPSR_SVC + 4 * i for i in range(5)]


class VcpuBlock:
    """The stub strategy's shared vCPU block in guest memory (ARCHITECTURE.md, "Hypercall ABI").

    While the guest runs, the block's vcpsr mode/masks and SPSRs are authoritative;
    ``load`` pulls them into the vCPU on every VMM entry and ``store`` pushes the vCPU
    back before the guest resumes.
    """

    def __init__(self, address: int, mmu: GuestMmu):
        self.address = address
        self.mmu = mmu

    def _pa(self) -> int:
        return self.mmu.translate(self.address, write=True, privileged=True)

    def initialize(self, vcpu: VCpu) -> None:
        self.mmu.write_bytes(self.address, hc.VcpuBlock().pack())
        self.store(vcpu)

    def load(self, vcpu: VCpu) -> None:
        magic, version, vcpsr, _pending, *spsrs = struct.unpack(
            _BLOCK_HEAD, self.mmu.read_bytes(self.address, struct.calcsize(_BLOCK_HEAD)))
        if magic != hc.VCPU_MAGIC or version != hc.VCPU_VERSION:
            raise GuestError("the guest overwrote the magic of its vCPU block", pc=vcpu.reg(15))
        mode = vcpsr & PSR_M
        if mode != vcpu.mode:
            vcpu.set_mode(mode)
        vcpu.masks = vcpsr & 0x1C0
        banks = vcpu.banks
        for m, spsr in zip(SPSR_MODES, spsrs):
            banks[m].spsr = spsr

    def store(self, vcpu: VCpu) -> None:
        pending = (hc.Pending.IRQ if vcpu.irq_line else 0) | (hc.Pending.FIQ if vcpu.fiq_line else 0)
        words = [vcpu.masks | vcpu.mode, int(pending)] + [vcpu.banks[m].spsr for m in SPSR_MODES]
        data = b"".join(w.to_bytes(4, "little") for w in words)
        self.mmu.write_bytes(self.address + hc.OFF_VCPSR, data)


class Vmm:
    """The hypervisor core for one guest CPU over one Unicorn instance.

    ``semihost()`` performs the semihosting call in r0/r1; ``on_wait()`` is called when
    the guest executes an emulated WFI (the machine idles until an interrupt);
    ``lines()`` gives the (IRQ, FIQ) input levels; ``coproc_hook`` reaches coprocessor
    registers owned by devices.  The machine's run loop enters through ``handle_invalid``,
    ``handle_exception``, ``masked``, ``take_interrupt`` and the TLB fill.
    """

    #: told of every virtual exception delivered (a tracer; see ``runtime/tracing.py``)
    observer = None

    def __init__(self, uc: unicorn.Uc, *, traits: CpuTraits, hypercalls: HypercallTable | None = None,
                 vcpu_block: int | None = None, stub_ranges: list[tuple[int, int]] | None = None,
                 semihost: Callable[[], None] | None = None,
                 cp15_overrides: dict[Cp15, int] | None = None,
                 lines: Callable[[], tuple[bool, bool]] | None = None,
                 on_wait: Callable[[], None] | None = None,
                 coproc_hook=None, memory=None):
        self.uc = uc
        #: the (IRQ, FIQ) input levels of the board's interrupt controller
        self.lines = lines or (lambda: (False, False))
        self.on_wait = on_wait
        self.stats = VmmStats()
        self.vcpu = VCpu.deprivilege(uc, on_translation_change=self._translation_changed,
                                     cp15_overrides=cp15_overrides)
        self.vcpu.thumb_exceptions = traits.v7
        self.vcpu.ttbcr_mask = traits.ttbcr_mask or 0xFFFFFFFF
        self.mmu = GuestMmu(uc, self.vcpu, traits=traits, memory=memory)
        self.vcpu.on_privilege_change = self._privilege_changed
        self.emulator = Emulator(self.vcpu, self.mmu, coproc_hook)
        self.hypercalls = hypercalls
        self.semihost = semihost
        self.block = VcpuBlock(vcpu_block, self.mmu) if vcpu_block is not None else None
        self.stub_ranges = stub_ranges or []
        #: told of an interrupt the VMM delivered by itself (after an unmasking instruction)
        self.on_interrupt_taken: Callable[[ExceptionKind], None] | None = None
        #: told when the virtual privilege changes (True: now privileged): the PMU's filters
        self.on_privilege: Callable[[bool], None] | None = None
        #: called on a hypercall made from inside a stub (previrt/stub fixes the clock there)
        self.on_stub_entry: Callable[[], None] | None = None
        #: the hypervisor's handler of class-2 hypercalls: (payload, pc) -> handled (it sets PC)
        self.message_hook: Callable[[int, int], bool] | None = None
        #: set when the guest executed WFI; the run loop clears it when it idles
        self.waiting = False
        self.exit_exception: BaseException | None = None
        self._t0 = time.perf_counter_ns()
        # the machine runs Unicorn with UC_TLB_VIRTUAL and asks the mode (VmmMode.tlb_fill) first
        self._hooks: list[int] = []
        self.mmu.flush()
        if self.block is not None:
            self.block.initialize(self.vcpu)

    # ------------------------------------------------------------------ bookkeeping
    def _translation_changed(self) -> None:
        self.mmu.flush()

    def _privilege_changed(self) -> None:
        # with the MMU off every address is mapped read/write/execute at every privilege
        # (B3.2.1): nothing cached depends on the privilege, no flush (a system call costs two)
        if self.mmu.config().enabled:
            self.mmu.flush()
        if self.on_privilege is not None:
            self.on_privilege(self.vcpu.mode != Mode.USR)

    def _vmm_enter(self) -> int:
        t = time.perf_counter_ns()
        self.vcpu.irq_line, self.vcpu.fiq_line = self.lines()
        if self.block is not None:
            self.block.load(self.vcpu)
        return t

    def _vmm_leave(self, t: int) -> None:
        if self.block is not None:
            self.block.store(self.vcpu)
        self.stats.vmm_ns += time.perf_counter_ns() - t

    def _set_pc(self, pc: int) -> None:
        self.vcpu.set_pc(pc)

    def _exception(self, kind: ExceptionKind, pc: int) -> None:
        """Deliver a virtual exception whose preferred return address base is ``pc``."""
        self.stats.exceptions[kind.value] += 1
        if self.observer is None:
            self._set_pc(self.vcpu.take_exception(kind, pc))
            return
        before = self.vcpu.cpsr
        vector = self.vcpu.take_exception(kind, pc)
        self._set_pc(vector)
        self.observer.exception_taken(kind, pc, before, self.vcpu.cpsr, vector)

    def _observe(self, kind: ExceptionKind, pc: int, vector: int) -> None:
        """Tell the observer of an exception the emulator entered (already taken)."""
        if self.observer is not None:
            # the CPSR before entry is what entry saved in the new mode's SPSR (B1.8.3)
            self.observer.exception_taken(kind, pc, self.vcpu.spsr, self.vcpu.cpsr, vector)

    def _after_emulation(self, result: Emulated) -> None:
        if result.form is not None:
            self.stats.emulated[result.form.value] += 1
        if result.exception is not None:
            self.stats.exceptions[result.exception.value] += 1
            kind = result.exception
            offset = lr_offset(kind, bool(self.vcpu.spsr & PSR_T))
            self._observe(kind, (self.vcpu.reg(14) - offset) & M32, result.next_pc)
        if result.event is Event.WAIT:
            self.waiting = True
            if self.on_wait is not None:
                self.on_wait()
        else:
            self.deliver_interrupt()

    # ------------------------------------------------------------------ interrupts
    def set_irq(self, level: bool) -> None:
        self.vcpu.irq_line = bool(level)

    def set_fiq(self, level: bool) -> None:
        self.vcpu.fiq_line = bool(level)

    def interrupt_pending(self) -> bool:
        """An interrupt input is asserted (WFI wakes up on it even when masked, B1.8.12)."""
        return self.vcpu.irq_line or self.vcpu.fiq_line

    def deliver_interrupt(self, anywhere: bool = False) -> bool:
        """Take a pending virtual IRQ/FIQ if the virtual CPSR allows it (B1.8.2).  Called inside a
        VMM entry (the vCPU block, if any, is loaded already)."""
        self.vcpu.irq_line, self.vcpu.fiq_line = self.lines()
        kind = self.vcpu.pending_interrupt()
        if kind is None:
            return False
        pc = self.uc.reg_read(A.UC_ARM_REG_PC)
        if not anywhere and self._in_stub(pc):
            return False  # never inside an emulation stub: the stub's site is one instruction
        self._exception(kind, pc)
        self.waiting = False
        if self.on_interrupt_taken is not None:
            self.on_interrupt_taken(kind)
        return True

    def masked(self, fiq: bool) -> bool:
        """Is the virtual IRQ (FIQ) masked for the guest now?  Inside a stub: always."""
        if self.block is not None:
            self.block.load(self.vcpu)
            if self._in_stub(self.uc.reg_read(A.UC_ARM_REG_PC)):
                return True
        return bool(self.vcpu.masks & (0x40 if fiq else 0x80))

    def take_interrupt(self, fiq: bool) -> None:
        """The machine decided: take the IRQ (FIQ) now, PC being the next instruction."""
        t = self._vmm_enter()
        try:
            self._exception(ExceptionKind.FIQ if fiq else ExceptionKind.IRQ, self.uc.reg_read(A.UC_ARM_REG_PC))
            self.waiting = False
        finally:
            self._vmm_leave(t)

    def _in_stub(self, pc: int) -> bool:
        return any(lo <= pc < hi for lo, hi in self.stub_ranges)

    # ------------------------------------------------------------------ entries from the machine
    def handle_invalid(self, pc: int) -> bool:
        """A trap: an instruction UNDEFINED in real User mode.  Emulate it, inside the hook."""
        uc = self.uc
        t = self._vmm_enter()
        try:
            if self.vcpu.thumb:
                pc, word, size = self._thumb_trap(pc)
            else:
                pc, word, size = self._arm_trap(pc)
            if not self._emulate_trap(pc, word, decode(word), thumb=size):
                uc.emu_stop()
            return True
        finally:
            self._vmm_leave(t)

    def _arm_trap(self, pc: int) -> tuple[int, int, int]:
        """(address, word, 0) of the A32 instruction that trapped with the real PC at ``pc``."""
        try:
            word: int | None = self.mmu.fetch_word(pc)
        except VirtualAbort:
            word = None
        if (word is None or decode(word) is None) and pc >= 4:
            # wfe/yield arrive with PC already past them (UNICORN-NOTES)
            try:
                prev = self.mmu.fetch_word(pc - 4)
            except VirtualAbort:
                prev = 0
            if prev & 0x0FFFFFFF in _WFE_YIELD:
                pc, word = pc - 4, prev
        if word is None:
            raise GuestError("trap at an unreadable instruction", pc=pc)
        return pc, word, 0

    def _thumb_trap(self, pc: int) -> tuple[int, int, int]:
        """(address, A32 counterpart, size) of the Thumb instruction that trapped with the real
        PC at ``pc`` (``isa/arm/thumb.py``).  An instruction with no counterpart is UNDEFINED
        for the guest too: its counterpart is ``udf``."""
        fetch = self.mmu.fetch_halfword
        try:
            hw1 = fetch(pc)
            hw2 = fetch(pc + 2) if is_32bit(hw1) else None
        except VirtualAbort:
            raise GuestError("trap at an unreadable instruction", pc=pc) from None
        word = a32_equivalent(hw1, hw2)
        if word is None or decode(word) is None:
            # wfe/yield arrive with PC already past them (as in ARM state)
            for size in (2, 4):
                try:
                    prev = fetch(pc - size)
                    prev2 = fetch(pc - 2) if size == 4 else None
                except VirtualAbort:
                    continue
                if (size == 4) != is_32bit(prev):
                    continue
                before = a32_equivalent(prev, prev2)
                if before is not None and before & 0x0FFFFFFF in _WFE_YIELD:
                    return pc - size, before, size
        return pc, _UDF if word is None else word, 4 if hw2 is not None else 2

    def emulate_as(self, pc: int, word: int, form: Form) -> None:
        """Emulate ``word`` at ``pc`` as ``form`` (binary translation's block transfers that name
        every register, which it cannot rewrite), as a trap would."""
        t = self._vmm_enter()
        try:
            self._emulate_trap(pc, word, form)
        finally:
            self._vmm_leave(t)

    def _emulate_trap(self, pc: int, word: int, form: Form | None, *, thumb: int = 0) -> bool:
        """Count the trap and emulate ``word`` at ``pc`` as ``form`` (None: undefined; ``thumb``:
        the size of the Thumb instruction ``word`` stands for); False if the guest reached a
        state vtrans cannot virtualize (``exit_exception`` says which)."""
        self.stats.traps[form.value if form else "undefined"] += 1
        try:
            self._after_emulation(self.emulator.emulate(word, pc, form=form, thumb=thumb))
        except GuestStateError as e:
            self.exit_exception = GuestError(str(e), pc=pc)
            return False
        return True

    def handle_exception(self, kind: ExceptionKind, pc: int, **info) -> None:
        """A synchronous exception of the real CPU at guest address ``pc``."""
        t = self._vmm_enter()
        try:
            if kind is ExceptionKind.SVC:
                self._on_svc(pc)
            elif kind is ExceptionKind.PREFETCH_ABORT and "fault_status" not in info:  # BKPT
                self.stats.traps["bkpt"] += 1
                pc, word, size = self._thumb_trap(pc) if self.vcpu.thumb else (pc, self.mmu.fetch_word(pc), 0)
                self._after_emulation(self.emulator.emulate(word, pc, thumb=size))
            elif kind in (ExceptionKind.DATA_ABORT, ExceptionKind.PREFETCH_ABORT):
                self.stats.traps["abort"] += 1
                prefetch = kind is ExceptionKind.PREFETCH_ABORT
                status = info.get("fault_status", fsr_value(0b01000))
                address = info.get("fault_address", pc)
                # the machine walked with the real (User) privilege; the status the guest must see
                # is the one of its virtual privilege (same address, same access)
                fault = self.mmu.fault(address, write=bool(status & 0x800), fetch=prefetch) \
                    if "fault_address" in info else None
                if fault is None or fault.fsr & 0x40F == 0b01000:
                    fault = VirtualAbort(address, status, prefetch=prefetch)
                self.deliver_abort(fault, pc)
            elif kind is ExceptionKind.UNDEF:
                self.handle_invalid(pc)
            else:
                raise GuestError(f"unexpected CPU exception {kind}", pc=pc)
        finally:
            self._vmm_leave(t)

    def deliver_abort(self, fault: VirtualAbort, pc: int) -> None:
        result = self.emulator.data_abort(None, fault, pc)
        self.stats.exceptions[result.exception.value] += 1
        self._set_pc(result.next_pc)
        self._observe(result.exception, pc, result.next_pc)

    def _on_svc(self, pc: int) -> None:
        word = self.mmu.fetch_word(pc)
        thumb = bool(self.vcpu._rd(A.UC_ARM_REG_CPSR) & PSR_T)   # (the execution state is the real CPU's)
        if thumb:   # (hypercalls are A32: a Thumb svc is semihosting or the guest's own)
            semihosting, size = (word & 0xFFFF) == _SEMIHOST_THUMB, 2
        else:
            call = hc.decode_hypercall(word)
            if call is not None:
                self._hypercall(call, pc)
                return
            semihosting, size = word & 0xFFFFFF == _SEMIHOST_IMM, 4
        if semihosting and self.vcpu.privileged and self.semihost is not None:
            # QEMU honours semihosting only from a privileged mode: the guest's virtual one here
            self.stats.traps["semihosting"] += 1
            self._set_pc((pc + size) | thumb)   # (bit 0 of a PC write selects Thumb state)
            self.semihost()
            return
        self.stats.traps["svc"] += 1
        self._exception(ExceptionKind.SVC, pc)

    def _site_of(self, pc: int) -> tuple[int, int | None]:
        """(the guest site a hypercall at ``pc`` stands for, the address after the site).

        A hypercall at a site stands for itself.  One inside an emulation stub is followed by
        ``b <return label>``, the label being just after the site: the site is that label - 4,
        so PC-relative reads, exception return addresses and LR values are the original's."""
        if not self._in_stub(pc):
            return pc, None
        after = self.mmu.fetch_word(pc + 4)
        if after & 0x0F000000 != 0x0A000000:
            raise GuestError("hypercall in an emulation stub is not followed by a branch back", pc=pc)
        offset = (after & 0xFFFFFF) << 2
        if offset & 0x2000000:
            offset -= 1 << 26
        ret = (pc + 4 + 8 + offset) & M32
        return (ret - 4) & M32, ret

    def _hypercall(self, call: hc.Hypercall, pc: int) -> None:
        site, after = self._site_of(pc)
        if after is not None and self.on_stub_entry is not None:
            self.on_stub_entry()  # the clock: stub instructions are not guest instructions
        if call.cls == hc.HypercallClass.EMULATE:
            table = self.hypercalls
            if table is None or call.payload >= len(table):
                raise GuestError(f"hypercall index {call.payload} outside the image's table", pc=pc)
            original = table[call.payload]
            form = decode(original)
            self.stats.hypercalls[f"emulate {form.value if form else 'undefined'}"] += 1
            result = self.emulator.emulate(original, site)
            if after is not None and result.next_pc == (site + 4) & M32:
                self._set_pc(after)  # back from the stub: straight to the instruction after the site
            self._after_emulation(result)
        elif call.cls == hc.HypercallClass.SERVICE and call.payload == hc.ServiceOp.SYNC:
            self.stats.hypercalls["service sync"] += 1
            self._set_pc(after if after is not None else pc + 4)
            self.deliver_interrupt(anywhere=True)
        elif call.cls == hc.HypercallClass.MESSAGE and after is None:
            # inter-VM messages belong to the multi-guest hypervisor (runtime/hypervisor): it
            # handles them through ``message_hook``; a guest running alone gets its own SVC, as
            # on hardware
            if self.message_hook is not None and self.message_hook(call.payload, pc):
                self.stats.hypercalls["message"] += 1
                return
            self.stats.traps["svc"] += 1
            self._exception(ExceptionKind.SVC, pc)
        else:
            raise GuestError(f"unsupported hypercall class {int(call.cls)} payload {call.payload:#x}", pc=pc)

    def close(self) -> None:
        for h in self._hooks:
            self.uc.hook_del(h)
        self._hooks = []


def hypercall_table_from_elf(path: str) -> tuple[HypercallTable | None, int | None, list[tuple[int, int]],
                                                  tuple[hc.SiteEntry, ...]]:
    """Read a rewritten image's tables: (hypercall table, vCPU block address, stub code ranges, pad sites)."""
    from elftools.common.exceptions import ELFError
    from elftools.elf.elffile import ELFFile
    from elftools.elf.sections import SymbolTableSection

    from vtrans.errors import ImageError

    try:
        with open(path, "rb") as f:
            elf = ELFFile(f)
            table = None
            sites: tuple[hc.SiteEntry, ...] = ()
            stubs: list[tuple[int, int]] = []
            block = None
            sec = elf.get_section_by_name(hc.SECTION_HYPERCALLS)
            if sec is not None:
                table = HypercallTable(hc.unpack_hypercall_table(sec.data()))
            sec = elf.get_section_by_name(hc.SECTION_SITES)
            if sec is not None:
                sites = hc.unpack_sites(sec.data())
            sec = elf.get_section_by_name(hc.SECTION_STUBS)
            if sec is not None and sec["sh_size"]:
                stubs.append((sec["sh_addr"], sec["sh_addr"] + sec["sh_size"]))
            symtab = elf.get_section_by_name(".symtab")
            if isinstance(symtab, SymbolTableSection):
                syms = symtab.get_symbol_by_name(hc.VCPU_SYMBOL)
                if syms:
                    block = syms[0]["st_value"]
            if block is None:
                sec = elf.get_section_by_name(hc.SECTION_VCPU)
                if sec is not None:
                    block = sec["sh_addr"]
    except (OSError, ELFError, ValueError) as e:
        raise ImageError(f"{path}: cannot read the vtrans tables: {e}") from e
    return table, block, stubs, sites


# --------------------------------------------------------------------------- execution modes

from vtrans.runtime.modes import ExecutionMode  # noqa: E402 - the modes build on the core above


class VmmMode(ExecutionMode):
    """An ``ExecutionMode`` that runs the guest deprivileged under a ``Vmm``.

    The VMM is created lazily, at the first call of the run loop, because it takes
    over the CPU state the image's reset left (``Machine.load``)."""

    name = "vmm"

    def __init__(self) -> None:
        self.vmm: Vmm | None = None
        self.machine = None
        self._observer = None

    @property
    def observer(self):
        """The tracer told of every virtual exception (``ExecutionMode.observer``)."""
        return self._observer

    @observer.setter
    def observer(self, value) -> None:
        self._observer = value
        if self.vmm is not None:
            self.vmm.observer = value

    def guest_cpsr(self) -> int:
        vmm = self._ensure()
        if vmm.block is not None:
            vmm.block.load(vmm.vcpu)  # the stub strategy keeps the virtual CPSR in guest memory
        return vmm.vcpu.cpsr

    # -- subclasses: what the image brings ----------------------------------------------------
    def vmm_options(self) -> dict:
        return {}

    def prepare(self, vmm: Vmm) -> None:
        """Last step before the guest runs (pad: patch the sites)."""

    # -- ExecutionMode ------------------------------------------------------------------------------
    def attach(self, machine) -> None:
        self.machine = machine
        self.uc = machine.uc

    def _ensure(self) -> Vmm:
        vmm = self.vmm
        if vmm is None:
            m = self.machine
            board = m.board
            vmm = Vmm(m.uc, traits=m.traits, lines=lambda: (board.cpu_irq.level, board.cpu_fiq.level),
                      on_wait=self._idle, semihost=lambda: m._semihost(m.uc), coproc_hook=self._coproc,
                      memory=m.memory, **self.vmm_options())
            vmm.observer = self._observer
            vmm.on_interrupt_taken = lambda kind: m.stats.interrupts.update([kind.value])
            vmm.on_privilege = m.guest_privilege_changed
            self.vmm = vmm
            self.prepare(vmm)
            m.stats.vmm = vmm.stats  # the CLI prints these with the run statistics
        return vmm

    def _coproc(self, coproc: int, opc1: int, crn: int, crm: int, opc2: int, wide: bool,
                value: int | None, privileged: bool) -> int | None:
        """Coprocessor registers the machine gives to a device or overrides for the board (its
        ``register_cp_handler`` table): an emulated ``mrc``/``mcr`` reaches them as natively."""
        from vtrans.isa.arm.emulate import CoprocUndefined
        from vtrans.runtime.machine import CpKey

        m = self.machine
        handler = m._cp_handlers.get(CpKey(coproc, opc1, crn, crm, opc2, wide))
        if handler is None:
            return None
        if not handler.allows(value is not None, privileged):
            raise CoprocUndefined
        m.sync_clock()
        if value is None:
            return handler.read() if handler.read else 0
        if handler.write:
            handler.write(value)
        m._after_device_write()
        return 0

    def _idle(self) -> None:
        """WFI: what the machine's run loop does for a WFI it sees, for one it cannot see (emulated).

        An asserted input wakes the CPU at once (B1.8.13); otherwise virtual time skips to
        the next device deadline and the CPU stops so that the loop fires it."""
        m = self.machine
        if m.board.cpu_irq.level or m.board.cpu_fiq.level:
            return
        st = m.icount.state
        nxt = m.clock.next_deadline()
        if nxt is None and m.on_wait is not None and m.on_wait():
            from vtrans.runtime.stats import ExitReason

            m.request_stop(ExitReason.MAX_INSNS, "idle in WFI: waiting for the message doorbell")
            return
        if nxt is None:
            from vtrans.runtime.stats import ExitReason

            pc = m.uc.reg_read(A.UC_ARM_REG_PC)
            m.request_stop(ExitReason.HALTED, f"wfi before 0x{pc:08x} with no interrupt source that could "
                                              "wake the CPU")
            return
        m.idle_insns += max(nxt - (st.count + m.idle_insns), 0)
        st.limit = min(st.limit, st.count)  # stop after this instruction: the loop fires the event
        if m.on_idle is not None and m.on_idle():
            from vtrans.runtime.stats import ExitReason

            m.request_stop(ExitReason.MAX_INSNS, "idle in WFI: yielded the CPU")

    def on_exception(self, kind: ExceptionKind, pc: int, **info) -> None:
        vmm = self._ensure()
        before = sum(vmm.stats.exceptions.values())
        vmm.handle_exception(kind, pc, **info)
        if sum(vmm.stats.exceptions.values()) == before:
            self._not_an_exception(kind)  # a hypercall or semihosting call, not a guest exception
        self._reraise()

    def on_invalid_insn(self, pc: int) -> bool:
        vmm = self._ensure()
        before = vmm.stats.exceptions[ExceptionKind.UNDEF.value]
        handled = vmm.handle_invalid(pc)
        if vmm.stats.exceptions[ExceptionKind.UNDEF.value] == before:
            self._not_an_exception(ExceptionKind.UNDEF)
        self._reraise()
        return handled

    def _not_an_exception(self, kind: ExceptionKind) -> None:
        """The machine counted a trap the VMM emulated as a guest exception (and would call a
        guest that loops over a trapping instruction "dead"): take it back."""
        m = self.machine
        m.stats.exceptions[str(kind)] -= 1
        if not m.stats.exceptions[str(kind)]:
            del m.stats.exceptions[str(kind)]
        m._last_exc = None
        m._exc_repeat = 0
        m._vector_repeat = 0

    def _reraise(self) -> None:
        vmm = self.vmm
        if vmm is not None and vmm.exit_exception is not None:
            e, vmm.exit_exception = vmm.exit_exception, None
            from vtrans.runtime.stats import ExitReason

            self.machine.request_stop(ExitReason.GUEST_ERROR, str(getattr(e, "message", e)), 3)

    def tlb_fill(self, vaddr: int, access: int, entry) -> "bool | Walk":
        """The machine's TLB-fill hook asks the mode first: translate with the virtual privilege
        (True, or the walk that faulted: see ``Machine._fill_page``)."""
        answer = self._ensure().mmu.tlb_fill(vaddr, access, entry)
        if answer is not True:
            return answer
        pa = entry.paddr
        fetch = access == unicorn.UC_MEM_FETCH
        if entry.perms & unicorn.UC_PROT_EXEC and not self.machine._executable_entry(pa, fetch, vaddr):
            # a data access to a page that never held code: no execute permission, so that
            # Unicorn's stores through the entry stay on the fast path (Machine._executable_entry)
            entry.perms &= ~unicorn.UC_PROT_EXEC
        return True

    def interrupt_masked(self, fiq: bool) -> bool:
        return self._ensure().masked(fiq)

    def guest_sctlr(self) -> int:
        """The virtual SCTLR (the machine enforces its A bit: alignment faults)."""
        return self.vmm.vcpu.cp15.get(Cp15.SCTLR, 0) if self.vmm is not None else 0

    def deliver_interrupt(self, fiq: bool) -> None:
        self._ensure().take_interrupt(fiq)

    def unmask_watch(self, irq_pending: bool, fiq_pending: bool) -> int:
        self._ensure()
        return 0  # every unmasking instruction traps or is a hypercall: the VMM delivers there

    def on_halt(self) -> None:
        vmm = self.vmm
        if vmm is not None:
            vmm.stats.total_ns = time.perf_counter_ns() - vmm._t0

    def final_state(self):
        return self._ensure().vcpu.arch_state()

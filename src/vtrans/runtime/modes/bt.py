"""``--mode bt``: dynamic binary translation of the unmodified image.

The guest runs deprivileged under the same VMM as ``trap`` and ``previrt``
(real User mode, a virtual CPU, virtual exceptions through the guest's own
vectors), but never from its own pages: every block is translated into the
translation cache (``runtime/dbt``, rules in ``isa/arm/translate.py``) where
sensitive and privileged instructions have become callouts to the VMM.  So the
ARMv7 instructions that do not trap (``cps``, ``mrs cpsr``, ``msr cpsr_c``, ...)
behave as on the real privileged CPU, with no source and no rewriting of the
image, as with VMware's binary translator.

What this mode changes in the machine's machinery:

* the CPU run: the machine's run loop calls ``run_cpu(pc)``, which runs the
  dispatcher until the instruction limit the loop set (the next clock deadline),
  a stop, or an interrupt to deliver;
* counting: translated code counts guest instructions itself (the budget slot of
  the cache, see ``dbt/dispatcher.py``), so the machine's instruction-count hook,
  which would count host instructions, is removed;
* device accesses during a run read the clock at the accessing guest instruction;
* the software TLB maps the cache region (code pages execute-only, the data page
  read/write) at the same addresses in every guest address space.
"""

from __future__ import annotations

import logging

import unicorn
from unicorn import arm_const as A

from vtrans.errors import GuestError, UnsupportedGuest
from vtrans.isa.arm.cp15 import FaultStatus, fsr_value
from vtrans.isa.arm.cpu import PSR_T
from vtrans.isa.arm.emulate import Form, VirtualAbort, condition_passed, decode
from vtrans.isa.arm.mmu import access_addresses, fault_address
from vtrans.isa.arm.translate import ArmTranslator, Kind, analyze
from vtrans.isa.arm.vcpu import ExceptionKind
from vtrans.runtime.dbt import DEFAULT_TC_SIZE, Dispatcher, UnicornCodeWatch
from vtrans.runtime.machine import decode_cp_transfer
from vtrans.runtime.vmm import VmmMode

log = logging.getLogger(__name__)

_PC = A.UC_ARM_REG_PC
_CPSR = A.UC_ARM_REG_CPSR
_REGS = tuple(getattr(A, f"UC_ARM_REG_R{i}") for i in range(13)) + (A.UC_ARM_REG_SP, A.UC_ARM_REG_LR, _PC)
_SYNC_EXTERNAL = 0b01000
_FPEXC = A.UC_ARM_REG_FPEXC
_FPEXC_EN = 1 << 30


class BtMode(VmmMode):
    name = "bt"
    #: default size of the translation cache's code (``--tc-size``)
    tc_size = DEFAULT_TC_SIZE

    def __init__(self, tc_size: int | None = None) -> None:
        super().__init__()
        if tc_size is not None:
            self.tc_size = tc_size
        self.dbt: Dispatcher | None = None
        self.watch: UnicornCodeWatch | None = None
        self._io_key: tuple[int, int] | None = None
        self._io_index = -1
        self._trace_sites: dict | None = None
        self._trace_callback = None

    @classmethod
    def from_cli(cls, args) -> "BtMode":
        return cls(tc_size=getattr(args, "tc_size", None))

    # ------------------------------------------------------------------ set-up
    def attach(self, machine) -> None:
        super().attach(machine)
        # translated code counts guest instructions (the machine's hook would count host ones)
        machine.icount.remove()
        machine.icount.per_block = False
        machine.memory.before_access = self._sync_clock_at_access
        after = machine.memory.after_write

        def after_write() -> None:
            after()
            # a device write may have raised a line or moved a deadline: the loop must look
            if self.dbt is not None and self.dbt.in_cache:
                self.dbt.request_boundary()

        machine.memory.after_write = after_write
        self.ops = ArmTranslator()

    def _ensure_dbt(self) -> Dispatcher:
        dbt = self.dbt
        if dbt is None:
            self._ensure()
            uc = self.uc
            self.watch = UnicornCodeWatch(uc, to_phys=self._to_phys)
            # the budget counter lives in VFP registers while the guest does not use its VFP
            # (translate.py); the guest's own FPEXC is kept here meanwhile
            self._guest_fpexc = uc.reg_read(_FPEXC)
            if not self._guest_fpexc & _FPEXC_EN:
                self.ops.counter = "vfp"
                self.ops.enable_vfp(uc)
            dbt = self.dbt = Dispatcher(self, self.ops, tc_size=self.tc_size)
            self.machine.stats.dbt = dbt.stats
            self.machine.memory.exclude_from_unmapped_hook(dbt.cache.lo, dbt.cache.hi)
        return dbt

    def tlb_fill(self, vaddr: int, access: int, entry) -> bool:
        """Asked by the machine's TLB-fill hook first: the cache region (``TranslationCache.
        tlb_fill``), the same in every guest address space.  False: not ours."""
        dbt = self.dbt
        if dbt is not None and dbt.cache.tlb_fill(vaddr, access, entry):
            return True
        answer = super().tlb_fill(vaddr, access, entry)
        if answer is not True:
            return answer
        if self.watch is not None:
            self.watch.fill(entry.paddr, access, entry)
        return True

    def _to_phys(self, va: int) -> int:
        try:
            return self._ensure().mmu.translate(va, privileged=True)
        except VirtualAbort:
            return va

    def trace_sites(self, sites, callback) -> None:
        """The tracer's sensitive sites: guest code never runs in place here, so a hook on the
        site's address would never fire.  Every site is a callout instead; ``callback(address,
        icount)`` is called as the guest reaches it (``runtime/tracing.py``)."""
        self._trace_sites = sites
        self._trace_callback = callback

    # ------------------------------------------------------------------ the CPU run (machine)
    def run_cpu(self, start: int) -> None:
        """Run translated code from guest ``start`` until the machine's instruction limit,
        a stop request or an interrupt to deliver; leave the guest pc in the real PC."""
        from vtrans.runtime.icount import STOP_LIMIT

        dbt = self._ensure_dbt()
        if self.ops.counter == "vfp" and not self.uc.reg_read(_FPEXC) & _FPEXC_EN:
            # a run resumed after ``on_halt`` gave the guest its FPEXC back (the hypervisor runs
            # a VM in slices, one ``Machine.run`` each): the counter takes the VFP again
            self.ops.enable_vfp(self.uc)
        if start & 1:
            raise UnsupportedGuest("Thumb state is not supported by binary translation", pc=start & ~1)
        try:
            pc = dbt.run(start)
        finally:
            dbt.in_cache = False
        self.uc.reg_write(_PC, pc)
        self.machine.icount.state.reason = STOP_LIMIT
        self._reraise()

    # ------------------------------------------------------------------ DbtHost
    def budget(self) -> int:
        m = self.machine
        if m._stop is not None:
            return 0
        st = m.icount.state
        return st.limit - st.count

    def retire(self, count: int) -> None:
        m = self.machine
        m.icount.state.count += count
        m.sync_clock()

    def halted(self) -> bool:
        m = self.machine
        st = m.icount.state
        return m._stop is not None or st.count >= st.limit

    def boundary(self, guest_pc: int) -> int:
        return guest_pc

    def fetch_code(self, guest_pc: int) -> int | None:
        try:
            return self.vmm.mmu.fetch_word(guest_pc)
        except (VirtualAbort, unicorn.UcError):
            return None

    def fetch_fault(self, guest_pc: int) -> int:
        """The guest branched to code it cannot fetch: a virtual Prefetch Abort (B3.12)."""
        vmm = self.vmm
        try:
            vmm.mmu.translate(guest_pc, fetch=True)
            fault = VirtualAbort(guest_pc, fsr_value(_SYNC_EXTERNAL), prefetch=True)
        except VirtualAbort as e:
            fault = e
        self.uc.reg_write(_PC, guest_pc)
        self.retire(1)      # the aborted fetch counts as an instruction, as in the other modes
        vmm.deliver_abort(fault, guest_pc)
        return self.uc.reg_read(_PC)

    def code_page(self, guest_pc: int) -> int:
        try:
            return self.vmm.mmu.translate(guest_pc, fetch=True) >> 12
        except VirtualAbort:
            return guest_pc >> 12

    def watch_code_page(self, page: int, on_write) -> None:
        self.watch.watch(page, on_write)

    def callout(self, guest_pc: int, word: int) -> int:
        """A sensitive, privileged or exception-raising instruction: the VMM emulates it against
        the virtual CPU (or delivers the guest's exception), exactly as on a trap."""
        vmm = self.vmm
        uc = self.uc
        uc.reg_write(_PC, guest_pc)
        if self._trace_sites is not None and guest_pc in self._trace_sites:
            m = self.machine
            # the dispatcher already counted the instruction; the tracer stamps it before
            self._trace_callback(guest_pc, m.icount.state.count - 1 + m.idle_insns)
        if word >> 25 == 0b1111101:
            # blx <imm>: an interworking call into Thumb code
            raise UnsupportedGuest("blx into Thumb state is not supported by binary translation", pc=guest_pc)
        before = vmm.mmu.config()
        form = decode(word)
        cp = decode_cp_transfer(word)
        if cp is not None and cp[0] in self.machine._cp_handlers:
            # a coprocessor register a device owns (the generic timer, QEMU's ID values)
            self.machine._on_cp_insn(uc, guest_pc, 4, (word, cp, False, None, None))
            return uc.reg_read(_PC)
        vfp_counter = self.ops.counter == "vfp"
        if vfp_counter and form in (Form.VMRS, Form.VMSR):
            uc.reg_write(_FPEXC, self._guest_fpexc)     # the guest sees and sets its own FPEXC
        if form is None and analyze(word).kind in (Kind.LDM_PC, Kind.STM_PC):
            # a block transfer naming every register, none free as a scratch: emulated
            vmm.emulate_as(guest_pc, word, Form.LDM if word & (1 << 20) else Form.STM)
        elif form is Form.SVC:
            # the real CPU takes an SVC only if its condition passes; a callout is reached anyway
            if condition_passed(word >> 28, uc.reg_read(_CPSR)):
                vmm.handle_exception(ExceptionKind.SVC, guest_pc)
            else:
                uc.reg_write(_PC, guest_pc + 4)
        elif form is Form.BKPT:
            vmm.handle_exception(ExceptionKind.PREFETCH_ABORT, guest_pc)
        else:
            vmm.handle_invalid(guest_pc)
        if vfp_counter and form in (Form.VMRS, Form.VMSR):
            self._guest_fpexc = uc.reg_read(_FPEXC)
            if self._guest_fpexc & _FPEXC_EN:
                # the guest turned its VFP on: the counter moves to memory, for good
                self.ops.counter = "memory"
                self.dbt.flush()
            else:
                self.ops.enable_vfp(uc)
        self._reraise()
        self._refuse_thumb(guest_pc)
        # a write of SCTLR.A switches alignment checking before the next guest instruction (native
        # mode's CPU stops after the cp15 write; translated code would run on to the block's end)
        self.machine.update_alignment_checks()
        if self._mapping_changed(before, word):
            # another address space: translations are keyed by virtual address
            self.dbt.flush()
        return uc.reg_read(_PC)

    def _refuse_thumb(self, guest_pc: int) -> None:
        """The guest entered Thumb state (an exception return with SPSR.T, an interworking
        ``ldm``, a Thumb exception handler): translation is A32-only."""
        if self.uc.reg_read(_CPSR) & PSR_T:
            raise UnsupportedGuest(f"Thumb state at 0x{self.uc.reg_read(_PC):08x} is not supported by binary "
                             "translation", pc=guest_pc)

    def _mapping_changed(self, before, word: int) -> bool:
        """The guest changed its translation tables or invalidated its TLB (cp15 c2/c3, SCTLR.M,
        c8 TLB maintenance: B4.1, B4.2.2)."""
        after = self.vmm.mmu.config()
        if (before.enabled, before.ttbr0, before.ttbr1, before.ttbcr) != \
                (after.enabled, after.ttbr0, after.ttbr1, after.ttbcr):
            return True
        return (word & 0x0F100F10) == 0x0E000F10 and (word >> 16) & 0xF == 8 and word >> 28 != 0xF

    def cpu_error(self, error: unicorn.UcError, guest_pc: int) -> int | None:
        """A fault inside translated code, already mapped to the guest instruction."""
        vmm = self.vmm
        m = self.machine
        fault = None
        pending = m._align_pending
        if pending is not None and error.errno == unicorn.UC_ERR_EXCEPTION:
            # the machine's access hook found an unaligned access with SCTLR.A set (Machine.
            # _on_aligned_access): an alignment fault at the virtual address the fill saw
            m._align_pending = None
            pa, write, va = pending
            fault = VirtualAbort(pa if va is None else va,
                                 fsr_value(FaultStatus.ALIGNMENT, 0, write and m.traits.v7))
        elif error.errno == unicorn.UC_ERR_EXCEPTION:
            # a page the guest's tables refuse, or one they map to physical memory nothing backs
            # on ``virt`` (the machine's fill refused it: Machine._data_page)
            refused, m._mmu_fault = m._mmu_fault, None
            unbacked = refused is not None and refused[1].fault == FaultStatus.SYNC_EXTERNAL
            fault = self._access_fault(guest_pc, refused[0] if unbacked else None)
        if fault is None:
            # an access no RAM or device decodes: a synchronous external abort (B3.13.3)
            mf = m.memory.fault
            m.memory.fault = None
            if mf is None or error.errno not in (unicorn.UC_ERR_READ_UNMAPPED, unicorn.UC_ERR_WRITE_UNMAPPED):
                return None
            fault = VirtualAbort(mf.address, fsr_value(_SYNC_EXTERNAL, write=mf.write and m.traits.v7))
        vmm.stats.traps["abort"] += 1
        self.uc.reg_write(_PC, guest_pc)
        self.retire(1)      # the aborting instruction counts as executed
        vmm.deliver_abort(fault, fault.far if fault.prefetch else guest_pc)
        return self.uc.reg_read(_PC)

    def _access_fault(self, guest_pc: int, unbacked_page: int | None = None) -> VirtualAbort | None:
        """The virtual abort of the load/store at ``guest_pc`` (Unicorn reports only that the
        TLB fill was refused): walk the guest's tables for each address it accesses, with the
        guest's virtual privilege (B3.12); if they allow every access, the synchronous external
        abort of an access to ``unbacked_page`` (virtual), if given."""
        vmm = self.vmm
        uc = self.uc
        try:
            word = vmm.mmu.fetch_word(guest_pc)
        except (VirtualAbort, unicorn.UcError):
            return None

        def reg(n: int) -> int:
            return (guest_pc + 8) & 0xFFFFFFFF if n == 15 else uc.reg_read(_REGS[n])

        addrs = access_addresses(word, reg, uc.reg_read(_CPSR)) or []
        load = bool(word & (1 << 20)) or (word & 0x0E1000F0) == 0x000000D0   # ldrd has L = 0
        for a in addrs:
            fault = vmm.mmu.fault(a, write=not load, fetch=False)
            if fault is not None:
                return fault
        if unbacked_page is not None:
            far = fault_address(word, reg, unbacked_page, uc.reg_read(_CPSR))
            return VirtualAbort(far, fsr_value(_SYNC_EXTERNAL, write=not load and self.machine.traits.v7))
        return None

    # ------------------------------------------------------------------ hooks inside the cache
    def on_exception(self, kind: ExceptionKind, pc: int, **info) -> None:
        dbt = self.dbt
        if dbt is None or not dbt.in_cache:
            return super().on_exception(kind, pc, **info)
        point = dbt.recreate_state(pc)
        if point is None:
            raise GuestError(f"{kind} exception outside translated code at 0x{pc:08x}", pc=pc)
        self.retire(dbt.retired_at(pc) + 1)
        self.uc.reg_write(_PC, point.guest_pc)
        super().on_exception(kind, point.guest_pc, **info)
        self._refuse_thumb(point.guest_pc)
        dbt.redirect(self.uc.reg_read(_PC))
        self.uc.emu_stop()

    def on_invalid_insn(self, pc: int) -> bool:
        dbt = self.dbt
        if dbt is None or not dbt.in_cache:
            return super().on_invalid_insn(pc)
        point = dbt.recreate_state(pc)
        if point is None:
            raise GuestError(f"undefined instruction outside translated code at 0x{pc:08x}", pc=pc)
        self.retire(dbt.retired_at(pc))
        self.uc.reg_write(_PC, point.guest_pc)
        handled = super().on_invalid_insn(point.guest_pc)
        self._refuse_thumb(point.guest_pc)
        self.retire(1)
        dbt.redirect(self.uc.reg_read(_PC))
        self.uc.emu_stop()
        return handled

    def _sync_clock_at_access(self, addr: int, write: bool) -> None:
        """A device access: the clock at the accessing guest instruction.  Inside translated
        code the block being executed is the one whose prologue ran last, and the instruction is
        found by decoding that guest block: the first load/store whose address is ``addr``."""
        # (the block comes from the prologue's record: Unicorn's PC is the start of the last
        # block that left to its main loop, not of the one running)
        m = self.machine
        dbt = self.dbt
        if dbt is None or not dbt.in_cache:
            m.sync_clock()
            return
        uc = self.uc
        block = dbt.blocks.at_host(self.ops.current_block(uc, dbt.cache))
        if block is None:
            m.sync_clock()
            return
        left = dbt.budget_left()
        key = (block.start, left)
        first = self._io_index + 1 if key == self._io_key else 0
        cpsr = uc.reg_read(_CPSR)
        index = first
        for i in range(first, block.count):
            gpc = block.guest_pc + 4 * i

            def reg(n: int, gpc=gpc) -> int:
                return (gpc + 8) & 0xFFFFFFFF if n == 15 else uc.reg_read(_REGS[n])

            addrs = access_addresses(block.words[i], reg, cpsr)
            if addrs and any(a <= addr < a + 4 for a in addrs):
                index = i
                break
        self._io_key, self._io_index = key, index
        retired = dbt._entry_budget - left - (block.count - index) + 1
        m.clock.insns = m.icount.state.count + retired + m.idle_insns

    # ------------------------------------------------------------------ results
    def on_halt(self) -> None:
        if self.dbt is not None:
            self.dbt.finish_stats()
            if self.ops.counter == "vfp":
                self.uc.reg_write(_FPEXC, self._guest_fpexc)
        super().on_halt()


MODE = BtMode

"""A bare-Unicorn host for the translator: the same guest code run directly on Unicorn
(the reference) and through the dispatcher, privileged, with callouts executed natively."""

from __future__ import annotations

import struct

import unicorn
from unicorn import arm_const as A

from vtrans.isa.arm.ucfast import reset_security_state
from vtrans.isa.arm.translate import ArmTranslator
from vtrans.runtime.clock import VirtualClock
from vtrans.runtime.dbt import Dispatcher, UnicornCodeWatch
from vtrans.runtime.dbt.dispatcher import ClockHost

RAM = 0x10000
RAM_SIZE = 0x40000
REGS = [getattr(A, f"UC_ARM_REG_R{i}") for i in range(13)] + [A.UC_ARM_REG_SP, A.UC_ARM_REG_LR]


def new_uc(cpu: int | None = None) -> unicorn.Uc:
    uc = unicorn.Uc(unicorn.UC_ARCH_ARM, unicorn.UC_MODE_ARM)
    if cpu is not None:
        uc.ctl_set_cpu_model(cpu)
        reset_security_state(uc, cpu)   # as the machine resets it
    uc.mem_map(RAM, RAM_SIZE)
    return uc


class BareHost(ClockHost):
    """Host for the dispatcher: guest in (real) SVC mode, callouts single-stepped natively."""

    def __init__(self, uc: unicorn.Uc, end: int, tc_size: int = 1 << 20, counter: str = "vfp"):
        self.uc = uc
        self.clock = VirtualClock()
        self.end = end
        self._pc = None
        self.callouts: list[int] = []
        self.watch = UnicornCodeWatch(uc)
        ops = ArmTranslator(counter)
        if counter == "vfp":
            ops.enable_vfp(uc)
        self.dbt = Dispatcher(self, ops, tc_size=tc_size)
        # the cache's protection (execute-only code pages) needs a software TLB
        uc.ctl_set_tlb_mode(unicorn.UC_TLB_VIRTUAL)
        uc.hook_add(unicorn.UC_HOOK_TLB_FILL, self._tlb_fill)

    def _tlb_fill(self, uc, vaddr, access, entry, _user) -> bool:
        if self.dbt.cache.tlb_fill(vaddr, access, entry):
            return True
        entry.paddr = vaddr
        entry.perms = unicorn.UC_PROT_ALL
        return True

    def fetch_code(self, pc: int) -> int | None:
        if pc == self.end:      # the reference run stops here too (emu_start's until)
            return None
        try:
            return struct.unpack("<I", self.uc.mem_read(pc, 4))[0]
        except unicorn.UcError:
            return None

    def fetch_fault(self, pc: int) -> int:
        raise RuntimeError(f"prefetch abort at 0x{pc:08x}")

    def callout(self, pc: int, word: int) -> int:
        """Execute the instruction in place, privileged (the reference's own CPU state): it
        may read the PC or branch (a block transfer naming every register)."""
        self.callouts.append(word)
        self.uc.reg_write(A.UC_ARM_REG_PC, pc)
        self.uc.emu_start(pc, (pc + 4) & 0xFFFFFFFF, count=1)
        return self.uc.reg_read(A.UC_ARM_REG_PC)

    def boundary(self, pc: int) -> int:
        self._pc = pc
        return pc

    def halted(self) -> bool:
        return self._pc == self.end

    def code_page(self, pc: int) -> int:
        return pc >> 12

    def cpu_error(self, error, guest_pc: int):
        return None

    def watch_code_page(self, page: int, on_write) -> None:
        self.watch.watch(page, on_write)


def load(uc: unicorn.Uc, code: bytes, regs: dict[int, int] | None = None) -> None:
    uc.mem_write(RAM, code)
    for r, v in (regs or {}).items():
        uc.reg_write(r, v)


def state(uc: unicorn.Uc) -> dict:
    return {
        "regs": [uc.reg_read(r) for r in REGS],
        "cpsr": uc.reg_read(A.UC_ARM_REG_CPSR),
        "mem": bytes(uc.mem_read(RAM, RAM_SIZE)),
    }


def run_native(code: bytes, end: int, regs=None, count_insns: bool = False, cpu=None):
    uc = new_uc(cpu)
    load(uc, code, regs)
    n = [0]
    if count_insns:
        uc.hook_add(unicorn.UC_HOOK_CODE, lambda *a: n.__setitem__(0, n[0] + 1), begin=RAM, end=RAM + RAM_SIZE)
    uc.emu_start(RAM, end)
    return state(uc), n[0]


def run_bt(code: bytes, end: int, regs=None, tc_size: int = 1 << 20, cpu=None, max_insns=None,
           counter: str = "vfp"):
    uc = new_uc(cpu)
    load(uc, code, regs)
    host = BareHost(uc, end, tc_size, counter)
    host.limit = max_insns
    host.dbt.run(RAM)
    return state(uc), host

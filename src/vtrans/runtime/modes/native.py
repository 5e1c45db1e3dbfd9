"""Native mode: the guest kernel runs privileged on the emulated CPU, as on bare hardware.

Every exception is taken architecturally on the real (Unicorn) CPU —
``isa.arm.exceptions.take_exception`` (DDI 0406C B1.8.3) — and the fault
registers are set as the hardware would (B4.1.52 DFSR, B4.1.96 IFSR, DFAR, IFAR).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vtrans.isa.arm import cp15
from vtrans.isa.arm.cpu import CPSR, PC, PSR_F, PSR_I, PSR_M, ArchState, Mode, native_arch_state
from vtrans.isa.arm.exceptions import ExceptionKind, take_exception
from vtrans.runtime.modes import ExecutionMode

if TYPE_CHECKING:  # pragma: no cover
    from vtrans.runtime.machine import Machine


class NativeMode(ExecutionMode):
    name = "native"

    def attach(self, machine: "Machine") -> None:
        self.machine = machine
        self.uc = machine.uc
        self._pmu = machine.board.pmu

    def on_exception(self, kind: ExceptionKind, pc: int, **info) -> None:
        uc = self.uc
        status = info.get("fault_status")
        if kind == ExceptionKind.DATA_ABORT and status is not None:
            cp15.write(uc, cp15.Cp15.DFSR, status)
            cp15.write(uc, cp15.Cp15.DFAR, info.get("fault_address", 0) & 0xFFFFFFFF)
        elif kind == ExceptionKind.PREFETCH_ABORT and status is not None:
            cp15.write(uc, cp15.Cp15.IFSR, status)
            if self.machine.traits.v7:
                cp15.write(uc, cp15.Cp15.IFAR, info.get("fault_address", pc) & 0xFFFFFFFF)
        self._take(kind, pc, pc)

    def on_invalid_insn(self, pc: int) -> bool:
        self._take(ExceptionKind.UNDEF, pc, pc)
        return True

    def _take(self, kind: ExceptionKind, preferred: int, at: int) -> None:
        """Take ``kind`` architecturally; tell the observer (if any) where and what changed, and
        the machine if the CPU left User mode (``Machine.guest_privilege_changed``)."""
        pmu = self._pmu
        if self.observer is None and (pmu is None or not pmu.filtering):
            take_exception(self.uc, kind, preferred, self.machine.traits)
            return
        before = self.uc.reg_read(CPSR)
        vector = take_exception(self.uc, kind, preferred, self.machine.traits)
        if before & PSR_M == Mode.USR:
            self.machine.guest_privilege_changed(True)
        if self.observer is not None:
            self.observer.exception_taken(kind, at, before, self.uc.reg_read(CPSR), vector)

    def interrupt_masked(self, fiq: bool) -> bool:
        return bool(self.uc.reg_read(CPSR) & (PSR_F if fiq else PSR_I))

    def deliver_interrupt(self, fiq: bool) -> None:
        pc = self.uc.reg_read(PC)
        self._take(ExceptionKind.FIQ if fiq else ExceptionKind.IRQ, pc, pc)

    def unmask_watch(self, irq_pending: bool, fiq_pending: bool) -> int:
        cpsr = self.uc.reg_read(CPSR)
        watch = 0
        if irq_pending and cpsr & PSR_I:
            watch |= PSR_I
        if fiq_pending and cpsr & PSR_F:
            watch |= PSR_F
        return watch

    def final_state(self) -> ArchState:
        return native_arch_state(self.uc)


MODE = NativeMode

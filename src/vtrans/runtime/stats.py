"""Statistics of one run: what the CLI prints on stderr and writes with ``--stats-json``."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum


class ExitReason(StrEnum):
    """Why a run ended."""

    SEMIHOST_EXIT = "semihosting-exit"   # SYS_EXIT / SYS_EXIT_EXTENDED: its code is the exit code
    HALTED = "halted"                    # WFI or a branch-to-self with nothing that can wake the CPU
    MAX_INSNS = "max-insns"              # --max-insns reached
    TIMEOUT = "timeout"                  # --timeout (host seconds) reached
    DEAD = "dead-guest"                  # an exception that cannot make progress (see machine.py)
    SHUTDOWN = "board-shutdown"          # the board's power-off register
    RESET = "board-reset"                # the board's reset register (QEMU -no-reboot behaviour)
    GUEST_ERROR = "guest-error"          # the emulator cannot continue (wrapped UcError)


#: vtrans's exit status for each reason (semihosting exit: the guest's own code)
EXIT_STATUS: dict[ExitReason, int] = {
    ExitReason.HALTED: 0,
    ExitReason.SHUTDOWN: 0,
    ExitReason.RESET: 0,
    ExitReason.MAX_INSNS: 124,
    ExitReason.TIMEOUT: 124,
    ExitReason.DEAD: 3,
    ExitReason.GUEST_ERROR: 3,
}


@dataclass
class RunStats:
    mode: str
    board: str
    instructions: int = 0
    #: virtual time in nanoseconds (instructions plus idle time, scaled by the icount shift)
    virtual_ns: int = 0
    exceptions: Counter = field(default_factory=Counter)
    interrupts: Counter = field(default_factory=Counter)
    semihosting_calls: int = 0
    wall_s: float = 0.0
    exit_reason: ExitReason | None = None
    exit_code: int = 0
    message: str = ""
    pc: int = 0

    @property
    def mips(self) -> float:
        return self.instructions / self.wall_s / 1e6 if self.wall_s > 0 else 0.0

    def to_dict(self) -> dict:
        return {
            "mode": self.mode,
            "board": self.board,
            "instructions": self.instructions,
            "virtual_ns": self.virtual_ns,
            "exceptions": dict(sorted(self.exceptions.items())),
            "interrupts": dict(sorted(self.interrupts.items())),
            "semihosting_calls": self.semihosting_calls,
            "wall_s": round(self.wall_s, 6),
            "mips": round(self.mips, 3),
            "exit_reason": str(self.exit_reason) if self.exit_reason else None,
            "exit_code": self.exit_code,
            "message": self.message,
            "pc": self.pc,
        }

    def summary(self) -> str:
        exc = ", ".join(f"{k} {v}" for k, v in sorted(self.exceptions.items())) or "none"
        irq = ", ".join(f"{k} {v}" for k, v in sorted(self.interrupts.items())) or "none"
        return (f"vtrans: {self.exit_reason}: {self.message}\n"
                f"vtrans: {self.instructions} instructions, exceptions: {exc}, interrupts: {irq}, "
                f"{self.wall_s:.3f} s, {self.mips:.1f} MIPS")

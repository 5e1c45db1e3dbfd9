"""One error hierarchy for the whole toolchain.

Every error a user can cause (bad assembly, a bad image, a guest that dies) is a
``VtransError``.  The CLI turns them into ``file:line:col: error: message`` (or a
guest-PC message) and a non-zero exit code; it never shows a Python traceback.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SourceLoc:
    """A place in a source file (1-based line and column)."""

    file: str
    line: int
    col: int = 1

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


class VtransError(Exception):
    """Base of every error vtrans reports to a user."""

    #: exit code the CLI uses for this class of error
    exit_code = 2

    def __init__(self, message: str, loc: SourceLoc | None = None, *, source_line: str | None = None):
        super().__init__(message)
        self.message = message
        self.loc = loc
        self.source_line = source_line

    def format(self) -> str:
        """``file:line:col: error: message`` plus the source line and a caret when known."""
        head = f"{self.loc}: error: {self.message}" if self.loc else f"error: {self.message}"
        if self.loc is not None and self.source_line is not None:
            line = self.source_line.rstrip("\n")
            # copy the line's tabs so that the caret lines up under a tab-indented line
            caret = "".join(c if c == "\t" else " " for c in line[: max(self.loc.col - 1, 0)]) + "^"
            return f"{head}\n{line}\n{caret}"
        return head

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.format()


class AsmError(VtransError):
    """Malformed or unsupported assembly source."""


class LinkError(VtransError):
    """Symbols, layout or linker-script problems."""


class EncodeError(AsmError):
    """An instruction could not be encoded, or its encoding did not verify."""


class ImageError(VtransError):
    """A guest image (ELF or raw binary) that cannot be loaded."""


class GuestError(VtransError):
    """The guest did something the machine cannot continue from.

    Carries the guest PC and the instruction text so the message names the place.
    """

    exit_code = 3

    def __init__(self, message: str, pc: int | None = None, insn: str | None = None):
        super().__init__(message)
        self.pc = pc
        self.insn = insn

    def format(self) -> str:
        where = ""
        if self.pc is not None:
            where = f"guest pc 0x{self.pc:08x}"
            if self.insn:
                where += f" ({self.insn})"
            where += ": "
        return f"{where}error: {self.message}"


class UnsupportedGuest(GuestError):
    """The guest does what this execution mode does not implement (Thumb code under binary
    translation): another mode may run it."""



class UsageError(VtransError):
    """Bad command-line usage."""

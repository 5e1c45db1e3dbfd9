"""The mediated console: one physical UART (the host's standard output) for every VM.

Each VM's machine writes its console bytes (its own UART, and semihosting writes to
``:tt``) to the mediator, never to the host directly:

* ``tagged`` (default): output is cut into lines and each line goes out as
  ``[name] line``; lines of different VMs never mix, whatever the interleaving of
  their bytes.  A VM that floods the console without a newline is cut every
  ``MAX_LINE`` bytes (the piece goes out as a line) so that it cannot make the
  hypervisor buffer without bound; a partial last line is flushed at the end.
* ``split``: each VM's bytes go, untagged and unchanged, to ``DIR/<name>.out``
  (written to a temporary file and renamed at the end: no half-written output).

Input (``--stdin``) goes to the VM in focus only.
"""

from __future__ import annotations

import os
import tempfile
from enum import StrEnum
from typing import BinaryIO, Callable

from vtrans.errors import UsageError

#: longest line kept before it is cut (a flood without newlines)
MAX_LINE = 4096


class ConsoleMode(StrEnum):
    TAGGED = "tagged"
    SPLIT = "split"


class ConsoleMediator:
    def __init__(self, mode: ConsoleMode = ConsoleMode.TAGGED, *, sink: Callable[[bytes], None] | None = None,
                 directory: str | None = None):
        self.mode = ConsoleMode(mode)
        if self.mode == ConsoleMode.SPLIT:
            if not directory:
                raise UsageError("--console split needs --console-dir DIR")
            if not os.path.isdir(directory):
                raise UsageError(f"--console-dir {directory}: not a directory")
        self.directory = directory
        self.sink = sink or (lambda data: None)
        self._partial: dict[str, bytearray] = {}
        self._files: dict[str, tuple[BinaryIO, str]] = {}
        #: bytes each VM wrote, and lines cut because they were too long
        self.bytes: dict[str, int] = {}
        self.cut_lines: dict[str, int] = {}

    def attach(self, name: str) -> Callable[[bytes], None]:
        """Register VM ``name``; returns the function its console writes to."""
        if name in self.bytes:
            raise UsageError(f"two VMs are named '{name}'")
        self.bytes[name] = 0
        self.cut_lines[name] = 0
        self._partial[name] = bytearray()
        if self.mode == ConsoleMode.SPLIT:
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=f".{name}-", suffix=".out")
            self._files[name] = (os.fdopen(fd, "wb"), tmp)
        return lambda data: self.write(name, data)

    def write(self, name: str, data: bytes) -> None:
        self.bytes[name] += len(data)
        if self.mode == ConsoleMode.SPLIT:
            self._files[name][0].write(data)
            return
        buf = self._partial[name]
        buf += data
        while True:
            nl = buf.find(b"\n")
            if nl < 0:
                if len(buf) >= MAX_LINE:
                    self.cut_lines[name] += 1
                    self._emit(name, bytes(buf[:MAX_LINE]))
                    del buf[:MAX_LINE]
                    continue
                return
            self._emit(name, bytes(buf[:nl]))
            del buf[:nl + 1]

    def _emit(self, name: str, line: bytes) -> None:
        self.sink(b"[" + name.encode() + b"] " + line + b"\n")

    def close(self, *, keep: bool = True) -> None:
        """Flush partial lines; move split files into place (``keep=False``: discard them)."""
        for name, buf in self._partial.items():
            if buf and self.mode == ConsoleMode.TAGGED:
                self._emit(name, bytes(buf))
            buf.clear()
        for name, (f, tmp) in self._files.items():
            f.close()
            if keep:
                os.replace(tmp, os.path.join(self.directory, f"{name}.out"))
            elif os.path.exists(tmp):
                os.unlink(tmp)
        self._files.clear()


def untag(text: str, name: str) -> str:
    """The lines of VM ``name`` in tagged console output, untagged (for tests and tools)."""
    prefix = f"[{name}] "
    return "".join(line[len(prefix):] + "\n" for line in text.splitlines() if line.startswith(prefix))

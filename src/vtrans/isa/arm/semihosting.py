"""ARM semihosting ("Semihosting for AArch32 and AArch64", ARM DUI 0... release 2.0), as
qemu-system-arm implements it (semihosting/arm-compat-semi.c, QEMU 7.2).

A guest in ARM state asks the host for a service with ``svc 0x123456`` (``bkpt 0xab``
and Thumb's ``svc 0xab`` exist too): r0 holds the operation number, r1 a parameter
(usually the address of a block of words); the result goes back in r0.

Where the output goes, as in QEMU: SYS_WRITEC and SYS_WRITE0 write the semihosting
*console*, which QEMU sends to its standard error; SYS_WRITE on a handle opened on
``:tt`` writes the host's stdout (mode < 8: "w") or stderr (mode >= 8: "a").
Handles are numbered from 1, as in QEMU.  Time is virtual: SYS_CLOCK, SYS_ELAPSED
and SYS_TIME read the machine's instruction-driven clock, never the host's, so a run
is reproducible (QEMU reads the host clock; a guest printing times differs from it).
"""

from __future__ import annotations

import errno
import logging
import os
from dataclasses import dataclass, field
from enum import IntEnum
from typing import BinaryIO, Callable, Protocol

log = logging.getLogger(__name__)

#: the immediate of the A32 semihosting SVC (and the BKPT / Thumb SVC forms)
SVC_IMM_ARM = 0x123456
SVC_IMM_THUMB = 0xAB
BKPT_IMM = 0xAB

#: ADP_Stopped_ApplicationExit: the "normal exit" reason of SYS_EXIT
ADP_STOPPED_APPLICATION_EXIT = 0x20026
#: SYS_TIME's epoch for the virtual clock (2000-01-01T00:00:00Z): fixed, for reproducible runs
VIRTUAL_EPOCH = 946684800


class Op(IntEnum):
    OPEN = 0x01
    CLOSE = 0x02
    WRITEC = 0x03
    WRITE0 = 0x04
    WRITE = 0x05
    READ = 0x06
    READC = 0x07
    ISERROR = 0x08
    ISTTY = 0x09
    SEEK = 0x0A
    FLEN = 0x0C
    TMPNAM = 0x0D
    REMOVE = 0x0E
    RENAME = 0x0F
    CLOCK = 0x10
    TIME = 0x11
    SYSTEM = 0x12
    ERRNO = 0x13
    GET_CMDLINE = 0x15
    HEAPINFO = 0x16
    EXIT = 0x18
    EXIT_EXTENDED = 0x20
    ELAPSED = 0x30
    TICKFREQ = 0x31


#: fopen() modes by SYS_OPEN mode number (semihosting spec, table "SYS_OPEN")
OPEN_MODES = ("r", "rb", "r+", "r+b", "w", "wb", "w+", "w+b", "a", "ab", "a+", "a+b")

#: SH_EXT_EXIT_EXTENDED | SH_EXT_STDOUT_STDERR, QEMU's ":semihosting-features" answer
FEATURES = b"SHFB" + bytes([0x3])


def is_semihosting_svc(word: int, thumb: bool = False) -> bool:
    """True if ``word`` (the instruction) is a semihosting call."""
    if thumb:
        return (word & 0xFFFF) == (0xDF00 | SVC_IMM_THUMB) or (word & 0xFFFF) == (0xBE00 | BKPT_IMM)
    return (word & 0x0FFFFFFF) == (0x0F000000 | SVC_IMM_ARM)


def is_semihosting_bkpt(word: int) -> bool:
    """``bkpt 0xab`` in ARM state (imm16 split 12+4: 0xE1200A7B)."""
    return (word & 0xFFF000F0) == 0xE1200070 and ((word >> 4) & 0xFFF0 | (word & 0xF)) == BKPT_IMM


class GuestMemory(Protocol):
    """Virtual-address access to the guest (translated by the MMU when it is on)."""

    def read(self, addr: int, size: int) -> bytes: ...

    def write(self, addr: int, data: bytes) -> None: ...


class SemihostExit(Exception):
    """The guest asked to stop (SYS_EXIT, SYS_EXIT_EXTENDED); ``code`` is the host exit status."""

    def __init__(self, code: int, reason: int, subcode: int):
        super().__init__(f"semihosting exit {code}")
        self.code = code
        self.reason = reason
        self.subcode = subcode


@dataclass
class _Handle:
    kind: str  # "stdin" | "stdout" | "stderr" | "file" | "features"
    file: BinaryIO | None = None
    pos: int = 0  # for the features pseudo-file


@dataclass
class HostIO:
    """Where the guest's host I/O goes.  Callables, so tests and the CLI choose."""

    #: the semihosting console (SYS_WRITEC/WRITE0): QEMU's stderr
    console: Callable[[bytes], None]
    #: ``:tt`` opened for writing
    stdout: Callable[[bytes], None]
    #: ``:tt`` opened for appending
    stderr: Callable[[bytes], None]
    #: read up to n bytes of standard input (b"" at end of file)
    stdin: Callable[[int], bytes] = lambda n: b""
    stdout_isatty: bool = False
    stderr_isatty: bool = False
    stdin_isatty: bool = False
    #: allow SYS_OPEN of host files (relative to the current directory)
    allow_files: bool = True


@dataclass
class Layout:
    """SYS_HEAPINFO's answer, computed by the loader as QEMU 7.2 does
    (``common_semi_find_bases``: the largest gap between loaded blobs in the largest
    RAM region; heap = the gap, stack base = its end, stack limit = its start)."""

    heap_base: int
    heap_limit: int
    stack_base: int
    stack_limit: int


@dataclass
class Semihosting:
    """The semihosting services of one machine."""

    io: HostIO
    #: virtual time: nanoseconds since the machine started
    now_ns: Callable[[], int]
    layout: Layout
    cmdline: str = ""
    handles: dict[int, _Handle] = field(default_factory=dict)
    last_errno: int = 0
    calls: int = 0

    def call(self, op: int, arg: int, mem: GuestMemory) -> int | None:
        """Perform operation ``op`` with parameter ``arg``.  Returns the value for r0
        (None: leave r0 unchanged).  Raises ``SemihostExit`` for the exit calls."""
        self.calls += 1
        try:
            handler = _HANDLERS[Op(op)]
        except (ValueError, KeyError):
            log.warning("unsupported semihosting operation 0x%x: returning -1", op)
            self.last_errno = errno.ENOSYS
            return 0xFFFFFFFF
        return handler(self, arg, mem)

    # -- helpers ---------------------------------------------------------------------
    @staticmethod
    def _args(mem: GuestMemory, addr: int, n: int) -> list[int]:
        raw = mem.read(addr, 4 * n)
        return [int.from_bytes(raw[4 * i:4 * i + 4], "little") for i in range(n)]

    @staticmethod
    def _cstring(mem: GuestMemory, addr: int, limit: int = 1 << 16) -> bytes:
        out = bytearray()
        while len(out) < limit:
            # read to the end of the current 256-byte chunk (never across a page we do not need)
            chunk = mem.read(addr, 256 - (addr & 0xFF))
            nul = chunk.find(b"\0")
            if nul >= 0:
                out += chunk[:nul]
                return bytes(out)
            out += chunk
            addr += len(chunk)
        return bytes(out)

    def _alloc(self, handle: _Handle) -> int:
        fd = 1
        while fd in self.handles:
            fd += 1
        self.handles[fd] = handle
        return fd

    def _fail(self, err: int) -> int:
        self.last_errno = err
        return 0xFFFFFFFF

    # -- operations --------------------------------------------------------------------
    def _open(self, arg: int, mem: GuestMemory) -> int:
        name_ptr, mode, length = self._args(mem, arg, 3)
        name = mem.read(name_ptr, length) if length else b""
        if mode >= len(OPEN_MODES):
            return self._fail(errno.EINVAL)
        if name == b":tt":
            kind = "stdin" if mode < 4 else "stdout" if mode < 8 else "stderr"
            return self._alloc(_Handle(kind))
        if name == b":semihosting-features":
            if mode >= 4:
                return self._fail(errno.EACCES)
            return self._alloc(_Handle("features"))
        if not self.io.allow_files:
            return self._fail(errno.EACCES)
        try:
            f = open(os.fsdecode(name), OPEN_MODES[mode] if "b" in OPEN_MODES[mode] else OPEN_MODES[mode] + "b")
        except OSError as e:
            return self._fail(e.errno or errno.EIO)
        return self._alloc(_Handle("file", f))

    def _close(self, arg: int, mem: GuestMemory) -> int:
        (fd,) = self._args(mem, arg, 1)
        h = self.handles.pop(fd, None)
        if h is None:
            return self._fail(errno.EBADF)
        if h.file is not None:
            h.file.close()
        return 0

    def _writec(self, arg: int, mem: GuestMemory) -> None:
        self.io.console(mem.read(arg, 1))
        return None

    def _write0(self, arg: int, mem: GuestMemory) -> None:
        self.io.console(self._cstring(mem, arg))
        return None

    def _write(self, arg: int, mem: GuestMemory) -> int:
        fd, buf, length = self._args(mem, arg, 3)
        h = self.handles.get(fd)
        if h is None:
            self.last_errno = errno.EBADF
            return length
        data = mem.read(buf, length) if length else b""
        if h.kind == "stdout":
            self.io.stdout(data)
        elif h.kind == "stderr":
            self.io.stderr(data)
        elif h.kind == "file" and h.file is not None:
            try:
                h.file.write(data)
            except OSError as e:
                self.last_errno = e.errno or errno.EIO
                return length
        else:
            self.last_errno = errno.EBADF
            return length
        return 0  # the number of bytes NOT written

    def _read(self, arg: int, mem: GuestMemory) -> int:
        fd, buf, length = self._args(mem, arg, 3)
        h = self.handles.get(fd)
        if h is None:
            self.last_errno = errno.EBADF
            return length
        if h.kind == "stdin":
            data = self.io.stdin(length)
        elif h.kind == "file" and h.file is not None:
            data = h.file.read(length)
        elif h.kind == "features":
            data = FEATURES[h.pos:h.pos + length]
            h.pos += len(data)
        else:
            self.last_errno = errno.EBADF
            return length
        if data:
            mem.write(buf, data)
        return length - len(data)  # the number of bytes NOT read

    def _readc(self, arg: int, mem: GuestMemory) -> int:
        data = self.io.stdin(1)
        return data[0] if data else 0xFFFFFFFF

    def _iserror(self, arg: int, mem: GuestMemory) -> int:
        (status,) = self._args(mem, arg, 1)
        return 1 if status & 0x80000000 else 0

    def _istty(self, arg: int, mem: GuestMemory) -> int:
        (fd,) = self._args(mem, arg, 1)
        h = self.handles.get(fd)
        if h is None:
            return self._fail(errno.EBADF)
        tty = {"stdin": self.io.stdin_isatty, "stdout": self.io.stdout_isatty,
               "stderr": self.io.stderr_isatty}.get(h.kind, False)
        if not tty:
            self.last_errno = errno.ENOTTY
        return 1 if tty else 0

    def _seek(self, arg: int, mem: GuestMemory) -> int:
        fd, pos = self._args(mem, arg, 2)
        h = self.handles.get(fd)
        if h is None:
            return self._fail(errno.EBADF)
        if h.kind == "features":
            h.pos = pos
            return 0
        if h.file is None:
            return self._fail(errno.ESPIPE)
        h.file.seek(pos)
        return 0

    def _flen(self, arg: int, mem: GuestMemory) -> int:
        (fd,) = self._args(mem, arg, 1)
        h = self.handles.get(fd)
        if h is None:
            return self._fail(errno.EBADF)
        if h.kind == "features":
            return len(FEATURES)
        if h.file is None:
            return 0  # QEMU: fstat() of a pipe or terminal reports size 0
        return os.fstat(h.file.fileno()).st_size

    def _tmpnam(self, arg: int, mem: GuestMemory) -> int:
        buf, ident, length = self._args(mem, arg, 3)
        name = f"/tmp/qemu-{os.getpid()}{ident & 0xFF:02x}".encode() + b"\0"  # QEMU's format
        if len(name) > length:
            return 0xFFFFFFFF
        mem.write(buf, name)
        return 0

    def _remove(self, arg: int, mem: GuestMemory) -> int:
        ptr, length = self._args(mem, arg, 2)
        if not self.io.allow_files:
            return self._fail(errno.EACCES)
        try:
            os.remove(os.fsdecode(mem.read(ptr, length)))
        except OSError as e:
            return self._fail(e.errno or errno.EIO)
        return 0

    def _rename(self, arg: int, mem: GuestMemory) -> int:
        p1, l1, p2, l2 = self._args(mem, arg, 4)
        if not self.io.allow_files:
            return self._fail(errno.EACCES)
        try:
            os.rename(os.fsdecode(mem.read(p1, l1)), os.fsdecode(mem.read(p2, l2)))
        except OSError as e:
            return self._fail(e.errno or errno.EIO)
        return 0

    def _clock(self, arg: int, mem: GuestMemory) -> int:
        return (self.now_ns() // 10_000_000) & 0xFFFFFFFF  # centiseconds

    def _time(self, arg: int, mem: GuestMemory) -> int:
        return (VIRTUAL_EPOCH + self.now_ns() // 1_000_000_000) & 0xFFFFFFFF

    def _system(self, arg: int, mem: GuestMemory) -> int:
        return self._fail(errno.EACCES)  # never run host commands for a guest

    def _errno(self, arg: int, mem: GuestMemory) -> int:
        return self.last_errno

    def _get_cmdline(self, arg: int, mem: GuestMemory) -> int:
        buf, size = self._args(mem, arg, 2)
        text = self.cmdline.encode() + b"\0"
        if len(text) > size:
            return 0xFFFFFFFF
        mem.write(buf, text)
        mem.write(arg + 4, (len(text) - 1).to_bytes(4, "little"))
        return 0

    def _heapinfo(self, arg: int, mem: GuestMemory) -> int:
        (block,) = self._args(mem, arg, 1)
        lay = self.layout
        mem.write(block, b"".join(v.to_bytes(4, "little") for v in
                                  (lay.heap_base, lay.heap_limit, lay.stack_base, lay.stack_limit)))
        return 0

    def _exit(self, arg: int, mem: GuestMemory) -> None:
        # A32 SYS_EXIT: r1 is the reason itself; only ApplicationExit means success (QEMU: 0 else 1)
        raise SemihostExit(0 if arg == ADP_STOPPED_APPLICATION_EXIT else 1, arg, 0)

    def _exit_extended(self, arg: int, mem: GuestMemory) -> None:
        reason, subcode = self._args(mem, arg, 2)
        code = subcode if reason == ADP_STOPPED_APPLICATION_EXIT else 1
        raise SemihostExit(code & 0xFF, reason, subcode)  # exit(3) keeps the low 8 bits

    def _elapsed(self, arg: int, mem: GuestMemory) -> int:
        ticks = self.now_ns()  # TICKFREQ is 1 GHz, as in QEMU
        mem.write(arg, (ticks & 0xFFFFFFFFFFFFFFFF).to_bytes(8, "little"))
        return 0

    def _tickfreq(self, arg: int, mem: GuestMemory) -> int:
        return 1_000_000_000


_HANDLERS: dict[Op, Callable[[Semihosting, int, GuestMemory], int | None]] = {
    Op.OPEN: Semihosting._open,
    Op.CLOSE: Semihosting._close,
    Op.WRITEC: Semihosting._writec,
    Op.WRITE0: Semihosting._write0,
    Op.WRITE: Semihosting._write,
    Op.READ: Semihosting._read,
    Op.READC: Semihosting._readc,
    Op.ISERROR: Semihosting._iserror,
    Op.ISTTY: Semihosting._istty,
    Op.SEEK: Semihosting._seek,
    Op.FLEN: Semihosting._flen,
    Op.TMPNAM: Semihosting._tmpnam,
    Op.REMOVE: Semihosting._remove,
    Op.RENAME: Semihosting._rename,
    Op.CLOCK: Semihosting._clock,
    Op.TIME: Semihosting._time,
    Op.SYSTEM: Semihosting._system,
    Op.ERRNO: Semihosting._errno,
    Op.GET_CMDLINE: Semihosting._get_cmdline,
    Op.HEAPINFO: Semihosting._heapinfo,
    Op.EXIT: Semihosting._exit,
    Op.EXIT_EXTENDED: Semihosting._exit_extended,
    Op.ELAPSED: Semihosting._elapsed,
    Op.TICKFREQ: Semihosting._tickfreq,
}

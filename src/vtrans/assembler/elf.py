"""ELF32 executable writer (and raw binary), laid out the way GNU ld lays out its output.

Only what a loader, a debugger and ``readelf``/``objdump`` need: the ELF header, one
PT_LOAD per run of sections that ld would put in one segment, the section headers,
``.symtab``/``.strtab``/``.shstrtab``.  Output is written atomically (temporary
file, then rename), so an error never leaves a half-written file behind.

References: System V ABI (ELF gABI) chapter 4; "ELF for the ARM Architecture"
(ARM IHI 0044) for ``e_flags`` and mapping symbols.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum


#: ld's page size for armelf (``CONSTANT (MAXPAGESIZE)``): segment alignment
MAX_PAGE_SIZE = 0x1000

EM_ARM = 40
ET_EXEC = 2
#: EF_ARM_EABI_VER5 | EF_ARM_ABI_FLOAT_SOFT — what ld writes for soft-float EABI objects
EF_ARM_SOFT = 0x05000200
EF_ARM_HARD = 0x05000400

ELF_HEADER_SIZE = 52
PHDR_SIZE = 32
SHDR_SIZE = 40


class ShType(IntEnum):
    NULL = 0
    PROGBITS = 1
    SYMTAB = 2
    STRTAB = 3
    NOBITS = 8
    INIT_ARRAY = 14
    FINI_ARRAY = 15
    PREINIT_ARRAY = 16
    ARM_ATTRIBUTES = 0x70000003


class ShFlag(IntEnum):
    WRITE = 0x1
    ALLOC = 0x2
    EXECINSTR = 0x4


class SymBind(StrEnum):
    LOCAL = "local"
    GLOBAL = "global"
    WEAK = "weak"


class SymType(StrEnum):
    NOTYPE = "notype"
    OBJECT = "object"
    FUNC = "func"
    SECTION = "section"
    FILE = "file"


_BIND_CODE = {SymBind.LOCAL: 0, SymBind.GLOBAL: 1, SymBind.WEAK: 2}
_TYPE_CODE = {SymType.NOTYPE: 0, SymType.OBJECT: 1, SymType.FUNC: 2, SymType.SECTION: 3, SymType.FILE: 4}

SHN_ABS = 0xFFF1
SHN_UNDEF = 0


@dataclass(frozen=True, slots=True)
class OutSection:
    """One output section: ``data`` is empty for NOBITS (``size`` counts).  Sections without
    ``ALLOC`` (annotation tables) are written after the segments and take no memory."""

    name: str
    addr: int
    size: int
    flags: int  # ShFlag bits
    sh_type: int  # ShType
    align: int
    data: bytes = b""

    @property
    def nobits(self) -> bool:
        return self.sh_type == ShType.NOBITS

    @property
    def flag_string(self) -> str:
        return ("a" if self.flags & ShFlag.ALLOC else "") + ("w" if self.flags & ShFlag.WRITE else "") + (
            "x" if self.flags & ShFlag.EXECINSTR else "")


@dataclass(frozen=True, slots=True)
class ElfSymbol:
    name: str
    value: int
    size: int = 0
    sym_type: SymType = SymType.NOTYPE
    bind: SymBind = SymBind.LOCAL
    section: str | None = None  # output section name; None = absolute


@dataclass(frozen=True, slots=True)
class Segment:
    """A PT_LOAD segment: ``data`` holds the file image (p_filesz bytes)."""

    vaddr: int
    data: bytes
    memsz: int
    flags: int  # PF_X=1, PF_W=2, PF_R=4
    sections: tuple[str, ...] = field(default=())

    @property
    def flag_string(self) -> str:
        return ("R" if self.flags & 4 else " ") + ("W" if self.flags & 2 else " ") + ("E" if self.flags & 1 else " ")


def segments_of(sections: list[OutSection]) -> list[Segment]:
    """Group allocated sections into PT_LOAD segments as ld's
    ``_bfd_elf_map_sections_to_segments`` does (sections sorted by address):
    a new segment starts after a gap of more than a page, when a PROGBITS section
    follows a NOBITS one, or when a writable section follows read-only ones on a
    different page."""
    groups: list[list[OutSection]] = []
    last: OutSection | None = None
    writable = False
    for sec in sorted((s for s in sections if s.flags & ShFlag.ALLOC and s.size), key=lambda s: s.addr):
        new = last is None
        if not new:
            assert last is not None
            last_end = last.addr + last.size
            if _page_up(last_end) < _page_up(sec.addr) or sec.addr < last_end:
                new = True
            elif last.nobits and not sec.nobits:
                new = True
            elif not writable and sec.flags & ShFlag.WRITE:
                new = _page_down(max(last_end - 1, last.addr)) != _page_down(sec.addr)
        if new:
            groups.append([sec])
            writable = bool(sec.flags & ShFlag.WRITE)
        else:
            groups[-1].append(sec)
            writable = writable or bool(sec.flags & ShFlag.WRITE)
        last = sec
    segments = []
    for group in groups:
        group = [s for s in group if s.size] or group
        start = group[0].addr
        progbits = [s for s in group if not s.nobits]
        file_end = max((s.addr + s.size for s in progbits), default=start)
        image = bytearray(file_end - start)
        for s in progbits:
            image[s.addr - start:s.addr - start + s.size] = s.data
        mem_end = max(s.addr + s.size for s in group)
        flags = 4 | (2 if any(s.flags & ShFlag.WRITE for s in group) else 0) | (
            1 if any(s.flags & ShFlag.EXECINSTR for s in group) else 0)
        segments.append(Segment(start, bytes(image), mem_end - start, flags, tuple(s.name for s in group)))
    return segments


def _page_up(x: int) -> int:
    return (x + MAX_PAGE_SIZE - 1) & ~(MAX_PAGE_SIZE - 1)


def _page_down(x: int) -> int:
    return x & ~(MAX_PAGE_SIZE - 1)


class _StrTab:
    def __init__(self) -> None:
        self.data = bytearray(b"\0")
        self._index: dict[str, int] = {"": 0}

    def add(self, s: str) -> int:
        off = self._index.get(s)
        if off is None:
            off = len(self.data)
            self.data += s.encode() + b"\0"
            self._index[s] = off
        return off


def build_elf(sections: list[OutSection], symbols: list[ElfSymbol], entry: int, *,
              e_flags: int = EF_ARM_SOFT, machine: int = EM_ARM) -> bytes:
    """The bytes of an ELF32 little-endian executable.

    File offsets are congruent to addresses modulo the page size (as ld makes them),
    so each PT_LOAD can be mapped directly; the first segment starts at the first
    page boundary after the headers.
    """
    allocated = sorted((s for s in sections if s.flags & ShFlag.ALLOC), key=lambda s: s.addr)
    segments = segments_of(allocated)
    phnum = len(segments)

    # --- file offsets of allocated sections: congruent to their address mod page size
    offset = ELF_HEADER_SIZE + PHDR_SIZE * phnum
    sec_offset: dict[str, int] = {}
    seg_offset: list[int] = []
    for seg in segments:
        off = _page_up(offset) + seg.vaddr % MAX_PAGE_SIZE
        if off - MAX_PAGE_SIZE >= offset:
            off -= MAX_PAGE_SIZE
        seg_offset.append(off)
        for name in seg.sections:
            sec = next(s for s in allocated if s.name == name)
            sec_offset[name] = off + (sec.addr - seg.vaddr)
        offset = off + len(seg.data)
    for s in allocated:  # empty sections outside any segment
        sec_offset.setdefault(s.name, offset)

    # --- section header table order: NULL, allocated (by address), non-allocated (input
    # order, as ld places orphans), symtab, strtab, shstrtab
    nonalloc = [s for s in sections if not s.flags & ShFlag.ALLOC]
    shstr = _StrTab()
    strtab = _StrTab()
    sec_index = {s.name: i + 1 for i, s in enumerate(allocated + nonalloc)}

    sym_entries = [struct.pack("<IIIBBH", 0, 0, 0, 0, 0, 0)]
    # section symbols first (as ld does), then locals, then globals
    for s in allocated + nonalloc:
        sym_entries.append(struct.pack("<IIIBBH", 0, s.addr, 0, 3, 0, sec_index[s.name]))
    ordered = [s for s in symbols if s.bind == SymBind.LOCAL] + [s for s in symbols if s.bind != SymBind.LOCAL]
    first_global = 1 + len(allocated) + len(nonalloc) + sum(1 for s in symbols if s.bind == SymBind.LOCAL)
    for sym in ordered:
        if sym.section is None:
            shndx = SHN_ABS
        else:
            shndx = sec_index.get(sym.section, SHN_ABS)
        info = (_BIND_CODE[sym.bind] << 4) | _TYPE_CODE[sym.sym_type]
        sym_entries.append(struct.pack("<IIIBBH", strtab.add(sym.name), sym.value & 0xFFFFFFFF, sym.size, info,
                                       0, shndx))
    symtab_data = b"".join(sym_entries)

    body = bytearray(offset)
    for seg, off in zip(segments, seg_offset):
        body[off:off + len(seg.data)] = seg.data

    def append(blob: bytes, align: int = 1) -> int:
        nonlocal body
        pad = (-len(body)) % align
        body += b"\0" * pad
        at = len(body)
        body += blob
        return at

    nonalloc_off = [append(s.data, max(s.align, 1)) for s in nonalloc]
    symtab_off = append(symtab_data, 4)
    strtab_off = append(bytes(strtab.data))
    names = [shstr.add(s.name) for s in allocated]
    nonalloc_names = [shstr.add(s.name) for s in nonalloc]
    symtab_name, strtab_name, shstrtab_name = shstr.add(".symtab"), shstr.add(".strtab"), shstr.add(".shstrtab")
    shstrtab_off = append(bytes(shstr.data))
    shoff = append(b"", 4)

    shdrs = [b"\0" * SHDR_SIZE]
    for s, name_off in zip(allocated, names):
        shdrs.append(struct.pack("<IIIIIIIIII", name_off, s.sh_type, s.flags, s.addr, sec_offset[s.name],
                                 s.size, 0, 0, s.align, 0))
    for s, name_off, off in zip(nonalloc, nonalloc_names, nonalloc_off):
        shdrs.append(struct.pack("<IIIIIIIIII", name_off, s.sh_type, s.flags, 0, off, s.size, 0, 0, s.align, 0))
    n_sections = len(allocated) + len(nonalloc)
    shdrs.append(struct.pack("<IIIIIIIIII", symtab_name, ShType.SYMTAB, 0, 0, symtab_off, len(symtab_data),
                             n_sections + 2, first_global, 4, 16))
    shdrs.append(struct.pack("<IIIIIIIIII", strtab_name, ShType.STRTAB, 0, 0, strtab_off, len(strtab.data),
                             0, 0, 1, 0))
    shdrs.append(struct.pack("<IIIIIIIIII", shstrtab_name, ShType.STRTAB, 0, 0, shstrtab_off, len(shstr.data),
                             0, 0, 1, 0))
    body += b"".join(shdrs)

    ident = b"\x7fELF" + bytes([1, 1, 1, 0]) + b"\0" * 8  # ELFCLASS32, little-endian, EV_CURRENT, SYSV ABI
    header = ident + struct.pack("<HHIIIIIHHHHHH", ET_EXEC, machine, 1, entry & 0xFFFFFFFF,
                                 ELF_HEADER_SIZE if phnum else 0, shoff, e_flags, ELF_HEADER_SIZE,
                                 PHDR_SIZE, phnum, SHDR_SIZE, len(shdrs), len(shdrs) - 1)
    phdrs = b"".join(struct.pack("<IIIIIIII", 1, off, seg.vaddr, seg.vaddr, len(seg.data), seg.memsz,
                                 seg.flags, MAX_PAGE_SIZE) for seg, off in zip(segments, seg_offset))
    body[0:len(header) + len(phdrs)] = header + phdrs
    return bytes(body)


def raw_binary(sections: list[OutSection]) -> bytes:
    """The memory image from the lowest to the highest loaded byte, gaps filled with
    zeros — what ``objcopy -O binary`` writes (NOBITS sections are not included)."""
    loaded = [s for s in sections if s.flags & ShFlag.ALLOC and not s.nobits and s.size]
    if not loaded:
        return b""
    lo = min(s.addr for s in loaded)
    hi = max(s.addr + s.size for s in loaded)
    out = bytearray(hi - lo)
    for s in loaded:
        out[s.addr - lo:s.addr - lo + s.size] = s.data
    return bytes(out)

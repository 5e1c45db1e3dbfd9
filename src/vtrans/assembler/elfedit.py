"""Editing a linked ELF32 little-endian executable without moving anything in it.

The binary rewriter (``translator/binary.py``) needs three edits of a linked image, none of
which may move a byte that is already there (code refers to code and data by address):

* patch words in place at virtual addresses (found through the section headers, so a
  segment loaded at ``p_paddr != p_vaddr`` is handled);
* add sections: non-allocated tables (``.vtrans.hypercalls``, ``.vtrans.sites``), and
  allocated ones (stubs, the vCPU block), each of which gets a ``PT_LOAD`` segment of its own;
* add global symbols to ``.symtab``.

Everything new goes after the end of the original file: the section data, new copies of
``.shstrtab``, ``.symtab`` and ``.strtab`` (their old headers are re-pointed at the copies),
a new program-header table when segments are added, and a new section-header table.  The
original bytes stay where they were (the old tables become unreferenced padding), so every
offset and address the image already had is still valid.  ``readelf``, ``objdump``, pyelftools
and qemu-system-arm's ELF loader read program headers at ``e_phoff`` wherever it is.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from vtrans.errors import ImageError

_EHDR = struct.Struct("<16sHHIIIIIHHHHHH")
_SHDR = struct.Struct("<IIIIIIIIII")
_PHDR = struct.Struct("<IIIIIIII")
_SYM = struct.Struct("<IIIBBH")

SHT_PROGBITS = 1
SHT_SYMTAB = 2
SHT_STRTAB = 3
SHT_NOBITS = 8
SHT_RELA, SHT_REL = 4, 9
SHF_WRITE, SHF_ALLOC, SHF_EXECINSTR = 0x1, 0x2, 0x4
PT_LOAD = 1
PF_X, PF_W, PF_R = 1, 2, 4
ET_EXEC = 2
STB_LOCAL, STB_GLOBAL = 0, 1
STT_NOTYPE, STT_OBJECT, STT_FUNC = 0, 1, 2


@dataclass(frozen=True, slots=True)
class NewSection:
    name: str
    data: bytes
    flags: int = 0          # SHF_* (ALLOC adds a PT_LOAD segment)
    addr: int = 0
    align: int = 4


@dataclass(frozen=True, slots=True)
class NewSymbol:
    name: str
    section: str            # name of a section (original or new)
    value: int
    size: int = 0
    type: int = STT_OBJECT
    local: bool = False     # (locals go before the globals, as ELF requires: sh_info moves)


@dataclass
class ElfSection:
    index: int
    name: str
    type: int
    flags: int
    addr: int
    offset: int
    size: int
    fields: list = field(repr=False, default_factory=list)   # the raw header fields


class ElfEditor:
    """A linked ELF32 LE executable, edited as described in the module docstring."""

    def __init__(self, data: bytes, name: str = "<image>"):
        self.name = name
        if len(data) < _EHDR.size or data[:4] != b"\x7fELF":
            raise ImageError(f"{name}: not an ELF file")
        if data[4] != 1 or data[5] != 1:
            raise ImageError(f"{name}: only 32-bit little-endian ELF files are supported")
        self.data = bytearray(data)
        (self.ident, self.e_type, self.e_machine, _v, self.e_entry, self.e_phoff, self.e_shoff, self.e_flags,
         _ehsize, phentsize, self.e_phnum, shentsize, self.e_shnum, self.e_shstrndx) = _EHDR.unpack_from(data)
        if self.e_shnum == 0 or shentsize != _SHDR.size or (self.e_phnum and phentsize != _PHDR.size):
            raise ImageError(f"{name}: no usable section header table")
        if self.e_shoff + self.e_shnum * _SHDR.size > len(data) or \
                self.e_phoff + self.e_phnum * _PHDR.size > len(data):
            raise ImageError(f"{name}: truncated ELF file")
        raw = [list(_SHDR.unpack_from(data, self.e_shoff + i * _SHDR.size)) for i in range(self.e_shnum)]
        if self.e_shstrndx >= self.e_shnum:
            raise ImageError(f"{name}: malformed ELF file (section name table index {self.e_shstrndx})")
        for i, f in enumerate(raw):
            if (f[1] != SHT_NOBITS and f[4] + f[5] > len(data)) or f[6] >= self.e_shnum:
                raise ImageError(f"{name}: malformed ELF file (section header {i})")
        shstr = raw[self.e_shstrndx]
        names = bytes(data[shstr[4]:shstr[4] + shstr[5]])
        self.shstrtab = names
        self.sections = [ElfSection(i, _cstr(names, f[0]), f[1], f[2], f[3], f[4], f[5], f)
                         for i, f in enumerate(raw)]
        self.phdrs = [list(_PHDR.unpack_from(data, self.e_phoff + i * _PHDR.size)) for i in range(self.e_phnum)]
        self._new: list[NewSection] = []
        self._symbols: list[NewSymbol] = []

    # ------------------------------------------------------------------ reading

    def section(self, name: str) -> ElfSection | None:
        return next((s for s in self.sections if s.name == name), None)

    def section_data(self, s: ElfSection) -> bytes:
        if s.type == SHT_NOBITS:
            return b""
        return bytes(self.data[s.offset:s.offset + s.size])

    def symbols(self) -> list[tuple[str, int, int, int, str]]:
        """``(name, value, size, info, section name)`` of every ``.symtab`` entry."""
        symtab = self.section(".symtab")
        if symtab is None:
            return []
        strtab = self.sections[symtab.fields[6]]
        strings = self.section_data(strtab)
        out = []
        body = self.section_data(symtab)
        for off in range(0, len(body) - _SYM.size + 1, _SYM.size):
            st_name, value, size, info, _other, shndx = _SYM.unpack_from(body, off)
            sec = self.sections[shndx].name if 0 < shndx < len(self.sections) else ""
            out.append((_cstr(strings, st_name), value, size, info, sec))
        return out

    def load_extent(self) -> tuple[int, int]:
        """Lowest and highest (exclusive) virtual address of the loadable segments."""
        loads = [p for p in self.phdrs if p[0] == PT_LOAD and p[5]]
        if not loads:
            raise ImageError(f"{self.name}: no loadable segment")
        return min(p[2] for p in loads), max(p[2] + p[5] for p in loads)

    def overlaps(self, lo: int, hi: int) -> list[str]:
        """Names of the allocated sections overlapping virtual ``[lo, hi)``, by VMA or LMA."""
        out = []
        for s in self.sections:
            if s.flags & SHF_ALLOC and s.size and s.addr < hi and lo < s.addr + s.size:
                out.append(s.name)
        for p in self.phdrs:
            if p[0] == PT_LOAD and p[5] and p[3] < hi and lo < p[3] + p[5] and p[3] != p[2]:
                out.append(f"segment loaded at 0x{p[3]:08x}")
        return out

    # ------------------------------------------------------------------ editing

    def file_offset(self, vaddr: int, size: int = 4) -> int:
        for s in self.sections:
            if s.flags & SHF_ALLOC and s.type != SHT_NOBITS and s.addr <= vaddr and vaddr + size <= s.addr + s.size:
                return s.offset + vaddr - s.addr
        raise ImageError(f"{self.name}: address 0x{vaddr:08x} is in no section with contents")

    def patch_word(self, vaddr: int, word: int) -> None:
        off = self.file_offset(vaddr)
        self.data[off:off + 4] = (word & 0xFFFFFFFF).to_bytes(4, "little")

    def add_section(self, section: NewSection) -> None:
        if self.section(section.name) is not None or any(n.name == section.name for n in self._new):
            raise ImageError(f"{self.name}: already has a section {section.name}")
        self._new.append(section)

    def add_symbol(self, symbol: NewSymbol) -> None:
        self._symbols.append(symbol)

    def build(self) -> bytes:
        out = bytearray(self.data)
        headers = [list(s.fields) for s in self.sections]
        phdrs = [list(p) for p in self.phdrs]
        shstrtab = bytearray(self.shstrtab)

        def put(data: bytes, align: int, vaddr: int | None = None) -> int:
            align = max(align, 4)
            # an allocated section's file offset is congruent to its address (like ld does)
            want = 0 if vaddr is None else vaddr % align
            out.extend(bytes((want - len(out)) % align))
            at = len(out)
            out.extend(data)
            return at

        def name_index(name: str) -> int:
            at = len(shstrtab)
            shstrtab.extend(name.encode() + b"\0")
            return at

        new_index: dict[str, int] = {}
        for sec in self._new:
            off = put(sec.data, sec.align, sec.addr if sec.flags & SHF_ALLOC else None)
            new_index[sec.name] = len(headers)
            headers.append([name_index(sec.name), SHT_PROGBITS, sec.flags, sec.addr if sec.flags & SHF_ALLOC else 0,
                            off, len(sec.data), 0, 0, sec.align, 0])
            if sec.flags & SHF_ALLOC:
                pflags = PF_R | (PF_W if sec.flags & SHF_WRITE else 0) | (PF_X if sec.flags & SHF_EXECINSTR else 0)
                phdrs.append([PT_LOAD, off, sec.addr, sec.addr, len(sec.data), len(sec.data), pflags, sec.align])
        if self._symbols:
            self._add_symbols(out, headers, new_index, put)
        # the section names: a new copy, the old header re-pointed at it
        headers[self.e_shstrndx][4] = put(bytes(shstrtab), 1)
        headers[self.e_shstrndx][5] = len(shstrtab)
        phoff, phnum = self.e_phoff, self.e_phnum
        if len(phdrs) != self.e_phnum:
            phoff = put(b"".join(_PHDR.pack(*p) for p in phdrs), 4)
            phnum = len(phdrs)
        shoff = put(b"".join(_SHDR.pack(*h) for h in headers), 4)
        _EHDR.pack_into(out, 0, self.ident, self.e_type, self.e_machine, 1, self.e_entry, phoff, shoff, self.e_flags,
                        _EHDR.size, _PHDR.size, phnum, _SHDR.size, len(headers), self.e_shstrndx)
        return bytes(out)

    def _add_symbols(self, out: bytearray, headers: list, new_index: dict[str, int], put) -> None:
        symtab = self.section(".symtab")
        if symtab is None:
            raise ImageError(f"{self.name}: no symbol table to add {self._symbols[0].name} to")
        strndx = symtab.fields[6]
        strings = bytearray(self.section_data(self.sections[strndx]))
        old = self.section_data(symtab)
        first_global = symtab.fields[7]             # sh_info: index of the first non-local symbol
        if len(old) % _SYM.size or first_global * _SYM.size > len(old):
            raise ImageError(f"{self.name}: malformed ELF file (symbol table section {symtab.index}: "
                             f"{len(old)} bytes, first global symbol {first_global})")
        locals_, globals_ = bytearray(old[:first_global * _SYM.size]), bytearray(old[first_global * _SYM.size:])
        new_locals = [sym for sym in self._symbols if sym.local]
        if new_locals and any(sec.type in (SHT_REL, SHT_RELA) and sec.fields[6] == symtab.index
                              for sec in self.sections):
            # relocations refer to symbols by index: inserting locals would renumber the globals
            raise ImageError(f"{self.name}: has relocations against its symbol table; cannot add local symbols")
        for sym in self._symbols:
            shndx = new_index.get(sym.section)
            if shndx is None:
                sec = self.section(sym.section)
                if sec is None:
                    raise ImageError(f"{self.name}: symbol {sym.name}: no section {sym.section}")
                shndx = sec.index
            at = len(strings)
            strings.extend(sym.name.encode() + b"\0")
            bind = STB_LOCAL if sym.local else STB_GLOBAL
            entry = _SYM.pack(at, sym.value, sym.size, (bind << 4) | sym.type, 0, shndx)
            (locals_ if sym.local else globals_).extend(entry)
        body = locals_ + globals_
        headers[symtab.index][7] = first_global + len(new_locals)
        headers[symtab.index][4] = put(bytes(body), 4)
        headers[symtab.index][5] = len(body)
        headers[strndx][4] = put(bytes(strings), 1)
        headers[strndx][5] = len(strings)


def _cstr(table: bytes, at: int) -> str:
    end = table.find(b"\0", at)
    return table[at:end if end >= 0 else len(table)].decode("utf-8", "replace")

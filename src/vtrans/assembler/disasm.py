"""objdump-like disassembly of an ELF executable (capstone), with symbols and sections.

Code and data are told apart by the ELF mapping symbols (``$a``/``$d``; ELF for the
ARM Architecture, 5.5.5), as ``objdump -d`` does; without them everything in an
executable section is treated as code.  Branch targets and pc-relative loads are
annotated with ``<symbol+offset>``.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Iterator

from vtrans import isa as isa_registry
from vtrans.errors import ImageError

_MACHINES = {"EM_ARM": "arm"}
_PCREL = re.compile(r"\[pc, #(-?(?:0x)?[0-9a-f]+)\]")
_TARGET = re.compile(r"^#(0x[0-9a-f]+)$")
_BRANCH = re.compile(r"^(b|bl|blx)(eq|ne|hs|lo|mi|pl|vs|vc|hi|ls|ge|lt|gt|le)?$")


@dataclass(frozen=True, slots=True)
class _Sym:
    addr: int
    name: str


class _Symbols:
    def __init__(self, syms: list[_Sym]):
        self.syms = sorted(syms, key=lambda s: (s.addr, s.name))
        self.addrs = [s.addr for s in self.syms]

    def at(self, addr: int) -> list[str]:
        i = bisect.bisect_left(self.addrs, addr)
        out = []
        while i < len(self.addrs) and self.addrs[i] == addr:
            out.append(self.syms[i].name)
            i += 1
        return out

    def describe(self, addr: int) -> str:
        i = bisect.bisect_right(self.addrs, addr) - 1
        if i < 0:
            return ""
        s = self.syms[i]
        return f"<{s.name}>" if s.addr == addr else f"<{s.name}+{addr - s.addr:#x}>"


def disassemble_file(path: str, *, sections: list[str] | None = None, all_sections: bool = False) -> Iterator[str]:
    from elftools.common.exceptions import ELFError
    from elftools.elf.elffile import ELFFile

    try:
        f = open(path, "rb")
    except OSError as e:
        raise ImageError(f"cannot open {path}: {e.strerror}") from e
    with f:
        try:
            elf = ELFFile(f)
            machine = elf.header["e_machine"]
            isa_name = _MACHINES.get(machine)
            if isa_name is None:
                raise ImageError(f"{path}: unsupported machine {machine}")
            isa = isa_registry.get(isa_name)
            named: list[_Sym] = []
            mapping: dict[str, list[tuple[int, str]]] = {}
            symtab = elf.get_section_by_name(".symtab")
            shnames = {i: s.name for i, s in enumerate(elf.iter_sections())}
            if symtab is not None:
                for sym in symtab.iter_symbols():
                    name = sym.name
                    kind = sym["st_info"]["type"]
                    if not name or kind in ("STT_SECTION", "STT_FILE"):
                        continue
                    shndx = sym["st_shndx"]
                    if name in ("$a", "$d", "$t") or name.startswith(("$a.", "$d.", "$t.")):
                        if isinstance(shndx, int):
                            mapping.setdefault(shnames.get(shndx, ""), []).append((sym["st_value"], name[1]))
                        continue
                    named.append(_Sym(sym["st_value"], name))
            symbols = _Symbols(named)
            yield f"\n{path}:     file format elf32-littlearm\n"
            for sec in elf.iter_sections():
                flags = sec["sh_flags"]
                if not flags & 0x2 or sec["sh_type"] == "SHT_NOBITS":
                    continue
                if sections is not None:
                    if sec.name not in sections:
                        continue
                elif not all_sections and not flags & 0x4:
                    continue
                yield f"\nDisassembly of section {sec.name}:"
                default_kind = "a" if flags & 0x4 else "d"
                yield from _section(isa, sec.name, sec["sh_addr"], sec.data(), symbols,
                                    sorted(mapping.get(sec.name, [])), default_kind)
        except ELFError as e:
            raise ImageError(f"{path}: not a valid ELF file ({e})") from e


def _section(isa, name: str, base: int, data: bytes, symbols: _Symbols, mapping: list[tuple[int, str]],
             default_kind: str) -> Iterator[str]:
    cs = isa.cs_fast
    kinds = [a for a, _ in mapping]
    addr = base
    end = base + len(data)
    while addr < end:
        labels = symbols.at(addr)
        for label in labels:
            yield f"\n{addr:08x} <{label}>:"
        i = bisect.bisect_right(kinds, addr) - 1
        kind = mapping[i][1] if i >= 0 else default_kind
        off = addr - base
        if kind == "d" or (end - addr) < 4 or addr % 4:
            n = 4 if addr % 4 == 0 and end - addr >= 4 else 1
            nxt = bisect.bisect_right(kinds, addr)
            if nxt < len(kinds):
                n = min(n, kinds[nxt] - addr) or n
            chunk = data[off:off + n]
            if n == 4:
                yield f"{addr:8x}:\t{int.from_bytes(chunk, 'little'):08x} \t.word\t{int.from_bytes(chunk, 'little'):#010x}"
            else:
                yield f"{addr:8x}:\t{chunk.hex()}       \t.byte\t{chunk[0]:#04x}"
            addr += n
            continue
        word = data[off:off + 4]
        decoded = next(cs.disasm_lite(word, addr), None)
        value = int.from_bytes(word, "little")
        if decoded is None:
            yield f"{addr:8x}:\t{value:08x} \t.inst\t{value:#010x}\t@ undefined"
        else:
            _, _, mnemonic, op_str = decoded
            note = _annotate(mnemonic, op_str, addr, data, base, symbols)
            yield f"{addr:8x}:\t{value:08x} \t{mnemonic}\t{op_str}{note}".rstrip()
        addr += 4


def _annotate(mnemonic: str, op_str: str, addr: int, data: bytes, base: int, symbols: _Symbols) -> str:
    m = _TARGET.match(op_str)
    if m and _BRANCH.match(mnemonic):
        d = symbols.describe(int(m.group(1), 16))
        return f" {d}" if d else ""
    m = _PCREL.search(op_str)
    if m:
        target = addr + 8 + int(m.group(1), 0)
        d = symbols.describe(target)
        note = f"\t@ {target:x}" + (f" {d}" if d else "")
        off = target - base
        if mnemonic.startswith("ldr") and 0 <= off and off + 4 <= len(data):
            note += f" = {int.from_bytes(data[off:off + 4], 'little'):#x}"
        return note
    return ""

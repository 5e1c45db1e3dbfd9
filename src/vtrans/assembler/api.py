"""Public API of the assembler: source files (or IR) in, an executable ``Image`` out.

    image = assemble(["boot.s", "main.s"], base=0x10000)
    image.entry, image.segments, image.symbols["main"].value, image.line_map[pc]
    open("kernel.elf", "wb").write(image.elf_bytes())

The pipeline is parse (``parser``) -> layout per file (``layout``) -> link with ld's
default or a given linker script (``link``, ``linkscript``) -> encode (``encode`` and
the ISA plugin's ``encoding``) -> ELF or raw binary (``elf``).  The result matches
GNU as + ld byte for byte in every loaded segment.
"""

from __future__ import annotations

import contextlib
import gc
import os
from dataclasses import dataclass, field
from functools import cached_property

from vtrans import isa as isa_registry
from vtrans.assembler import elf
from vtrans.assembler.ir import Program
from vtrans.assembler.layout import layout_file
from vtrans.assembler.link import Linker, LinkResult
from vtrans.assembler.linkscript import Script, default_script, parse_script
from vtrans.errors import LinkError, SourceLoc, UsageError

PF_X, PF_W, PF_R = 1, 2, 4


@dataclass(frozen=True, slots=True)
class Section:
    """An output section: ``flags`` in gas letters (``"ax"``, ``"aw"``, ``"a"``)."""

    name: str
    addr: int
    size: int
    flags: str
    nobits: bool = False


@dataclass(frozen=True, slots=True)
class Symbol:
    name: str
    value: int
    size: int = 0
    type: str = "notype"  # notype | func | object
    binding: str = "local"  # local | global | weak
    section: str | None = None  # output section; None = absolute


@dataclass(frozen=True)
class Image:
    """A linked executable.

    ``segments``: one ``(vaddr, bytes, flags)`` per PT_LOAD, ``bytes`` being the whole
    memory image of the segment (file bytes, then zeros for ``.bss`` up to p_memsz);
    ``flags`` are ELF ``PF_R|PF_W|PF_X`` bits.  ``symbols`` maps names to ``Symbol``
    (a global wins over a local of the same name); ``symbol_list`` has them all.
    ``line_map`` maps instruction addresses to source locations; ``stmt_addrs`` maps
    ``(input index, statement index)`` to the address of that instruction or data
    directive; ``programs`` are the parsed inputs.
    """

    entry: int
    segments: list[tuple[int, bytes, int]]
    sections: list[Section]
    symbols: dict[str, Symbol]
    line_map: dict[int, SourceLoc]
    stmt_addrs: dict[tuple[int, int], int]
    programs: list[Program]
    symbol_list: tuple[Symbol, ...] = ()
    e_flags: int = elf.EF_ARM_SOFT
    _out_sections: tuple = field(default=(), repr=False, compare=False)
    _mapping: tuple = field(default=(), repr=False, compare=False)

    @cached_property
    def _elf(self) -> bytes:
        syms = [elf.ElfSymbol(m, addr, 0, elf.SymType.NOTYPE, elf.SymBind.LOCAL, sec)
                for m, addr, sec in self._mapping]
        for s in self.symbol_list:
            syms.append(elf.ElfSymbol(s.name, s.value, s.size, elf.SymType(s.type),
                                      elf.SymBind(s.binding), s.section))
        # locals before globals; mapping symbols sorted by address as gas emits them
        return elf.build_elf(list(self._out_sections), syms, self.entry, e_flags=self.e_flags)

    def elf_bytes(self) -> bytes:
        """An ELF32 executable (``readelf``, ``objdump``, gdb and ``qemu-system-arm -kernel`` accept it)."""
        return self._elf

    def raw_bytes(self) -> bytes:
        """The loaded image from its lowest to highest address, like ``objcopy -O binary``."""
        return elf.raw_binary(list(self._out_sections))

    @property
    def load_address(self) -> int:
        return min((s[0] for s in self.segments), default=0)


def _image(result: LinkResult, programs: list[Program]) -> Image:
    out_sections = []
    sections = []
    for o in result.outputs:
        flags = 0
        if "a" in o.flags:
            flags |= elf.ShFlag.ALLOC
        if "w" in o.flags:
            flags |= elf.ShFlag.WRITE
        if "x" in o.flags:
            flags |= elf.ShFlag.EXECINSTR
        sh_type = elf.ShType.NOBITS if o.nobits else _special_type(o.name)
        out_sections.append(elf.OutSection(o.name, o.addr, o.size, flags, sh_type, o.align,
                                           result.section_data.get(o.name, b"")))
        sections.append(Section(o.name, o.addr, o.size, o.flags, o.nobits))
    segments = []
    for seg in elf.segments_of(out_sections):
        segments.append((seg.vaddr, seg.data + bytes(seg.memsz - len(seg.data)), seg.flags))
    symbols: dict[str, Symbol] = {}
    symbol_list = []
    for s in result.symbols:
        sym = Symbol(s.name, s.value, s.size, s.sym_type, s.binding, s.section)
        symbol_list.append(sym)
        if s.binding != "local" or s.name not in symbols:
            symbols[s.name] = sym
    return Image(result.entry, segments, sections, symbols, result.line_map, result.stmt_addrs, programs,
                 tuple(symbol_list), result.e_flags, tuple(out_sections), tuple(result.mapping_symbols))


def _special_type(name: str) -> int:
    return {".init_array": elf.ShType.INIT_ARRAY, ".fini_array": elf.ShType.FINI_ARRAY,
            ".preinit_array": elf.ShType.PREINIT_ARRAY}.get(name, elf.ShType.PROGBITS)


def _script(script: str | Script | None) -> Script:
    if script is None:
        return default_script()
    if isinstance(script, Script):
        return script
    try:
        with open(script, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise UsageError(f"cannot read linker script {script}: {e.strerror}") from e
    return parse_script(text, script)


@contextlib.contextmanager
def _gc_paused():
    """Assembling allocates hundreds of thousands of small, acyclic objects; the cyclic
    collector would rescan them all every few thousand allocations (measured: layout
    2.5x slower).  Pause it for the duration, as compilers written in Python do."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def assemble_programs(programs: list[Program], *, base: int | None = None,
                      section_starts: dict[str, int] | None = None, script: str | Script | None = None,
                      names: list[str] | None = None, include_dirs=()) -> Image:
    """Assemble and link already-parsed programs (the translator's rewritten IR, for example).
    ``names`` are the file names linker-script patterns match (default: ``Program.file``)."""
    if not programs:
        raise UsageError("no input files")
    isa = isa_registry.get(programs[0].isa)
    if any(p.isa != isa.name for p in programs):
        raise LinkError("input files for different ISAs cannot be linked together")
    starts = dict(section_starts or {})
    if base is not None:
        starts.setdefault(".text", base)  # like ld -Ttext=ADDR
    names = names or [p.file for p in programs]
    with _gc_paused():
        objects = [layout_file(i, p, tuple(include_dirs)) for i, p in enumerate(programs)]
        result = Linker(objects, _script(script), starts, names, isa).link()
        return _image(result, list(programs))


def assemble(paths: list[str], *, base: int | None = None, section_starts: dict[str, int] | None = None,
             script: str | None = None, include_dirs=()) -> Image:
    """Assemble GNU-as source files and link them (in command-line order) like
    ``arm-none-eabi-as`` + ``arm-none-eabi-ld [-Ttext=base] [--section-start ...] [-T script]``."""
    from vtrans.assembler.parser import parse_file

    programs = []
    for p in paths:
        if not os.path.exists(p):
            raise UsageError(f"{p}: no such file")
        with _gc_paused():
            programs.append(parse_file(p, include_dirs=tuple(include_dirs)))
    return assemble_programs(programs, base=base, section_starts=section_starts, script=script, names=list(paths),
                             include_dirs=include_dirs)


def assemble_text(text: str, filename: str = "<input>", **kw) -> Image:
    """Assemble one source given as text (``filename`` is used in messages)."""
    from vtrans.assembler.parser import parse_text

    include_dirs = tuple(kw.pop("include_dirs", ()))
    with _gc_paused():
        program = parse_text(text, filename, include_dirs)
    return assemble_programs([program], include_dirs=include_dirs, **kw)

"""Per-file layout: what GNU as does before it writes an object file.

Walks one ``Program``'s statements, splits them into sections (``.text``, ``.data``,
``.bss``, ``.section name, "flags", %type``, ``.pushsection``/``.popsection``/``.previous``),
gives every label, instruction and datum a section-relative offset, evaluates
``.set``/``.equ``, numeric local labels, ``.align``/``.balign``/``.p2align``, ``.org``,
``.space``/``.skip``/``.zero``/``.fill``, collects ``.comm``/``.lcomm`` and builds the
literal pools of ``ldr rX, =expr`` (deduplicated as gas does, emitted at ``.ltorg``/
``.pool`` or at the end of the section).

Values are section-relative (``Value``): the linker (``link.py``) turns them into
addresses.  ISA knowledge (instruction sizes, literal loads, the NOP used for code
alignment, ``.arch``/``.cpu``) comes from the ISA plugin's ``encoding`` module.
"""

from __future__ import annotations

import dataclasses
import importlib
import logging
import os
import struct
from dataclasses import dataclass, field
from types import ModuleType
from typing import Callable

from vtrans.assembler.ir import (Binary, Directive, Dot, Float, Instruction, Label, LocalRef, Num, Program, Str, Sym,
                                 Unary)
from vtrans.errors import AsmError, SourceLoc

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------- values


@dataclass(frozen=True, slots=True)
class SectionKey:
    """An input section: (input file index, section name)."""

    file: int
    name: str


@dataclass(frozen=True, slots=True)
class Extern:
    """A symbol not defined in this file (resolved by the linker)."""

    name: str


@dataclass(frozen=True, slots=True)
class Value:
    """``offset`` plus the address of ``base`` (None = absolute)."""

    offset: int
    base: SectionKey | Extern | None = None

    @property
    def absolute(self) -> bool:
        return self.base is None


class Unresolved(Exception):
    """An expression refers to something not known yet (forward reference)."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


def _mask32(v: int) -> int:
    return v & 0xFFFFFFFF


def _signed(v: int) -> int:
    return v - (1 << 32) if v & 0x80000000 else v


_ARITH: dict[str, Callable[[int, int], int]] = {
    "*": lambda a, b: a * b,
    "/": lambda a, b: int(a / b),
    "%": lambda a, b: a - int(a / b) * b,
    "<<": lambda a, b: a << b if b < 64 else 0,
    ">>": lambda a, b: (a & 0xFFFFFFFF) >> b if b < 64 else 0,
    "|": lambda a, b: a | b,
    "&": lambda a, b: a & b,
    "^": lambda a, b: a ^ b,
    "!": lambda a, b: a | ~b,  # gas: a "or not" b
    "==": lambda a, b: -1 if a == b else 0,  # gas comparisons yield -1 for true
    "!=": lambda a, b: -1 if a != b else 0,
    "<>": lambda a, b: -1 if a != b else 0,
    "<": lambda a, b: -1 if a < b else 0,
    ">": lambda a, b: -1 if a > b else 0,
    "<=": lambda a, b: -1 if a <= b else 0,
    ">=": lambda a, b: -1 if a >= b else 0,
    "&&": lambda a, b: 1 if a and b else 0,
    "||": lambda a, b: 1 if a or b else 0,
}


def evaluate(expr, lookup: Callable[[str], Value], dot: Value, loc: SourceLoc | None = None,
             local: Callable | None = None) -> Value:
    """Evaluate an IR expression with GNU as rules: a relocatable value plus or minus an
    absolute one stays relocatable, the difference of two values in the same section is
    absolute, anything else on relocatable values is an error.  ``local`` names the
    definition a numeric local label reference (``1b``/``1f``) means at the place the
    expression was written."""
    t = type(expr)
    if t is Num:
        return Value(expr.value)
    if t is Sym:
        return lookup(expr.name)
    if t is Dot:
        return dot
    if t is Binary:
        a = evaluate(expr.left, lookup, dot, loc, local)
        b = evaluate(expr.right, lookup, dot, loc, local)
        op = expr.op
        if op == "+":
            if a.base is not None and b.base is not None:
                raise AsmError("cannot add two relocatable values", loc)
            return Value(a.offset + b.offset, a.base if a.base is not None else b.base)
        if op == "-":
            if b.base is None:
                return Value(a.offset - b.offset, a.base)
            if a.base == b.base:
                return Value(a.offset - b.offset)
            if isinstance(a.base, Extern) or isinstance(b.base, Extern) or a.base is None:
                raise AsmError("cannot subtract symbols in different sections (or an undefined one)", loc)
            # different sections of this file: only the linker knows; keep it as a deferred difference
            raise AsmError("difference of symbols in different sections is not supported", loc)
        if a.base is not None or b.base is not None:
            raise AsmError(f"operator '{op}' needs absolute operands", loc)
        fn = _ARITH.get(op)
        if fn is None:
            raise AsmError(f"unknown operator '{op}'", loc)
        if op in ("/", "%") and b.offset == 0:
            raise AsmError("division by zero", loc)
        return Value(fn(a.offset, b.offset))
    if t is Unary:
        a = evaluate(expr.operand, lookup, dot, loc, local)
        if expr.op == "+":
            return a
        if a.base is not None:
            raise AsmError(f"operator '{expr.op}' needs an absolute operand", loc)
        if expr.op == "-":
            return Value(-a.offset)
        if expr.op == "~":
            return Value(~a.offset)
        if expr.op == "!":
            return Value(0 if a.offset else 1)
        raise AsmError(f"unknown operator '{expr.op}'", loc)
    if t is LocalRef:
        if local is None:
            raise AsmError("numeric local label reference outside a file", loc)
        return lookup(local(expr))
    raise AsmError(f"not an expression: {expr!r}", loc)


# --------------------------------------------------------------------------- fragments


@dataclass(slots=True)
class InsnFrag:
    """An instruction at ``offset``; ``literal`` is the pool slot offset of ``ldr rX, =expr``
    (``None`` otherwise) and ``move`` the constant when gas turns it into ``mov``/``mvn``."""

    offset: int
    stmt: int
    insn: Instruction
    state: object  # the ISA's assembler state at this point (arch features)
    literal: int | None = None
    move: int | None = None
    local: Callable | None = None  # numeric local labels as seen from here


@dataclass(frozen=True, slots=True)
class DataFrag:
    """``size`` bytes holding the value of ``expr`` (little-endian, truncated as gas warns)."""

    offset: int
    size: int
    expr: object
    loc: SourceLoc
    dot: int  # section offset of '.' when the directive was read
    local: Callable | None = None  # numeric local labels as seen from here
    stmt: int = -1  # statement index (for symbols redefined by .set)


@dataclass(frozen=True, slots=True)
class BytesFrag:
    offset: int
    data: bytes


# --------------------------------------------------------------------------- sections and symbols

#: gas's default flags for well-known section names (ELF: obj-elf.c, special sections)
_DEFAULT_FLAGS = {".text": "ax", ".data": "aw", ".bss": "aw", ".rodata": "a", ".init": "ax", ".fini": "ax",
                  ".init_array": "aw", ".fini_array": "aw", ".preinit_array": "aw", ".tdata": "awT",
                  ".tbss": "awT", ".noinit": "aw", ".persistent": "aw", ".stack": "aw"}
_NOBITS_PREFIXES = (".bss", ".tbss", ".noinit", ".sbss")


def default_section_flags(name: str) -> tuple[str, bool]:
    """(flags, nobits) gas gives a section named ``name`` without explicit flags."""
    base = name
    for prefix in (".text", ".data", ".bss", ".rodata", ".init_array", ".fini_array", ".noinit", ".tbss",
                   ".tdata", ".persistent"):
        if name == prefix or name.startswith(prefix + "."):
            base = prefix
            break
    flags = _DEFAULT_FLAGS.get(base, "")
    nobits = any(name == p or name.startswith(p + ".") for p in _NOBITS_PREFIXES)
    return flags, nobits


@dataclass(slots=True)
class InputSection:
    key: SectionKey
    flags: str
    nobits: bool
    align: int = 1
    size: int = 0
    frags: list = field(default_factory=list)
    has_code: bool = False
    entsize: int = 0  # SHF_MERGE entity size (``.section name, "aMS", %progbits, 1``)
    #: (offset, 'a' | 'd') where the content switches between code and data (mapping symbols)
    mapping: list = field(default_factory=list)
    #: pending literal pool: key -> (slot index, expr, loc); slots list of InsnFrag per entry
    pool: dict = field(default_factory=dict)
    pool_users: list = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.key.name

    @property
    def alloc(self) -> bool:
        return "a" in self.flags


@dataclass(slots=True)
class SymbolDef:
    name: str
    value: Value | None = None
    expr: object = None  # .set with a forward reference: evaluated lazily
    expr_dot: Value | None = None
    expr_local: Callable | None = None
    loc: SourceLoc | None = None
    binding: str = "local"  # local | global | weak
    sym_type: str = "notype"  # notype | func | object
    size: int | None = None
    common: tuple[int, int] | None = None  # (size, align) for .comm


@dataclass(slots=True)
class ObjectFile:
    """The result of laying out one input file."""

    index: int
    program: Program
    sections: dict[str, InputSection]
    symbols: dict[str, SymbolDef]
    #: statement index -> (section name, offset) for instructions and data
    stmt_offsets: dict[int, tuple[str, int]]
    state: object  # final ISA assembler state (attributes for e_flags)
    lookup: Callable[[str], Value]
    #: symbols set more than once (``.set n, n + 1``): name -> [(statement index, version name)]
    set_history: dict[str, list[tuple[int, str]]] = field(default_factory=dict)


# --------------------------------------------------------------------------- the layout pass


def encoder_module(isa_name: str) -> ModuleType:
    """The ISA plugin's encoding module (``vtrans.isa.<name>.encoding``): every ISA
    provides the same set of modules, so generic code finds it by name."""
    return importlib.import_module(f"vtrans.isa.{isa_name}.encoding")


_DATA_SIZES = {"byte": 1, "hword": 2, "short": 2, "2byte": 2, "half": 2, "word": 4, "long": 4, "int": 4,
               "4byte": 4, "quad": 8, "8byte": 8}
#: directives with no effect on the image (debug info, unwind tables gas would
#: put in sections we do not emit, attributes, listing control)
_IGNORED = {"file", "ident", "size_hint", "loc", "loc_mark_labels", "fnstart", "fnend", "cantunwind", "save",
            "setfp", "pad", "personality", "personalityindex", "handlerdata", "unwind_raw", "movsp", "vsave",
            "eabi_attribute", "fpu", "arch_extension", "object_arch", "syntax", "align_ltorg", "list", "nolist",
            "title", "sbttl", "psize", "eject", "hidden", "internal", "protected", "ident", "note", "end",
            "nops_hint", "gnu_attribute", "tls_descseq", "arm", "code", "cpu", "arch", "thumb", "thumb_func",
            "force_thumb", "inst_hint", "type_hint", "addrsig", "addrsig_sym", "debug_marker", "stabs", "stabn",
            "stabd", "version", "def", "endef", "scl", "val", "dim", "tag", "line", "ln", "desc", "symver"}


def _leb128(value: int, signed: bool) -> bytes:
    if not signed and value < 0:
        value &= (1 << 64) - 1  # gas: an offsetT, read as unsigned
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        done = (value == 0 and not byte & 0x40) or (value == -1 and byte & 0x40) if signed else value == 0
        out.append(byte | (0 if done else 0x80))
        if done:
            return bytes(out)


def _float_value(arg, loc: SourceLoc | None) -> float:
    t = type(arg)
    if t is Float:
        return float(arg.text)
    if t is Num:
        return float(arg.value)
    if t is Unary and arg.op in ("-", "+"):
        v = _float_value(arg.operand, loc)
        return -v if arg.op == "-" else v
    raise AsmError(f"expected a floating-point literal, found {arg!r}", loc)


def _arg_name(arg, loc: SourceLoc | None) -> str:
    if isinstance(arg, str):
        return arg.strip()
    if isinstance(arg, Sym):
        return arg.name
    if isinstance(arg, Str):
        return arg.value.decode("latin-1")
    if isinstance(arg, Num):
        return str(arg.value)
    raise AsmError(f"expected a name, found {arg!r}", loc)


class _FileLayout:
    def __init__(self, index: int, program: Program, enc: ModuleType, previous: dict[str, Value] | None,
                 include_dirs: tuple = ()):
        self.index = index
        self.include_dirs = tuple(str(d) for d in include_dirs)
        self.program = program
        self.enc = enc
        self.previous = previous or {}
        self.forward_used = False
        self.deferred_error: AsmError | None = None
        self.warned_unwind = False
        self.set_history: dict[str, list[tuple[int, str]]] = {}
        self.sections: dict[str, InputSection] = {}
        self.symbols: dict[str, SymbolDef] = {}
        self.stmt_offsets: dict[int, tuple[str, int]] = {}
        self.state = enc.new_state()
        self.local_counts: dict[int, int] = {}
        self.local = local_resolver(self.local_counts)
        self.section_stack: list[tuple[str, str | None]] = []
        self.previous_section: str | None = None
        # gas creates .text, .data and .bss first, in this order, whatever the source
        # does; the order of sections in an object decides ld's order within a pattern
        for name in (".text", ".data", ".bss"):
            self.section(name)
        self.cur: InputSection = self.sections[".text"]
        self.loc: SourceLoc | None = None

    # ------------------------------------------------------------------ sections
    def section(self, name: str, flags: str | None = None, nobits: bool | None = None) -> InputSection:
        sec = self.sections.get(name)
        if sec is None:
            dflags, dnobits = default_section_flags(name)
            sec = InputSection(SectionKey(self.index, name), dflags if flags is None else flags,
                               dnobits if nobits is None else nobits)
            self.sections[name] = sec
        return sec

    def switch(self, name: str, flags: str | None = None, nobits: bool | None = None) -> None:
        if self.cur.name != name:
            self.previous_section = self.cur.name
        self.cur = self.section(name, flags, nobits)

    # ------------------------------------------------------------------ symbols
    def symdef(self, name: str) -> SymbolDef:
        s = self.symbols.get(name)
        if s is None:
            s = self.symbols[name] = SymbolDef(name)
        return s

    def lookup(self, name: str) -> Value:
        s = self.symbols.get(name)
        if s is not None:
            if s.value is not None:
                return s.value
            if s.expr is not None:
                return self.lazy(s)
        prev = self.previous.get(name)
        if prev is not None:
            self.forward_used = True
            return prev
        raise Unresolved(name)

    def lazy(self, s: SymbolDef) -> Value:
        expr, s.expr = s.expr, None  # guard against cycles
        try:
            s.value = evaluate(expr, self.lookup, s.expr_dot or Value(0), s.loc, s.expr_local)
        except Unresolved:
            s.expr = expr
            raise
        return s.value

    def final_lookup(self, name: str) -> Value:
        """After the pass: undefined symbols are external."""
        s = self.symbols.get(name)
        if s is not None:
            if s.value is not None:
                return s.value
            if s.expr is not None:
                try:
                    return self.lazy(s)
                except Unresolved as e:
                    if e.name == name:
                        raise AsmError(f"symbol '{name}' is defined in terms of itself", s.loc) from None
                    return Value(0, Extern(name)) if s.expr is None else self._extern_expr(s)
            if s.common is not None:
                return Value(0, Extern(name))
        return Value(0, Extern(name))

    def _extern_expr(self, s: SymbolDef) -> Value:
        # ``.set a, b + 4`` with b external: a is b's address plus 4
        expr = s.expr
        s.expr = None
        s.value = evaluate(expr, self.final_lookup, s.expr_dot or Value(0), s.loc, s.expr_local)
        return s.value

    def eval_now(self, expr, what: str) -> int:
        """An absolute value needed for layout (sizes, counts, alignments)."""
        try:
            v = evaluate(expr, self.lookup, self.dot(), self.loc, self.local)
        except Unresolved as e:
            # maybe defined further down: carry on with 0 and let layout_file run
            # another pass with this pass's values (gas's relaxation does the same)
            self.forward_used = True
            if self.deferred_error is None:
                self.deferred_error = AsmError(f"{what}: symbol '{e.name}' is not defined", self.loc)
            return 0
        if v.base is not None:
            raise AsmError(f"{what} must be an absolute expression", self.loc)
        return v.offset

    def dot(self) -> Value:
        return Value(self.cur.size, self.cur.key)

    # ------------------------------------------------------------------ emission
    def mark(self, kind: str) -> None:
        m = self.cur.mapping
        if not m or m[-1][1] != kind:
            if m and m[-1][0] == self.cur.size:
                m[-1] = (self.cur.size, kind)
                if len(m) > 1 and m[-2][1] == kind:
                    m.pop()
            else:
                m.append((self.cur.size, kind))

    def emit_bytes(self, data: bytes, *, code: bool = False) -> None:
        if not data:
            return
        self.check_room(len(data))
        if not self.cur.nobits:
            self.mark("a" if code else "d")
            self.cur.frags.append(BytesFrag(self.cur.size, data))
        elif any(data):
            raise AsmError(f"non-zero data in NOBITS section {self.cur.name}", self.loc)
        self.cur.size += len(data)

    def emit_zeros(self, n: int) -> None:
        if n <= 0:
            return
        if self.cur.nobits:
            self.cur.size += n
        else:
            self.emit_bytes(bytes(n))

    def check_room(self, n: int) -> None:
        if self.cur.size + n > 0xFFFFFFFF:
            raise AsmError("section larger than 4 GiB", self.loc)

    def align_to(self, alignment: int, fill: int | None, max_skip: int | None, fill_size: int = 1) -> None:
        if alignment <= 0 or alignment & (alignment - 1):
            raise AsmError(f"alignment {alignment} is not a power of two", self.loc)
        pad = (-self.cur.size) % alignment
        self.cur.align = max(self.cur.align, alignment)
        if pad == 0 or (max_skip is not None and pad > max_skip):
            return
        if fill is None and "x" in self.cur.flags and not self.cur.nobits:
            # gas pads code with NOPs after zero bytes up to a word boundary; the zero
            # bytes get a $d mapping symbol, the NOPs $a (tc-arm.c, arm_handle_align)
            data = self.enc.code_padding(self.state, self.cur.size, pad)
            head = (-self.cur.size) % 4 if pad >= (-self.cur.size) % 4 else pad
            if head:
                m = self.cur.mapping
                if m and m[-1][0] == self.cur.size:
                    m[-1] = (self.cur.size, "d")
                else:
                    m.append((self.cur.size, "d"))
                self.emit_bytes(data[:head])
            if pad > head:
                self.emit_bytes(data[head:], code=True)
        elif fill is None:
            self.emit_zeros(pad)
        else:
            if pad % fill_size:
                raise AsmError(f"alignment padding ({pad} bytes) not a multiple of {fill_size}", self.loc)
            unit = (fill & ((1 << (8 * fill_size)) - 1)).to_bytes(fill_size, "little")
            self.emit_bytes(unit * (pad // fill_size))

    def flush_pool(self) -> None:
        sec = self.cur
        if not sec.pool:
            return
        # ARM ARM A8.8.64: literal loads need word-aligned literals
        if sec.size % 4:
            self.emit_zeros((-sec.size) % 4)
        sec.align = max(sec.align, 4)
        slot_offset: dict[int, int] = {}
        for key, (slot, expr, loc, local, stmt) in sec.pool.items():
            slot_offset[slot] = sec.size
            self.mark("d")
            sec.frags.append(DataFrag(sec.size, 4, expr, loc, sec.size, local, stmt))
            sec.size += 4
        for frag, slot in sec.pool_users:
            frag.literal = slot_offset[slot]
        sec.pool = {}
        sec.pool_users = []

    # ------------------------------------------------------------------ main loop
    def run(self) -> None:
        for idx, stmt in enumerate(self.program.statements):
            self.loc = stmt.loc
            t = type(stmt)
            if t is Instruction:
                self.instruction(idx, stmt)
            elif t is Label:
                self.label(stmt)
            elif t is Directive:
                self.directive(idx, stmt)
            else:
                raise AsmError(f"unknown statement {stmt!r}", getattr(stmt, "loc", None))
        for name in list(self.sections):
            self.cur = self.sections[name]
            self.flush_pool()
        for s in self.symbols.values():
            if s.value is None and s.expr is not None:
                try:
                    self.lazy(s)
                except Unresolved:
                    pass

    def label(self, stmt: Label) -> None:
        name = stmt.name
        if name.isdigit():
            n = int(name)
            count = self.local_counts.get(n, 0)
            # copy on write: frags keep the resolver of their place
            self.local_counts = {**self.local_counts, n: count + 1}
            self.local = local_resolver(self.local_counts)
            name = local_label_name(n, count)
        s = self.symdef(name)
        if s.value is not None or s.expr is not None:
            raise AsmError(f"symbol '{stmt.name}' is already defined", stmt.loc)
        s.value = self.dot()
        s.loc = stmt.loc

    def instruction(self, idx: int, insn: Instruction) -> None:
        sec = self.cur
        if sec.nobits:
            raise AsmError(f"instruction in NOBITS section {sec.name}", insn.loc)
        insn = self.enc.check_instruction(self.state, insn)
        size = self.enc.insn_size(insn)
        if sec.size % 4:
            # gas aligns ARM instructions silently?  No: it reports misalignment.
            raise AsmError("instruction at an unaligned offset (add .align)", insn.loc)
        self.mark("a")
        frag = InsnFrag(sec.size, idx, insn, self.state, local=self.local)
        lit = self.enc.literal_expr(insn)
        if lit is not None:
            move = None
            try:
                v = evaluate(lit, self.lookup, self.dot(), insn.loc, self.local)
                if v.base is None:
                    move = v.offset
            except Unresolved:
                pass
            if move is not None and self.enc.literal_fits_move(insn, move):
                frag.move = move
            else:
                # gas shares a pool slot between equal constants and equal expressions
                ekey = ("e", lit, id(self.local)) if _has_localref(lit) else ("e", lit)
                try:
                    v = evaluate(lit, self.lookup, self.dot(), insn.loc, self.local)
                    key = ("c", _mask32(v.offset)) if v.base is None else ekey
                except Unresolved:
                    key = ekey
                entry = sec.pool.get(key)
                if entry is None:
                    entry = (len(sec.pool), lit, insn.loc, self.local, idx)
                    sec.pool[key] = entry
                sec.pool_users.append((frag, entry[0]))
        sec.frags.append(frag)
        sec.has_code = True
        sec.align = max(sec.align, 4)
        self.stmt_offsets[idx] = (sec.name, sec.size)
        sec.size += size

    # ------------------------------------------------------------------ directives
    def directive(self, idx: int, d: Directive) -> None:
        name = d.name.lower().lstrip(".")
        args = d.args
        new_state = self.enc.state_directive(self.state, d)
        if new_state is not None:
            self.state = new_state
            return
        if name in _DATA_SIZES:
            size = _DATA_SIZES[name]
            if self.cur.nobits:
                for a in args:
                    if self.eval_now(a, f".{name} in a NOBITS section") != 0:
                        raise AsmError(f"non-zero data in NOBITS section {self.cur.name}", d.loc)
                    self.cur.size += size
                return
            self.stmt_offsets[idx] = (self.cur.name, self.cur.size)
            for a in args:
                if isinstance(a, Str):
                    raise AsmError(f".{name} expects expressions, not a string", d.loc)
                self.check_room(size)
                self.mark("d")
                self.cur.frags.append(DataFrag(self.cur.size, size, a, d.loc, self.cur.size, self.local, idx))
                self.cur.size += size
            return
        if name in ("uleb128", "sleb128"):
            # DWARF LEB128 (as.info, .uleb128): sizes depend on values, so they must be
            # absolute here; in non-allocated sections (debug info) an unknown value is 0
            self.stmt_offsets[idx] = (self.cur.name, self.cur.size)
            for a in args:
                try:
                    v = evaluate(a, self.lookup, self.dot(), d.loc, self.local)
                    if v.base is not None:
                        raise AsmError(f".{name} needs an absolute value", d.loc)
                    value = v.offset
                except Unresolved as e:
                    if self.cur.alloc:
                        value = self.eval_now(a, f".{name}")
                    else:
                        del e
                        value = 0
                self.emit_bytes(_leb128(value, name == "sleb128"))
            return
        if name in ("float", "single", "double"):
            # IEEE 754 little-endian (as.info: .float/.double); the value is a literal
            fmt, size = ("<d", 8) if name == "double" else ("<f", 4)
            self.stmt_offsets[idx] = (self.cur.name, self.cur.size)
            for a in args:
                value = _float_value(a, d.loc)
                self.emit_bytes(struct.pack(fmt, value))
            return
        if name in ("ascii", "asciz", "string", "string8"):
            self.stmt_offsets[idx] = (self.cur.name, self.cur.size)
            for a in args:
                if not isinstance(a, Str):
                    raise AsmError(f".{name} expects string literals", d.loc)
                data = a.value + (b"\0" if name != "ascii" else b"")
                self.emit_bytes(data)
            return
        if name in ("space", "skip", "zero"):
            if not args:
                raise AsmError(f".{name} needs a size", d.loc)
            n = self.eval_now(args[0], f".{name} size")
            fill = self.eval_now(args[1], f".{name} fill") & 0xFF if len(args) > 1 and name != "zero" else 0
            if n < 0:
                raise AsmError(f".{name} with a negative size ({n})", d.loc)
            self.stmt_offsets[idx] = (self.cur.name, self.cur.size)
            if fill:
                self.emit_bytes(bytes([fill]) * n)
            else:
                if not self.cur.nobits and n:
                    self.mark("d")
                self.emit_zeros(n)
            return
        if name == "fill":
            repeat = self.eval_now(args[0], ".fill count")
            size = self.eval_now(args[1], ".fill size") if len(args) > 1 else 1
            value = self.eval_now(args[2], ".fill value") if len(args) > 2 else 0
            if repeat < 0:
                raise AsmError(".fill with a negative count", d.loc)
            size = min(size, 8)
            # gas: the value is stored in min(size, 4) bytes, the rest zero (as.info, .fill)
            unit = (value & 0xFFFFFFFF).to_bytes(4, "little")[:min(size, 4)] + bytes(max(size - 4, 0))
            self.stmt_offsets[idx] = (self.cur.name, self.cur.size)
            if any(unit):
                self.emit_bytes(unit * repeat)
            else:
                if repeat and size and not self.cur.nobits:
                    self.mark("d")
                self.emit_zeros(repeat * size)
            return
        if name in ("align", "p2align", "balign", "balignw", "balignl", "p2alignw", "p2alignl"):
            if not args:
                amount = 4 if name.startswith("b") else 2
            else:
                amount = self.eval_now(args[0], f".{name} alignment")
            fill = self.eval_now(args[1], f".{name} fill") if len(args) > 1 and args[1] is not None else None
            max_skip = self.eval_now(args[2], f".{name} limit") if len(args) > 2 else None
            # ARM gas: .align takes a power of two (as.info, ARM-Dependent: ".align")
            alignment = amount if name.startswith("b") else 1 << amount
            if not name.startswith("b") and amount > 31:
                raise AsmError(f"alignment too large: {amount}", d.loc)
            self.align_to(max(alignment, 1), fill, max_skip, {"w": 2, "l": 4}.get(name[-1], 1))
            return
        if name == "org":
            try:
                    v = evaluate(args[0], self.lookup, self.dot(), d.loc, self.local)
            except Unresolved as e:
                raise AsmError(f".org: symbol '{e.name}' is not defined yet", d.loc) from None
            if v.base is not None and v.base != self.cur.key:
                raise AsmError(".org to a different section", d.loc)
            fill = self.eval_now(args[1], ".org fill") & 0xFF if len(args) > 1 else 0
            if v.offset < self.cur.size:
                raise AsmError(f"attempt to move .org backwards (from {self.cur.size:#x} to {v.offset:#x})", d.loc)
            n = v.offset - self.cur.size
            self.emit_bytes(bytes([fill]) * n) if fill else self.emit_zeros(n)
            return
        if name in ("ltorg", "pool"):
            self.flush_pool()
            return
        if name in ("text", "data", "bss"):
            sub = self.eval_now(args[0], "subsection") if args else 0
            if sub:
                raise AsmError("subsections are not supported", d.loc)
            self.switch("." + name)
            return
        if name in ("section", "pushsection"):
            if name == "pushsection":
                self.section_stack.append((self.cur.name, self.previous_section))
            secname = _arg_name(args[0], d.loc)
            flags, nobits, entsize = self.section_attributes(secname, args[1:], d.loc)
            self.switch(secname, flags, nobits)
            if entsize:
                self.cur.entsize = entsize
            return
        if name == "popsection":
            if not self.section_stack:
                raise AsmError(".popsection without .pushsection", d.loc)
            secname, prev = self.section_stack.pop()
            self.cur = self.section(secname)
            self.previous_section = prev
            return
        if name == "previous":
            if self.previous_section is None:
                raise AsmError(".previous without a previous section", d.loc)
            self.switch(self.previous_section)
            return
        if name in ("global", "globl", "weak", "local"):
            for a in args:
                s = self.symdef(_arg_name(a, d.loc))
                s.binding = {"globl": "global"}.get(name, name)
                if s.loc is None:
                    s.loc = d.loc
            return
        if name in ("set", "equ", "equiv", "eqv"):
            sym = _arg_name(args[0], d.loc)
            s = self.symdef(sym)
            if name == "equiv" and (s.value is not None or s.expr is not None):
                raise AsmError(f"symbol '{sym}' is already defined", d.loc)
            s.loc = s.loc or d.loc
            expr = args[1]
            try:
                s.value = evaluate(expr, self.lookup, self.dot(), d.loc, self.local)
                s.expr = None
            except Unresolved:
                s.value = None
                s.expr = expr
                s.expr_dot = self.dot()
                s.expr_local = self.local
            # gas uses the value a symbol has where it is used: keep each definition
            # as a version the linker can pick by statement index
            history = self.set_history.setdefault(sym, [])
            version = self.symdef(f"{sym}\x03{len(history)}")
            version.value, version.expr, version.expr_dot, version.expr_local, version.loc = (
                s.value, s.expr, s.expr_dot, s.expr_local, d.loc)
            history.append((idx, version.name))
            return
        if name == "type":
            s = self.symdef(_arg_name(args[0], d.loc))
            kind = _arg_name(args[1], d.loc).lstrip("%@#").lower() if len(args) > 1 else ""
            s.sym_type = {"function": "func", "object": "object", "notype": "notype",
                          "tls_object": "object", "common": "object"}.get(kind, "notype")
            return
        if name == "size":
            s = self.symdef(_arg_name(args[0], d.loc))
            try:
                v = evaluate(args[1], self.lookup, self.dot(), d.loc, self.local)
                s.size = v.offset if v.base is None else None
            except (Unresolved, AsmError):
                s.size = None
            return
        if name in ("comm", "lcomm"):
            sym = _arg_name(args[0], d.loc)
            size = self.eval_now(args[1], f".{name} size")
            align = self.eval_now(args[2], f".{name} alignment") if len(args) > 2 else None
            s = self.symdef(sym)
            if name == "comm":
                if align is None:
                    # gas (ELF): the largest power of two <= size, at most 8 for ARM EABI
                    align = 1
                    while align * 2 <= size and align < 8:
                        align *= 2
                s.common = (size, align)
                s.binding = "global"
                if s.sym_type == "notype":
                    s.sym_type = "object"
                s.loc = s.loc or d.loc
            else:
                # .lcomm: local, in this file's .bss (gas: bss_alloc)
                if align is None:
                    align = 1
                    while align * 2 <= size and align < 8:
                        align *= 2
                saved = self.cur
                self.cur = self.section(".bss")
                self.align_to(align, None, None)
                s.value = self.dot()
                s.loc = d.loc
                self.cur.size += size
                self.cur = saved
            return
        if name == "incbin":
            self.stmt_offsets[idx] = (self.cur.name, self.cur.size)
            self.emit_bytes(self.incbin(d))
            return
        if name == "inst":
            for a in args:
                self.mark("a")
                self.cur.frags.append(DataFrag(self.cur.size, 4, a, d.loc, self.cur.size, self.local, idx))
                self.cur.has_code = True
                self.cur.size += 4
            return
        if name.startswith("cfi_"):
            return
        if name == "fnstart" and not self.warned_unwind:
            # gas would build .ARM.exidx/.ARM.extab from .fnstart/.save/.fnend (EHABI);
            # vtrans does not, so say so once (-fno-unwind-tables avoids them)
            log.warning("%s: EHABI unwind tables (.fnstart ... .fnend) are not generated", d.loc)
            self.warned_unwind = True
            return
        if name in _IGNORED:
            return
        raise AsmError(f"unknown directive '.{d.name}'", d.loc)

    def incbin(self, d: Directive) -> bytes:
        """``.incbin "file"[, skip[, count]]``: like gas, the name as given (relative to
        the current directory), then the include directories (as.info, .incbin); then,
        as a convenience, next to the source file."""
        if not d.args:
            raise AsmError(".incbin needs a file name", d.loc)
        fname = _arg_name(d.args[0], d.loc)
        skip = self.eval_now(d.args[1], ".incbin skip") if len(d.args) > 1 and d.args[1] is not None else 0
        count = self.eval_now(d.args[2], ".incbin count") if len(d.args) > 2 else None
        here = os.path.dirname(d.loc.file if d.loc else self.program.file)
        for directory in (".", *self.include_dirs, here):
            path = os.path.join(directory, fname)
            if os.path.isfile(path):
                break
        else:
            raise AsmError(f"file not found: {fname}", d.loc)
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as e:
            raise AsmError(f"cannot read {fname}: {e.strerror}", d.loc) from e
        if skip < 0 or skip > len(data):
            raise AsmError(f".incbin skip {skip} is outside {fname} ({len(data)} bytes)", d.loc)
        return data[skip:] if count is None else data[skip:skip + count]

    def section_attributes(self, name: str, args: tuple,
                           loc: SourceLoc | None) -> tuple[str | None, bool | None, int]:
        """(flags, nobits, entsize) of ``.section name, "flags", %type, entsize``."""
        if not args or args[0] is None:
            return None, None, 0
        flags = _arg_name(args[0], loc).strip('"')
        if len(args) > 1 and args[1] is not None:
            kind = _arg_name(args[1], loc).lstrip("%@").lower()
            nobits = kind == "nobits"
        else:
            nobits = default_section_flags(name)[1]
        entsize = 0
        if "M" in flags:
            if len(args) < 3 or args[2] is None:
                raise AsmError("entity size for SHF_MERGE not specified", loc)
            entsize = self.eval_now(args[2], "entity size")
        flags = "".join(ch for ch in flags if ch in "awxMSGTRo?")
        return flags, nobits, entsize


def local_label_name(number: int, instance: int) -> str:
    """The internal name of the ``instance``-th definition of numeric label ``number``
    (gas: ``.L<n>^B<instance>``-like, never visible in the output)."""
    return f".L{number}\x02{instance}"


def local_resolver(counts: dict[int, int]) -> Callable:
    """How ``1b``/``1f`` resolve where ``counts`` (definitions seen so far per number)
    holds: gas takes the nearest definition before/after the reference."""

    def local(ref: LocalRef) -> str:
        count = counts.get(ref.number, 0)
        if ref.forward:
            return local_label_name(ref.number, count)
        if count == 0:
            return f".L{ref.number}\x02undefined-backward"
        return local_label_name(ref.number, count - 1)
    return local


def _has_localref(node) -> bool:
    t = type(node)
    if t is LocalRef:
        return True
    if t is tuple:
        return any(_has_localref(x) for x in node)
    if dataclasses.is_dataclass(node) and t not in (Num, Sym, Dot, Str):
        return any(_has_localref(getattr(node, f.name)) for f in dataclasses.fields(node) if f.compare)
    return False


def layout_file(index: int, program: Program, include_dirs: tuple = ()) -> ObjectFile:
    """Lay out one file (``program`` as parsed).  Forward references in sizes
    (``.space end - start`` with ``end`` later) are resolved by repeating the pass
    with the previous pass's symbol values, as gas's relaxation does."""
    from vtrans import isa as isa_registry

    enc = encoder_module(isa_registry.get(program.isa).name)
    previous: dict[str, Value] | None = None
    for _ in range(8):
        fl = _FileLayout(index, program, enc, previous, include_dirs)
        fl.run()
        values = {n: s.value for n, s in fl.symbols.items() if s.value is not None}
        if not fl.forward_used:
            break
        if values == previous:
            if fl.deferred_error is not None:
                raise fl.deferred_error
            break
        previous = values
    else:
        raise AsmError("layout does not converge (sizes depend on themselves)", SourceLoc(program.file, 1))
    history = {n: h for n, h in fl.set_history.items() if len(h) > 1}
    return ObjectFile(index, program, fl.sections, fl.symbols, fl.stmt_offsets, fl.state, fl.final_lookup,
                      history)

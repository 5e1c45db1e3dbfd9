"""The subset of GNU ld's linker-script language that kernels use, and ld's default script.

Supported: ``ENTRY(sym)``; ``MEMORY { NAME (rwx) : ORIGIN = a, LENGTH = n }`` with
``> NAME`` placement and ``ORIGIN()``/``LENGTH()``; ``SECTIONS { ... }`` with output sections
(``name [addr] [(NOLOAD)] : [ALIGN(a)] { ... }``), input patterns with ``*`` and ``?``
wildcards (``*(.text .text.*)``, ``KEEP(...)``, ``SORT(...)``, ``EXCLUDE_FILE``
is accepted and ignored), ``*(COMMON)``, location-counter and symbol assignments
(``=``, ``+=`` ...), ``PROVIDE``/``PROVIDE_HIDDEN``, ``BYTE/SHORT/LONG/QUAD``, and the
expression functions ``ALIGN``, ``ADDR``, ``SIZEOF``, ``LOADADDR``, ``DEFINED``,
``ABSOLUTE``, ``MAX``, ``MIN``, ``CONSTANT``, ``SEGMENT_START``.  ``OUTPUT_FORMAT``,
``OUTPUT_ARCH``, ``SEARCH_DIR`` and ``/DISCARD/`` are understood.  Anything else is a
``LinkError`` at the offending place.

Generic: no ISA knowledge here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Union

from vtrans.errors import LinkError, SourceLoc

# --------------------------------------------------------------------------- AST


@dataclass(frozen=True, slots=True)
class LNum:
    value: int


@dataclass(frozen=True, slots=True)
class LSym:
    name: str  # "." for the location counter


@dataclass(frozen=True, slots=True)
class LUnary:
    op: str
    operand: "LExpr"


@dataclass(frozen=True, slots=True)
class LBinary:
    op: str
    left: "LExpr"
    right: "LExpr"


@dataclass(frozen=True, slots=True)
class LCond:
    cond: "LExpr"
    then: "LExpr"
    other: "LExpr"


@dataclass(frozen=True, slots=True)
class LCall:
    func: str
    args: tuple  # LExpr or str (section names, CONSTANT names, SEGMENT_START names)


LExpr = Union[LNum, LSym, LUnary, LBinary, LCond, LCall]


@dataclass(frozen=True, slots=True)
class Assign:
    """``name op expr;`` — ``provide`` for PROVIDE/PROVIDE_HIDDEN (defined only if referenced)."""

    name: str
    op: str  # '=', '+=', '-=', ...
    expr: LExpr
    provide: bool
    loc: SourceLoc


@dataclass(frozen=True, slots=True)
class InputSpec:
    """``file_pattern(section_pattern ...)``; ``COMMON`` is a section pattern too."""

    file_pattern: str
    section_patterns: tuple[str, ...]
    keep: bool = False

    def matches(self, file: str, section: str) -> bool:
        if not _match(self.file_pattern, file):
            return False
        return any(_match(p, section) for p in self.section_patterns)


@dataclass(frozen=True, slots=True)
class DataCmd:
    size: int  # BYTE=1 SHORT=2 LONG=4 QUAD=8
    expr: LExpr
    loc: SourceLoc


@dataclass(frozen=True, slots=True)
class OutputSection:
    name: str
    address: LExpr | None
    align: LExpr | None
    noload: bool
    commands: tuple  # Assign | InputSpec | DataCmd
    loc: SourceLoc
    region: str | None = None  # ``> REGION``

    @property
    def discard(self) -> bool:
        return self.name == "/DISCARD/"


@dataclass(frozen=True, slots=True)
class MemoryRegion:
    """``NAME (attrs) : ORIGIN = expr, LENGTH = expr`` of a MEMORY command."""

    name: str
    origin: LExpr
    length: LExpr
    loc: SourceLoc


@dataclass(frozen=True, slots=True)
class Script:
    entry: str | None
    statements: tuple  # Assign | OutputSection, in SECTIONS order (top-level assignments included)
    has_sections: bool
    file: str
    regions: tuple = ()  # MemoryRegion, from MEMORY { ... }


def _match(pattern: str, name: str) -> bool:
    if "*" not in pattern and "?" not in pattern and "[" not in pattern:
        return pattern == name
    return fnmatchcase(name, pattern)


# --------------------------------------------------------------------------- lexer

_TOKEN = re.compile(r"""
    (?P<ws>\s+|/\*.*?\*/)
  | (?P<str>"[^"]*")
  | (?P<discard>/DISCARD/)
  | (?P<num>(?:0[xX][0-9a-fA-F]+|[0-9]+)[kKmM]?(?![A-Za-z0-9_.]))
  | (?P<op><<=|>>=|\+=|-=|\*=|/=|&=|\|=|<<|>>|==|!=|<=|>=|&&|\|\||[-+*/%&|^~!<>?:;=(){},])
  | (?P<name>[A-Za-z0-9_.$*?\[\]/\\^-][A-Za-z0-9_.$*?\[\]/\\^-]*)
""", re.VERBOSE | re.DOTALL)


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str
    text: str
    loc: SourceLoc


def _lex(text: str, file: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    pos, line, line_start = 0, 1, 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise LinkError(f"unexpected character {text[pos]!r} in linker script",
                            SourceLoc(file, line, pos - line_start + 1))
        kind = m.lastgroup or ""
        if kind == "discard":
            kind = "name"
        tok = m.group()
        if kind != "ws":
            tokens.append(_Tok(kind, tok, SourceLoc(file, line, pos - line_start + 1)))
        nl = tok.count("\n")
        if nl:
            line += nl
            line_start = pos + tok.rindex("\n") + 1
        pos = m.end()
    tokens.append(_Tok("eof", "", SourceLoc(file, line, pos - line_start + 1)))
    return tokens


# --------------------------------------------------------------------------- parser

_BINARY_PREC = [
    ("||",), ("&&",), ("|",), ("^",), ("&",), ("==", "!="), ("<", ">", "<=", ">="), ("<<", ">>"), ("+", "-"),
    ("*", "/", "%"),
]
_ASSIGN_OPS = ("=", "+=", "-=", "*=", "/=", "<<=", ">>=", "&=", "|=")
_IGNORED_TOP = {"OUTPUT_FORMAT", "OUTPUT_ARCH", "SEARCH_DIR", "TARGET", "OUTPUT", "GROUP", "INPUT",
                "STARTUP", "INCLUDE", "FORCE_COMMON_ALLOCATION", "INHIBIT_COMMON_ALLOCATION", "NOCROSSREFS"}
_DATA_SIZES = {"BYTE": 1, "SHORT": 2, "LONG": 4, "QUAD": 8, "SQUAD": 8}


class _Parser:
    def __init__(self, text: str, file: str):
        self.toks = _lex(text, file)
        self.i = 0
        self.file = file

    # helpers
    def peek(self, k: int = 0) -> _Tok:
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def next(self) -> _Tok:
        t = self.toks[self.i]
        self.i = min(self.i + 1, len(self.toks) - 1)
        return t

    def accept(self, text: str) -> bool:
        if self.peek().text == text and self.peek().kind != "str":
            self.next()
            return True
        return False

    def expect(self, text: str) -> _Tok:
        t = self.next()
        if t.text != text:
            raise LinkError(f"expected '{text}' in linker script, found '{t.text or 'end of file'}'", t.loc)
        return t

    def error(self, msg: str, tok: _Tok | None = None) -> LinkError:
        tok = tok or self.peek()
        return LinkError(msg, tok.loc)

    # script
    def script(self) -> Script:
        entry: str | None = None
        statements: list = []
        regions: list[MemoryRegion] = []
        has_sections = False
        while self.peek().kind != "eof":
            t = self.peek()
            if self.accept(";"):
                continue
            if t.text == "ENTRY":
                self.next()
                self.expect("(")
                entry = self.next().text
                self.expect(")")
            elif t.text == "SECTIONS":
                self.next()
                self.expect("{")
                has_sections = True
                while not self.accept("}"):
                    if self.peek().kind == "eof":
                        raise self.error("unterminated SECTIONS")
                    statements.extend(self.section_statement())
            elif t.text in _IGNORED_TOP:
                self.next()
                self.skip_parens()
            elif t.text == "MEMORY":
                self.next()
                self.expect("{")
                while not self.accept("}"):
                    regions.append(self.memory_region())
            else:
                statements.append(self.assignment())
        return Script(entry, tuple(statements), has_sections, self.file, tuple(regions))

    def memory_region(self) -> MemoryRegion:
        name = self.next()
        if name.kind != "name":
            raise self.error(f"expected a memory region name, found '{name.text}'", name)
        if self.accept("("):
            while not self.accept(")"):
                if self.next().kind == "eof":
                    raise self.error("unterminated region attributes")
        self.expect(":")
        values: dict[str, LExpr] = {}
        for _ in range(2):
            key = self.next()
            k = {"ORIGIN": "origin", "org": "origin", "o": "origin", "LENGTH": "length", "len": "length",
                 "l": "length"}.get(key.text)
            if k is None:
                raise self.error(f"expected ORIGIN or LENGTH, found '{key.text}'", key)
            self.expect("=")
            values[k] = self.expr()
            self.accept(",")
        if set(values) != {"origin", "length"}:
            raise self.error(f"memory region {name.text} needs ORIGIN and LENGTH", name)
        return MemoryRegion(name.text, values["origin"], values["length"], name.loc)

    def skip_parens(self) -> None:
        self.expect("(")
        depth = 1
        while depth:
            t = self.next()
            if t.kind == "eof":
                raise self.error("unbalanced parentheses")
            if t.text == "(":
                depth += 1
            elif t.text == ")":
                depth -= 1

    def section_statement(self) -> list:
        t = self.peek()
        if self.accept(";"):
            return []
        if t.text == "ENTRY":
            raise self.error("ENTRY inside SECTIONS is not supported")
        if t.text in ("PROVIDE", "PROVIDE_HIDDEN", "HIDDEN") or self.peek(1).text in _ASSIGN_OPS:
            return [self.assignment()]
        if t.kind != "name":
            raise self.error(f"unexpected '{t.text}' in SECTIONS")
        return [self.output_section()]

    def assignment(self) -> Assign:
        t = self.peek()
        provide = False
        if t.text in ("PROVIDE", "PROVIDE_HIDDEN", "HIDDEN"):
            self.next()
            provide = t.text != "HIDDEN"
            self.expect("(")
            name = self.next()
            op = self.next()
            expr = self.expr()
            self.expect(")")
        else:
            name = self.next()
            op = self.next()
            expr = self.expr()
        if name.kind != "name":
            raise self.error(f"expected a symbol name, found '{name.text}'", name)
        if op.text not in _ASSIGN_OPS:
            raise self.error(f"expected an assignment after '{name.text}', found '{op.text}'", op)
        self.accept(";")
        return Assign(name.text, op.text, expr, provide, name.loc)

    def output_section(self) -> OutputSection:
        name_tok = self.next()
        address = None
        noload = False
        if self.peek().text == "(" and self.peek(1).text in ("NOLOAD", "COPY", "INFO", "OVERLAY", "DSECT"):
            self.next()
            noload = self.next().text == "NOLOAD"
            self.expect(")")
        elif self.peek().text != ":":
            address = self.expr()
            if self.peek().text == "(" and self.peek(1).text == "NOLOAD":
                self.next(), self.next()
                self.expect(")")
                noload = True
        self.expect(":")
        align = None
        while self.peek().text in ("AT", "ALIGN", "SUBALIGN", "ONLY_IF_RO", "ONLY_IF_RW"):
            kw = self.next().text
            if kw in ("ONLY_IF_RO", "ONLY_IF_RW"):
                continue
            self.expect("(")
            e = self.expr()
            self.expect(")")
            if kw == "AT":
                raise self.error("AT() load addresses are not supported")
            if kw == "ALIGN":
                align = e
        self.expect("{")
        commands: list = []
        while not self.accept("}"):
            t = self.peek()
            if t.kind == "eof":
                raise self.error(f"unterminated output section {name_tok.text}")
            if self.accept(";"):
                continue
            if t.text in ("PROVIDE", "PROVIDE_HIDDEN", "HIDDEN") or self.peek(1).text in _ASSIGN_OPS:
                commands.append(self.assignment())
            elif t.text in _DATA_SIZES:
                self.next()
                self.expect("(")
                commands.append(DataCmd(_DATA_SIZES[t.text], self.expr(), t.loc))
                self.expect(")")
            elif t.text in ("KEEP",):
                self.next()
                self.expect("(")
                spec = self.input_spec()
                self.expect(")")
                commands.append(InputSpec(spec.file_pattern, spec.section_patterns, keep=True))
            elif t.text in ("SORT", "SORT_BY_NAME", "SORT_BY_ALIGNMENT", "SORT_NONE", "SORT_BY_INIT_PRIORITY",
                            "CONSTRUCTORS", "CREATE_OBJECT_SYMBOLS"):
                if t.text in ("CONSTRUCTORS", "CREATE_OBJECT_SYMBOLS"):
                    self.next()
                else:  # SORT(CONSTRUCTORS) at output-section level
                    self.next()
                    self.skip_parens_from_open()
            elif t.text == "FILL":
                self.next()
                self.skip_parens()
            else:
                commands.append(self.input_spec())
        # trailing: > region, AT> region (unsupported), :phdr, = fill
        region = None
        while self.peek().text in (">", "=", "AT") or (self.peek().text == ":" and self.peek(1).kind == "name"):
            t = self.next()
            if t.text == "AT":
                raise self.error("AT> load regions are not supported", t)
            value = self.next()
            if t.text == ">":
                region = value.text
        return OutputSection(name_tok.text, address, align, noload, tuple(commands), name_tok.loc, region)

    def skip_parens_from_open(self) -> None:
        self.skip_parens()

    def input_spec(self) -> InputSpec:
        t = self.next()
        if t.kind not in ("name", "op") or t.text in ("(", ")"):
            raise self.error(f"expected an input section description, found '{t.text}'", t)
        file_pattern = t.text
        if file_pattern in ("SORT", "SORT_BY_NAME", "SORT_NONE", "SORT_BY_ALIGNMENT"):
            self.expect("(")
            inner = self.input_spec()
            self.expect(")")
            return inner
        if not self.accept("("):
            # a bare file name: all its sections
            return InputSpec(file_pattern, ("*",))
        patterns: list[str] = []
        while not self.accept(")"):
            p = self.next()
            if p.kind == "eof":
                raise self.error("unterminated input section list")
            if p.text == "EXCLUDE_FILE":
                self.skip_parens()
                continue
            if p.text in ("SORT", "SORT_BY_NAME", "SORT_NONE", "SORT_BY_ALIGNMENT", "SORT_BY_INIT_PRIORITY"):
                self.expect("(")
                while not self.accept(")"):
                    patterns.append(self.next().text)
                continue
            if p.text == ",":
                continue
            patterns.append(p.text)
        return InputSpec(file_pattern, tuple(patterns))

    # expressions
    def expr(self) -> LExpr:
        cond = self.binary(0)
        if self.accept("?"):
            then = self.expr()
            self.expect(":")
            other = self.expr()
            return LCond(cond, then, other)
        return cond

    def binary(self, level: int) -> LExpr:
        if level == len(_BINARY_PREC):
            return self.unary()
        left = self.binary(level + 1)
        while self.peek().kind == "op" and self.peek().text in _BINARY_PREC[level]:
            op = self.next().text
            left = LBinary(op, left, self.binary(level + 1))
        return left

    def unary(self) -> LExpr:
        t = self.peek()
        if t.kind == "op" and t.text in ("-", "~", "!", "+"):
            self.next()
            return LUnary(t.text, self.unary())
        return self.primary()

    def primary(self) -> LExpr:
        t = self.next()
        if t.text == "(":
            e = self.expr()
            self.expect(")")
            return e
        if t.kind == "num":
            return LNum(_parse_number(t.text))
        if t.kind == "name":
            if self.peek().text == "(" and t.text.isupper():
                self.next()
                args: list = []
                while not self.accept(")"):
                    if t.text in ("ADDR", "SIZEOF", "LOADADDR", "ALIGNOF", "CONSTANT", "DEFINED", "ORIGIN",
                                  "LENGTH") or (
                            t.text == "SEGMENT_START" and not args):
                        a = self.next()
                        args.append(a.text.strip('"'))
                    else:
                        args.append(self.expr())
                    self.accept(",")
                if t.text not in _FUNCS:
                    raise self.error(f"unsupported linker-script function {t.text}()", t)
                return LCall(t.text, tuple(args))
            return LSym(t.text)
        if t.kind == "str":
            return LSym(t.text.strip('"'))
        raise self.error(f"expected an expression, found '{t.text or 'end of file'}'", t)


_FUNCS = {"ALIGN", "ADDR", "SIZEOF", "LOADADDR", "DEFINED", "ABSOLUTE", "MAX", "MIN", "CONSTANT", "SEGMENT_START",
          "ORIGIN", "LENGTH",
          "ALIGNOF", "DATA_SEGMENT_ALIGN", "DATA_SEGMENT_END", "DATA_SEGMENT_RELRO_END", "LOG2CEIL"}


def _parse_number(text: str) -> int:
    mult = 1
    if text[-1] in "kK":
        mult, text = 1024, text[:-1]
    elif text[-1] in "mM":
        mult, text = 1024 * 1024, text[:-1]
    return int(text, 0) * mult if not (text.startswith("0") and len(text) > 1 and text[1].isdigit()) else int(
        text, 8) * mult


def parse_script(text: str, file: str = "<script>") -> Script:
    """Parse a linker script; errors are ``LinkError`` with the place."""
    return _Parser(text, file).script()


# --------------------------------------------------------------------------- default script

#: GNU ld's default armelf script (``ld --verbose``), reduced to the sections a
#: freestanding kernel can contain; order, symbols and alignments are ld's.
DEFAULT_SCRIPT_TEXT = """
ENTRY(_start)
SECTIONS
{
  PROVIDE (__executable_start = SEGMENT_START("text-segment", 0x8000)); . = SEGMENT_START("text-segment", 0x8000);
  .init           : { KEEP (*(SORT_NONE(.init))) }
  .text           :
  {
    *(.text.unlikely .text.*_unlikely .text.unlikely.*)
    *(.text.exit .text.exit.*)
    *(.text.startup .text.startup.*)
    *(.text.hot .text.hot.*)
    *(SORT(.text.sorted.*))
    *(.text .stub .text.* .gnu.linkonce.t.*)
    *(.gnu.warning)
    *(.glue_7t) *(.glue_7) *(.vfp11_veneer) *(.v4_bx)
  }
  .fini           : { KEEP (*(SORT_NONE(.fini))) }
  PROVIDE (__etext = .);
  PROVIDE (_etext = .);
  PROVIDE (etext = .);
  .rodata         : { *(.rodata .rodata.* .gnu.linkonce.r.*) }
  .rodata1        : { *(.rodata1) }
  .ARM.extab   : { *(.ARM.extab* .gnu.linkonce.armextab.*) }
  .ARM.exidx   :
    {
      PROVIDE_HIDDEN (__exidx_start = .);
      *(.ARM.exidx* .gnu.linkonce.armexidx.*)
      PROVIDE_HIDDEN (__exidx_end = .);
    }
  . = ALIGN(CONSTANT (MAXPAGESIZE)) + (. & (CONSTANT (MAXPAGESIZE) - 1));
  .preinit_array    :
  {
    PROVIDE_HIDDEN (__preinit_array_start = .);
    KEEP (*(.preinit_array))
    PROVIDE_HIDDEN (__preinit_array_end = .);
  }
  .init_array    :
  {
    PROVIDE_HIDDEN (__init_array_start = .);
    KEEP (*(SORT_BY_INIT_PRIORITY(.init_array.*) SORT_BY_INIT_PRIORITY(.ctors.*)))
    KEEP (*(.init_array .ctors))
    PROVIDE_HIDDEN (__init_array_end = .);
  }
  .fini_array    :
  {
    PROVIDE_HIDDEN (__fini_array_start = .);
    KEEP (*(SORT_BY_INIT_PRIORITY(.fini_array.*) SORT_BY_INIT_PRIORITY(.dtors.*)))
    KEEP (*(.fini_array .dtors))
    PROVIDE_HIDDEN (__fini_array_end = .);
  }
  .data.rel.ro : { *(.data.rel.ro.local* .gnu.linkonce.d.rel.ro.local.*) *(.data.rel.ro .data.rel.ro.* .gnu.linkonce.d.rel.ro.*) }
  .data           :
  {
    __data_start = .;
    *(.data .data.* .gnu.linkonce.d.*)
  }
  .data1          : { *(.data1) }
  _edata = .; PROVIDE (edata = .);
  .persistent :
  {
    . = ALIGN(32 / 8);
    PROVIDE (__persistent_start = .);
    *(.persistent .persistent.* .gnu.linkonce.p.*)
    . = ALIGN(32 / 8);
    PROVIDE (__persistent_end = .);
  }
  . = .;
  __bss_start = .;
  __bss_start__ = .;
  .bss            :
  {
   *(.dynbss)
   *(.bss .bss.* .gnu.linkonce.b.*)
   *(COMMON)
   . = ALIGN(. != 0 ? 32 / 8 : 1);
  }
  _bss_end__ = .; __bss_end__ = .;
  .noinit (NOLOAD) :
  {
    . = ALIGN(32 / 8);
    PROVIDE (__noinit_start = .);
    *(.noinit .noinit.* .gnu.linkonce.n.*)
    . = ALIGN(32 / 8);
    PROVIDE (__noinit_end = .);
  }
  . = ALIGN(32 / 8);
  . = SEGMENT_START("ldata-segment", .);
  . = ALIGN(32 / 8);
  __end__ = .;
  _end = .; PROVIDE (end = .);
  .stack         0x80000 :
  {
    _stack = .;
    *(.stack)
  }
  /DISCARD/ : { *(.note.GNU-stack) *(.gnu_debuglink) *(.gnu.lto_*) }
}
"""

_default: Script | None = None


def default_script() -> Script:
    global _default
    if _default is None:
        _default = parse_script(DEFAULT_SCRIPT_TEXT, "<default linker script>")
    return _default

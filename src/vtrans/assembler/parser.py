"""GNU-as assembly -> IR: the front end's public entry points.

``parse_file(path, include_dirs=())`` and ``parse_text(text, filename,
include_dirs=())`` return a flat ``Program``.  The pipeline:

1. ``expand.Expander`` does what gas does textually (comments, ``;``,
   macros, ``.rept``/``.irp``, ``.if``, ``.include``) and yields statement
   lines with their source locations;
2. runs of those lines are parsed in one go by a Lark LALR parser built once
   per ISA from ``grammar/gas.lark`` (ISA-neutral: labels, directives,
   expressions) with the ISA plugin's operand grammar appended
   (``vtrans/isa/<name>/syntax.lark``); the transformer runs inside the
   parser (no parse tree is built);
3. the ISA's ``build_instruction`` splits each mnemonic by its table and
   types the operands; directives get their arguments checked here.

Every failure is an ``AsmError`` with ``file:line:col`` and the source line;
no Lark exception escapes.
"""

from __future__ import annotations

import gc
import importlib
import logging
import os
import re
from functools import lru_cache
from importlib import resources
from types import ModuleType
from typing import Sequence

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

import vtrans.isa
from vtrans.assembler.expand import Expander, Item, SrcLine
from vtrans.assembler.ir import (
    Binary,
    Directive,
    Dot,
    Expr,
    Float,
    Instruction,
    Label,
    LocalRef,
    Num,
    Program,
    Statement,
    Str,
    Sym,
    Unary,
)
from vtrans.errors import AsmError, SourceLoc, VtransError

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------- directives

#: every directive the front end accepts (without the dot).  Anything else is
#: "unknown directive".  Raw-text ones are handled in expand.py.
KNOWN_DIRECTIVES: frozenset[str] = frozenset(
    """
    text data bss section pushsection popsection previous subsection
    global globl weak weakref local hidden protected internal type size symver
    align p2align balign balignw balignl p2alignw p2alignl
    word long int short hword 2byte 4byte 8byte quad byte value inst inst.n inst.w
    uleb128 sleb128 ascii asciz string string8 string16 space skip zero fill org
    comm lcomm ident file ltorg pool set equ equiv eqv incbin print warning
    eabi_attribute
    cfi_startproc cfi_endproc cfi_def_cfa cfi_def_cfa_offset cfi_def_cfa_register
    cfi_offset cfi_rel_offset cfi_adjust_cfa_offset cfi_restore cfi_undefined
    cfi_same_value cfi_register cfi_remember_state cfi_restore_state cfi_return_column
    cfi_signal_frame cfi_escape cfi_personality cfi_lsda cfi_window_save cfi_val_offset
    """.split()
)
#: directives whose arguments are all symbol names, or start with one
_SYMBOL_LIST_DIRECTIVES = frozenset("global globl weak local hidden protected internal".split())
_SYMBOL_FIRST_DIRECTIVES = frozenset("set equ equiv eqv type size comm lcomm weakref symver".split())
#: directives whose first argument is a section name (kept as a plain string)
_SECTION_NAME_DIRECTIVES = frozenset({"section", "pushsection"})


def unescape(token: str) -> bytes:
    """A gas string literal (with quotes) -> bytes (gas read.c next_char_of_string)."""
    s = token[1:-1]
    if "\\" not in s:
        return s.encode("utf-8", "surrogateescape")
    out = bytearray()
    i, n = 0, len(s)
    simple = {"n": 10, "t": 9, "r": 13, "b": 8, "f": 12, "v": 11, "a": 7, "e": 27, "\\": 92, '"': 34, "'": 39}
    while i < n:
        c = s[i]
        if c != "\\" or i + 1 >= n:
            out += c.encode("utf-8", "surrogateescape")
            i += 1
            continue
        c = s[i + 1]
        i += 2
        if c in "01234567":
            j = i
            while j < n and j < i + 2 and s[j] in "01234567":
                j += 1
            out.append(int(c + s[i:j], 8) & 0xFF)
            i = j
        elif c in "xX":
            j = i
            while j < n and s[j] in "0123456789abcdefABCDEF":
                j += 1
            out.append(int(s[i:j] or "0", 16) & 0xFF)
            i = j
        elif c in simple:
            out.append(simple[c])
        else:
            out += c.encode("utf-8", "surrogateescape")
    return bytes(out)


def _char_value(tok: str) -> int:
    body = tok[1:]
    if body.endswith("'") and len(body) > 1:
        body = body[:-1]
    if body.startswith("\\"):
        b = unescape('"' + body + '"')
        return b[0] if b else 0
    return ord(body[0]) if body else 0


MAX_EXPR_DEPTH = 256


class _TokenError(Exception):
    """An error found by a transformer callback at a token (mapped to a SourceLoc later)."""

    def __init__(self, message: str, token: Token):
        super().__init__(message)
        self.message = message
        self.token = token


def _number(tok: Token) -> Expr:
    s = str(tok)
    try:
        last = s[-1]
        if last in "bfBF" and s[:-1].isdigit():
            return LocalRef(int(s[:-1]), last in "fF")
        if len(s) > 2 and s[1] in "xX" and s[0] == "0":
            return Num(int(s[2:], 16))
        if len(s) > 2 and s[1] in "bB" and s[0] == "0":
            return Num(int(s[2:], 2))
        if s[0] == "0" and len(s) > 1:
            return Num(int(s, 8))  # gas: a leading 0 means octal
        return Num(int(s, 10))
    except ValueError:
        shown = s if len(s) <= 40 else s[:37] + "..."
        raise _TokenError(f"bad number '{shown}'", tok) from None


class _GasTransformer(Transformer):
    """Callbacks for gas.lark; the ISA's operand callbacks are mixed in."""

    def start(self, children):
        return children

    def labelled(self, children):
        return children

    def bare(self, children):
        return children

    @v_args(inline=True)
    def label_name(self, tok):
        return ("label", tok)

    @v_args(inline=True)
    def label_num(self, tok):
        if not str(tok).isdigit():
            raise _TokenError(f"bad label '{tok}'", tok)
        return ("label", tok)

    def stmt(self, children):
        return ("stmt", children[0], children[1] if len(children) > 1 else [])

    def operands(self, children):
        # COMMA tokens are kept so that empty operands (".p2align 2,,3") show up as None
        out: list = []
        cur = None
        for c in children:
            if isinstance(c, Token) and c.type == "COMMA":
                out.append(cur)
                cur = None
            else:
                cur = c
        out.append(cur)
        return out

    @v_args(inline=True)
    def number(self, tok):
        return _number(tok)

    @v_args(inline=True)
    def float(self, tok):
        return Float(str(tok))

    @v_args(inline=True)
    def char(self, tok):
        return Num(_char_value(str(tok)))

    @v_args(inline=True)
    def name(self, tok):
        s = str(tok)
        if s == ".":
            return Dot()
        node = Sym(s)
        self._cols[id(node)] = tok.column  # where operand errors about this name point
        return node

    # Expressions nest at most MAX_EXPR_DEPTH deep: the printer and the
    # evaluators recurse over them.  Depths are kept per node while parsing.
    _depth: dict[int, int]
    _cols: dict[int, int]

    def _deeper(self, op: Token, *children) -> int:
        depths = self._depth
        d = 1 + max(depths.get(id(c), 0) for c in children)
        if d > MAX_EXPR_DEPTH:
            raise _TokenError(f"expression nested too deeply (more than {MAX_EXPR_DEPTH} levels)", op)
        return d

    @v_args(inline=True)
    def binary(self, left, op, right):
        d = self._deeper(op, left, right)
        node = Binary(str(op), left, right)
        self._depth[id(node)] = d
        return node

    @v_args(inline=True)
    def xor(self, left, op, _op2, right):
        # "a !! b" / "a ! ! b": gas's MRI spelling of a ^ b (see gas.lark)
        d = self._deeper(op, left, right)
        node = Binary("^", left, right)
        self._depth[id(node)] = d
        return node

    @v_args(inline=True)
    def unary(self, op, operand):
        d = self._deeper(op, operand)
        node = Unary(str(op), operand)
        self._depth[id(node)] = d
        return node


def _gas_grammar() -> str:
    return resources.files("vtrans.assembler").joinpath("grammar/gas.lark").read_text()


class Frontend:
    """The parser for one ISA: a Lark LALR parser (built once) and the ISA's syntax module."""

    def __init__(self, isa_name: str = "arm"):
        isa = vtrans.isa.get(isa_name)
        self.isa_name = isa_name
        self.syntax: ModuleType = importlib.import_module(type(isa).__module__ + ".syntax")
        transformer_cls = type("_Transformer", (_GasTransformer, self.syntax.OperandTransformer), {})
        grammar = _gas_grammar() + "\n" + self.syntax.GRAMMAR
        self._transformer = transformer_cls()
        self._transformer._depth = {}
        self._transformer._cols = {}
        self.lark = Lark(grammar, parser="lalr", lexer="basic", transformer=self._transformer,
                         maybe_placeholders=False, cache=True)  # grammar analysis cached on disk by Lark

    # ------------------------------------------------------------------ parsing lines

    def parse_lines(self, lines: Sequence[Item], cache: dict | None = None) -> list[Statement]:
        """Parse statement lines (no newlines inside); IR statements among
        them (built by the expander) are passed through in place.

        Lines whose text is in ``cache`` (text -> statements parsed earlier
        from the same text) are not parsed again: gcc output repeats lines a
        lot (``ldr r3, [fp, #-8]``), and the IR is immutable, so only the
        location changes.  All other lines are parsed in one Lark run.
        """
        if not lines:
            return []
        if cache is None:
            cache = {}
        per_line: list = [None] * len(lines)
        todo: list[int] = []          # lines for Lark, one per distinct text
        pending: dict[str, int] = {}  # text -> its line in todo
        later: list[int] = []         # lines whose text is pending
        fast = self._fast
        for i, ln in enumerate(lines):
            if type(ln) is not SrcLine:
                continue
            text = ln.text
            hit = cache.get(text)
            if hit is None:
                if text in pending:
                    later.append(i)
                    continue
                hit = fast(ln)
                if hit is None:
                    pending[text] = i
                    todo.append(i)
                    continue
                cache[text] = hit
            per_line[i] = hit
        if todo:
            batch = [lines[i] for i in todo]
            parsed = self._parse_batch(batch)
            for i, stmts in zip(todo, parsed):
                per_line[i] = stmts
                cache[lines[i].text] = stmts
            for i in later:
                per_line[i] = cache[lines[i].text]
        out: list[Statement] = []
        append = out.append
        for i, ln in enumerate(lines):
            stmts = per_line[i]
            if stmts is None:  # an IR statement from the expander
                append(ln)
                continue
            for st, relcol in stmts:
                loc = st.loc
                if loc.line != ln.line or loc.col != ln.col + relcol + 1 or loc.file != ln.file:
                    st = _relocated(st, SourceLoc(ln.file, ln.line, ln.col + relcol + 1))
                append(st)
        return out

    def _fast(self, ln: SrcLine) -> list[tuple[Statement, int]] | None:
        """The two commonest shapes of statement, without Lark: a lone label, and
        a head word whose operands are names, decimal numbers, ``#``decimals,
        ``name+decimal``, ``.-name`` or ``%name``.  The result is exactly what the grammar
        gives (a test checks this); any other line returns None.
        """
        m = _FAST_LABEL.match(ln.text)
        if m is not None:
            return [(Label(m.group(1), SourceLoc(ln.file, ln.line, ln.col + m.start(1) + 1)), m.start(1))]
        m = _FAST_STMT.match(ln.text)
        if m is None:
            return None
        head = m.group(1)
        if head == ".":
            return None
        raw: list = []
        if m.group(2) is not None:
            for op in m.group(2).split(","):
                op = op.strip()
                c = op[0]
                if c == "#":
                    raw.append(("imm", Num(int(op[1:])), None, 0))
                elif c == "%":
                    raw.append(("type", op[1:]))
                elif c in "0123456789":
                    raw.append(("expr", Num(int(op))))
                elif op == ".":
                    return None
                elif op[:2] == ".-":  # .size f, .-f
                    raw.append(("expr", Binary("-", Dot(), Sym(op[2:]))))
                else:
                    k = max(op.find("+"), op.find("-"))
                    if k > 0:
                        if op[:k] == ".":
                            return None
                        raw.append(("expr", Binary(op[k], Sym(op[:k]), Num(int(op[k + 1:])))))
                    else:
                        raw.append(("expr", Sym(op)))
        col = m.start(1)
        loc = SourceLoc(ln.file, ln.line, ln.col + col + 1)
        try:
            return [(self._statement(("stmt", head, raw), ln, loc), col)]
        except AsmError as e:
            if e.source_line is None:
                e.source_line = ln.source
            raise

    def _parse_batch(self, lines: Sequence[SrcLine]) -> list[list[tuple[Statement, int]]]:
        """One Lark run over ``lines``; per line, its statements with their column in the line text."""
        text = "\n".join(ln.text for ln in lines)
        self._transformer._depth = {}  # node ids are only meaningful during one parse
        self._transformer._cols = {}
        try:
            result = self.lark.parse(text)
        except _TokenError as e:
            raise self._at(lines, e.token.line, e.token.column, e.message) from None
        except UnexpectedInput as e:
            raise self._syntax_error(lines, e) from None
        except LarkError as e:  # pragma: no cover - any other Lark failure is still a user-facing error
            raise AsmError(f"syntax error: {e}", lines[0].loc(), source_line=lines[0].source) from None
        per_line: list[list[tuple[Statement, int]]] = [[] for _ in lines]
        for line_items in result:
            for item in line_items:
                tok = item[1]
                idx = tok.line - 1
                ln = lines[idx]
                loc = SourceLoc(ln.file, ln.line, ln.col + tok.column)
                try:
                    per_line[idx].append((self._statement(item, ln, loc), tok.column - 1))
                except AsmError as e:
                    if e.source_line is None:
                        e.source_line = ln.source
                    if e.loc is None:
                        e.loc = loc
                    raise
        return per_line

    def _statement(self, item: tuple, ln: SrcLine, loc: SourceLoc) -> Statement:
        kind = item[0]
        if kind == "label":
            return Label(str(item[1]), loc)
        head = str(item[1])
        ops = item[2]
        if len(ops) == 1 and ops[0] is not None and ops[0][0] == "lit" and head[0] != ".":
            return Directive("set", (Sym(head), ops[0][1]), loc)  # sym = expr
        if head[0] == ".":
            return self._directive(head, item[2], ln, loc)

        def loc_at(col: int) -> SourceLoc:
            return SourceLoc(ln.file, ln.line, ln.col + col) if col else loc

        return self.syntax.build_instruction(item[1], item[2], loc, loc_at)

    def _directive(self, head: str, raw_ops: list, ln: SrcLine, loc: SourceLoc) -> Directive:
        name = head[1:].lower()
        if name not in KNOWN_DIRECTIVES:
            if name in ("thumb", "thumb_func", "code16"):
                raise AsmError("Thumb is not supported yet", loc)
            raise AsmError(f"unknown directive '{head}'", loc)
        args: list = []
        for raw in raw_ops:
            if raw is None:
                args.append(None)
            elif raw[0] == "expr":
                args.append(raw[1])
            elif raw[0] == "str":
                args.append(Str(unescape(str(raw[1]))))
            elif raw[0] == "type":
                args.append("%" + str(raw[1]))
            else:
                raise AsmError(f"unexpected operand in directive '{head}'", loc)
        if name in _SECTION_NAME_DIRECTIVES and args:
            args[0] = _section_name(args[0], loc)
        elif name in _SYMBOL_LIST_DIRECTIVES:
            if not args or not all(isinstance(a, Sym) for a in args):
                raise AsmError(f"'{head}' takes symbol names", loc)
        elif name in _SYMBOL_FIRST_DIRECTIVES:
            if not args or not isinstance(args[0], Sym):
                raise AsmError(f"'{head}' needs a symbol name first", loc)
        return Directive(name, tuple(args), loc)

    def parse_expr(self, text: str, ln: SrcLine) -> Expr:
        """Parse one expression (``.if``/``.rept`` argument) written on ``ln``."""
        probe = SrcLine(".word " + text, ln.file, ln.line, ln.col + len(ln.text) - len(text) - 6, ln.source)
        stmts = self.parse_lines([probe])
        if len(stmts) != 1 or not isinstance(stmts[0], Directive) or len(stmts[0].args) != 1 \
                or stmts[0].args[0] is None or isinstance(stmts[0].args[0], (Str, str)):
            raise ln.error(f"expected one expression, got '{text}'")
        return stmts[0].args[0]

    # ------------------------------------------------------------------ errors

    def _at(self, lines: Sequence[SrcLine], line: int | None, column: int | None, message: str) -> AsmError:
        if not line or line > len(lines):
            line = len(lines)
        ln = lines[line - 1]
        return AsmError(message, SourceLoc(ln.file, ln.line, ln.col + (column or 1)), source_line=ln.source)

    def _syntax_error(self, lines: Sequence[SrcLine], e: UnexpectedInput) -> AsmError:
        if isinstance(e, UnexpectedCharacters):
            ln_text = lines[min(e.line, len(lines)) - 1].text if e.line else ""
            ch = ln_text[e.column - 1] if 0 < e.column <= len(ln_text) else "?"
            ch = ch if ch.isprintable() else repr(ch)[1:-1]
            return self._at(lines, e.line, e.column, f"syntax error: unexpected character '{ch}'")
        if isinstance(e, UnexpectedEOF):
            return self._at(lines, len(lines), len(lines[-1].text) + 1, "syntax error: unexpected end of input")
        assert isinstance(e, UnexpectedToken)
        tok = e.token
        expected = _describe_expected(e.expected)
        if tok.type in ("_NL", "$END"):
            line = tok.line if tok.type == "_NL" else len(lines)
            col = tok.column if tok.type == "_NL" else len(lines[-1].text) + 1
            for closer, text in (("RSQB", "']'"), ("RBRACE", "'}'"), ("RPAR", "')'")):
                if closer in (e.expected or ()):  # the commonest slip: an unclosed bracket
                    return self._at(lines, line, col, f"syntax error: missing {text} at end of line{expected}")
            return self._at(lines, line, col, f"syntax error: unexpected end of line{expected}")
        return self._at(lines, tok.line, tok.column, f"syntax error: unexpected '{tok}'{expected}")


_TERMINAL_TEXT = {
    "COMMA": "','", "RSQB": "']'", "LSQB": "'['", "RBRACE": "'}'", "LBRACE": "'{'", "RPAR": "')'",
    "LPAR": "'('", "COLON": "':'", "NAME": "a name", "NUMBER": "a number", "STRING": "a string",
    "HASH": "'#'", "_NL": "end of line", "EQUAL": "'='", "BANG": "'!'", "MINUS": "'-'",
}


def _describe_expected(expected) -> str:
    names = sorted({_TERMINAL_TEXT.get(t, "") for t in (expected or ())} - {""})
    if not names or len(names) > 6:
        return ""
    return " (expected " + ", ".join(names) + ")"


def _section_name(arg, loc: SourceLoc) -> str:
    if isinstance(arg, str):
        return arg
    if isinstance(arg, Str):
        return arg.value.decode("utf-8", "surrogateescape")
    if arg is None:
        raise AsmError("missing section name", loc)
    return _expr_text(arg)


def _expr_text(e: Expr) -> str:
    """Compact source text of a name-like expression (``.note.GNU-stack`` lexes as a subtraction)."""
    if isinstance(e, Sym):
        return e.name
    if isinstance(e, Num):
        return str(e.value)
    if isinstance(e, Dot):
        return "."
    if isinstance(e, Binary):
        return _expr_text(e.left) + e.op + _expr_text(e.right)
    if isinstance(e, Unary):
        return e.op + _expr_text(e.operand)
    if isinstance(e, LocalRef):
        return f"{e.number}{'f' if e.forward else 'b'}"
    return str(e)


_F_NAME = r"[A-Za-z_.$][A-Za-z0-9_.$]*"
_F_DEC = r"(?:[1-9][0-9]{0,17}|0)(?![A-Za-z0-9_.$])"  # bigger numbers take the grammar's path
_F_OP = rf"(?:#{_F_DEC}|{_F_DEC}|%{_F_NAME}|\.-{_F_NAME}|{_F_NAME}(?:[+-]{_F_DEC})?)"
_FAST_LABEL = re.compile(rf"[ \t]*({_F_NAME}|[0-9]+)[ \t]*:[ \t]*\Z")
_FAST_STMT = re.compile(rf"[ \t]*({_F_NAME})(?:[ \t]+({_F_OP}(?:[ \t]*,[ \t]*{_F_OP})*))?[ \t]*\Z")


def _relocated(st: Statement, loc: SourceLoc) -> Statement:
    if isinstance(st, Instruction):
        return Instruction(st.mnemonic, st.operands, st.cond, st.setflags, st.suffix, st.width, loc)
    if isinstance(st, Label):
        return Label(st.name, loc)
    return Directive(st.name, st.args, loc)


@lru_cache(maxsize=None)
def frontend(isa_name: str = "arm") -> Frontend:
    """The (cached) front end of one ISA."""
    return Frontend(isa_name)


# --------------------------------------------------------------------------- public API


def parse_text(text: str, filename: str = "<input>", include_dirs: Sequence[str | os.PathLike] = (),
               *, isa: str = "arm") -> Program:
    """Parse GNU-as source text into a flat ``Program`` (raises ``AsmError``)."""
    gc_was_enabled = gc.isenabled()
    # the parse allocates many small immutable objects and frees none of them:
    # cyclic GC passes over them are pure cost (about 15% of the parse)
    gc.disable()
    try:
        fe = frontend(isa)
        cache: dict = {}
        expander = Expander(lambda ln: fe.parse_lines([ln], cache), fe.parse_expr, include_dirs)
        items = expander.expand(text, filename)
        return Program(filename, tuple(fe.parse_lines(items, cache)), isa)
    except VtransError:
        raise
    except RecursionError:
        raise AsmError("expression or nesting too deep", SourceLoc(filename, 1, 1)) from None
    finally:
        if gc_was_enabled:
            gc.enable()


def parse_file(path: str | os.PathLike, include_dirs: Sequence[str | os.PathLike] = (), *, isa: str = "arm") -> Program:
    """Parse a GNU-as source file (``.include`` is relative to it, then to ``include_dirs``)."""
    p = os.fspath(path)
    try:
        with open(p, encoding="utf-8", errors="surrogateescape") as f:
            text = f.read()
    except OSError as e:
        raise AsmError(f"cannot read '{p}': {e.strerror}") from None
    if "\0" in text[:4096]:
        raise AsmError("binary data, not assembly source (a raw image? the commands that take images "
                       "want an ELF file)", SourceLoc(p, 1, 1))
    return parse_text(text, p, include_dirs, isa=isa)


__all__ = ["parse_file", "parse_text", "frontend", "Frontend", "KNOWN_DIRECTIVES", "unescape"]

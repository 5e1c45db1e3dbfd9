"""IR -> GNU-as text.  The output assembles with GNU as and parses back to the
same IR (``parse_text(print_program(p)).statements == p.statements``).

Instructions are printed by the ISA plugin's syntax module, in unified
syntax, or in divided syntax while a ``.syntax divided`` directive is in
effect (gas's default for ARM is divided, and divided syntax rejects the
unified spellings ``addseq``/``ldrbeq``).  Expressions are rendered with the
fewest parentheses gas's precedence allows; ``format_instruction`` takes an
optional ``expr`` callable that renders every expression instead (the back
end uses it to hand keystone evaluated numbers).
"""

from __future__ import annotations

import importlib
import re
from functools import lru_cache
from types import ModuleType
from typing import Callable

import vtrans.isa
from vtrans.assembler.ir import (
    Binary, Directive, Dot, Expr, Float, Instruction, Label, LocalRef, Num, Program, Str, Sym, Unary,
)

ExprFmt = Callable[[Expr], str]

#: gas expr.c operator ranks (higher binds tighter); unary operators bind tightest
_RANK: dict[str, int] = {
    "||": 1, "&&": 2,
    "==": 3, "!=": 3, "<>": 3, "<": 3, ">": 3, "<=": 3, ">=": 3,
    "+": 4, "-": 4,
    "|": 5, "&": 5, "^": 5, "!": 5,
    "*": 6, "/": 6, "%": 6, "<<": 6, ">>": 6,
}
_UNARY_RANK = 7
_PLAIN_NAME = re.compile(r"[A-Za-z_.$][A-Za-z0-9_.$]*\Z")


def format_expr(e: Expr) -> str:
    """Source form of an expression."""
    return _fmt(e, 0)


def _fmt(e, ctx_rank: int) -> str:
    if isinstance(e, Num):
        v = e.value
        text = str(v) if -0x10000 < v < 0x10000 else (hex(v) if v >= 0 else "-" + hex(-v))
        if v < 0 and ctx_rank >= _UNARY_RANK:
            return f"({text})"
        return text
    if isinstance(e, Sym):
        return e.name if _PLAIN_NAME.match(e.name) else '"' + e.name.replace('"', '\\"') + '"'
    if isinstance(e, LocalRef):
        return f"{e.number}{'f' if e.forward else 'b'}"
    if isinstance(e, Dot):
        return "."
    if isinstance(e, Float):
        return e.text
    if isinstance(e, Unary):
        inner = _fmt(e.operand, _UNARY_RANK)
        # keep "- -x" from turning into the token "--" sequences that read differently
        sep = " " if inner[:1] in "+-~!" else ""
        return f"{e.op}{sep}{inner}"
    if isinstance(e, Binary):
        r = _RANK[e.op]
        left = _fmt(e.left, r)
        if e.op == "!" and isinstance(e.left, (Sym, Dot)):
            left = f"({left})"  # "name !" would read as a writeback register (ldm r0!, ...)
        right = _fmt(e.right, r + 1)
        if e.op == "!" and right.startswith("!"):
            right = f"({right})"  # gas reads "a ! !b" as "a !! b", i.e. a ^ b
        text = f"{left} {e.op} {right}"
        return f"({text})" if r < ctx_rank else text
    if isinstance(e, Str):
        return format_string(e.value)
    raise TypeError(f"not an expression: {e!r}")


def format_string(value: bytes) -> str:
    """A gas string literal for ``value`` (printable ASCII verbatim, the rest as octal escapes)."""
    out = ['"']
    for b in value:
        if b == 0x22:
            out.append('\\"')
        elif b == 0x5C:
            out.append("\\\\")
        elif b == 0x0A:
            out.append("\\n")
        elif b == 0x09:
            out.append("\\t")
        elif 0x20 <= b < 0x7F:
            out.append(chr(b))
        else:
            out.append(f"\\{b:03o}")
    out.append('"')
    return "".join(out)


@lru_cache(maxsize=None)
def _syntax(isa_name: str) -> ModuleType:
    isa = vtrans.isa.get(isa_name)
    return importlib.import_module(type(isa).__module__ + ".syntax")


def format_instruction(insn: Instruction, expr: ExprFmt | None = None, *, isa: str = "arm",
                       divided: bool = False) -> str:
    """One instruction as GNU-as text (unified syntax unless ``divided``).

    ``expr`` renders every expression (default: the source form).
    """
    return _syntax(isa).format_instruction(insn, expr or format_expr, divided)


def _fmt_arg(a, fx: ExprFmt) -> str:
    if a is None:
        return ""
    if isinstance(a, str):
        return a
    if isinstance(a, Str):
        return format_string(a.value)
    return fx(a)


def format_directive(d: Directive, expr: ExprFmt | None = None) -> str:
    fx = expr or format_expr
    if d.name == "section" or d.name == "pushsection":
        args = list(d.args)
        if args and isinstance(args[0], str) and not _PLAIN_NAME.match(args[0]) \
                and not re.fullmatch(r"[\w.$-]+", args[0]):
            args[0] = format_string(args[0].encode("utf-8", "surrogateescape"))
        return "." + d.name + (" " + ", ".join(_fmt_arg(a, fx) for a in args) if args else "")
    if not d.args:
        return "." + d.name
    return f".{d.name} " + ", ".join(_fmt_arg(a, fx) for a in d.args)


def print_program(program: Program) -> str:
    """The whole program as GNU-as source (one statement per line)."""
    syn = _syntax(program.isa)
    format_mnemonic, format_operands = syn.format_mnemonic, syn.format_operands
    divided = False
    lines: list[str] = []
    append = lines.append
    # The parser shares one operand (argument) tuple between statements of the
    # same text; all statements stay alive while printing, so the tuple's id
    # is a sound key for the text of its operands.
    ops_text: dict[int, str] = {}
    dir_text: dict[tuple[str, int], str] = {}
    for st in program.statements:
        t = type(st)
        if t is Instruction:
            ops = ops_text.get(id(st.operands))
            if ops is None:
                ops = ops_text[id(st.operands)] = (" " + format_operands(st.operands, format_expr)
                                                   if st.operands else "")
            append("\t" + format_mnemonic(st, divided) + ops)
        elif t is Label:
            append(st.name + ":")
        elif t is Directive:
            if st.name == "syntax" and st.args:
                divided = str(st.args[0]).strip().lower() == "divided"
            key = (st.name, id(st.args))
            text = dir_text.get(key)
            if text is None:
                text = dir_text[key] = "\t" + format_directive(st)
            append(text)
        else:
            raise TypeError(f"not a statement: {st!r}")
    return "\n".join(lines) + "\n"


__all__ = ["print_program", "format_instruction", "format_expr", "format_directive", "format_string"]

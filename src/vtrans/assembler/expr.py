"""Evaluation of GNU-as expressions (``.if``, ``.set``, and the back end's layout).

Semantics follow gas's ``expr.c`` as measured with ``arm-none-eabi-as``:

* arithmetic is done in 64-bit two's complement (gas's ``offsetT`` on a 64-bit
  host) and wrapped after every operation: ``.if 0xffffffff == -1`` is false,
  and ``-8 >> 1`` is the logical shift ``0x7ffffffffffffffc``.  Whoever emits a
  value into a 8/16/32-bit field truncates it (``Value.u32``);
* comparisons (``== != <> < > <= >=``, signed) give -1 for true and 0 for
  false; ``&&``, ``||`` and unary ``!`` give 1/0; binary ``!`` is or-not;
* ``/`` and ``%`` truncate toward zero; division by zero warns and divides
  by one (``x / 0 == x``, ``x % 0 == 0``), as gas does.

Relocatable values
------------------
A ``Value`` is ``base + offset``.  ``base`` is None for an absolute value;
otherwise it names what the value is relative to — normally a section name,
but it is opaque here: the caller's ``lookup`` decides (the back end may use
an undefined symbol's name as its base to build a relocation).  The rules:

* ``rel + abs``, ``abs + rel``, ``rel - abs`` keep the base;
* ``rel - rel`` with the same base is absolute (``.size f, . - f``,
  ``label2 - label1`` in one section);
* comparisons of two values with the same base compare offsets;
* anything else on a relocatable value raises ``AsmError`` ("not absolute").

``lookup(name)`` returns a ``Value``, a plain ``int`` (absolute) or None
(undefined: an ``AsmError`` is raised).  ``local(ref)`` resolves numeric
local-label references (``1b``/``1f``); ``dot`` is the location counter.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable

from vtrans.assembler.ir import Binary, Dot, Expr, Float, LocalRef, Num, Str, Sym, Unary
from vtrans.errors import AsmError, SourceLoc

log = logging.getLogger(__name__)

_MASK64 = (1 << 64) - 1


def wrap64(v: int) -> int:
    """Wrap to signed 64-bit, like gas's offsetT."""
    v &= _MASK64
    return v - (1 << 64) if v >> 63 else v


@dataclass(frozen=True, slots=True)
class Value:
    """``base + offset``; ``base`` None means absolute."""

    base: str | None
    offset: int

    @property
    def absolute(self) -> bool:
        return self.base is None

    @property
    def u32(self) -> int:
        return self.offset & 0xFFFFFFFF


Lookup = Callable[[str], "Value | int | None"]
LocalLookup = Callable[[LocalRef], "Value | int | None"]


def _as_value(v: Value | int) -> Value:
    return v if isinstance(v, Value) else Value(None, wrap64(v))


def evaluate(
    expr: Expr,
    lookup: Lookup | None = None,
    dot: Value | int | None = None,
    *,
    local: LocalLookup | None = None,
    loc: SourceLoc | None = None,
) -> Value:
    """Evaluate ``expr``; raises ``AsmError`` (at ``loc``) when it cannot be."""

    def fail(msg: str) -> AsmError:
        return AsmError(msg, loc)

    def ev(e: Expr) -> Value:
        if isinstance(e, Num):
            return Value(None, wrap64(e.value))
        if isinstance(e, Sym):
            v = lookup(e.name) if lookup is not None else None
            if v is None:
                raise fail(f"undefined symbol '{e.name}' in expression")
            return _as_value(v)
        if isinstance(e, Binary):
            return _binary(e.op, ev(e.left), ev(e.right), fail, loc)
        if isinstance(e, Unary):
            v = ev(e.operand)
            if e.op == "+":
                return v
            if not v.absolute:
                raise fail(f"operator '{e.op}' needs an absolute operand")
            x = v.offset
            if e.op == "-":
                return Value(None, wrap64(-x))
            if e.op == "~":
                return Value(None, wrap64(~x))
            if e.op == "!":
                return Value(None, int(x == 0))
            raise fail(f"unknown unary operator '{e.op}'")
        if isinstance(e, Dot):
            if dot is None:
                raise fail("'.' (location counter) is not available here")
            return _as_value(dot)
        if isinstance(e, LocalRef):
            v = local(e) if local is not None else None
            if v is None:
                raise fail(f"undefined local label '{e.number}{'f' if e.forward else 'b'}'")
            return _as_value(v)
        if isinstance(e, Str):
            raise fail("a string is not a numeric expression")
        if isinstance(e, Float):
            raise fail(f"floating-point number '{e.text}' in an integer expression")
        raise fail(f"cannot evaluate {type(e).__name__}")

    return ev(expr)


def _binary(op: str, a: Value, b: Value, fail: Callable[[str], AsmError], loc: SourceLoc | None) -> Value:
    if op == "+":
        if a.absolute:
            return Value(b.base, wrap64(a.offset + b.offset))
        if b.absolute:
            return Value(a.base, wrap64(a.offset + b.offset))
        raise fail("cannot add two relocatable values")
    if op == "-":
        if b.absolute:
            return Value(a.base, wrap64(a.offset - b.offset))
        if a.base == b.base:
            return Value(None, wrap64(a.offset - b.offset))
        raise fail("cannot subtract values relative to different sections (not absolute)")
    if op in _COMPARE:
        if a.base != b.base:
            raise fail(f"operator '{op}' on values relative to different sections")
        return Value(None, -1 if _COMPARE[op](a.offset, b.offset) else 0)
    if not (a.absolute and b.absolute):
        raise fail(f"operator '{op}' needs absolute operands")
    x, y = a.offset, b.offset
    if op == "*":
        r = x * y
    elif op in ("/", "%"):
        if y == 0:
            # GNU as warns and divides by one instead
            log.warning("%sdivision by zero", f"{loc}: " if loc is not None else "")
            y = 1
        q = abs(x) // abs(y)
        q = q if (x < 0) == (y < 0) else -q  # C semantics: truncate toward zero
        r = q if op == "/" else x - q * y
    elif op == "<<":
        r = x << y if 0 <= y < 64 else 0
    elif op == ">>":
        r = (x & _MASK64) >> y if 0 <= y < 64 else 0  # gas shifts the unsigned valueT
    elif op == "|":
        r = x | y
    elif op == "&":
        r = x & y
    elif op == "^":
        r = x ^ y
    elif op == "!":
        r = x | ~y
    elif op == "&&":
        r = int(bool(x) and bool(y))
    elif op == "||":
        r = int(bool(x) or bool(y))
    else:
        raise fail(f"unknown operator '{op}'")
    return Value(None, wrap64(r))


_COMPARE: dict[str, Callable[[int, int], bool]] = {
    "==": lambda x, y: x == y,
    "!=": lambda x, y: x != y,
    "<>": lambda x, y: x != y,
    "<": lambda x, y: x < y,
    ">": lambda x, y: x > y,
    "<=": lambda x, y: x <= y,
    ">=": lambda x, y: x >= y,
}

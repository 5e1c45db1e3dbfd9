"""The intermediate representation of guest assembly.

Immutable dataclasses.  A ``Program`` is the flat list of statements of one
source file after macro, ``.rept``/``.irp``, ``.if`` and ``.include`` expansion
(GNU as expands those textually, so does vtrans).  Every node carries a
``SourceLoc``; locations do not take part in equality, so that
``parse(print(ir)) == ir`` compares meaning, not line numbers.

The statement and expression nodes here are ISA-neutral.  Instruction operands
are ISA-specific node types defined by the ISA plugin (``vtrans.isa.<name>``);
this module only requires them to be frozen dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from vtrans.errors import SourceLoc

_NOLOC = SourceLoc("<none>", 0, 0)


def _loc() -> SourceLoc:
    return field(default=_NOLOC, compare=False, repr=False)  # type: ignore[return-value]


# --------------------------------------------------------------------------- expressions


@dataclass(frozen=True, slots=True)
class Num:
    value: int


@dataclass(frozen=True, slots=True)
class Sym:
    """A reference to a symbol by name."""

    name: str


@dataclass(frozen=True, slots=True)
class LocalRef:
    """A numeric local label reference: ``1b`` (backward) or ``1f`` (forward)."""

    number: int
    forward: bool


@dataclass(frozen=True, slots=True)
class Dot:
    """``.`` — the current location counter."""


@dataclass(frozen=True, slots=True)
class Unary:
    op: str  # '-', '~', '!', '+'
    operand: "Expr"


@dataclass(frozen=True, slots=True)
class Binary:
    op: str  # GNU as operators: * / % << >> | & ^ ! + - == != <> < > <= >= && ||
    left: "Expr"
    right: "Expr"


@dataclass(frozen=True, slots=True)
class Float:
    """A floating-point literal, kept as written (``vmov.f32 s0, #1.5e+0``, ``.float 2.5``)."""

    text: str


@dataclass(frozen=True, slots=True)
class Str:
    """A string literal (already unescaped) — only in directive arguments."""

    value: bytes


Expr = Union[Num, Sym, LocalRef, Dot, Unary, Binary, Float]


# --------------------------------------------------------------------------- statements


@dataclass(frozen=True, slots=True)
class Label:
    """``name:`` — a symbol label; ``number`` is set for numeric local labels (``1:``)."""

    name: str
    loc: SourceLoc = _loc()

    @property
    def is_numeric(self) -> bool:
        return self.name.isdigit()


@dataclass(frozen=True, slots=True)
class Directive:
    """A directive without its leading dot, name in lower case: ``Directive("word", (Sym("x"),))``.

    ``args`` holds, in source order:

    * expressions (``Num``, ``Sym``, ``Binary`` ...) — symbol-name arguments
      too: ``.global main`` is ``("global", (Sym("main"),))``, ``.set x, 5``
      (and ``x = 5``) is ``("set", (Sym("x"), Num(5)))``;
    * ``Str`` for string literals (unescaped bytes): ``.ascii``, ``.file "a.c"``;
    * plain ``str`` for words: section names (``.section .note.GNU-stack``
      gives ``".note.GNU-stack"``), ``%progbits``/``%function`` types;
    * ``None`` for an empty argument (``.p2align 2,,3``).

    Directives whose operand gas reads as free text (``.arch``, ``.cpu``,
    ``.fpu``, ``.syntax``, ``.code``, ``.loc``, ``.file 1 "a.c"``, the EHABI
    unwinding directives ...) keep it as plain strings, split at top-level
    commas: ``("syntax", ("unified",))``, ``("loc", ("1 5 0",))``.
    """

    name: str
    args: tuple = ()
    loc: SourceLoc = _loc()


@dataclass(frozen=True, slots=True)
class Instruction:
    """A machine instruction in the ISA plugin's operand vocabulary.

    ``mnemonic`` is the base mnemonic in lower case (``"ldm"``, ``"add"``,
    ``"cpsid"``); ``cond`` the condition code (``None`` for always);
    ``setflags`` the ``s`` suffix; ``suffix`` any other mnemonic part the ISA
    keeps (ARM: ``"ia"``, ``"b"``, ``"t"``, ``"bt"``, ``"sb"`` ...); ``width``
    ``".w"``/``".n"`` or ``None``.
    """

    mnemonic: str
    operands: tuple = ()
    cond: str | None = None
    setflags: bool = False
    suffix: str = ""
    width: str | None = None
    loc: SourceLoc = _loc()


Statement = Union[Label, Directive, Instruction]


@dataclass(frozen=True, slots=True)
class Program:
    """One assembly source file, expanded, as a flat tuple of statements."""

    file: str
    statements: tuple[Statement, ...]
    isa: str = "arm"

    def instructions(self):
        return (s for s in self.statements if isinstance(s, Instruction))

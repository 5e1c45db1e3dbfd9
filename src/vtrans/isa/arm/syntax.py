"""GNU-as ARM A32 syntax: the operand grammar's transformer, the post-parse
step that splits mnemonics and classifies operands, and the inverse (printing).

The grammar (``syntax.lark``) parses every word-like operand as ``NAME``
because its meaning depends on the mnemonic: ``c1`` is a coprocessor
register after ``mcr`` but a symbol after ``bl``.  :func:`build_instruction`
runs once the mnemonic is split (by the table in ``mnemonics.py``) and turns
the raw operands into the typed nodes of ``operands.py``.

Raw operands (what the transformer produces, consumed here and, for
directives, by the generic parser) are tuples whose first item is the kind:
``expr``, ``imm``, ``lit``, ``wb``, ``wimm``, ``wword``, ``mem``, ``list``,
``str``, ``type``; an empty operand (``a,,b``) is None.
"""

from __future__ import annotations

from importlib import resources
from typing import Callable

from lark import Token, v_args

from vtrans.assembler.ir import Expr, Instruction, Num, Sym, Unary
from vtrans.errors import AsmError, SourceLoc
from vtrans.isa.arm.mnemonics import MNEMONICS, split_mnemonic
from vtrans.isa.arm.operands import (
    CORE_NAMES,
    Barrier,
    Coproc,
    CReg,
    ExprOperand,
    Iflags,
    Imm,
    Literal,
    Mem,
    Operand,
    Psr,
    Reg,
    RegList,
    Reloc,
    Shift,
    ShiftedReg,
    ShiftOp,
)

#: the operand grammar, appended to the ISA-neutral gas.lark by the parser
GRAMMAR: str = resources.files("vtrans.isa.arm").joinpath("syntax.lark").read_text()

# --------------------------------------------------------------------------- name tables

#: every spelling of a core register -> canonical name (ARM ARM A2.3; gas's APCS aliases)
CORE_REGS: dict[str, str] = {f"r{i}": CORE_NAMES[i] for i in range(16)}
CORE_REGS.update({n: n for n in CORE_NAMES})
CORE_REGS.update({"sb": "r9", "sl": "r10", "wr": "r7"})  # wr: gas's old name for r7
CORE_REGS.update({f"a{i + 1}": CORE_NAMES[i] for i in range(4)})
CORE_REGS.update({f"v{i + 1}": CORE_NAMES[i + 4] for i in range(8)})

VFP_REGS: frozenset[str] = frozenset(
    [f"s{i}" for i in range(32)] + [f"d{i}" for i in range(32)] + [f"q{i}" for i in range(16)]
)
VFP_SYSREGS: frozenset[str] = frozenset("fpsid fpscr fpexc fpinst fpinst2 mvfr0 mvfr1 mvfr2".split())
SHIFTS: frozenset[str] = frozenset("lsl lsr asr ror rrx asl".split())
#: barrier options (ARM ARM A8.8.43 DMB); gas also accepts the numeric #imm form
BARRIERS: frozenset[str] = frozenset(
    "sy st ld ish ishst ishld nsh nshst nshld osh oshst oshld un unst".split()
)
PSR_NAMES: frozenset[str] = frozenset({"cpsr", "spsr", "apsr"})

#: Thumb-only mnemonics (ARM ARM A8.8: cbz/cbnz, it, tbb/tbh exist only in Thumb state)
_THUMB_ONLY = frozenset("cbz cbnz tbb tbh it".split())

_COPROC_BASES = frozenset("mcr mrc mcrr mrrc cdp mcr2 mrc2 mcrr2 mrrc2 cdp2 ldc stc ldc2 stc2".split())
_PSR_BASES = frozenset({"mrs", "msr", "vmrs", "vmsr"})
_BRANCH_BASES = frozenset({"b", "bl"})  # operands are always labels, even if named like a register
_BARRIER_BASES = frozenset({"dmb", "dsb", "isb"})
_CPS_BASES = frozenset({"cpsie", "cpsid"})


# --------------------------------------------------------------------------- transformer


def _col(tok: object) -> int:
    return tok.column if isinstance(tok, Token) and tok.column else 0


class OperandTransformer:
    """Callbacks for the rules of ``syntax.lark`` (mixed into the parser's transformer)."""

    @v_args(inline=True)
    def op_expr(self, e):
        return ("expr", e)

    @v_args(inline=True)
    def op_imm(self, hash_, imm):
        return ("imm", imm[0], imm[1], _col(hash_))

    @v_args(inline=True)
    def op_literal(self, eq, e):
        return ("lit", e, _col(eq))

    @v_args(inline=True)
    def op_writeback(self, name, _bang):
        return ("wb", name)

    @v_args(inline=True)
    def op_word_imm(self, name, _hash, imm):
        return ("wimm", name, imm[0], imm[1])

    @v_args(inline=True)
    def op_word_word(self, name, name2):
        return ("wword", name, name2)

    def op_mem(self, children):
        bang = bool(children) and isinstance(children[-1], Token) and children[-1].type == "BANG"
        inner = children[:-1] if bang else children
        first = inner[0] if inner else None
        # column of the base register, if the generic transformer noted it
        col = getattr(self, "_cols", {}).get(id(first[1]), 0) if first and first[0] == "expr" else 0
        return ("mem", list(inner), bang, col)

    def op_reglist(self, children):
        caret = bool(children) and isinstance(children[-1], Token) and children[-1].type == "CARET"
        items = children[:-1] if caret else children
        return ("list", list(items), caret)

    @v_args(inline=True)
    def op_string(self, tok):
        return ("str", tok)

    @v_args(inline=True)
    def op_type(self, pct, name):
        return ("type", name)

    @v_args(inline=True)
    def imm_plain(self, e):
        return (e, None)

    @v_args(inline=True)
    def imm_reloc(self, name, e):
        return (e, name)  # checked by build_instruction, which knows the location

    @v_args(inline=True)
    def reg_one(self, name):
        return ("one", name)

    @v_args(inline=True)
    def reg_range(self, a, _minus, b):
        return ("range", a, b)

    @v_args(inline=True)
    def reg_number(self, tok):
        return ("num", tok)


# --------------------------------------------------------------------------- classification


class _Ctx:
    """What the operand words mean for one mnemonic."""

    __slots__ = ("base", "loc_at", "vfp", "coproc", "psr", "branch", "barrier", "cps")

    def __init__(self, base: str, loc_at: Callable[[int], SourceLoc]):
        self.base = base
        self.loc_at = loc_at
        self.vfp = MNEMONICS[base].datatypes or base in ("vmrs", "vmsr")
        self.coproc = base in _COPROC_BASES
        self.psr = base in _PSR_BASES
        self.branch = base in _BRANCH_BASES
        self.barrier = base in _BARRIER_BASES
        self.cps = base in _CPS_BASES

    def error(self, msg: str, col: int = 0) -> AsmError:
        return AsmError(msg, self.loc_at(col))

    def reg_name(self, name: str) -> str | None:
        """Canonical register name of ``name`` in this context, or None."""
        low = name.lower()
        r = CORE_REGS.get(low)
        if r is not None:
            return r
        if self.vfp and (low in VFP_REGS or low in VFP_SYSREGS):
            return low
        return None

    def need_reg(self, tok: Token) -> Reg:
        r = self.reg_name(str(tok))
        if r is None:
            raise self.error(f"bad register '{tok}'", _col(tok))
        return Reg(r)

    def word(self, name: str) -> Operand | None:
        """A bare word operand: register, psr, coprocessor name ... or None (a symbol)."""
        if self.branch:
            return None
        r = self.reg_name(name)
        if r is not None:
            return Reg(r)
        low = name.lower()
        if self.psr:
            psr, _, fields = low.partition("_")
            if psr in PSR_NAMES and all(c in "cxsfnzvqg" for c in fields) or low in ("cpsr_all", "spsr_all"):
                return Psr(psr, fields)
        if self.coproc and len(low) >= 2 and low[0] in "pc" and low[1:].isdigit():
            n = int(low[1:])
            if 0 <= n <= 15:
                return Coproc(n) if low[0] == "p" else CReg(n)
        if self.barrier and low in BARRIERS:
            return Barrier(low)
        if self.cps and low and all(c in "aif" for c in low):
            # any order, letters repeated or not, as GNU as takes them: one canonical spelling
            return Iflags("".join(c for c in "aif" if c in low))
        return None


def _shift_of(ctx: _Ctx, raw: tuple) -> Shift | None:
    """The Shift a raw operand spells (``lsl #2``, ``asr r3``, ``rrx``), or None."""
    kind = raw[0]
    if kind == "wimm" and raw[1].lower() in SHIFTS:
        if raw[3] is not None:
            raise ctx.error("relocation operator not allowed in a shift", _col(raw[1]))
        return Shift(_shift_name(raw[1]), raw[2])
    if kind == "wword" and raw[1].lower() in SHIFTS:
        return Shift(_shift_name(raw[1]), ctx.need_reg(raw[2]))
    if kind == "expr" and isinstance(raw[1], Sym) and raw[1].name.lower() == "rrx":
        return Shift(ShiftOp.RRX)
    return None


def _shift_name(tok: str) -> ShiftOp:
    low = tok.lower()
    return ShiftOp.LSL if low == "asl" else ShiftOp(low)


def _reg_of_expr(ctx: _Ctx, e: Expr) -> tuple[Reg, bool] | None:
    """``rm`` / ``-rm`` / ``+rm`` as (Reg, subtract), or None."""
    sub = False
    if isinstance(e, Unary) and e.op in "+-":
        sub, e = e.op == "-", e.operand
    if isinstance(e, Sym):
        r = ctx.reg_name(e.name)
        if r is not None:
            return Reg(r), sub
    return None


def _mem(ctx: _Ctx, raw: tuple) -> Mem:
    items: list = raw[1]
    first = items[0]
    col = raw[3] if len(raw) > 3 else 0
    if first is None or first[0] != "expr" or not isinstance(first[1], Sym):
        raise ctx.error("expected a base register after '['", col)
    base = ctx.reg_name(first[1].name)
    if base is None:
        raise ctx.error(f"bad base register '{first[1].name}'", col)
    offset: Expr | Reg | None = None
    subtract = False
    shift: Shift | None = None
    rest = items[1:]
    if rest:
        off = rest[0]
        if off is None:
            raise ctx.error("empty operand in memory address")
        if off[0] == "imm":
            if off[2] is not None:
                raise ctx.error(f"':{off[2]}:' not allowed in a memory offset", off[3])
            offset = off[1]
        elif off[0] == "expr" and (rs := _reg_of_expr(ctx, off[1])) is not None:
            offset, subtract = rs
        else:
            raise ctx.error("memory offset must be '#imm' or a register")
        if len(rest) > 1:
            if not isinstance(offset, Reg) or len(rest) > 2:
                raise ctx.error("unexpected operand in memory address")
            shift = _shift_of(ctx, rest[1]) if rest[1] is not None else None
            if shift is None:
                raise ctx.error("expected a shift (lsl/lsr/asr/ror #n, rrx) in memory address")
    return Mem(Reg(base), offset, True, raw[2], subtract, shift)


def _reglist(ctx: _Ctx, raw: tuple) -> RegList:
    regs: list[Reg] = []
    for item in raw[1]:
        if item[0] == "one":
            regs.append(ctx.need_reg(item[1]))
        elif item[0] == "range":
            a, b = ctx.need_reg(item[1]), ctx.need_reg(item[2])
            regs.extend(_expand_range(ctx, a, b, item[1]))
        else:
            raise ctx.error(f"bad register '{item[1]}'", _col(item[1]))
    return RegList(tuple(regs), raw[2])


def _expand_range(ctx: _Ctx, a: Reg, b: Reg, tok: Token) -> list[Reg]:
    if a.number is not None and b.number is not None:
        if b.number < a.number:
            raise ctx.error(f"bad register range '{a.name}-{b.name}'", _col(tok))
        return [Reg(CORE_NAMES[i]) for i in range(a.number, b.number + 1)]
    if a.name[0] == b.name[0] and a.name[0] in "sdq" and a.name[1:].isdigit() and b.name[1:].isdigit():
        lo, hi = int(a.name[1:]), int(b.name[1:])
        if hi >= lo:
            return [Reg(f"{a.name[0]}{i}") for i in range(lo, hi + 1)]
    raise ctx.error(f"bad register range '{a.name}-{b.name}'", _col(tok))


def build_instruction(word: Token | str, raw_ops: list, loc: SourceLoc,
                      loc_at: Callable[[int], SourceLoc]) -> Instruction:
    """Split ``word`` by the mnemonic table and classify the raw operands.

    ``loc`` is the mnemonic's location; ``loc_at(column)`` maps a column of
    the parsed text to a ``SourceLoc`` (for errors on a particular operand).
    """
    try:
        sp = split_mnemonic(str(word))
    except ValueError as e:
        raise AsmError(str(e), loc) from None
    if sp is None:
        low = str(word).lower()
        if low in _THUMB_ONLY or (low.startswith("it") and len(low) <= 5 and set(low[2:]) <= {"t", "e"}):
            raise AsmError(f"'{word}' is a Thumb instruction: Thumb is not supported yet", loc)
        raise AsmError(f"unknown instruction mnemonic '{word}'", loc)
    ctx = _Ctx(sp.base, loc_at)
    ops: list[Operand] = []
    for raw in raw_ops:
        if raw is None:
            raise AsmError("empty operand (two commas in a row, or a trailing comma)", loc)
        kind = raw[0]
        prev = ops[-1] if ops else None
        if kind == "expr":
            e = raw[1]
            if isinstance(prev, Mem) and prev.pre_index and prev.offset is None and not prev.writeback \
                    and (rs := _reg_of_expr(ctx, e)) is not None:
                ops[-1] = Mem(prev.base, rs[0], False, False, rs[1], None)  # [rn], +/-rm
                continue
            if isinstance(e, Sym):
                w = ctx.word(e.name)
                if w is not None:
                    ops.append(w)
                    continue
                if e.name.lower() == "rrx" and isinstance(prev, Reg):
                    ops[-1] = ShiftedReg(prev, Shift(ShiftOp.RRX))
                    continue
                if e.name.lower() == "rrx" and isinstance(prev, Mem) and isinstance(prev.offset, Reg) \
                        and prev.shift is None and not prev.pre_index:
                    ops[-1] = Mem(prev.base, prev.offset, False, False, prev.subtract, Shift(ShiftOp.RRX))
                    continue
            ops.append(ExprOperand(e))
        elif kind == "imm":
            if isinstance(prev, Mem) and prev.pre_index and prev.offset is None and not prev.writeback:
                if raw[2] is not None:
                    raise ctx.error(f"':{raw[2]}:' not allowed in a memory offset", raw[3])
                ops[-1] = Mem(prev.base, raw[1], False, False, False, None)  # [rn], #imm
                continue
            reloc = None
            if raw[2] is not None:
                try:
                    reloc = Reloc(str(raw[2]).lower())
                except ValueError:
                    raise ctx.error(f"unknown relocation operator ':{raw[2]}:' (lower16 or upper16)",
                                    _col(raw[2])) from None
            ops.append(Imm(raw[1], reloc))
        elif kind == "lit":
            ops.append(Literal(raw[1]))
        elif kind == "wb":
            r = ctx.reg_name(str(raw[1]))
            if r is None:
                raise ctx.error(f"bad register '{raw[1]}' before '!'", _col(raw[1]))
            ops.append(Reg(r, writeback=True))
        elif kind in ("wimm", "wword"):
            sh = _shift_of(ctx, raw)
            if sh is None:
                if ctx.word(str(raw[1])) is not None:  # "mov r0 r1", "mov r0 #1"
                    raise ctx.error(f"missing ',' after '{raw[1]}'", _col(raw[1]) + len(raw[1]))
                raise ctx.error(f"unexpected operand after '{raw[1]}' (expected a shift name)", _col(raw[1]))
            if isinstance(prev, Reg) and not prev.writeback:
                ops[-1] = ShiftedReg(prev, sh)
            elif isinstance(prev, Mem) and not prev.pre_index and isinstance(prev.offset, Reg) \
                    and prev.shift is None:
                ops[-1] = Mem(prev.base, prev.offset, False, False, prev.subtract, sh)
            else:
                raise ctx.error("a shift must follow a register operand", _col(raw[1]))
        elif kind == "mem":
            ops.append(_mem(ctx, raw))
        elif kind == "list":
            items = raw[1]
            if ctx.coproc and isinstance(prev, Mem) and len(items) == 1 and items[0][0] == "num" \
                    and prev.offset is None and prev.pre_index and not prev.writeback:
                ops[-1] = Mem(prev.base, None, False, False, False, None, Num(int(items[0][1], 0)))
                continue
            ops.append(_reglist(ctx, raw))
        elif kind == "str":
            raise AsmError("a string is not an instruction operand", loc)
        elif kind == "type":
            raise ctx.error(f"unexpected '%{raw[1]}' in an instruction", _col(raw[1]))
        else:  # pragma: no cover - grammar and transformer agree on kinds
            raise AsmError(f"unexpected operand kind {kind}", loc)
    return Instruction(sp.base, tuple(ops), sp.cond, sp.setflags, sp.suffix, sp.width, loc)


# --------------------------------------------------------------------------- printing

ExprFmt = Callable[[Expr], str]


def format_mnemonic(insn: Instruction, divided: bool = False) -> str:
    """The mnemonic word: unified ``base suffix s cond .dt`` or divided ``base cond suffix s``."""
    letters, dot, dtypes = insn.suffix.partition(".")
    s = "s" if insn.setflags else ""
    cond = insn.cond or ""
    if divided and cond:
        word = insn.mnemonic + cond + letters + s
    else:
        word = insn.mnemonic + letters + s + cond
    if dot:
        word += "." + dtypes
    if insn.width:
        word += insn.width
    return word


def _fmt_shift(sh: Shift, fx: ExprFmt) -> str:
    op = str(sh.op)
    if sh.amount is None:
        return op
    if isinstance(sh.amount, Reg):
        return f"{op} {sh.amount.name}"
    return f"{op} #{fx(sh.amount)}"


def format_operand(op: Operand, fx: ExprFmt) -> str:
    """GNU-as text of one operand; ``fx`` renders expressions."""
    if type(op) is Reg:
        return op.name + "!" if op.writeback else op.name
    if isinstance(op, Reg):
        return op.name + ("!" if op.writeback else "")
    if isinstance(op, Imm):
        return f"#:{op.reloc!s}:{fx(op.expr)}" if op.reloc else f"#{fx(op.expr)}"
    if isinstance(op, ShiftedReg):
        return f"{op.reg.name}, {_fmt_shift(op.shift, fx)}"
    if isinstance(op, ExprOperand):
        return fx(op.expr)
    if isinstance(op, Literal):
        return f"={fx(op.expr)}"
    if isinstance(op, Mem):
        return _fmt_mem(op, fx)
    if isinstance(op, RegList):
        return "{" + ", ".join(r.name for r in op.regs) + "}" + ("^" if op.user_bank else "")
    if isinstance(op, Psr):
        return f"{op.name}_{op.fields}" if op.fields else op.name
    if isinstance(op, Coproc):
        return f"p{op.number}"
    if isinstance(op, CReg):
        return f"c{op.number}"
    if isinstance(op, Iflags):
        return op.flags
    if isinstance(op, Barrier):
        return op.option
    raise TypeError(f"not an ARM operand: {op!r}")


def _fmt_mem(m: Mem, fx: ExprFmt) -> str:
    if m.option is not None:
        return f"[{m.base.name}], {{{fx(m.option)}}}"
    if m.offset is None:
        return f"[{m.base.name}]" + ("!" if m.writeback else "")
    if isinstance(m.offset, Reg):
        off = ("-" if m.subtract else "") + m.offset.name
        if m.shift is not None:
            off += ", " + _fmt_shift(m.shift, fx)
    else:
        off = f"#{fx(m.offset)}"
    if m.pre_index:
        return f"[{m.base.name}, {off}]" + ("!" if m.writeback else "")
    return f"[{m.base.name}], {off}"


def format_operands(operands: tuple, fx: ExprFmt) -> str:
    """The operand list as GNU-as text (``""`` for none)."""
    return ", ".join([format_operand(op, fx) for op in operands])


def format_instruction(insn: Instruction, fx: ExprFmt, divided: bool = False) -> str:
    word = format_mnemonic(insn, divided)
    if not insn.operands:
        return word
    return word + " " + format_operands(insn.operands, fx)


__all__ = [
    "GRAMMAR", "OperandTransformer", "build_instruction", "format_instruction", "format_mnemonic", "format_operands",
    "format_operand", "CORE_REGS", "VFP_REGS", "SHIFTS", "BARRIERS",
]

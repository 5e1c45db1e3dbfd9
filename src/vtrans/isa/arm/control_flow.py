"""Control-flow facts about A32 IR instructions (for the generic CFG builder).

Which instructions branch, call, return or write the PC, what they target,
and how exception vector tables and VBAR writes look.  References: DDI 0406C
A4.3 (branch instructions), A2.3 (writing the PC: "interworking" and plain
branches), B1.8.1 (vector tables), B4.1.156 (VBAR).
"""

from __future__ import annotations

from vtrans.assembler.ir import Binary, Dot, Expr, Instruction, Num, Sym, Unary
from vtrans.isa.arm.operands import CReg, Coproc, ExprOperand, Imm, Literal, Mem, Reg, RegList
from vtrans.isa.base import Flow, FlowKind

#: data-processing mnemonics that write their first operand (A5.2.1); with Rd = pc they branch
_DP_WRITES = frozenset({"and", "eor", "sub", "rsb", "add", "adc", "sbc", "rsc", "orr", "mov", "bic",
                        "mvn", "lsl", "lsr", "asr", "ror", "rrx"})

VECTOR_NAMES = ("reset", "undefined", "svc", "prefetch-abort", "data-abort", "reserved", "irq", "fiq")


def _is_pc(op: object) -> bool:
    return isinstance(op, Reg) and op.name == "pc"


def _is_reg(op: object, name: str) -> bool:
    return isinstance(op, Reg) and op.name == name


def _const(e: object) -> int | None:
    """Value of a constant expression (numbers and arithmetic on them only)."""
    if isinstance(e, Num):
        return e.value
    if isinstance(e, Unary):
        v = _const(e.operand)
        if v is None:
            return None
        return {"-": -v, "~": ~v, "+": v}.get(e.op)
    if isinstance(e, Binary):
        a, b = _const(e.left), _const(e.right)
        if a is None or b is None:
            return None
        return {"+": a + b, "-": a - b, "*": a * b, "<<": a << b, ">>": a >> b,
                "|": a | b, "&": a & b}.get(e.op)
    return None


def _is_self(e: Expr) -> bool:
    """``b .`` (a branch to itself)."""
    return isinstance(e, Dot)


def flow(insn: Instruction) -> Flow:
    m, ops = insn.mnemonic, insn.operands
    cond = insn.cond not in (None, "al")
    if m == "b" and ops and isinstance(ops[0], ExprOperand):
        if _is_self(ops[0].expr) and not cond:
            return Flow(FlowKind.HALT)
        return Flow(FlowKind.BRANCH, cond, ops[0].expr)
    if m in ("bl", "blx") and ops and isinstance(ops[0], ExprOperand):
        return Flow(FlowKind.CALL, cond, ops[0].expr)
    if m == "blx":
        return Flow(FlowKind.INDIRECT_CALL, cond)
    if m in ("bx", "bxj"):
        if ops and _is_reg(ops[0], "lr"):
            return Flow(FlowKind.RETURN, cond)
        return Flow(FlowKind.INDIRECT, cond)
    if m in ("rfe", "eret"):
        return Flow(FlowKind.EXCEPTION_RETURN, cond)
    if m == "pop" and ops and isinstance(ops[0], RegList) and any(_is_pc(r) for r in ops[0].regs):
        return Flow(FlowKind.RETURN, cond)
    if m == "ldm" and len(ops) == 2 and isinstance(ops[1], RegList) and any(_is_pc(r) for r in ops[1].regs):
        if ops[1].user_bank:
            return Flow(FlowKind.EXCEPTION_RETURN, cond)       # B9.3.5
        if _is_reg(ops[0], "sp"):
            return Flow(FlowKind.RETURN, cond)
        return Flow(FlowKind.INDIRECT, cond)
    if m == "ldr" and insn.suffix == "" and len(ops) >= 2 and _is_pc(ops[0]):
        src = ops[1]
        if isinstance(src, Literal):                             # ldr pc, =label
            return Flow(FlowKind.BRANCH, cond, src.expr)
        if isinstance(src, ExprOperand):                         # ldr pc, label (the word at label)
            return Flow(FlowKind.INDIRECT, cond, literal_label=src.expr)
        if isinstance(src, Mem):
            if _is_pc(src.base) and src.pre_index and not src.writeback and not isinstance(src.offset, Reg):
                off = 0 if src.offset is None else _const(src.offset)
                if off is not None:
                    # the PC reads as the instruction's address + 8 (A2.3)
                    return Flow(FlowKind.INDIRECT, cond, literal_offset=8 + (-off if src.subtract else off))
            if _is_reg(src.base, "sp") and not src.pre_index:     # ldr pc, [sp], #4
                return Flow(FlowKind.RETURN, cond)
            if _is_pc(src.base) and isinstance(src.offset, Reg) and src.pre_index and not src.subtract:
                # gcc's switch: ldrls pc, [pc, rX, lsl #2]; b default; then the table (at +8)
                return Flow(FlowKind.INDIRECT, cond, table_offset=8)
        return Flow(FlowKind.INDIRECT, cond)
    if m in _DP_WRITES and ops and _is_pc(ops[0]):
        if insn.setflags:
            return Flow(FlowKind.EXCEPTION_RETURN, cond)        # B9.3.20
        if m == "mov" and len(ops) == 2 and _is_reg(ops[1], "lr"):
            return Flow(FlowKind.RETURN, cond)
        return Flow(FlowKind.INDIRECT, cond)
    if m == "udf" and not cond:
        return Flow(FlowKind.HALT)
    return Flow(FlowKind.NEXT, cond)


def vector_base_write(insn: Instruction) -> str | None:
    """``mcr p15, 0, rX, c12, c0, 0`` writes VBAR (B4.1.156): returns ``rX``."""
    ops = insn.operands
    if insn.mnemonic != "mcr" or len(ops) < 5:
        return None
    if not (isinstance(ops[0], Coproc) and ops[0].number == 15):
        return None
    opc1 = _const(ops[1].expr) if isinstance(ops[1], ExprOperand) else None
    opc2 = 0
    if len(ops) > 5:
        opc2 = _const(ops[5].expr) if isinstance(ops[5], ExprOperand) else None
    if (opc1, opc2) == (0, 0) and isinstance(ops[3], CReg) and ops[3].number == 12 \
            and isinstance(ops[4], CReg) and ops[4].number == 0 and isinstance(ops[2], Reg):
        return ops[2].name
    return None


def address_load(insn: Instruction) -> tuple[str, Expr] | None:
    """``ldr rX, =sym``, ``adr rX, sym`` and ``movw rX, #:lower16:sym`` load a symbol's address."""
    ops = insn.operands
    if len(ops) != 2 or not isinstance(ops[0], Reg):
        return None
    if insn.mnemonic == "ldr" and insn.suffix == "" and isinstance(ops[1], Literal):
        e = ops[1].expr
    elif insn.mnemonic == "adr" and isinstance(ops[1], ExprOperand):
        e = ops[1].expr
    elif insn.mnemonic == "movw" and isinstance(ops[1], Imm) and ops[1].reloc == "lower16":
        e = ops[1].expr
    else:
        return None
    if isinstance(e, Sym) or (isinstance(e, Binary) and isinstance(e.left, Sym)):
        return ops[0].name, e
    return None

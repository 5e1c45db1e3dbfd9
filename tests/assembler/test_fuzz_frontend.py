"""Fuzzing the front end: random and mutated assembly text never yields
anything but a Program or a ``VtransError`` (no Lark exception, no
traceback); and whatever parses also prints and parses back to itself."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import CAMPAIGN_CASES
from vtrans.assembler.parser import parse_text
from vtrans.assembler.printer import print_program
from vtrans.errors import VtransError

SEED = r"""
	.syntax unified
	.arch armv7-a
	.text
	.align	2
	.global	main
	.type	main, %function
	.macro	m a, b=2
	add	\a, \a, #\b
	.endm
main:	push	{r4, fp, lr}
	add	fp, sp, #8
	ldr	r3, [fp, #-16]!
	ldrb	r2, [r3], #1
	ldr	r0, =.LC0+4
	mov	r0, r1, lsl #2
	stmfd	sp!, {r0-r3, lr}
	ldmfd	sp!, {r0-r3, pc}^
	mcr	p15, 0, r0, c1, c0, 0
	msr	cpsr_c, #0x13
	cpsid	aif, #0x13
	dmb	ish
	m	r1
	.rept	2
	nop
	.endr
	.if	1 + 2 == 3
	bls	1f
	.else
	udf	#0
	.endif
1:	b	1b
.LC0:	.ascii	"hi\n\000"
	.word	1 + 2 * 3, .-main
	.size	main, .-main
"""

TOKENS = [
    "r0", "r1", "sp", "pc", "lr", "fp", "ip", "cpsr_c", "spsr", "p15", "c1", "ish", "aif", "lsl", "rrx",
    "add", "ldr", "ldmia", "stmfd", "bls", "mcr", "cpsid", "msr", "mov", "vmrs", ".word", ".if", ".endif",
    ".macro", ".endm", ".rept", ".endr", ".irp", ".set", ".section", ".ascii", ".thumb", ".include",
    "#", "=", ",", "[", "]", "!", "{", "}", "^", "-", "+", "*", "/", "%", "<<", ">>", "(", ")", ":", ";",
    "@", "//", "/*", "*/", '"', "'", "\\", "1", "0x1f", "1b", "2f", "0b101", "1.5", ".", "foo", "\\@",
    " ", " ", "\t", "\n", "\n",
]


def _check(text: str) -> None:
    try:
        prog = parse_text(text, "fuzz.s")
    except VtransError as e:
        e.format()  # must render too
        return
    again = parse_text(print_program(prog), "printed.s")
    assert again.statements == prog.statements


FUZZ = settings(max_examples=CAMPAIGN_CASES, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))


@pytest.mark.campaign
@FUZZ
@given(st.lists(st.sampled_from(TOKENS), max_size=40))
def test_random_token_soup(tokens):
    _check("".join(tokens))


@pytest.mark.campaign
@FUZZ
@given(st.text(alphabet=st.characters(min_codepoint=1, max_codepoint=0x7F), max_size=80))
def test_random_characters(text):
    _check(text)


@st.composite
def _mutant(draw):
    text = SEED
    for _ in range(draw(st.integers(1, 4))):
        pos = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["insert", "delete", "replace", "token"]))
        if kind == "insert":
            text = text[:pos] + draw(st.characters(min_codepoint=1, max_codepoint=0x7F)) + text[pos:]
        elif kind == "delete":
            text = text[:pos] + text[pos + draw(st.integers(1, 6)):]
        elif kind == "replace":
            text = text[:pos] + draw(st.characters(min_codepoint=1, max_codepoint=0x7F)) + text[pos + 1:]
        else:
            text = text[:pos] + draw(st.sampled_from(TOKENS)) + text[pos:]
    return text


@pytest.mark.campaign
@FUZZ
@given(_mutant())
def test_mutated_real_source(text):
    _check(text)


def test_seed_parses():
    prog = parse_text(SEED, "seed.s")
    assert parse_text(print_program(prog)).statements == prog.statements


# ----------------------------------------------------------------- random IR: print, then parse back

from vtrans.assembler.ir import Binary, Dot, Instruction, LocalRef, Num, Sym, Unary  # noqa: E402
from vtrans.assembler.printer import format_instruction  # noqa: E402
from vtrans.isa.arm.mnemonics import CONDITIONS, MNEMONICS  # noqa: E402
from vtrans.isa.arm.operands import (  # noqa: E402
    Barrier, Coproc, CReg, ExprOperand, Iflags, Imm, Literal, Mem, Psr, Reg, RegList, Shift, ShiftedReg,
)

CORE = ["r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "fp", "ip", "sp", "lr", "pc"]
_names = st.from_regex(r"sym_[a-z]{1,4}", fullmatch=True)


def _exprs():
    leaf = st.one_of(st.integers(0, 2**40).map(Num), _names.map(Sym), st.just(Dot()),
                     st.builds(LocalRef, st.integers(0, 9), st.booleans()))
    return st.recursive(leaf, lambda sub: st.one_of(
        st.builds(Unary, st.sampled_from(["-", "~", "!", "+"]), sub),
        st.builds(Binary, st.sampled_from(["+", "-", "*", "/", "%", "<<", ">>", "|", "&", "^", "!", "==", "!=",
                                           "<>", "<", ">", "<=", ">=", "&&", "||"]), sub, sub)), max_leaves=6)


_reg = st.sampled_from(CORE).map(Reg)
_shift = st.one_of(st.builds(Shift, st.sampled_from(["lsl", "lsr", "asr", "ror"]), st.one_of(_exprs(), _reg)),
                   st.just(Shift("rrx")))


@st.composite
def _mem(draw):
    base = draw(_reg)
    pre = draw(st.booleans())
    kind = draw(st.sampled_from(["none", "imm", "reg"] if pre else ["imm", "reg"]))
    if kind == "none":
        return Mem(base, None, True, draw(st.booleans()))
    if kind == "imm":
        return Mem(base, draw(_exprs()), pre, pre and draw(st.booleans()))
    shift = draw(st.one_of(st.none(), _shift))
    return Mem(base, draw(_reg), pre, pre and draw(st.booleans()), draw(st.booleans()), shift)


_generic_operand = st.one_of(
    _reg, st.builds(Reg, st.sampled_from(CORE), st.just(True)),
    st.builds(Imm, _exprs(), st.sampled_from([None, None, "lower16", "upper16"])),
    st.builds(ShiftedReg, _reg, _shift), _mem(),
    st.builds(RegList, st.lists(_reg, max_size=5).map(tuple), st.booleans()),
    st.builds(ExprOperand, _exprs()), st.builds(Literal, _exprs()),
)

FAMILIES = {
    "generic": (["add", "mov", "ldr", "str", "ldm", "stm", "push", "umull", "swp", "svc"], _generic_operand),
    "coproc": (["mcr", "mrc", "ldc", "stc", "cdp"], st.one_of(
        st.builds(Coproc, st.integers(0, 15)), st.builds(CReg, st.integers(0, 15)), _reg,
        st.builds(ExprOperand, st.integers(0, 7).map(Num)), _mem(),
        st.builds(lambda r, n: Mem(r, None, False, False, False, None, Num(n)), _reg, st.integers(0, 255)))),
    "psr": (["mrs", "msr"], st.one_of(
        st.builds(Psr, st.sampled_from(["cpsr", "spsr", "apsr"]), st.sampled_from(["", "c", "fsxc", "nzcvq", "g"])),
        _reg, st.builds(Imm, st.integers(0, 255).map(Num)))),
    "barrier": (["dmb", "dsb", "isb"], st.sampled_from(["sy", "ish", "ishst", "osh", "nsh", "ld"]).map(Barrier)),
    "cps": (["cpsid", "cpsie"], st.one_of(st.sampled_from(["a", "i", "f", "if", "aif"]).map(Iflags),
                                          st.builds(Imm, st.integers(0, 31).map(Num)))),
}


def _merges(ops) -> bool:
    """Would the printed list read differently (a plain [rn] swallows a following offset;
    ``add =x`` is an assignment to the symbol ``add``, as in gas)?"""
    if len(ops) == 1 and isinstance(ops[0], Literal):
        return True
    for a, b in zip(ops, ops[1:]):
        plain = isinstance(a, Mem) and a.pre_index and a.offset is None and not a.writeback and a.option is None
        if plain and isinstance(b, (Imm, Reg)):
            return True
        if plain and isinstance(b, Mem) and b.option is not None:
            return True
        if isinstance(a, Reg) and not a.writeback and isinstance(b, ExprOperand) and b.expr == Sym("rrx"):
            return True
    return False


@st.composite
def _instruction(draw):
    bases, operand = FAMILIES[draw(st.sampled_from(sorted(FAMILIES)))]
    spec = MNEMONICS[draw(st.sampled_from(bases))]
    ops = tuple(draw(st.lists(operand, max_size=5)))
    if _merges(ops):
        ops = ()
    cond = draw(st.sampled_from([None] + sorted(CONDITIONS - {"al"}))) if spec.conditional else None
    return Instruction(spec.base, ops, cond, spec.setflags and draw(st.booleans()),
                       draw(st.sampled_from(sorted(spec.suffixes))))


@pytest.mark.campaign
@FUZZ
@given(_instruction())
def test_random_ir_prints_and_parses_back(insn):
    text = "\t" + format_instruction(insn) + "\n"
    assert parse_text(text, "ir.s").statements == (insn,), text
    divided = "\t.syntax divided\n" + "\t" + format_instruction(insn, divided=True) + "\n"
    assert parse_text(divided, "ir.s").statements[1:] == (insn,), divided

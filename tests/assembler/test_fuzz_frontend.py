"""Fuzzing the front end: random and mutated assembly text never yields
anything but a Program or a ``VtransError`` (no Lark exception, no
traceback); and whatever parses also prints and parses back to itself."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import CAMPAIGN_CASES
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

"""Expressions: parsing (precedence), printing, and evaluation against GNU as.

GNU as evaluates ``.quad <expr>`` into 8 bytes: the reference for every value."""

from __future__ import annotations

import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import CAMPAIGN_CASES
from frontend_helpers import gas
from vtrans.assembler.expr import Value, evaluate
from vtrans.assembler.ir import Binary, Dot, LocalRef, Num, Sym, Unary
from vtrans.assembler.parser import parse_text
from vtrans.assembler.printer import format_expr
from vtrans.errors import AsmError

EXPRS = [
    "1 + 2 * 3", "3 == 1 + 2", "1 + 2 == 3", "1 < 2", "2 < 1", "!0", "!5", "2 && 3", "0 && 1", "0 || 7",
    "0xffffffff == -1", "-8 >> 1", "-8 << 2", "1 || 0 && 0", "6 & 3 | 8", "2 | 1 << 3", "3 - 1 - 1",
    "1 ! 1", "7 <> 3", "7 != 7", "'a", "'\\n", "~0", "-(3 - 5) * 2", "7 / 2", "-7 / 2", "7 % -3", "-7 % 3",
    "0x7fffffff + 1", "1 << 63", "(1 << 63) >> 63", "0b1011", "017", "5 >= 5", "4 <= 3", "-1 > 0", "-1 < 0",
    "10 - 2 - 3 * 2 ^ 1", "1 + ~2 & 0xff", "((((1))))", "0x100000000 * 0x100000000 + 3", "7 / 0", "7 % 0", "-7 / 0",
    # "!!" in operator position is gas's MRI spelling of XOR; its scrubber drops the blanks in "! !"
    "16 ! !0", "16 ! !(0) - 61518", "16 !! 3", "16 !!3", "16!!3", "16 ! ! 3", "16 !  !3", "16 !\t!3",
    "16 ! !!0", "16 ! ! ! 3", "16 !!!3", "3 !! 5 * 2", "3 !! 5 + 2", "3 !! 5 | 2", "3 ! ! 5 ! ! 6", "(16 ! !3)",
    # ... but "!" in operand position stays unary, even doubled
    "16 ! 3", "16 ! (!3)", "16 ! ~3", "16 ! -3", "1 + !0", "1 | !0", "1 ^ !0", "1 * !0", "1 != !0", "1 !=!0",
    "!!3", "! !3", "16 - !!3",
]


def _gas_quads(arm_as, tmp_path, exprs: list[str]) -> list[int]:
    src = ".data\n" + "".join(f"\t.quad {e}\n" for e in exprs)
    r = gas(arm_as, src, tmp_path / "e.s")
    assert r.returncode == 0, r.stderr
    data = _section_bytes(tmp_path / "e.o", ".data")
    return [struct.unpack_from("<q", data, 8 * i)[0] for i in range(len(exprs))]


def _section_bytes(obj, name: str) -> bytes:
    from elftools.elf.elffile import ELFFile

    with open(obj, "rb") as f:
        return ELFFile(f).get_section_by_name(name).data()


def _ours(e: str) -> int:
    d = parse_text(f"\t.quad {e}\n").statements[0]
    return evaluate(d.args[0]).offset


def test_table_against_gnu_as(arm_as, tmp_path):
    ref = _gas_quads(arm_as, tmp_path, EXPRS)
    assert [_ours(e) for e in EXPRS] == ref


def test_precedence_tree():
    d = parse_text("\t.word 1 + 2 * 3 == 7 && 1 || 0\n").statements[0]
    assert d.args[0] == Binary("||", Binary("&&", Binary("==", Binary("+", Num(1), Binary("*", Num(2), Num(3))),
                                                         Num(7)), Num(1)), Num(0))


@pytest.mark.parametrize("text", EXPRS)
def test_print_parse_roundtrip(text):
    e = parse_text(f"\t.quad {text}\n").statements[0].args[0]
    assert parse_text(f"\t.quad {format_expr(e)}\n").statements[0].args[0] == e


def test_bang_bang_is_xor():
    xor = Binary("^", Num(16), Num(3))
    for text in ("16 !! 3", "16 !!3", "16 ! ! 3", "16 ! !3"):
        assert parse_text(f"\t.quad {text}\n").statements[0].args[0] == xor, text
    assert parse_text("\t.quad 16 - !!3\n").statements[0].args[0] == Binary("-", Num(16), Unary("!", Unary("!", Num(3))))


def test_or_not_of_not_prints_for_gas(arm_as, tmp_path):
    # or-not whose right operand starts with a unary "!" must not print as "a ! !b" (gas: a ^ b)
    trees = [Binary("!", Num(16), Unary("!", Num(0))), Binary("!", Num(16), Unary("!", Unary("!", Num(3)))),
             Binary("!", Num(16), Binary("*", Unary("!", Num(0)), Num(3))),
             Binary("-", Binary("!", Num(16), Unary("!", Num(0))), Num(61518))]
    texts = [format_expr(e) for e in trees]
    for e, t in zip(trees, texts):
        assert parse_text(f"\t.quad {t}\n").statements[0].args[0] == e, t
    assert _gas_quads(arm_as, tmp_path, texts) == [evaluate(e).offset for e in trees]


def test_relocatable_values():
    syms = {"a": Value(".text", 8), "b": Value(".text", 20), "d": Value(".data", 0), "k": 5}
    look = syms.get
    assert evaluate(Binary("-", Sym("b"), Sym("a")), look) == Value(None, 12)
    assert evaluate(Binary("+", Sym("a"), Sym("k")), look) == Value(".text", 13)
    assert evaluate(Binary("-", Dot(), Sym("a")), look, dot=Value(".text", 100)) == Value(None, 92)
    assert evaluate(Binary("<", Sym("a"), Sym("b")), look) == Value(None, -1)
    assert evaluate(LocalRef(1, False), look, local=lambda r: Value(".text", 4)) == Value(".text", 4)
    for bad in (Binary("-", Sym("b"), Sym("d")), Binary("+", Sym("a"), Sym("b")), Binary("*", Sym("a"), Num(2)),
                Unary("-", Sym("a")), Sym("nope"), Dot()):
        with pytest.raises(AsmError):
            evaluate(bad, look)


# ----------------------------------------------------------------- random expressions vs GNU as

_BIN = ["+", "-", "*", "/", "%", "<<", ">>", "|", "&", "^", "!", "==", "!=", "<>", "<", ">", "<=", ">=", "&&", "||"]


@st.composite
def _expr(draw, depth=0):
    if depth > 3 or draw(st.integers(0, 3)) == 0:
        return Num(draw(st.one_of(st.integers(0, 20), st.integers(0, 0xFFFFFFFF))))
    kind = draw(st.integers(0, 4))
    if kind == 0:
        return Unary(draw(st.sampled_from(["-", "~", "!", "+"])), draw(_expr(depth + 1)))
    op = draw(st.sampled_from(_BIN))
    left = draw(_expr(depth + 1))
    if op in ("<<", ">>"):
        right = Num(draw(st.integers(0, 63)))
    elif op in ("/", "%"):
        right = Num(draw(st.integers(0, 1000)))
    else:
        right = draw(_expr(depth + 1))
    return Binary(op, left, right)


@pytest.mark.campaign
def test_random_expressions_against_gnu_as(arm_as, tmp_path_factory):
    exprs: list = []

    @settings(max_examples=CAMPAIGN_CASES * 5, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(_expr())
    def collect(e):
        exprs.append(e)

    collect()
    texts = [format_expr(e) for e in exprs]
    # printing is faithful: the text parses back to the tree
    for e, t in zip(exprs, texts):
        assert parse_text(f"\t.quad {t}\n").statements[0].args[0] == e, t
    ref = _gas_quads(arm_as, tmp_path_factory.mktemp("expr"), texts)
    for t, e, want in zip(texts, exprs, ref):
        assert evaluate(e).offset == want, t

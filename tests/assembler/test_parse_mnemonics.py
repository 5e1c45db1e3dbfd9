"""Mnemonic splitting (driven by the table in isa/arm/mnemonics.py), unified
and divided syntax, checked against GNU as: the source in its syntax and the
printed IR (in the same syntax, and in unified syntax) assemble alike."""

from __future__ import annotations

import pytest

from frontend_helpers import gas_dump
from vtrans.assembler.ir import Instruction
from vtrans.assembler.parser import parse_text
from vtrans.assembler.printer import format_instruction, print_program
from vtrans.errors import AsmError
from vtrans.isa.arm.mnemonics import MNEMONICS, split_mnemonic

# word + operands, expected (mnemonic, suffix, setflags, cond)
UNIFIED = [
    ("bls 1f", ("b", "", False, "ls")),
    ("blt 1f", ("b", "", False, "lt")),
    ("bleq 1f", ("bl", "", False, "eq")),
    ("blls 1f", ("bl", "", False, "ls")),
    ("bhs 1f", ("b", "", False, "hs")),
    ("blo 1f", ("b", "", False, "lo")),
    ("bics r0, r0, #1", ("bic", "", True, None)),
    ("bicseq r0, r0, #1", ("bic", "", True, "eq")),
    ("teq r0, r1", ("teq", "", False, None)),
    ("teqne r0, r1", ("teq", "", False, "ne")),
    ("movs r0, r1", ("mov", "", True, None)),
    ("addseq r0, r0, r1", ("add", "", True, "eq")),
    ("adcscs r0, r0, r1", ("adc", "", True, "cs")),
    ("umulls r0, r1, r2, r3", ("umull", "", True, None)),
    ("smlals r0, r1, r2, r3", ("smlal", "", True, None)),
    ("smlalbb r0, r1, r2, r3", ("smlalbb", "", False, None)),
    ("mlas r0, r1, r2, r3", ("mla", "", True, None)),
    ("mls r0, r1, r2, r3", ("mls", "", False, None)),
    ("ldrexd r0, r1, [r2]", ("ldrexd", "", False, None)),
    ("strbt r0, [r1], #1", ("str", "bt", False, None)),
    ("ldrsht r0, [r1], #2", ("ldr", "sht", False, None)),
    ("ldmiaeq r0, {r1, r2}", ("ldm", "ia", False, "eq")),
    ("ldrbeq r0, [r1]", ("ldr", "b", False, "eq")),
    ("ldrsbne r0, [r1]", ("ldr", "sb", False, "ne")),
    ("strdeq r0, r1, [r2]", ("str", "d", False, "eq")),
    ("stmdbhi sp!, {r0}", ("stm", "db", False, "hi")),
    ("lsls r0, r1, #2", ("lsl", "", True, None)),
    ("rors r0, r1, r2", ("ror", "", True, None)),
    ("rrxs r0, r1", ("rrx", "", True, None)),
    ("movtne r0, #1", ("movt", "", False, "ne")),
    ("svcne #1", ("svc", "", False, "ne")),
    ("swieq 1", ("swi", "", False, "eq")),
    ("mrseq r0, cpsr", ("mrs", "", False, "eq")),
    ("popne {r4, pc}", ("pop", "", False, "ne")),
    ("vmrs APSR_nzcv, fpscr", ("vmrs", "", False, None)),
    ("vaddeq.f64 d0, d1, d2", ("vadd", ".f64", False, "eq")),
    ("mrc2 p14, 0, r0, c0, c0, 0", ("mrc2", "", False, None)),
    ("ldc2l p14, c0, [r0]", ("ldc2", "l", False, None)),
    ("clz r0, r1", ("clz", "", False, None)),
    ("uxtb r0, r1", ("uxtb", "", False, None)),
    ("rbit r0, r1", ("rbit", "", False, None)),
    ("addal r0, r0, r0", ("add", "", False, None)),
]

DIVIDED = [
    ("addeqs r0, r0, r1", ("add", "", True, "eq")),
    ("ldmeqia r0, {r1, r2}", ("ldm", "ia", False, "eq")),
    ("ldreqb r0, [r1]", ("ldr", "b", False, "eq")),
    ("ldreqsh r0, [r1]", ("ldr", "sh", False, "eq")),
    ("streqd r0, r1, [r2]", ("str", "d", False, "eq")),
    ("ldreqbt r0, [r1]", ("ldr", "bt", False, "eq")),
    ("movnes r0, r1", ("mov", "", True, "ne")),
    ("umulleqs r0, r1, r2, r3", ("umull", "", True, "eq")),
    ("stmnefd sp!, {r0}", ("stm", "fd", False, "ne")),
    ("swpeqb r0, r1, [r2]", ("swp", "b", False, "eq")),
]


def _fields(i: Instruction):
    return (i.mnemonic, i.suffix, i.setflags, i.cond)


@pytest.mark.parametrize("src,expected", UNIFIED + DIVIDED, ids=[r[0] for r in UNIFIED + DIVIDED])
def test_split(src, expected):
    prog = parse_text(f"\t.syntax unified\n\t{src}\n1:\n")
    insn = prog.statements[1]
    assert isinstance(insn, Instruction) and _fields(insn) == expected


def test_unified_and_divided_vs_gnu_as(arm_as, tmp_path):
    tail = "1:\n"
    src_u = ".syntax unified\n.arch armv7-a\n.fpu vfpv3\n" + "".join(f"\t{s}\n" for s, _ in UNIFIED) + tail
    src_d = ".syntax divided\n.arch armv7-a\n" + "".join(f"\t{s}\n" for s, _ in DIVIDED) + tail
    for name, src in (("u", src_u), ("d", src_d)):
        prog = parse_text(src)
        printed = print_program(prog)
        ref = gas_dump(arm_as, src, tmp_path / f"{name}.s")
        assert ref == gas_dump(arm_as, printed, tmp_path / f"{name}_printed.s")
    # the divided program printed in unified syntax means the same
    prog = parse_text(src_d)
    unified = ".syntax unified\n.arch armv7-a\n" + "".join(
        "\t" + format_instruction(s) + "\n" for s in prog.statements if isinstance(s, Instruction)) + tail
    assert gas_dump(arm_as, src_d, tmp_path / "d2.s") == gas_dump(arm_as, unified, tmp_path / "d2_unified.s")


def test_divided_printer_output():
    prog = parse_text("\t.syntax divided\n\taddeqs r0, r0, r1\n\tldmeqia r0, {r1}\n")
    assert print_program(prog).splitlines()[1:] == ["\taddeqs r0, r0, r1", "\tldmeqia r0, {r1}"]
    assert format_instruction(prog.statements[1]) == "addseq r0, r0, r1"


def test_every_table_entry_splits_to_itself():
    """Each base alone, and with each letter suffix, splits back to that base (no shadowing)."""
    for base, spec in MNEMONICS.items():
        for suf in spec.suffixes:
            sp = split_mnemonic(base + suf)
            assert sp is not None and (sp.base, sp.suffix) == (base, suf), base + suf
            if spec.conditional:
                sp = split_mnemonic(base + suf + "ne")
                assert sp is not None and (sp.base, sp.suffix, sp.cond) == (base, suf, "ne"), base + suf + "ne"


@pytest.mark.parametrize("word", ["teqs", "foo", "addeqeq", "bx.f32", "cpsideq", "ldrz"])
def test_not_a_mnemonic(word):
    with pytest.raises(AsmError):
        parse_text(f"\t{word} r0\n")

"""Operand parsing, as tables: source line -> IR.  Every row is also checked
against GNU as: the line as written and the line printed from the IR must
assemble to the same bytes (so the IR keeps the whole meaning)."""

from __future__ import annotations

import pytest

from frontend_helpers import gas_dump
from vtrans.assembler.ir import Binary, Dot, Float, Instruction, LocalRef, Num, Sym, Unary
from vtrans.assembler.parser import parse_text
from vtrans.assembler.printer import format_instruction, print_program
from vtrans.isa.arm.operands import (
    Barrier,
    Coproc,
    CReg,
    ExprOperand,
    Iflags,
    Imm,
    Literal,
    Mem,
    Psr,
    Reg,
    RegList,
    Shift,
    ShiftedReg,
)

R = Reg


def insn(m, *ops, cond=None, s=False, suffix="", width=None):
    return Instruction(m, tuple(ops), cond, s, suffix, width)


R0_3 = tuple(R(f"r{i}") for i in range(4))
LOW13 = tuple(R(n) for n in "r0 r1 r2 r3 r4 r5 r6 r7 r8 r9 r10 fp ip".split())

# (source, expected IR); ARM ARM DDI 0406C sections name the operand forms
TABLE = [
    # A5.2.1 data-processing (register, immediate), A8.4.1 shifts
    ("add r0, r1, r2", insn("add", R("r0"), R("r1"), R("r2"))),
    ("add fp, sp, #4", insn("add", R("fp"), R("sp"), Imm(Num(4)))),
    ("ADD R0, R1, #0x10", insn("add", R("r0"), R("r1"), Imm(Num(16)))),
    ("sub r0, r1, #-4", insn("sub", R("r0"), R("r1"), Imm(Unary("-", Num(4))))),
    ("mov r0, r1, lsl #2", insn("mov", R("r0"), ShiftedReg(R("r1"), Shift("lsl", Num(2))))),
    ("mov r0, r1, asr r2", insn("mov", R("r0"), ShiftedReg(R("r1"), Shift("asr", R("r2"))))),
    ("mov r0, r1, rrx", insn("mov", R("r0"), ShiftedReg(R("r1"), Shift("rrx")))),
    ("orr r0, r0, r1, ror #8", insn("orr", R("r0"), R("r0"), ShiftedReg(R("r1"), Shift("ror", Num(8))))),
    ("movs r0, r1, lsr #32", insn("mov", R("r0"), ShiftedReg(R("r1"), Shift("lsr", Num(32))), s=True)),
    ("mov r0, #(1 << 4) | 3", insn("mov", R("r0"), Imm(Binary("|", Binary("<<", Num(1), Num(4)), Num(3))))),
    ("mov ip, sb", insn("mov", R("ip"), R("r9"))),
    ("mov sl, r11", insn("mov", R("r10"), R("fp"))),
    ("mov r12, r13", insn("mov", R("ip"), R("sp"))),
    ("mov r14, r15", insn("mov", R("lr"), R("pc"))),
    ("mov a1, v1", insn("mov", R("r0"), R("r4"))),   # APCS names
    ("mov a4, v8", insn("mov", R("r3"), R("fp"))),
    ("mov r0, wr", insn("mov", R("r0"), R("r7"))),
    ("cmp r0, #'a", insn("cmp", R("r0"), Imm(Num(97)))),
    ("movw r0, #:lower16:sym", insn("movw", R("r0"), Imm(Sym("sym"), "lower16"))),
    ("movt r0, #:upper16:sym+4", insn("movt", R("r0"), Imm(Binary("+", Sym("sym"), Num(4)), "upper16"))),
    # A5.3 load/store addressing modes (A8.5)
    ("ldr r3, [fp, #-8]", insn("ldr", R("r3"), Mem(R("fp"), Unary("-", Num(8))))),
    ("ldr r0, [r1]", insn("ldr", R("r0"), Mem(R("r1")))),
    ("ldr r0, [r1, #0]", insn("ldr", R("r0"), Mem(R("r1"), Num(0)))),
    ("ldr r0, [r1, #4]!", insn("ldr", R("r0"), Mem(R("r1"), Num(4), writeback=True))),
    ("ldr r0, [r1], #4", insn("ldr", R("r0"), Mem(R("r1"), Num(4), pre_index=False))),
    ("ldr r0, [r1], #-4", insn("ldr", R("r0"), Mem(R("r1"), Unary("-", Num(4)), pre_index=False))),
    ("ldr r0, [r1, r2]", insn("ldr", R("r0"), Mem(R("r1"), R("r2")))),
    ("ldr r0, [r1, -r2]", insn("ldr", R("r0"), Mem(R("r1"), R("r2"), subtract=True))),
    ("ldr r0, [r1, +r2]", insn("ldr", R("r0"), Mem(R("r1"), R("r2")))),
    ("ldr r0, [r1, r2, lsl #2]", insn("ldr", R("r0"), Mem(R("r1"), R("r2"), shift=Shift("lsl", Num(2))))),
    ("ldr r0, [r1, -r2, asr #3]!",
     insn("ldr", R("r0"), Mem(R("r1"), R("r2"), writeback=True, subtract=True, shift=Shift("asr", Num(3))))),
    ("ldr r0, [r1], r2", insn("ldr", R("r0"), Mem(R("r1"), R("r2"), pre_index=False))),
    ("ldr r0, [r1], -r2, lsl #4",
     insn("ldr", R("r0"), Mem(R("r1"), R("r2"), pre_index=False, subtract=True, shift=Shift("lsl", Num(4))))),
    ("ldr r0, [r1, r2, rrx]", insn("ldr", R("r0"), Mem(R("r1"), R("r2"), shift=Shift("rrx")))),
    ("ldrb r0, [r1], #1", insn("ldr", R("r0"), Mem(R("r1"), Num(1), pre_index=False), suffix="b")),
    ("ldrsh r0, [r1, #-2]", insn("ldr", R("r0"), Mem(R("r1"), Unary("-", Num(2))), suffix="sh")),
    ("ldrd r4, r5, [r0, #8]", insn("ldr", R("r4"), R("r5"), Mem(R("r0"), Num(8)), suffix="d")),
    ("strd r4, [r0], -r1", insn("str", R("r4"), Mem(R("r0"), R("r1"), pre_index=False, subtract=True), suffix="d")),
    ("ldr r0, =0x12345678", insn("ldr", R("r0"), Literal(Num(0x12345678)))),
    ("ldr r0, =msg+4", insn("ldr", R("r0"), Literal(Binary("+", Sym("msg"), Num(4))))),
    ("ldr r0, .Lpool", insn("ldr", R("r0"), ExprOperand(Sym(".Lpool")))),
    ("adr r0, 1f", insn("adr", R("r0"), ExprOperand(LocalRef(1, True)))),
    ("ldrex r0, [r1]", insn("ldrex", R("r0"), Mem(R("r1")))),
    ("strex r2, r0, [r1]", insn("strex", R("r2"), R("r0"), Mem(R("r1")))),
    ("ldrexd r0, r1, [r2]", insn("ldrexd", R("r0"), R("r1"), Mem(R("r2")))),
    ("swpb r0, r1, [r2]", insn("swp", R("r0"), R("r1"), Mem(R("r2")), suffix="b")),
    ("pld [r0, #64]", insn("pld", Mem(R("r0"), Num(64)))),
    ("ldrt r0, [r1], #4", insn("ldr", R("r0"), Mem(R("r1"), Num(4), pre_index=False), suffix="t")),
    ("strbt r0, [r1], #1", insn("str", R("r0"), Mem(R("r1"), Num(1), pre_index=False), suffix="bt")),
    ("ldrsht r0, [r1], #2", insn("ldr", R("r0"), Mem(R("r1"), Num(2), pre_index=False), suffix="sht")),
    # A5.5 load/store multiple, register lists (A8.8.58)
    ("push {r4, fp, lr}", insn("push", RegList((R("r4"), R("fp"), R("lr"))))),
    ("pop {r4-r6, pc}", insn("pop", RegList((R("r4"), R("r5"), R("r6"), R("pc"))))),
    ("stmfd sp!, {r0-r3, lr}", insn("stm", R("sp", True), RegList(R0_3 + (R("lr"),)), suffix="fd")),
    ("ldmia r0, {r1}", insn("ldm", R("r0"), RegList((R("r1"),)), suffix="ia")),
    ("ldm sp, {r0-r12}^", insn("ldm", R("sp"), RegList(LOW13, True))),
    ("ldmfd sp!, {r0-r3, pc}^", insn("ldm", R("sp", True), RegList(R0_3 + (R("pc"),), True), suffix="fd")),
    ("stmdb sp!, {fp, ip, lr, pc}", insn("stm", R("sp", True), RegList((R("fp"), R("ip"), R("lr"), R("pc"))),
                                         suffix="db")),
    ("srsdb sp!, #0x13", insn("srs", R("sp", True), Imm(Num(0x13)), suffix="db")),
    ("rfeia sp!", insn("rfe", R("sp", True), suffix="ia")),
    # A5.6 branches, A8.8.18 bl, exception generation
    ("b .L3", insn("b", ExprOperand(Sym(".L3")))),
    ("bl r0", insn("bl", ExprOperand(Sym("r0")))),  # b/bl targets are always symbols
    ("bls 1f", insn("b", ExprOperand(LocalRef(1, True)), cond="ls")),
    ("bleq func", insn("bl", ExprOperand(Sym("func")), cond="eq")),
    ("bx lr", insn("bx", R("lr"))),
    ("blx r3", insn("blx", R("r3"))),
    ("b . + 8", insn("b", ExprOperand(Binary("+", Dot(), Num(8))))),
    ("svc #0x42", insn("svc", Imm(Num(0x42)))),
    ("svc 0", insn("svc", ExprOperand(Num(0)))),
    ("bkpt 0x1", insn("bkpt", ExprOperand(Num(1)))),
    # B9.3 system instructions: PSRs, cps, coprocessors, barriers
    ("mrs r0, cpsr", insn("mrs", R("r0"), Psr("cpsr"))),
    ("mrs r0, spsr", insn("mrs", R("r0"), Psr("spsr"))),
    ("mrs r0, apsr", insn("mrs", R("r0"), Psr("apsr"))),
    ("msr cpsr_c, r0", insn("msr", Psr("cpsr", "c"), R("r0"))),
    ("msr CPSR_fsxc, #0x1f", insn("msr", Psr("cpsr", "fsxc"), Imm(Num(0x1F)))),
    ("msr spsr_cxsf, r1", insn("msr", Psr("spsr", "cxsf"), R("r1"))),
    ("msr apsr_nzcvq, r2", insn("msr", Psr("apsr", "nzcvq"), R("r2"))),
    ("msr cpsr_all, r0", insn("msr", Psr("cpsr", "all"), R("r0"))),
    ("cps #0x13", insn("cps", Imm(Num(0x13)))),
    ("cpsie if", insn("cpsie", Iflags("if"))),
    ("cpsid aif, #0x13", insn("cpsid", Iflags("aif"), Imm(Num(0x13)))),
    ("cpsid fia", insn("cpsid", Iflags("aif"))),   # one spelling for every order (GNU as takes any)
    ("cpsie ff", insn("cpsie", Iflags("f"))),
    ("mcr p15, 0, r0, c1, c0, 0", insn("mcr", Coproc(15), ExprOperand(Num(0)), R("r0"), CReg(1), CReg(0),
                                       ExprOperand(Num(0)))),
    ("mrc p15, 0, r0, c0, c0, 5", insn("mrc", Coproc(15), ExprOperand(Num(0)), R("r0"), CReg(0), CReg(0),
                                       ExprOperand(Num(5)))),
    ("mcrr p15, 0, r0, r1, c2", insn("mcrr", Coproc(15), ExprOperand(Num(0)), R("r0"), R("r1"), CReg(2))),
    ("mrrc p15, 1, r2, r3, c14", insn("mrrc", Coproc(15), ExprOperand(Num(1)), R("r2"), R("r3"), CReg(14))),
    ("cdp p14, 1, c1, c2, c3, 4", insn("cdp", Coproc(14), ExprOperand(Num(1)), CReg(1), CReg(2), CReg(3),
                                       ExprOperand(Num(4)))),
    ("ldc p14, c5, [r1, #4]", insn("ldc", Coproc(14), CReg(5), Mem(R("r1"), Num(4)))),
    ("stcl p14, c5, [r1], #-8", insn("stc", Coproc(14), CReg(5), Mem(R("r1"), Unary("-", Num(8)), pre_index=False),
                                     suffix="l")),
    ("ldc p14, c5, [r1], {4}", insn("ldc", Coproc(14), CReg(5), Mem(R("r1"), None, False, option=Num(4)))),
    ("dmb ish", insn("dmb", Barrier("ish"))),
    ("dsb sy", insn("dsb", Barrier("sy"))),
    ("isb", insn("isb")),
    ("wfi", insn("wfi")),
    # VFP forms gcc emits (A7)
    ("vmrs APSR_nzcv, fpscr", insn("vmrs", Psr("apsr", "nzcv"), R("fpscr"))),
    ("vmsr fpexc, r0", insn("vmsr", R("fpexc"), R("r0"))),
    ("vadd.f32 s0, s1, s2", insn("vadd", R("s0"), R("s1"), R("s2"), suffix=".f32")),
    ("vcvt.s32.f64 s0, d1", insn("vcvt", R("s0"), R("d1"), suffix=".s32.f64")),
    ("vldr d0, [r0, #8]", insn("vldr", R("d0"), Mem(R("r0"), Num(8)))),
    ("vpush {d8-d10}", insn("vpush", RegList((R("d8"), R("d9"), R("d10"))))),
    ("vldmia r0!, {s0-s3}", insn("vldm", R("r0", True), RegList(tuple(R(f"s{i}") for i in range(4))),
                                 suffix="ia")),
    ("vmov.f32 s15, #1.5e+0", insn("vmov", R("s15"), Imm(Float("1.5e+0")), suffix=".f32")),
    ("vmoveq r0, r1, d2", insn("vmov", R("r0"), R("r1"), R("d2"), cond="eq")),
]


@pytest.mark.parametrize("src,expected", TABLE, ids=[row[0] for row in TABLE])
def test_operand_table(src, expected):
    prog = parse_text(f"\t{src}\n")
    assert prog.statements == (expected,)
    # printing and parsing again gives the same IR
    again = parse_text("\t" + format_instruction(prog.statements[0]) + "\n")
    assert again.statements == (expected,)


def test_table_matches_gnu_as(arm_as, tmp_path):
    """All rows at once: GNU as on the source lines == GNU as on the printed IR."""
    head = ".syntax unified\n.arch armv7-a\n.fpu vfpv3\n.text\n1:\n"
    tail = "1:\n.Lpool: .word 0\nsym: func: msg: .word 0\n"
    src = head + "".join(f"\t{s}\n" for s, _ in TABLE) + tail
    printed = print_program(parse_text(src))
    assert gas_dump(arm_as, src, tmp_path / "orig.s") == gas_dump(arm_as, printed, tmp_path / "printed.s")

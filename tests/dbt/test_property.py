"""Property: random A32 programs — straight-line and branching, innocuous instructions
mixed with PC readers, indirect branches and sensitive instructions — end in the same
state, after the same number of guest instructions, run directly and translated."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import CAMPAIGN_CASES

from .test_translate import check_same

CONDS = ["", "eq", "ne", "cs", "cc", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le"]
DST = [f"r{i}" for i in range(8)] + ["r10", "r11", "r12"]
SRC = DST + ["r8"]
ALU = ["add", "sub", "rsb", "and", "orr", "eor", "bic", "adc", "sbc"]

reg = st.sampled_from(DST)
src = st.sampled_from(SRC)
cond = st.sampled_from(CONDS)
imm = st.integers(0, 255)


@st.composite
def alu(draw) -> str:
    op = draw(st.sampled_from(ALU))
    s = draw(st.sampled_from(["", "s"]))
    c = draw(cond)
    form = draw(st.integers(0, 3))
    rd, rn = draw(reg), draw(src)
    if form == 0:
        return f"{op}{s}{c} {rd}, {rn}, #{draw(imm)}"
    if form == 1:
        return f"{op}{s}{c} {rd}, {rn}, {draw(src)}"
    if form == 2:
        return f"{op}{s}{c} {rd}, {rn}, {draw(src)}, {draw(st.sampled_from(['lsl', 'lsr', 'asr', 'ror']))} #{draw(st.integers(1, 31))}"
    return f"cmp{c} {rn}, #{draw(imm)}" if draw(st.booleans()) else f"mov{s}{c} {rd}, #{draw(imm)}"


@st.composite
def memop(draw) -> str:
    off = 4 * draw(st.integers(0, 63))
    op = draw(st.sampled_from(["ldr", "str", "ldrb", "strb"]))
    return f"{op}{draw(cond)} {draw(reg)}, [r8, #{off}]"


@st.composite
def pcread(draw, label: str) -> str:
    rd = draw(reg)
    k = draw(st.integers(0, 6))
    c = draw(cond)
    return [f"adr{c} {rd}, {label}", f"mov{c} {rd}, pc", f"add{c} {rd}, pc, #{draw(imm)}",
            f"ldr{c} {rd}, =0x{draw(st.integers(0, 2**32 - 1)):08x}", f"add{c} {rd}, {draw(src)}, pc",
            f"str{c} pc, [r8, #{4 * draw(st.integers(0, 63))}]",
            # every register, the PC too: no scratch register left (the VMM emulates it)
            f"stm{c}{draw(st.sampled_from(['ia', 'ib']))} r8, {{r0-r15}}"][k]


SENSITIVE = ["mrs {r}, cpsr", "msr cpsr_f, {r}", "mrc p15, 0, {r}, c0, c0, 0", "mrc p15, 0, {r}, c1, c0, 0",
             "cpsid i", "cpsie i", "msr cpsr_c, #0xd3", "mrs {r}, spsr"]


@st.composite
def program(draw) -> str:
    nfunc = draw(st.integers(0, 3))
    items = draw(st.lists(st.integers(0, 9), min_size=1, max_size=30))
    lines: list[str] = []
    for i, kind in enumerate(items):
        lines.append(f"L{i}:")
        if kind <= 3:
            lines.append(draw(alu()))
        elif kind == 4:
            lines.append(draw(memop()))
        elif kind == 5:
            lines.append(draw(pcread(f"L{draw(st.integers(0, len(items)))}")))
        elif kind == 6:
            lines.append(draw(st.sampled_from(SENSITIVE)).format(r=draw(reg)))
        elif kind == 7:
            lines.append(f"b{draw(cond)} L{draw(st.integers(i + 1, len(items)))}")
        elif kind == 8 and nfunc:
            lines.append(f"bl{draw(cond)} F{draw(st.integers(0, nfunc - 1))}")
        else:
            body = draw(st.lists(alu(), min_size=1, max_size=4))
            lines += [f"mov r9, #{draw(st.integers(1, 6))}", f"W{i}:", *body, "subs r9, r9, #1", f"bne W{i}"]
    lines.append(f"L{len(items)}:")
    lines.append("b end")
    for f in range(nfunc):
        ret = draw(st.sampled_from(["bx lr", "mov pc, lr", "pop", "popall"]))
        body = draw(st.lists(st.one_of(alu(), memop()), min_size=0, max_size=5))
        if ret == "pop":
            lines += [f"F{f}:", "push {r4, lr}", *body, "pop {r4, pc}"]
        elif ret == "popall":
            # a return naming every register (no scratch register left: the VMM emulates it)
            lines += [f"F{f}:", "push {lr}", "push {r0-r12, lr}", *body, "ldmia sp!, {r0-r12, lr, pc}"]
        else:
            lines += [f"F{f}:", *body, ret]
    return "\n".join(lines)


@pytest.mark.campaign
@settings(max_examples=CAMPAIGN_CASES, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                            HealthCheck.function_scoped_fixture])
@given(program())
def test_random_programs_translate_exactly(arm_as, source):
    check_same(arm_as, source)


@pytest.mark.campaign
@settings(max_examples=max(CAMPAIGN_CASES // 3, 5), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(program())
def test_random_programs_with_a_tiny_cache_and_the_memory_counter(arm_as, source):
    check_same(arm_as, source, tc_size=3 * 0x1000, counter="memory")

"""The ARM translator against the reference: the same code run directly on Unicorn.

Each program is assembled by GNU as, run natively (privileged, on Unicorn) and
through the dispatcher (translated; callouts for sensitive instructions run
natively); final registers, CPSR, memory and the guest instruction count must
be identical.  The native count comes from a per-instruction hook on guest memory.
"""

from __future__ import annotations

import struct

import pytest
import unicorn
from unicorn import arm_const as A

from vtrans.errors import GuestError
from vtrans.isa.arm import translate as T

from .gnu import assemble
from .harness import RAM, run_bt, run_native

END_MARK = "udf #0xbeef"
END_WORD = 0xE7FBEEFF
SP_INIT = RAM + 0x30000
DATA = RAM + 0x20000
INIT = {A.UC_ARM_REG_SP: SP_INIT, A.UC_ARM_REG_R8: DATA, A.UC_ARM_REG_R0: 3, A.UC_ARM_REG_R1: 0x1234}


def build(arm_as, body: str) -> tuple[bytes, int]:
    code = assemble(arm_as, body + f"\nend: {END_MARK}\n")
    for off in range(0, len(code), 4):
        if struct.unpack_from("<I", code, off)[0] == END_WORD:
            return code, RAM + off
    raise AssertionError("end marker not found")


def check_same(arm_as, body: str, **kw):
    code, end = build(arm_as, body)
    native, count = run_native(code, end, INIT, count_insns=True)
    bt, host = run_bt(code, end, INIT, **kw)
    assert [hex(r) for r in bt["regs"]] == [hex(r) for r in native["regs"]]
    assert hex(bt["cpsr"]) == hex(native["cpsr"])
    assert bt["mem"] == native["mem"]
    assert host.clock.insns == count, "guest instructions counted differently from native"
    return host


# one program per rewrite rule (the comment names the rule)
PROGRAMS = {
    "literal pool (ldr rt, [pc, #imm])": """
        ldr r2, =0xdeadbeef
        ldr r3, =0x12345678
        ldrb r4, lit
        ldr r5, lit
        b 1f
    lit: .word 0x0badf00d
    1:  add r6, r2, r3
    """,
    "adr and address arithmetic on pc": """
        adr r2, here
    here:
        add r3, pc, #16
        sub r4, pc, #4
        mov r5, pc
        add r6, pc, r0, lsl #2
        add r7, r0, pc
        movs r9, pc
    """,
    "bl sets lr, bx lr returns (indirect)": """
        bl f
        bl f
        adr r10, f
        blx r10
        b end
    f:  add r0, r0, #1
        bx lr
    g:  .word 0
    """,
    "push {lr} / pop {pc}, ldm with the pc": """
        mov r10, #5
    1:  bl f
        subs r10, r10, #1
        bne 1b
        b end
    f:  push {r4, r5, lr}
        mov r4, #1
        add r0, r0, r4
        pop {r4, r5, pc}
    """,
    "stm with the pc, str pc": """
        push {r0, r1, pc}
        pop {r2, r3, r4}
        str pc, [r8, #8]
        stmia r8!, {r0, pc}
        stmdb r8, {r1, pc}
        stmib r8!, {pc}
        ldr r5, [r8, #8]
        sub r5, r5, pc
    """,
    "block transfers naming every register (emulated by the host)": """
        mov r0, #3
        stmia r8, {r0-r15}
        stmib r8, {r0-r15}
        ldr r5, [r8, #60]
        bl f
        bl g
        b end
    f:  push {lr}
        push {r0-r12, lr}
        add r1, r1, #5
        ldmia sp!, {r0-r12, lr, pc}
    g:  push {lr}
        push {r0-r12, lr}
        ldmia sp, {r0-r12, lr, pc}
    """,
    "jump tables: add pc, pc, rX; ldr pc, [pc, rX, lsl #2]": """
        mov r2, #0
        mov r0, #2
        add pc, pc, r0, lsl #2
        nop
        b 1f
        b 2f
        b 3f
    1:  add r2, r2, #1
    2:  add r2, r2, #2
    3:  add r2, r2, #4
        mov r0, #1
        ldr pc, [pc, r0, lsl #2]
        nop
        .word 4f + 0x10000
        .word 5f + 0x10000
    4:  add r2, r2, #8
    5:  add r2, r2, #16
    """,
    "APCS frame: ldmdb fp, {fp, sp, pc}": """
        bl f
        b end
    f:  mov ip, sp
        push {fp, ip, lr, pc}
        sub fp, ip, #4
        add r0, r0, #7
        ldmdb fp, {fp, sp, pc}
    """,
    "conditional branches, conditional indirect branches": """
        mov r2, #0
        cmp r0, #3
        addeq r2, r2, #1
        bne 1f
        add r2, r2, #2
    1:  cmp r0, #4
        bxeq lr
        moveq pc, lr
        adr r3, 2f
        push {r3}
        popne {pc}
        b end
    2:  adr r3, 3f
        push {r3}
        ldrne pc, [sp], #4
        b end
    3:  cmp r0, #3
        adr r3, 4f
        push {r3}
        popeq {pc}
        b end
    4:  push {r3}
        popne {pc}
        pop {r3}
        blne f
        bleq f
        b end
    f:  add r2, r2, #100
        bx lr
    """,
    "pc in other operands: ldrh/ldrd literal, str to a pc-relative address": """
        ldrh r2, lit
        ldrd r4, r5, lit
        ldrsb r6, lit
        ldr r7, [pc, r0]
        b 1f
    lit: .word 0x80ff7f01
         .word 0x11223344
         .word 0x55667788
    1:
    """,
    "sensitive instructions are callouts": """
        mrs r2, cpsr
        bic r3, r2, #0xf0000000
        msr cpsr_f, r3
        mrc p15, 0, r4, c0, c0, 0
        cpsid i
        mrs r5, cpsr
        cpsie i
        mrs r6, cpsr
        msr cpsr_f, r2
    """,
    "loop with blx to a computed address and mov pc, lr": """
        adr r10, f
        mov r11, #20
    1:  blx r10
        subs r11, r11, #1
        bne 1b
        b end
    f:  add r0, r0, r11
        mov pc, lr
    """,
}


@pytest.mark.parametrize("counter", ["vfp", "memory"])
@pytest.mark.parametrize("name", list(PROGRAMS))
def test_program(arm_as, name, counter):
    check_same(arm_as, PROGRAMS[name], counter=counter)


def test_chaining_and_in_cache_lookup(arm_as):
    """A hot loop with a call: after warm-up every branch stays in the cache."""
    host = check_same(arm_as, """
        ldr r10, =1000
    1:  bl f
        subs r10, r10, #1
        bne 1b
        b end
    f:  add r0, r0, #1
        bx lr
    """)
    st = host.dbt.finish_stats()
    assert st.chain_links >= 2
    assert st.ibl_hits >= 990            # bx lr found by the in-cache lookup
    assert st.dispatcher_exits < 20


def test_tiny_cache_flushes_and_stays_correct(arm_as):
    # 60 functions called in turn: far more code than three cache pages hold
    funcs = "\n".join(f"f{i}: " + "\n".join(f"add r{j % 7 + 2}, r{j % 7 + 2}, #{i + j}" for j in range(20))
                      + "\n bx lr" for i in range(60))
    calls = "\n".join(f"bl f{i}" for i in range(60))
    body = f"mov r10, #3\n1:\n{calls}\nsubs r10, r10, #1\nbne 1b\nb end\n{funcs}"
    host = check_same(arm_as, body, tc_size=3 * T.PAGE)
    assert host.dbt.stats.flushes >= 2


@pytest.mark.parametrize("counter", ["vfp", "memory"])
@pytest.mark.parametrize("limit", [1, 2, 5, 7, 8, 9, 50, 333, 1001])
def test_budget_stops_on_the_exact_guest_instruction(arm_as, limit, counter):
    """QEMU icount: a run bounded to N guest instructions ends exactly after N of them."""
    code, end = build(arm_as, """
        ldr r10, =500
    1:  bl f
        add r1, r1, r10
        subs r10, r10, #1
        bne 1b
        b end
    f:  add r0, r0, #1
        eor r2, r0, r1
        bx lr
    """)
    from .harness import load, new_uc, state
    uc = new_uc()
    load(uc, code, INIT)
    uc.emu_start(RAM, end, count=limit)
    native = state(uc)
    bt, host = run_bt(code, end, INIT, max_insns=limit, counter=counter)
    assert host.clock.insns == limit
    assert [hex(r) for r in bt["regs"]] == [hex(r) for r in native["regs"]]
    assert bt["mem"] == native["mem"]


def test_self_modifying_code_is_retranslated(arm_as):
    """Stores into translated code invalidate it; the new code runs next time."""
    host = check_same(arm_as, """
        mov r10, #4
    1:  bl f
        ldr r2, patch
        ldr r3, [r8]
        add r3, r3, #1
        str r3, [r8]
        add r2, r2, r3
        adr r4, insn
        str r2, [r4]
        mcr p15, 0, r0, c7, c5, 0
        subs r10, r10, #1
        bne 1b
        b end
    f:
    insn: add r0, r0, #0
        bx lr
    patch: add r0, r0, #0
    """)
    assert host.dbt.stats.invalidations >= 3


def test_fault_reported_at_the_guest_instruction(arm_as):
    code, end = build(arm_as, """
        mov r2, #1
        add r3, r2, #2
        ldr r4, =0x0ff00000
        ldr r5, [r4]
        mov r6, #1
    """)
    with pytest.raises(GuestError) as err:
        run_bt(code, end, INIT)
    faulting = RAM + 12
    assert err.value.pc == faulting


def test_host_encodings_match_gnu_as(arm_as):
    """The encoders the translator uses produce GNU as's words."""
    cases = [
        ("mov r3, #0xff000000", T.dp_imm(T.Op.MOV, 3, 0, T.encode_imm(0xFF000000))),
        ("add r1, r1, #0xe8000000", T.dp_imm(T.Op.ADD, 1, 1, T.encode_imm(0xE8000000))),
        ("sub pc, pc, r0, lsr #26", T.dp_reg(T.Op.SUB, 15, 15, 0, 26, 1)),
        ("add pc, pc, r2, lsr #2", T.dp_reg(T.Op.ADD, 15, 15, 2, 2, 1)),
        ("ldr r0, [pc, #-256]", T.ldst_imm(True, 0, 15, -256)),
        ("str lr, [pc, #4]", T.ldst_imm(False, 14, 15, 4)),
        ("ldrne r7, [r3, #-4095]", T.ldst_imm(True, 7, 3, -4095, cond=1)),
        ("ldmib r2!, {r4, r5}", T.ldm_stm(True, 2, 0x30, 1, 1, 1)),
        ("stmdb r9, {r0, r1}", T.ldm_stm(False, 9, 0x3, 1, 0, 0)),
        ("clz r2, r2", 0xE16F2F12),
    ]
    mats = [0x12345678, 0xFFFFFFFE, 0x10000, 0, 0xE8001F00, 0x80000001]
    src = "\n".join(a for a, _ in cases)
    for v in mats:
        src += "\n" + "\n".join(f".word 0x{w:08x}" for w in T.materialize(5, v))
    words = assemble(arm_as, src)
    got = [struct.unpack_from("<I", words, 4 * i)[0] for i in range(len(cases))]
    assert [hex(w) for w in got] == [hex(w) for _, w in cases]
    # materialized constants: execute the sequences on Unicorn and read the register
    for v in mats:
        seq = b"".join(struct.pack("<I", w) for w in T.materialize(5, v))
        uc = unicorn.Uc(unicorn.UC_ARCH_ARM, unicorn.UC_MODE_ARM)
        uc.mem_map(RAM, 0x1000)
        uc.mem_write(RAM, seq)
        uc.emu_start(RAM, RAM + len(seq))
        assert uc.reg_read(A.UC_ARM_REG_R5) == v

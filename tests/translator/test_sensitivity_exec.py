"""The sensitivity table checked by execution.

Every case is one instruction form, assembled by GNU as and run once in User
mode and once in SVC mode on the Unicorn CPU from the same starting state.
``privileged`` forms must trap (UNDEFINED) in User mode; ``sensitive`` forms
must not trap and must show the User-versus-SVC difference the table claims
(``cps #0x1f`` leaves User mode in place but switches SVC to System);
``innocuous`` forms must end in the same state in both modes.  Where Unicorn
deviates from the architecture (UNICORN-NOTES: ``adds pc`` is not an exception
return, ``wfe``/``yield`` reach the invalid-instruction hook), the case says so.
"""

from __future__ import annotations

import random
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
import unicorn as U
from elftools.elf.elffile import ELFFile
from unicorn import arm_const as A

from vtrans.isa.arm.sensitivity import TABLE, classify
from vtrans.isa.base import InsnClass

CODE = 0x10000
DATA = 0x20000
STACK = 0x30000
TARGET = CODE + 0x80         # where returns and branches land
USR, SVC, SYS, ABT = 0x10, 0x13, 0x1F, 0x17
A_BIT, I_BIT, F_BIT = 0x100, 0x80, 0x40
AIF = A_BIT | I_BIT | F_BIT
FLAGS_ZC = 0x60000000        # Z and C set: eq/cs taken, ne/cc not

REGS = [getattr(A, f"UC_ARM_REG_R{i}") for i in range(13)] + [A.UC_ARM_REG_SP, A.UC_ARM_REG_LR]
INIT = {
    0: DATA, 1: DATA + 0x40, 2: 4, 3: SYS, 4: 0, 5: 0x55555555, 6: 0xF00001DF,
    7: 0x77, 8: 0x40000000, 9: 0x99, 10: 0xAA, 11: 0xBB, 12: 0xCC,
}
SPSR_INIT = 0x200001D0       # a User-mode SPSR (with C set) for exception returns


@dataclass
class Outcome:
    event: str               # "ok", "undef", "intr<N>"
    pc: int
    cpsr: int
    regs: list[int]
    spsr: int
    data: bytes
    stack: bytes

    @property
    def mode(self) -> int:
        return self.cpsr & 0x1F


@dataclass(frozen=True)
class Case:
    asm: str
    cls: InsnClass
    form: str                                   # prefix of Classification.name
    user: str = "ok"                            # expected event in User mode
    svc: str = "ok"                             # expected event in SVC mode
    check: Callable[[Outcome, Outcome], bool] | None = None
    aif: int = AIF                              # starting A/I/F bits
    note: str = ""
    regs: dict[int, int] = field(default_factory=dict)   # starting registers other than INIT


def run(word: int, mode: int, aif: int, regs: dict[int, int] | None = None) -> Outcome:
    uc = U.Uc(U.UC_ARCH_ARM, U.UC_MODE_ARM)
    uc.mem_map(0, 0x100000)
    uc.mem_write(CODE, word.to_bytes(4, "little"))
    uc.mem_write(DATA, bytes(range(256)))
    # words for rfe/ldm ^ (at DATA+0x80 and at the stack): a return target and a CPSR
    uc.mem_write(DATA + 0x80, TARGET.to_bytes(4, "little") + SPSR_INIT.to_bytes(4, "little"))
    uc.mem_write(STACK, (0x1234).to_bytes(4, "little") + TARGET.to_bytes(4, "little"))
    events: list[str] = []

    def on_invalid(uc, _data):
        events.append("undef")
        return False

    def on_intr(uc, intno, _data):
        events.append(f"intr{intno}")
        uc.emu_stop()

    uc.hook_add(U.UC_HOOK_INSN_INVALID, on_invalid)
    uc.hook_add(U.UC_HOOK_INTR, on_intr)
    # SVC-mode set-up: VFP on (CPACR cp10/cp11 full access, FPEXC.EN), SPSR_svc
    uc.reg_write(A.UC_ARM_REG_C1_C0_2, 0x00F00000)
    uc.reg_write(A.UC_ARM_REG_FPEXC, 0x40000000)
    uc.reg_write(A.UC_ARM_REG_CPSR, SVC | aif | FLAGS_ZC)
    uc.reg_write(A.UC_ARM_REG_SPSR, SPSR_INIT)
    uc.reg_write(A.UC_ARM_REG_SP, STACK)
    uc.reg_write(A.UC_ARM_REG_LR, TARGET + 4)
    if mode == USR:
        uc.reg_write(A.UC_ARM_REG_CPSR, USR | aif | FLAGS_ZC)
        uc.reg_write(A.UC_ARM_REG_SP, STACK)
        uc.reg_write(A.UC_ARM_REG_LR, TARGET + 4)
    for i, v in {**INIT, **(regs or {})}.items():
        uc.reg_write(REGS[i], v)
    try:
        uc.emu_start(CODE, CODE + 4, count=1)
    except U.UcError as e:
        if e.errno != U.UC_ERR_INSN_INVALID:
            raise
    cpsr = uc.reg_read(A.UC_ARM_REG_CPSR)
    return Outcome(
        event=events[0] if events else "ok",
        pc=uc.reg_read(A.UC_ARM_REG_PC),
        cpsr=cpsr,
        regs=[uc.reg_read(r) for r in REGS],
        spsr=uc.reg_read(A.UC_ARM_REG_SPSR) if cpsr & 0x1F not in (USR, SYS) else 0,
        data=bytes(uc.mem_read(DATA, 0x100)),
        stack=bytes(uc.mem_read(STACK - 0x10, 0x20)),
    )


def mode_is(user: int, svc: int):
    return lambda u, s: u.mode == user and s.mode == svc


def bits(mask: int, user: int, svc: int):
    return lambda u, s: u.cpsr & mask == user and s.cpsr & mask == svc


def same(u: Outcome, s: Outcome) -> bool:
    """Innocuous: the same registers, flags, memory and PC (mode bits apart)."""
    return (u.event == s.event and u.pc == s.pc and u.regs == s.regs and u.data == s.data
            and u.stack == s.stack and (u.cpsr & ~0x1F) == (s.cpsr & ~0x1F))


def r(n: int, value: int):
    return lambda o: o.regs[n] == value


P, S, X, I = InsnClass.PRIVILEGED, InsnClass.SENSITIVE, InsnClass.UNPREDICTABLE, InsnClass.INNOCUOUS
WORD0 = int.from_bytes(bytes(range(4)), "little")   # the word at DATA


def priv(asm: str, form: str, svc: str = "ok") -> Case:
    return Case(asm, P, form, user="undef", svc=svc)


CASES: list[Case] = [
    # --- sensitive: run in User mode without trapping, with another effect ------------
    Case("cps #0x1f", S, "cps", check=mode_is(USR, SYS)),
    Case("cps #0x17", S, "cps", check=mode_is(USR, ABT)),
    Case("cpsid i", S, "cps", aif=0, check=bits(AIF, 0, I_BIT)),
    Case("cpsie i", S, "cps", check=bits(AIF, AIF, A_BIT | F_BIT)),
    Case("cpsid if", S, "cps", aif=0, check=bits(AIF, 0, I_BIT | F_BIT)),
    Case("cpsie if", S, "cps", check=bits(AIF, AIF, A_BIT)),
    Case("cpsie a", S, "cps", check=bits(AIF, AIF, I_BIT | F_BIT)),
    Case("cpsid a", S, "cps", aif=0, check=bits(AIF, 0, A_BIT)),
    Case("cpsie f", S, "cps", check=bits(AIF, AIF, A_BIT | I_BIT)),
    Case("cpsid aif, #0x1f", S, "cps", aif=0, check=lambda u, s: u.cpsr & 0x1FF == USR
         and s.cpsr & 0x1FF == AIF | SYS),
    Case("cpsie aif, #0x17", S, "cps", check=lambda u, s: u.cpsr & 0x1FF == AIF | USR
         and s.cpsr & 0x1FF == ABT),
    Case("mrs r7, cpsr", S, "mrs cpsr", check=lambda u, s: u.regs[7] & 0x1F == USR
         and s.regs[7] & 0x1F == SVC),
    Case("mrs r7, apsr", S, "mrs cpsr", aif=I_BIT, check=lambda u, s: u.regs[7] == USR | I_BIT | FLAGS_ZC
         and s.regs[7] == SVC | I_BIT | FLAGS_ZC),
    Case("mrseq r7, cpsr", S, "mrs cpsr", check=lambda u, s: u.regs[7] & 0x1F == USR
         and s.regs[7] & 0x1F == SVC),
    Case("msr cpsr_c, r3", S, "msr cpsr (control)", check=mode_is(USR, SYS)),
    Case("msreq cpsr_c, r3", S, "msr cpsr (control)", check=mode_is(USR, SYS)),
    Case("msr cpsr_c, #0x1f", S, "msr cpsr (control)",
         check=lambda u, s: u.cpsr & 0x1FF == AIF | USR and s.cpsr & 0x1FF == A_BIT | SYS),
    Case("msr cpsr_c, #0xd7", S, "msr cpsr (control)", aif=0, check=lambda u, s: u.cpsr & 0x1FF == USR
         and s.cpsr & 0x1FF == I_BIT | F_BIT | ABT),
    Case("msr cpsr_x, r4", S, "msr cpsr (control)", check=bits(A_BIT, A_BIT, 0)),
    Case("msr cpsr_fsxc, r6", S, "msr cpsr (control)",
         check=lambda u, s: u.cpsr == 0xF0000000 | AIF | USR and s.cpsr == 0xF00001DF),
    Case("msr cpsr_fc, r6", S, "msr cpsr (control)",
         check=lambda u, s: u.cpsr == 0xF0000000 | AIF | USR and s.cpsr == 0xF00001DF),
    Case("msr cpsr_xc, r3", S, "msr cpsr (control)",
         check=lambda u, s: u.cpsr & 0x1FF == AIF | USR and s.cpsr & 0x1FF == SYS),
    Case("msr cpsr_fc, #0x1f", S, "msr cpsr (control)",
         check=lambda u, s: u.cpsr == AIF | USR and s.cpsr == A_BIT | SYS),
    # wfi halts the physical CPU: Unicorn returns from emu_start with PC on the next insn
    Case("wfi", S, "wfi", check=lambda u, s: u.pc == CODE + 4 and s.pc == CODE + 4),
    Case("wfieq", S, "wfi", check=lambda u, s: u.pc == CODE + 4),
    Case("wfe", S, "wfe", user="undef", svc="undef", check=lambda u, s: u.pc == CODE + 4,
         note="Unicorn reports wfe through the invalid-instruction hook, PC already past it, in every mode"),
    # unprivileged loads/stores: User accesses in every mode (MMU-level check below)
    Case("ldrt r7, [r0]", S, "ldrt", check=lambda u, s: u.regs[7] == s.regs[7] == WORD0),
    Case("ldrt r7, [r0], #4", S, "ldrt", check=lambda u, s: u.regs[0] == s.regs[0] == DATA + 4),
    Case("ldrt r7, [r0], r2", S, "ldrt", check=lambda u, s: u.regs[0] == s.regs[0] == DATA + 4),
    Case("ldrbt r7, [r1]", S, "ldrbt", check=lambda u, s: u.regs[7] == s.regs[7] == 0x40),
    Case("ldrbt r7, [r1], -r2", S, "ldrbt", check=lambda u, s: u.regs[1] == s.regs[1] == DATA + 0x3C),
    Case("strt r5, [r0]", S, "strt", check=lambda u, s: u.data[:4] == s.data[:4] == b"\x55" * 4),
    Case("strt r5, [r0], r2", S, "strt", check=lambda u, s: u.data[:4] == b"\x55" * 4),
    Case("strbt r5, [r1]", S, "strbt", check=lambda u, s: u.data[0x40] == s.data[0x40] == 0x55),
    Case("ldrht r7, [r1], #0", S, "ldrht", check=lambda u, s: u.regs[7] == s.regs[7] == 0x4140),
    Case("ldrsbt r7, [r1], #0", S, "ldrht", check=lambda u, s: u.regs[7] == s.regs[7] == 0x40),
    Case("ldrsht r7, [r1], #0", S, "ldrht", check=lambda u, s: u.regs[7] == s.regs[7] == 0x4140),
    Case("ldrht r7, [r1], r2", S, "ldrht", check=lambda u, s: u.regs[1] == s.regs[1] == DATA + 0x44),
    Case("strht r5, [r1], #0", S, "strht", check=lambda u, s: u.data[0x40:0x42] == b"\x55\x55"),
    # --- privileged: UNDEFINED in User mode ---------------------------------------------
    priv("mrc p15, 0, r7, c0, c0, 0", "mrc p15 MIDR"),
    priv("mrc p15, 0, r7, c0, c0, 1", "mrc p15 CTR"),
    priv("mrc p15, 0, r7, c0, c0, 5", "mrc p15 MPIDR"),
    priv("mrc p15, 0, r7, c0, c1, 0", "mrc p15 ID_PFR0"),
    priv("mrc p15, 0, r7, c0, c1, 4", "mrc p15 ID_MMFR0"),
    priv("mrc p15, 0, r7, c0, c2, 0", "mrc p15 ID_ISAR0"),
    priv("mrc p15, 1, r7, c0, c0, 1", "mrc p15 CLIDR"),
    priv("mrc p15, 0, r7, c1, c0, 0", "mrc p15 SCTLR"),
    priv("mcr p15, 0, r4, c1, c0, 0", "mcr p15 SCTLR"),
    priv("mrc p15, 0, r7, c1, c0, 2", "mrc p15 CPACR"),
    priv("mrc p15, 0, r7, c2, c0, 0", "mrc p15 TTBR0"),
    priv("mcr p15, 0, r4, c2, c0, 0", "mcr p15 TTBR0"),
    priv("mcr p15, 0, r4, c2, c0, 1", "mcr p15 TTBR1"),
    priv("mcr p15, 0, r4, c2, c0, 2", "mcr p15 TTBCR"),
    priv("mrc p15, 0, r7, c3, c0, 0", "mrc p15 DACR"),
    priv("mcr p15, 0, r4, c3, c0, 0", "mcr p15 DACR"),
    priv("mrc p15, 0, r7, c5, c0, 0", "mrc p15 DFSR"),
    priv("mrc p15, 0, r7, c5, c0, 1", "mrc p15 IFSR"),
    priv("mrc p15, 0, r7, c6, c0, 0", "mrc p15 DFAR"),
    priv("mrc p15, 0, r7, c6, c0, 2", "mrc p15 IFAR"),
    priv("mcr p15, 0, r0, c7, c5, 0", "mcr p15 ICIALLU"),
    priv("mcr p15, 0, r0, c7, c5, 6", "mcr p15 BPIALL"),
    priv("mcr p15, 0, r0, c7, c10, 1", "mcr p15 DCCMVAC"),
    priv("mcr p15, 0, r0, c7, c14, 1", "mcr p15 DCCIMVAC"),
    priv("mcr p15, 0, r0, c7, c6, 1", "mcr p15 DCIMVAC"),
    priv("mcr p15, 0, r0, c7, c8, 0", "mcr p15 ATS1CPR"),
    priv("mrc p15, 0, r7, c7, c4, 0", "mrc p15 PAR"),
    priv("mcr p15, 0, r4, c8, c7, 0", "mcr p15 TLBIALL"),
    priv("mcr p15, 0, r0, c8, c7, 1", "mcr p15 TLBIMVA"),
    priv("mcr p15, 0, r4, c8, c7, 2", "mcr p15 TLBIASID"),
    priv("mrc p15, 0, r7, c10, c2, 0", "mrc p15 PRRR"),
    priv("mrc p15, 0, r7, c12, c0, 0", "mrc p15 VBAR"),
    priv("mcr p15, 0, r4, c12, c0, 0", "mcr p15 VBAR"),
    priv("mrc p15, 0, r7, c13, c0, 1", "mrc p15 CONTEXTIDR"),
    priv("mcr p15, 0, r4, c13, c0, 1", "mcr p15 CONTEXTIDR"),
    priv("mcr p15, 0, r4, c13, c0, 3", "mcr p15 TPIDRURO"),
    priv("mrc p15, 0, r7, c13, c0, 4", "mrc p15 TPIDRPRW"),
    priv("mcr p15, 0, r4, c13, c0, 4", "mcr p15 TPIDRPRW"),
    priv("mcrr p15, 0, r4, r4, c2", "mcrr p15 TTBR0"),
    priv("mrrc p15, 0, r7, r9, c2", "mrrc p15 TTBR0"),
    priv("mrrc p15, 1, r7, r9, c14", "mrrc p15 CNTVCT"),
    priv("mrc p14, 0, r7, c0, c1, 0", "mrc p14"),         # DBGDSCRint
    priv("vmrs r7, fpexc", "vmrs FPEXC"),
    priv("vmrs r7, fpsid", "vmrs FPSID"),
    priv("vmrs r7, mvfr0", "vmrs MVFR0"),
    priv("vmrs r7, mvfr1", "vmrs MVFR1"),
    priv("vmsr fpexc, r8", "vmsr FPEXC"),
    # smc: Unicorn raises its SMC exception (13) in SVC; hvc is UNDEFINED until HCR/SCR enable it
    priv("smc #0", "smc", svc="intr13"),
    priv("hvc #0", "hvc", svc="undef"),
    Case("eret", P, "eret", user="undef",
         check=lambda u, s: s.pc == TARGET + 4 and s.mode == USR),   # at PL1: subs pc, lr, #0
    # --- UNPREDICTABLE in User mode (Unicorn: UNDEFINED) --------------------------------
    Case("mrs r7, spsr", X, "mrs spsr", user="undef", check=lambda u, s: s.regs[7] == SPSR_INIT),
    Case("msr spsr_fsxc, r6", X, "msr spsr", user="undef", check=lambda u, s: s.spsr == 0xF00001DF),
    Case("msr spsr_c, #0x13", X, "msr spsr", user="undef", check=lambda u, s: s.spsr == 0x20000113),  # A (bit 8) is in the x byte
    Case("srsdb sp!, #0x13", X, "srs", user="undef",
         check=lambda u, s: s.regs[13] == STACK - 8 and s.stack[8:16] == (TARGET + 4).to_bytes(4, "little")
         + SPSR_INIT.to_bytes(4, "little")),
    Case("rfeia r9", X, "rfe", user="undef", regs={9: DATA + 0x80},
         check=lambda u, s: s.pc == TARGET and s.cpsr == SPSR_INIT),
    Case("ldmia sp!, {r7, pc}^", X, "ldm exception return", user="undef",
         check=lambda u, s: s.pc == TARGET and s.cpsr == SPSR_INIT and s.regs[7] == 0x1234),
    Case("ldmia r0, {r13, r14}^", X, "ldm user registers", user="undef"),
    Case("stmia r1, {r13, r14}^", X, "stm user registers", user="undef"),
    Case("subs pc, lr, #4", X, "dp exception return", user="undef",
         check=lambda u, s: s.pc == TARGET and s.cpsr == SPSR_INIT),
    Case("movs pc, lr", X, "dp exception return", user="undef",
         check=lambda u, s: s.pc == TARGET + 4 and s.cpsr == SPSR_INIT),
    Case("adds pc, lr, #0", X, "dp exception return",
         note="Unicorn deviation: adds pc is a plain flag-setting branch in every mode",
         check=lambda u, s: u.pc == s.pc == TARGET + 4 and s.mode == SVC),
    Case("mrs r7, sp_usr", X, "mrs banked", user="undef"),
    Case("msr sp_usr, r4", X, "msr banked", user="undef"),
    # --- innocuous: the same in every mode ----------------------------------------------
    Case("add r7, r5, r6", I, "other", check=same),
    Case("adds r7, r5, r6", I, "other", check=same),
    Case("mov pc, lr", I, "other", check=same),
    Case("bx lr", I, "other", check=same),
    Case("ldr r7, [r0, #4]", I, "other", check=same),
    Case("str r5, [r0, #8]", I, "other", check=same),
    Case("ldmia r0, {r7, r8}", I, "other", check=same),
    Case("ldmia sp!, {r7, pc}", I, "other", check=same),
    Case("push {r5, r6}", I, "other", check=same),
    Case("svc #0", I, "svc", user="intr2", svc="intr2", check=same),
    Case("svc 0x123456", I, "svc", user="intr2", svc="intr2", check=same),
    Case("bkpt #0", I, "bkpt", user="intr7", svc="intr7", check=same),
    Case("udf #0", I, "udf", user="undef", svc="undef", check=same),
    Case("msr cpsr_f, r6", I, "msr cpsr (flags)", check=same),
    Case("msr apsr_nzcvq, r6", I, "msr cpsr (flags)", check=same),
    Case("msr apsr_g, r6", I, "msr cpsr (flags)", check=same),
    Case("msr apsr_nzcvqg, r6", I, "msr cpsr (flags)", check=same),
    Case("msr cpsr_f, #0xf0000000", I, "msr cpsr (flags)", check=same),
    Case("mrc p15, 0, r7, c13, c0, 2", I, "mrc p15 TPIDRURW", check=same),
    Case("mcr p15, 0, r5, c13, c0, 2", I, "mcr p15 TPIDRURW", check=same),
    Case("mrc p15, 0, r7, c13, c0, 3", I, "mrc p15 TPIDRURO", check=same),
    Case("mcr p15, 0, r4, c7, c5, 4", I, "mcr p15 CP15ISB", check=same),
    Case("mcr p15, 0, r4, c7, c10, 4", I, "mcr p15 CP15DSB", check=same),
    Case("mcr p15, 0, r4, c7, c10, 5", I, "mcr p15 CP15DMB", check=same),
    Case("mrc p15, 0, r7, c9, c14, 0", I, "mrc p15 PMUSERENR", check=same),
    Case("mrc p14, 0, r7, c0, c0, 0", I, "mrc p14 DBGDIDR", check=same),
    Case("dmb", I, "other", check=same),
    Case("dsb", I, "other", check=same),
    Case("isb", I, "other", check=same),
    Case("nop", I, "hint", check=same),
    Case("sev", I, "hint", check=same),
    Case("yield", I, "hint", user="undef", svc="undef", check=same,
         note="Unicorn reports yield through the invalid-instruction hook in every mode"),
    Case("clrex", I, "other", check=same),
    Case("ldrex r7, [r0]", I, "other", check=same),
    Case("setend be", I, "other", check=same),
    Case("vmrs r7, fpscr", I, "vmrs FPSCR", check=same),
    Case("vmsr fpscr, r4", I, "vmsr FPSCR", check=same),
    Case("vmrs APSR_nzcv, fpscr", I, "vmrs FPSCR", check=same),
    Case("pld [r0]", I, "other", check=same),
    Case("mul r7, r5, r6", I, "other", check=same),
    Case("qadd r7, r5, r6", I, "other", check=same),
    Case("sdiv r7, r6, r2", I, "other", check=same),
    Case("ldrh r7, [r1], #2", I, "other", check=same),
    Case("ldrd r6, r7, [r0]", I, "other", check=same),
    Case("ldr r7, [r0], #4", I, "other", check=same),
]


def test_enough_forms():
    assert len(CASES) >= 80
    assert len({c.asm for c in CASES}) == len(CASES)


@pytest.fixture(scope="module")
def words(arm_as, tmp_path_factory) -> dict[str, int]:
    """Every case assembled by GNU as (one instruction each)."""
    d = tmp_path_factory.mktemp("forms")
    src = d / "forms.s"
    src.write_text(".syntax unified\n.arm\n" + "".join(f"{c.asm}\n" for c in CASES))
    obj = d / "forms.o"
    subprocess.run([arm_as, "-march=armv7ve", "-mfpu=vfpv3", "-o", str(obj), str(src)], check=True)
    with obj.open("rb") as f:
        text = ELFFile(f).get_section_by_name(".text").data()
    assert len(text) == 4 * len(CASES), "each case must be exactly one instruction"
    return {c.asm: int.from_bytes(text[4 * i:4 * i + 4], "little") for i, c in enumerate(CASES)}


@pytest.mark.parametrize("case", CASES, ids=[c.asm for c in CASES])
def test_form(case: Case, words: dict[str, int]):
    word = words[case.asm]
    c = classify(word)
    assert c.cls is case.cls, f"{case.asm} ({word:08x}): table says {c.cls} ({c.name})"
    assert c.name.startswith(case.form), f"{case.asm} ({word:08x}): form {c.name!r}"
    u = run(word, USR, case.aif, case.regs)
    s = run(word, SVC, case.aif, case.regs)
    assert u.event == case.user, f"User mode: {u.event}, expected {case.user}"
    assert s.event == case.svc, f"SVC mode: {s.event}, expected {case.svc}"
    if case.user == "undef" and case.cls is not InsnClass.INNOCUOUS and case.form not in ("wfe",):
        assert u.pc == CODE, "a trap leaves the PC on the instruction"
        assert u.mode == USR
    if case.check is not None:
        assert case.check(u, s), f"User: {u.cpsr:#x} pc={u.pc:#x}; SVC: {s.cpsr:#x} pc={s.pc:#x}"
    if case.cls is InsnClass.SENSITIVE and case.form not in ("wfe", "wfi", "ldrt", "ldrbt", "strt",
                                                            "strbt", "ldrht", "strht"):
        # the point of the table: no trap, and a visible difference
        assert not same(u, s), "a sensitive form must behave differently in User mode"


def test_table_rows_well_formed():
    names = set()
    for form in TABLE:
        assert len(form.pattern) == 32
        assert form.section
        names.add(form.name)
    assert {"cps", "mrs cpsr", "mrs spsr", "srs", "rfe", "wfi", "ldrt"} <= names


# --- why the ldrt family is behaviour-sensitive: it checks User permissions ------------

KPAGE = 0x100000            # a 1 MB section only PL1 may access


def run_mmu(word: int, mode: int) -> str:
    """Run ``word`` with the MMU on: section 0 full access, section 1 (KPAGE) PL1-only."""
    uc = U.Uc(U.UC_ARCH_ARM, U.UC_MODE_ARM)
    uc.mem_map(0, 0x200000)
    ttb = 0x40000                                   # 16 KB aligned first-level table
    # short-descriptor sections (B3.5.1): AP[1:0] bits 11:10, domain 0, type 0b10
    uc.mem_write(ttb, (0x0 | 0b11 << 10 | 0b10).to_bytes(4, "little"))
    uc.mem_write(ttb + 4, (KPAGE | 0b01 << 10 | 0b10).to_bytes(4, "little"))
    uc.mem_write(KPAGE, (0xCAFEF00D).to_bytes(4, "little"))
    uc.mem_write(CODE, word.to_bytes(4, "little"))
    events: list[str] = []
    uc.hook_add(U.UC_HOOK_INTR, lambda uc, intno, _d: (events.append(f"intr{intno}"), uc.emu_stop()))
    uc.cpr_write(15, 0, 3, 0, 0, 0, False, 0x1)       # DACR: domain 0 client
    uc.cpr_write(15, 0, 2, 0, 0, 0, False, ttb)       # TTBR0
    sctlr = uc.cpr_read(15, 0, 1, 0, 0, 0, False)
    uc.cpr_write(15, 0, 1, 0, 0, 0, False, sctlr | 1)  # SCTLR.M
    if mode == USR:
        uc.reg_write(A.UC_ARM_REG_CPSR, USR | AIF)
    uc.reg_write(A.UC_ARM_REG_R9, KPAGE)
    uc.emu_start(CODE, CODE + 4, count=1)
    if events:
        return events[0]
    return "ok" if uc.reg_read(A.UC_ARM_REG_R7) == 0xCAFEF00D else "wrong value"


@pytest.mark.parametrize("asm", ["ldrt r7, [r9]", "ldrbt r7, [r9]", "ldrht r7, [r9], #0", "strt r7, [r9]"])
def test_unprivileged_access_uses_user_permissions(asm: str, arm_as, tmp_path):
    src = tmp_path / "t.s"
    src.write_text(f".syntax unified\n.arm\n{asm}\nldr r7, [r9]\n")
    obj = tmp_path / "t.o"
    subprocess.run([arm_as, "-march=armv7-a", "-o", str(obj), str(src)], check=True)
    with obj.open("rb") as f:
        text = ELFFile(f).get_section_by_name(".text").data()
    t_word, plain = int.from_bytes(text[:4], "little"), int.from_bytes(text[4:8], "little")
    assert classify(t_word).cls is InsnClass.SENSITIVE
    # the kernel's plain load reaches its page; the 't' access faults like a User access
    assert run_mmu(plain, SVC) == "ok"
    assert run_mmu(t_word, SVC) == "intr4"            # data abort
    # in User mode both fault: a deprivileged kernel needs its pages User-accessible,
    # and then the 't' access no longer faults where the kernel expects it to
    assert run_mmu(plain, USR) == "intr4"
    assert run_mmu(t_word, USR) == "intr4"


# --- campaign: every CP15 register Unicorn implements agrees with the table -------------


def _coproc_words() -> list[int]:
    """The table's named CP15 registers first (both directions), then random encodings."""
    from vtrans.isa.arm.sensitivity import _CP15

    def mcr(cp, crn, opc1, crm, opc2, load):
        return 0xEE000010 | opc1 << 21 | load << 20 | crn << 16 | 7 << 12 | cp << 8 | opc2 << 5 | crm

    named = [mcr(15, crn, opc1, crm, opc2, load) for (crn, opc1, crm, opc2) in _CP15 for load in (1, 0)]
    rng = random.Random(2026)
    rng.shuffle(named)
    others = [mcr(rng.choice((14, 15)), rng.randrange(16), rng.choice((0, 1, 2, 4, 6, 7)), rng.randrange(16),
                  rng.randrange(8), rng.randrange(2)) for _ in range(4000)]
    others += [0xEC400F00 | rng.randrange(2) << 20 | 7 << 12 | 8 << 16 | rng.randrange(8) << 4 | rng.randrange(16)
               for _ in range(200)]                                          # mcrr/mrrc p15
    return [w for pair in zip(named, others) for w in pair] + others[len(named):]


@pytest.mark.campaign
def test_coprocessor_access_campaign():
    """For sampled mcr/mrc/mcrr/mrrc encodings that Unicorn implements (no trap in SVC mode),
    the table says privileged exactly when User mode traps."""
    from tests.conftest import CAMPAIGN_CASES

    checked = 0
    for w in _coproc_words():
        if checked >= CAMPAIGN_CASES * 3:
            break
        if run(w, SVC, AIF).event != "ok":       # not implemented: UNDEFINED everywhere
            continue
        checked += 1
        trapped = run(w, USR, AIF).event == "undef"
        c = classify(w)
        assert (c.cls is InsnClass.PRIVILEGED) == trapped, f"{w:08x} {c.name}: User mode trap={trapped}"
    assert checked >= min(CAMPAIGN_CASES * 3, 100)

"""The ``stub`` strategy by execution: the original program run natively in SVC
mode on Unicorn is the reference; the rewritten program (GNU as + ld) runs in
User mode against its vCPU block and must end with the same registers, the
same flags, and a virtual CPSR equal to the native one — with no hypercall for
what a stub can do alone, and the right hypercall for the rest."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import unicorn as U
from elftools.elf.elffile import ELFFile
from unicorn import arm_const as A

from vtrans.assembler.parser import parse_text
from vtrans.assembler.printer import print_program
from vtrans.isa.arm import hypercall as hc
from vtrans.translator.rewrite import rewrite

BASE = 0x10000
REGS = [getattr(A, f"UC_ARM_REG_R{i}") for i in range(13)] + [A.UC_ARM_REG_SP, A.UC_ARM_REG_LR]

PROGRAM = """\
    .syntax unified
    .arm
    .text
    .global _start
_start:
    ldr sp, =0x30000
    mov r9, #0x55
    mov r10, #0xd3
    movs r11, #0            @ flags: Z set
    cpsid i
    mrs r0, cpsr
    cpsie i
    mrs r1, cpsr
    cpsid if
    mrs r2, cpsr
    cpsie af
    mrs r3, cpsr
    msr cpsr_c, r10         @ same mode: masks I and F
    mrs r4, cpsr
    ldr r6, =0xa00001d3
    msr spsr_fsxc, r6
    mrs r5, spsr
    msr spsr_c, #0x10
    mrs r7, spsr
    ldr r8, =0x90000153
    msr cpsr_fc, r8         @ flags N, V written; A masked (x field untouched), I, F cleared
    mrseq r12, cpsr         @ condition false after the msr: r12 keeps 0x12c
    mrsne r12, cpsr
    msr cpsr_c, #0xd3
done:
    b done
"""


def assemble(src: str, tmp: Path, arm_as: str, arm_ld: str) -> tuple[dict[int, bytes], dict[str, int]]:
    s = tmp / "p.s"
    s.write_text(src)
    subprocess.run([arm_as, "-march=armv7-a", "-o", str(tmp / "p.o"), str(s)], check=True)
    subprocess.run([arm_ld, f"-Ttext={BASE:#x}", "-o", str(tmp / "p.elf"), str(tmp / "p.o")], check=True)
    with (tmp / "p.elf").open("rb") as f:
        elf = ELFFile(f)
        segs = {seg["p_vaddr"]: seg.data() + bytes(seg["p_memsz"] - seg["p_filesz"])
                for seg in elf.iter_segments() if seg["p_type"] == "PT_LOAD"}
        syms = {sym.name: sym["st_value"] for sym in elf.get_section_by_name(".symtab").iter_symbols()}
    return segs, syms


def run(segs: dict[int, bytes], syms: dict[str, int], user: bool, setup=None):
    uc = U.Uc(U.UC_ARCH_ARM, U.UC_MODE_ARM)
    uc.mem_map(0, 0x100000)
    for addr, data in segs.items():
        uc.mem_write(addr, data)
    calls: list[int] = []

    def on_intr(uc, intno, _):
        assert intno == 2, f"exception {intno}"
        pc = uc.reg_read(A.UC_ARM_REG_PC)
        calls.append(int.from_bytes(uc.mem_read(pc - 4, 4), "little") & 0xFFFFFF)
        uc.emu_stop()

    uc.hook_add(U.UC_HOOK_INTR, on_intr)
    uc.reg_write(A.UC_ARM_REG_CPSR, 0x1D3)          # SVC, A/I/F masked, flags clear
    if user:
        uc.reg_write(A.UC_ARM_REG_CPSR, 0x1D0)
    if setup:
        setup(uc)
    uc.emu_start(syms["_start"], syms["done"], count=10000)
    return uc, calls


@pytest.fixture(scope="module")
def images(tmp_path_factory, arm_as, arm_ld):
    tmp = tmp_path_factory.mktemp("stubs")
    (tmp / "ref").mkdir()
    (tmp / "new").mkdir()
    ref = assemble(PROGRAM, tmp / "ref", arm_as, arm_ld)
    result = rewrite([parse_text(PROGRAM, "p.s")], "stub")
    new = assemble(print_program(result.programs[0]), tmp / "new", arm_as, arm_ld)
    return ref, new, result


def test_stubs_match_native(images):
    (rs, rsym), (ns, nsym), result = images
    native, ncalls = run(rs, rsym, user=False)
    stubbed, calls = run(ns, nsym, user=True)
    assert not ncalls
    assert calls == [], f"unexpected hypercalls {[hex(c) for c in calls]}"
    assert stubbed.reg_read(A.UC_ARM_REG_CPSR) & 0x1F == 0x10          # really ran deprivileged
    for i, r in enumerate(REGS):
        assert stubbed.reg_read(r) == native.reg_read(r), f"register {i}"
    ncpsr = native.reg_read(A.UC_ARM_REG_CPSR)
    scpsr = stubbed.reg_read(A.UC_ARM_REG_CPSR)
    assert scpsr >> 27 == ncpsr >> 27                                    # NZCVQ
    vcpu = hc.VcpuBlock.unpack(bytes(stubbed.mem_read(nsym[hc.VCPU_SYMBOL], hc.VCPU_SIZE)))
    assert vcpu.valid and vcpu.vcpsr == ncpsr & hc.VCPSR_MASK
    assert vcpu.spsr_svc == native.reg_read(A.UC_ARM_REG_SPSR)
    assert len(result.reports) == 18 and all("emulated" in r.action for r in result.reports)


def test_cpsie_with_pending_interrupt_syncs(images):
    _, (ns, nsym), result = images
    vcpu = nsym[hc.VCPU_SYMBOL]

    def pending(uc):
        uc.mem_write(vcpu + hc.OFF_PENDING, (hc.Pending.IRQ).to_bytes(4, "little"))

    _, calls = run(ns, nsym, user=True, setup=pending)
    # the first cpsie i unmasks IRQ while one is pending: SYNC, every register restored
    assert calls == [hc.hypercall_imm(hc.HypercallClass.SERVICE, hc.ServiceOp.SYNC)]


def test_mode_change_is_a_hypercall(tmp_path, arm_as, arm_ld):
    src = PROGRAM.replace("    msr cpsr_c, r10         @ same mode: masks I and F\n",
                          "    msr cpsr_c, #0x1f\n")
    result = rewrite([parse_text(src, "p.s")], "stub")
    segs, syms = assemble(print_program(result.programs[0]), tmp_path, arm_as, arm_ld)
    _, calls = run(segs, syms, user=True)
    index = next(r.index for r in result.reports if r.text == "msr cpsr_c, #31")
    assert calls == [hc.hypercall_imm(hc.HypercallClass.EMULATE, index)]


USER_PROGRAM = """\
    .syntax unified
    .arm
    .text
    .global _start
_start:
    mov r10, #0xd3
    ldr r8, =0x90000153
    cpsid i
    mrs r0, cpsr
    cpsie if
    mrs r1, cpsr
    msr cpsr_c, r10         @ in User mode: ignored (B9.3.12)
    mrs r2, cpsr
    msr cpsr_fc, r8         @ in User mode: flags only
    mrs r3, cpsr
    cps #0x13               @ in User mode: a NOP (B9.3.2)
    mrs r4, cpsr
done:
    b done
"""


def test_stubs_in_virtual_user_mode_match_real_user_mode(tmp_path, arm_as, arm_ld):
    (tmp_path / "ref").mkdir()
    (tmp_path / "new").mkdir()
    rs, rsym = assemble(USER_PROGRAM, tmp_path / "ref", arm_as, arm_ld)
    result = rewrite([parse_text(USER_PROGRAM, "u.s")], "stub")
    ns, nsym = assemble(print_program(result.programs[0]), tmp_path / "new", arm_as, arm_ld)
    native, ncalls = run(rs, rsym, user=True)               # the reference: real User mode
    vcpu = nsym[hc.VCPU_SYMBOL]

    def virtual_user(uc):
        uc.mem_write(vcpu + hc.OFF_VCPSR, (0x1D0).to_bytes(4, "little"))

    stubbed, calls = run(ns, nsym, user=True, setup=virtual_user)
    assert ncalls == [] and calls == []
    for i, r in enumerate(REGS):
        assert stubbed.reg_read(r) == native.reg_read(r), f"register {i}"
    block = hc.VcpuBlock.unpack(bytes(stubbed.mem_read(vcpu, hc.VCPU_SIZE)))
    assert block.vcpsr == native.reg_read(A.UC_ARM_REG_CPSR) & hc.VCPSR_MASK == 0x1D0

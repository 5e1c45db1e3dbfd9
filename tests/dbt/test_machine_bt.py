"""Small kernels built with GNU as/ld, run with ``--mode native`` and ``--mode bt``: the final
states (registers, banks, cp15, memory, instruction count) must be identical."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

VFP_OFF = """
_start:
    ldr r0, =vectors
    mcr p15, 0, r0, c12, c0, 0          @ VBAR
    ldr sp, =0x40080000
    mov r4, #0
    vadd.f32 s0, s1, s2                 @ FPEXC.EN = 0: UNDEFINED (B1.11.1), even though bt's
    vmov r8, s31                        @ counter uses the VFP registers
    mov r5, #1
    mrs r6, cpsr
    cpsid i
    mrs r7, cpsr
    mov r0, #0x18
    ldr r1, =0x20026
    svc 0x123456
.balign 32
vectors:
    b .
    b undef
    b .
    b .
    b .
    b .
    b .
    b .
undef:
    add r4, r4, #1
    movs pc, lr
"""

THUMB = """
_start:
    mov r4, #7
    adr r0, thumb + 1
    bx r0
thumb:
    mov r0, #0x18
"""


def build(tmp: Path, arm_as: str, arm_ld: str, source: str) -> Path:
    src, obj, elf = tmp / "k.s", tmp / "k.o", tmp / "k.elf"
    src.write_text(".syntax unified\n.arm\n.global _start\n" + source)
    subprocess.run([arm_as, "-march=armv7-a", "-mfpu=vfpv3", "-o", str(obj), str(src)], check=True)
    subprocess.run([arm_ld, "-Ttext=0x40010000", "-e", "_start", "-o", str(elf), str(obj)], check=True)
    return elf


def run(elf: Path, mode: str, tmp: Path) -> tuple[subprocess.CompletedProcess, dict | None]:
    state = tmp / f"{mode}.json"
    proc = subprocess.run([sys.executable, "-m", "vtrans", "run", "-M", "virt", "--mode", mode, str(elf),
                           "--final-state", str(state), "--max-insns", "100000"],
                          stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
    return proc, (json.loads(state.read_text()) if state.exists() else None)


@pytest.mark.gnu
def test_guest_vfp_instructions_undef_while_the_counter_uses_vfp(tmp_path, arm_as, arm_ld):
    elf = build(tmp_path, arm_as, arm_ld, VFP_OFF)
    (_, native), (bproc, bt) = run(elf, "native", tmp_path), run(elf, "bt", tmp_path)
    assert bproc.returncode == 0, bproc.stderr.decode()
    assert native["regs"][4] == "0x00000002"     # both VFP instructions trapped
    assert bt == native


@pytest.mark.gnu
def test_thumb_interworking_is_a_guest_error_naming_the_target(tmp_path, arm_as, arm_ld):
    elf = build(tmp_path, arm_as, arm_ld, THUMB)
    proc, _ = run(elf, "bt", tmp_path)
    assert proc.returncode == 3
    assert b"0x4001000d" in proc.stderr and b"Thumb" in proc.stderr     # the target, bit 0 set
    assert b"Traceback" not in proc.stderr

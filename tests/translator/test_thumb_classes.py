"""Thumb code is examined with the A32 sensitivity table: each Thumb instruction classifies as
its A32 counterpart does, both encoded by GNU as (``isa/arm/thumb.py``)."""

from __future__ import annotations

import subprocess

import pytest

from vtrans.isa.arm import thumb
from vtrans.isa.arm.sensitivity import classify

#: valid in both states; each line is one instruction
_BOTH = [
    "cpsid i", "cpsie if", "cpsid aif, #19", "cps #31", "mrs r0, apsr", "mrs r3, spsr", "msr cpsr_c, r0",
    "msr cpsr_fsxc, r1", "msr apsr_nzcvq, r2", "msr spsr_fsxc, r2", "msr spsr_c, r4", "mrs r2, sp_svc",
    "msr lr_irq, r5", "mrs r1, spsr_fiq", "srsdb sp!, #19", "srsia sp, #31", "rfeia r0!", "rfedb r1",
    "subs pc, lr, #4", "subs pc, lr, #0", "wfi", "wfe", "yield", "sev", "nop", "svc #1", "bkpt #2",
    "udf #3", "smc #0", "hvc #1",
    "mcr p15, 0, r0, c1, c0, 0", "mrc p15, 0, r0, c0, c0, 0", "mrc p15, 0, r1, c13, c0, 3",
    "mcr p15, 0, r2, c8, c7, 0", "mcrr p15, 0, r0, r1, c2", "mrrc p15, 1, r2, r3, c14",
    "mrc p14, 0, r0, c0, c0, 0", "vmrs r0, fpexc", "vmsr fpexc, r1", "vmrs r2, fpscr", "vmsr fpscr, r3",
    "ldrt r0, [r1]", "ldrbt r0, [r1]", "strt r2, [r3]", "strbt r2, [r3]", "ldrht r4, [r5]",
    "strht r4, [r5]", "ldrsbt r0, [r1]", "ldrsht r0, [r1]",
    "add r0, r1, r2", "ldr r0, [r1, #4]", "str r0, [r1]", "ldm r0!, {r1, r2}", "push {r4, lr}",
    "pop {r4, pc}", "bx lr", "blx r3", "mul r0, r1, r2", "vadd.f32 s0, s1, s2", "vldr d0, [r0]",
    "vmov r0, s1", "dmb ish", "isb", "clrex", "ldrex r0, [r1]", "umull r0, r1, r2, r3",
    "vadd.i32 q0, q1, q2", "vld1.32 {d0}, [r0]",
]


def _encode(lines: list[str], state: str, arm_as: str, tmp_path) -> list[bytes]:
    """Each line's bytes as GNU as encodes it in ``state`` ("arm" or "thumb")."""
    src = tmp_path / f"{state}.s"
    body = "".join(f"\t{line}\n\t.balign 4\n" if state == "arm" else f"\t{line}\n\t.balign 4, 0\n"
                   for line in lines)
    src.write_text(f".syntax unified\n.arch armv7-a\n.arch_extension sec\n.arch_extension virt\n.fpu neon\n"
                   f".{state}\n{body}")
    obj, binary = src.with_suffix(".o"), src.with_suffix(".bin")
    subprocess.run([arm_as, "-o", str(obj), str(src)], check=True, capture_output=True)
    subprocess.run([arm_as.replace("-as", "-objcopy"), "-O", "binary", "-j", ".text", str(obj), str(binary)],
                   check=True, capture_output=True)
    data = binary.read_bytes()
    assert len(data) == 4 * len(lines)
    return [data[4 * i:4 * i + 4] for i in range(len(lines))]


@pytest.mark.gnu
def test_each_thumb_instruction_classifies_as_its_a32_counterpart(arm_as, tmp_path) -> None:
    arm = _encode(_BOTH, "arm", arm_as, tmp_path)
    t32 = _encode(_BOTH, "thumb", arm_as, tmp_path)
    for line, a, t in zip(_BOTH, arm, t32):
        ref = classify(int.from_bytes(a, "little"))
        hw1 = int.from_bytes(t[:2], "little")
        if thumb.is_32bit(hw1):
            got = thumb.classify(hw1, int.from_bytes(t[2:4], "little"))
        else:
            assert t[2:4] == b"\0\0", line  # padding, so that every line is one word
            got = thumb.classify(hw1)
        if not ref.is_sensitive:
            assert got is None, (line, got)
            continue
        assert got is not None, line
        assert (got.cls, got.kind, got.form, got.detail) == (ref.cls, ref.kind, ref.form, ref.detail), line


def test_instruction_boundaries() -> None:
    # cpsid i (16-bit), mrs r0, apsr (32-bit), b . (16-bit), a cut-off 32-bit head
    data = bytes.fromhex("72b6" "eff30080" "fee7" "eff3")
    assert [(a, n) for a, n, _h1, _h2 in thumb.instructions(data, 0x8000)] == [(0x8000, 2), (0x8002, 4), (0x8006, 2)]


_THUMB_KERNEL = """\
	.syntax unified
	.arch armv7-a
	.thumb
	.global _start
	.thumb_func
_start:
	cpsid i
	mrs r0, apsr
	msr cpsr_c, r0
	movs r1, #0x18
	svc 0xab
	b .
"""


@pytest.fixture
def thumb_image(arm_as, arm_ld, tmp_path):
    src = tmp_path / "kernel.s"
    src.write_text(_THUMB_KERNEL)
    subprocess.run([arm_as, "-o", str(tmp_path / "kernel.o"), str(src)], check=True, capture_output=True)
    image = tmp_path / "kernel.elf"
    subprocess.run([arm_ld, "-Ttext=0x10000", "-o", str(image), str(tmp_path / "kernel.o")], check=True,
                   capture_output=True)
    return image


@pytest.mark.gnu
def test_a_thumb_kernel_is_analyzed_and_refused_for_rewriting(thumb_image, tmp_path) -> None:
    import sys

    from vtrans.errors import ImageError
    from vtrans.translator.binary import analyze_elf, rewrite_elf

    result = analyze_elf(thumb_image.read_bytes(), name="kernel.elf")
    assert [(f.address, f.text, f.classification.cls.value, f.rewritable) for f in result.findings] == [
        (0x10000, "cpsid i (Thumb)", "sensitive", False),
        (0x10002, "mrs r0, apsr (Thumb)", "sensitive", False),
        (0x10006, "msr cpsr_c, r0 (Thumb)", "sensitive", False)]
    assert result.findings[1].where == "_start+0x2"
    assert not result.virtualizable and result.verdict().startswith("not virtualizable")
    for strategy in ("hypercall", "stub", "pad"):
        with pytest.raises(ImageError, match="3 non-innocuous Thumb instructions"):
            rewrite_elf(thumb_image.read_bytes(), strategy, name="kernel.elf")
    out = tmp_path / "kernel.pv.elf"
    proc = subprocess.run([sys.executable, "-m", "vtrans", "rewrite", "-o", str(out), str(thumb_image)],
                          stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    assert proc.returncode == 2 and b"cpsid i (Thumb)" in proc.stderr and b"Traceback" not in proc.stderr
    assert not out.exists()


@pytest.mark.gnu
def test_diff_skips_the_previrt_modes_it_cannot_make(thumb_image) -> None:
    """``vtrans diff`` with its default modes compares what it can and says why not the rest;
    asked by name for a previrt mode or bt, it fails with the reason."""
    import sys

    def diff(*extra: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "vtrans", "diff", "--max-insns", "2000", *extra,
                               str(thumb_image)], stdin=subprocess.DEVNULL, capture_output=True, timeout=120)

    proc = diff()
    assert b"previrt modes skipped" in proc.stderr and b"cpsid i (Thumb)" in proc.stderr
    # binary translation is A32-only: skipped too, with its reason
    assert b"bt skipped" in proc.stderr and b"not supported by binary translation" in proc.stderr
    rows = [line.split()[:2] for line in proc.stdout.decode().splitlines()[1:4]]
    assert rows == [["native", "reference"], ["trap", "equal"]], proc.stdout.decode()
    proc = diff("--modes", "bt")
    assert proc.returncode == 3 and b"not supported by binary translation" in proc.stderr
    assert b"Traceback" not in proc.stderr
    proc = diff("--modes", "previrt:stub")
    assert proc.returncode == 2 and b"3 non-innocuous Thumb instructions" in proc.stderr
    assert b"Traceback" not in proc.stderr

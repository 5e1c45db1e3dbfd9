"""``vtrans run`` as a user meets it: assembly assembled on the fly, images, budgets,
``--stats-json`` / ``--final-state``, exit statuses, and errors without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "arm"


def vtrans(*args: str, stdin: bytes | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "vtrans", "run", *args], input=stdin,
                          stdin=None if stdin is not None else subprocess.DEVNULL,
                          capture_output=True, timeout=timeout)


def test_assembly_input_runs_like_the_qemu_reference(tmp_path: Path) -> None:
    """hello.s through vtrans's own assembler, at the default board's kernel address."""
    stats = tmp_path / "stats.json"
    final = tmp_path / "final.json"
    proc = vtrans(str(SAMPLES / "hello" / "hello.s"), "--stats-json", str(stats), "--final-state", str(final))
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout == (SAMPLES / "hello" / "expected.out").read_bytes()
    data = json.loads(stats.read_text())
    assert data["mode"] == "native" and data["board"] == "versatilepb"
    assert data["exit_reason"] == "semihosting-exit" and data["exit_code"] == 0
    assert data["instructions"] > 0 and data["wall_s"] >= 0
    state = json.loads(final.read_text())
    assert len(state["regs"]) == 16 and set(state["banks"]) >= {"usr", "svc", "irq", "fiq", "abt", "und"}
    assert "SCTLR" in state["cp15"] and state["memory"]
    assert b"semihosting-exit" in proc.stderr and b"MIPS" in proc.stderr


def test_max_insns_budget(tmp_path: Path) -> None:
    stats = tmp_path / "s.json"
    proc = vtrans(str(SAMPLES / "hello" / "hello.s"), "--max-insns", "50", "--stats-json", str(stats))
    assert proc.returncode == 124
    data = json.loads(stats.read_text())
    assert data["exit_reason"] == "max-insns" and data["instructions"] == 50


def test_timeout_budget(tmp_path: Path) -> None:
    src = tmp_path / "spin.s"
    src.write_text(".global _start\n_start:\n1: add r0, r0, #1\n b 1b\n")
    proc = vtrans(str(src), "--timeout", "0.3")
    assert proc.returncode == 124
    assert b"timeout" in proc.stderr


def test_same_run_twice_is_identical(tmp_path: Path) -> None:
    outs = []
    for i in range(2):
        final = tmp_path / f"f{i}.json"
        proc = vtrans(str(SAMPLES / "hello" / "hello.s"), "--final-state", str(final))
        outs.append((proc.stdout, proc.returncode, final.read_text()))
    assert outs[0] == outs[1]


@pytest.mark.parametrize("args,needle", [
    (["missing-image.elf"], b"missing-image.elf"),
    (["--board", "nosuchboard", "x.elf"], b"invalid choice"),
    (["--icount-shift", "11", "x.s"], b"--icount-shift"),
    (["--max-insns", "-5", "x.s"], b"--max-insns: must not be negative"),
    (["--timeout", "0", "x.s"], b"--timeout: must be positive"),
    (["--base", "-1", "x.s"], b"--base: not a 32-bit address"),
    (["--base", "0x100000000", "x.s"], b"--base: not a 32-bit address"),
])
def test_user_errors_have_no_traceback(args, needle) -> None:
    proc = vtrans(*args)
    assert proc.returncode == 2
    assert needle in proc.stderr
    assert b"Traceback" not in proc.stderr


def test_bad_image_is_reported(tmp_path: Path) -> None:
    bad = tmp_path / "bad.elf"
    bad.write_bytes(b"\x7fELF" + b"\0" * 12)
    proc = vtrans(str(bad))
    assert proc.returncode == 2 and b"Traceback" not in proc.stderr
    assert b"bad.elf" in proc.stderr


def test_binary_data_given_as_assembly_is_reported(tmp_path: Path) -> None:
    """A file that is neither ELF nor text goes to the assembler: one clear line, not a parse
    error pointing at a random byte."""
    blob = tmp_path / "kernel.img"
    blob.write_bytes(bytes(range(256)) * 4)
    for cmd in (["analyze"], ["rewrite", "-o", str(tmp_path / "out.s")], ["asm", "-o", str(tmp_path / "o.elf")]):
        proc = subprocess.run([sys.executable, "-m", "vtrans", *cmd, str(blob)], stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=60)
        assert proc.returncode == 2 and b"Traceback" not in proc.stderr
        assert f"{blob}:1:1: error: binary data, not assembly source".encode() in proc.stderr
        assert not (tmp_path / "out.s").exists() and not (tmp_path / "o.elf").exists()

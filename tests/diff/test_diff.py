"""``vtrans diff``: native against the other modes, on the samples (whose native output
is checked against qemu-system-arm elsewhere), with real runs only."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, require_tool

_spec = importlib.util.spec_from_file_location("samples_build", ROOT / "samples/arm/build.py")
samples_build = importlib.util.module_from_spec(_spec)
sys.modules["samples_build"] = samples_build
_spec.loader.exec_module(samples_build)

SAMPLES = [s for s in samples_build.load_manifest() if s.kind != "libc" and s.script is None]
SENSITIVE_USES = {"cps", "cpsid", "msr_cpsr_c", "mrs_cpsr"}


def diff_args(sample, *extra: str) -> list[str]:
    args = ["vtrans", "diff", *map(str, sample.source_paths), "--board", sample.board]
    if sample.base is not None:
        args += ["--base", hex(sample.base)]
    if sample.icount_shift is not None:
        args += ["--icount-shift", str(sample.icount_shift)]
    if sample.stdin:
        args += ["--stdin", str(sample.directory / sample.stdin)]
    return args + ["--timeout", "120", *extra]


def run_diff(args: list[str]) -> tuple[int, dict | None, str]:
    proc = subprocess.run(args, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    assert "Traceback" not in proc.stderr, proc.stderr
    data = json.loads(proc.stdout) if "--json" in args and proc.stdout.strip() else None
    return proc.returncode, data, proc.stderr


@pytest.mark.parametrize("sample", [s for s in SAMPLES if SENSITIVE_USES & set(s.uses)], ids=lambda s: s.name)
def test_trap_mode_diverges_at_a_sensitive_instruction(sample):
    """Trap-and-emulate cannot virtualize ARMv7: on the samples that use cps / msr cpsr_c /
    mrs cpsr, diff must name a sensitive, non-trapping instruction as the first divergence."""
    code, data, _ = run_diff(diff_args(sample, "--modes", "trap", "--json"))
    assert code == 1 and data["equal"] is False
    (mode,) = data["modes"]
    fd = mode["first_divergence"]
    assert mode["mode"] == "trap" and mode["equal"] is False and fd is not None
    assert fd["class"] == "sensitive", fd
    assert Path(fd["file"]).name in {p.name for p in sample.source_paths}
    source_line = Path(fd["file"]).read_text().splitlines()[fd["line"] - 1]
    assert re.search(r"\b(cps|cpsie|cpsid|mrs|msr)\b", source_line, re.I), source_line
    assert "does not trap in User mode" in fd["explanation"]
    # the effect the explanation names is real: native and trap disagree right after it
    assert fd["native"]["changed"] != fd["other"]["changed"]


def test_text_output_names_the_culprit_with_its_source_line():
    sample = samples_build.find("sensitive")
    proc = subprocess.run(diff_args(sample, "--modes", "trap"), capture_output=True, text=True, timeout=600,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 1
    assert re.search(r"first divergence: .* at .*sensitive\.s:\d+ is sensitive but does not trap in User mode",
                     proc.stdout), proc.stdout
    assert "--- native" in proc.stdout and "+++ trap" in proc.stdout


def _native_trace(sample):
    from vtrans.assembler.api import assemble
    from vtrans.runtime.boards import get_board
    from vtrans.runtime.loader import image_from_assembler
    from vtrans.runtime.modes import get_mode
    from vtrans.runtime.session import run_traced
    from vtrans.runtime.tracing import find_sites

    board = get_board(sample.board)
    built = assemble([str(p) for p in sample.source_paths], base=sample.base)
    image = image_from_assembler(built, sample.name)
    sites = find_sites([(s.addr, s.data, s.executable) for s in image.segments])
    return run_traced(board, get_mode("native")(), image, label="native", sites=sites,
                      icount_shift=sample.icount_shift or 3, line_map=dict(built.line_map))


@pytest.mark.parametrize("name", ["timer_vic", "sensitive", "mmu"])
def test_native_runs_twice_give_identical_traces(name):
    """Determinism: the same run twice gives the same trace, bit for bit (timer interrupts,
    sensitive instructions and MMU faults included)."""
    sample = samples_build.find(name)
    a, b = _native_trace(sample), _native_trace(sample)
    assert a.events and a.dump() == b.dump() and a.digest() == b.digest()
    assert a.console == sample.expected_path.read_bytes()  # and it is QEMU's output
    kinds = {e.kind for e in a.events}
    assert "exception" in kinds and "sensitive" in kinds


def test_bad_input_exits_2_without_traceback(tmp_path):
    sample = samples_build.find("hello")
    for extra in (["--modes", "nonsense"], ["--modes", "native"], ["--modes", "trap:hypercall"]):
        code, _, err = run_diff(diff_args(sample, *extra))
        assert code == 2 and "error:" in err, (extra, err)
    bad = tmp_path / "bad.s"
    bad.write_text("_start:\n  mov r0, #1\n  frobnicate r1\n")
    code, _, err = run_diff(["vtrans", "diff", str(bad), "--modes", "trap"])
    assert code == 2 and re.search(r"bad\.s:3:\d+: error:", err), err

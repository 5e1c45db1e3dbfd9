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


#: a spread of features (sensitive instructions, every exception-return form, GIC timer
#: interrupts, the MMU with User processes, self-modifying code, system calls); every sample
#: in every mode is covered by tests/vmm and tests/dbt, so CI bounds this campaign
AGREEMENT_SAMPLES = ("sensitive", "eret_forms", "timer_gic", "mmu", "selfmod", "syscalls")


@pytest.mark.campaign
@pytest.mark.parametrize("name", AGREEMENT_SAMPLES)
def test_previrt_and_bt_agree_with_native(name):
    """Pre-virtualized images (all three strategies) and binary translation behave exactly like
    native: console, final state and the whole event trace (exceptions, sensitive instructions)."""
    sample = samples_build.find(name)
    code, data, err = run_diff(diff_args(sample, "--modes", "previrt,bt", "--json"))
    assert code == 0, (err, [m["first_divergence"] for m in data["modes"]] if data else None)
    assert data["equal"] is True
    assert [m["mode"] for m in data["modes"]] == ["previrt:hypercall", "previrt:stub", "previrt:pad", "bt"]
    assert all(m["equal"] and m["first_divergence"] is None and not m["console_diff"] for m in data["modes"])


def test_injected_emulation_fault_is_located(tmp_path, monkeypatch, capsys):
    """A deliberately broken translation (test-only fault injection: the VMM's emulation of
    ``mrc`` returns a wrong value) is caught at the right instruction and source line."""
    from vtrans.cli.main import main
    from vtrans.isa.arm import emulate as emulate_mod

    src = tmp_path / "probe.s"
    src.write_text(
        "        .text\n"
        "        .global _start\n"
        "_start: ldr sp, =stack_top\n"
        "        mov r4, #0\n"
        "        mrc p15, 0, r4, c1, c0, 0      @ SCTLR: privileged, trapped and emulated\n"
        "        add r5, r4, #1\n"
        "        mov r0, #0x18                  @ SYS_EXIT\n"
        "        ldr r1, =0x20026               @ ADP_Stopped_ApplicationExit\n"
        "        svc 0x123456\n"
        "        .bss\n"
        "        .space 256\n"
        "stack_top:\n")
    args = ["diff", str(src), "--board", "vexpress-a9", "--modes", "trap", "--json"]
    assert main(args) == 0, "without the fault, trap mode runs this guest exactly like native"
    capsys.readouterr()

    original = emulate_mod.Emulator.emulate

    def broken(self, word, pc, form=None, **kwargs):
        result = original(self, word, pc, form=form, **kwargs)
        if word & 0x0F100F10 == 0x0E100F10:  # mrc p15, <any>: corrupt the destination register
            rt = (word >> 12) & 0xF
            self.vcpu.set_reg(rt, self.vcpu.reg(rt) ^ 0x80)
        return result

    monkeypatch.setattr(emulate_mod.Emulator, "emulate", broken)
    assert main(args) == 1
    data = json.loads(capsys.readouterr().out)
    fd = data["modes"][0]["first_divergence"]
    assert (Path(fd["file"]).name, fd["line"]) == ("probe.s", 5)
    assert fd["class"] == "privileged" and fd["text"].startswith("mrc")
    assert "r4" in fd["explanation"]


def test_device_accesses_are_traced_and_agree(tmp_path):
    """With --trace-devices every register access (device, offset, value, guest instruction
    count) is part of the trace; binary translation and hypercalls reproduce them exactly."""
    sample = samples_build.find("timer_vic")
    code, data, err = run_diff(diff_args(sample, "--modes", "previrt:hypercall,bt", "--trace-devices",
                                         "--trace-dir", str(tmp_path), "--json"))
    assert code == 0 and data["equal"], err
    native = json.loads((tmp_path / "native.json").read_text())
    accesses = [e for e in native["events"] if e["kind"] == "device"]
    devices = {e["device"].split("@")[0] for e in accesses}
    assert {"uart0", "timer01", "vic"} <= devices, devices  # the console, the SP804 and the PL190
    assert any(e["access"] == "w" for e in accesses) and any(e["access"] == "r" for e in accesses)

"""Every sample (kernels and the newlib/picolibc programs, run as binaries) behaves the same
under ``vtrans run --mode bt`` as under ``--mode native``: the output QEMU printed (the
committed expected files), the exit code, and the final state (registers, banked
registers, cp15, memory digests, guest instruction count) of the native run.

``bench_cpu`` (2.3 G instructions) is left to ``bench/bench_bt.py``; ``bench_cpu_small``
is the same program and runs here.  The multi-guest samples (messaging hypercalls) belong
to the hypervisor's suite.
"""

from __future__ import annotations

import concurrent.futures
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
BUILD_PY = SAMPLES / "arm" / "build.py"


def _load_build_module():
    spec = importlib.util.spec_from_file_location("vtrans_samples_build_bt", BUILD_PY)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


build = _load_build_module()
SAMPLE_LIST = build.load_manifest()
SLOW = {"bench_cpu"}
#: guests written for the multi-guest hypervisor (messaging hypercalls): tests/hypervisor
SKIP = SLOW | {s.name for s in SAMPLE_LIST if "multi_guest" in s.uses}


def vtrans_run(sample, image: Path, mode: str, out: Path, *extra: str) -> tuple[subprocess.CompletedProcess, dict, dict]:
    state, stats = out / f"{sample.name}-{mode}-state.json", out / f"{sample.name}-{mode}-stats.json"
    cmd = [sys.executable, "-m", "vtrans", "run", "--mode", mode, "--board", sample.board, str(image),
           "--final-state", str(state), "--stats-json", str(stats), *extra]
    if sample.icount_shift is not None:
        cmd += ["--icount-shift", str(sample.icount_shift)]
    if sample.stdin:
        cmd += ["--stdin", str(sample.directory / sample.stdin)]
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=300,
                          env=dict(os.environ, VTRANS_DEBUG=""))
    assert b"Traceback" not in proc.stderr and b"internal error" not in proc.stderr, proc.stderr.decode()[-2000:]
    return proc, json.loads(state.read_text()), json.loads(stats.read_text())


class Run:
    """One in-process run of a sample (what ``vtrans run`` does, without a process per run)."""

    def __init__(self, sample, image: Path, mode: str, tc_size: int | None = None):
        from vtrans.isa.arm.semihosting import HostIO
        from vtrans.runtime.boards import get_board
        from vtrans.runtime.loader import read_image
        from vtrans.runtime.machine import Machine
        from vtrans.runtime.modes import get_mode

        board = get_board(sample.board)
        out: list[bytes] = []
        stdin = bytearray((sample.directory / sample.stdin).read_bytes() if sample.stdin else b"")

        def read(n: int) -> bytes:
            chunk = bytes(stdin[:n])
            del stdin[:n]
            return chunk

        io = HostIO(console=lambda b: None, stdout=out.append, stderr=lambda b: None, stdin=read)
        cls = get_mode(mode)
        m = Machine(board, mode=cls(tc_size) if tc_size else cls(), io=io, uart_output=out.append,
                    icount_shift=sample.icount_shift if sample.icount_shift is not None else 3)
        m.load(read_image(str(image), board, None))
        if stdin:
            m.board.console.receive(bytes(stdin))
        self.stats = m.run(timeout=240)
        self.stdout = b"".join(out)
        self.state = m.final_state().to_dict()
        self.dbt = getattr(m.mode, "dbt", None)


@pytest.fixture(scope="session")
def images(tmp_path_factory, arm_as, arm_ld, arm_gcc) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("bt-samples")
    # one at a time: samples built per board share a directory
    return {s.name: build.build(s, out) for s in SAMPLE_LIST if s.name not in SKIP}


@pytest.fixture(scope="session")
def runs(images) -> dict[str, tuple[Run, Run]]:
    """Every sample run natively and translated (two at a time: two cores)."""
    def both(sample):
        return Run(sample, images[sample.name], "native"), Run(sample, images[sample.name], "bt")

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futures = {s.name: pool.submit(both, s) for s in SAMPLE_LIST if s.name in images}
    return {name: f.result() for name, f in futures.items()}


@pytest.mark.gnu
@pytest.mark.parametrize("name", [s.name for s in SAMPLE_LIST if s.name not in SKIP])
def test_sample_bt_matches_native_and_qemu(name: str, runs) -> None:
    sample = next(s for s in SAMPLE_LIST if s.name == name)
    native, bt = runs[name]
    assert bt.stdout == sample.expected_path.read_bytes(), bt.stats.message
    assert bt.stats.exit_code == sample.exit_code == native.stats.exit_code, bt.stats.message
    for key in native.state:
        assert bt.state[key] == native.state[key], f"{key} differs from native"
    assert bt.stats.instructions == native.stats.instructions
    assert bt.dbt.stats.guest_insns_translated > 0


@pytest.mark.gnu
def test_selfmod_retranslates(runs) -> None:
    """The self-modifying sample's writes to translated code invalidated translations."""
    native, bt = runs["selfmod"]
    assert bt.dbt.stats.invalidations > 0


@pytest.mark.gnu
def test_tiny_translation_cache_flushes(images, tmp_path) -> None:
    """newlib's printf path does not fit in three cache pages: the cache is flushed, repeatedly,
    and the program still prints what QEMU printed.  Through the command line, statistics
    included."""
    sample = next(s for s in SAMPLE_LIST if s.name == "newlib_hello")
    proc, state, stats = vtrans_run(sample, images["newlib_hello"], "bt", tmp_path, "--tc-size", str(3 * 4096))
    assert proc.stdout == sample.expected_path.read_bytes()
    assert proc.returncode == sample.exit_code
    assert stats["bt"]["flushes"] >= 2
    assert b"bt flushes" in proc.stderr


@pytest.mark.gnu
def test_tc_size_too_small_is_a_usage_error(images) -> None:
    sample = next(s for s in SAMPLE_LIST if s.name == "hello")
    proc = subprocess.run([sys.executable, "-m", "vtrans", "run", "--mode", "bt", "--board", sample.board,
                           str(images["hello"]), "--tc-size", "4096"], stdin=subprocess.DEVNULL,
                          capture_output=True, timeout=120)
    assert proc.returncode == 2
    assert b"--tc-size" in proc.stderr and b"Traceback" not in proc.stderr


@pytest.mark.gnu
@pytest.mark.parametrize("name", ["sensitive", "timer_vic", "mmu", "selfmod"])
def test_vtrans_diff_finds_bt_equal_to_native(name: str, images) -> None:
    """``vtrans diff`` compares the event traces too: console output stamped with the guest
    instruction count of each device access, exceptions, every sensitive site reached."""
    sample = next(s for s in SAMPLE_LIST if s.name == name)
    proc = subprocess.run([sys.executable, "-m", "vtrans", "diff", "--modes", "bt", "--board", sample.board,
                           str(images[name])], stdin=subprocess.DEVNULL, capture_output=True, timeout=300)
    assert proc.returncode == 0, proc.stdout.decode()[-3000:] + proc.stderr.decode()[-2000:]

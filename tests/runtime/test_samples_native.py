"""Every sample of ``samples/arm/samples.toml``, run with ``vtrans run --mode native``, prints
exactly the output qemu-system-arm printed (the committed expected files) and exits with
QEMU's exit code.  That the expected files are still what QEMU prints is checked against a
live QEMU by ``tests/test_samples_qemu.py`` (every sample, same manifest), so this suite
does not run QEMU a second time.

``bench_cpu`` (2.3 G instructions, about 30 s in native mode) is not run here: it is the
same program as ``bench_cpu_small`` (which is) with a larger SCALE, and
``bench/bench_native.py`` runs it against QEMU, checking its output too.
"""

from __future__ import annotations

import concurrent.futures
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
BUILD_PY = SAMPLES / "arm" / "build.py"


def _load_build_module():
    spec = importlib.util.spec_from_file_location("vtrans_samples_build_native", BUILD_PY)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


build = _load_build_module()
SAMPLE_LIST = build.load_manifest()
SLOW = {"bench_cpu"}


def run_native(sample, image: Path, timeout: float = 120, extra: tuple[str, ...] = (),
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "vtrans", "run", "--mode", "native", "--board", sample.board, *extra, str(image)]
    if sample.icount_shift is not None:
        cmd += ["--icount-shift", str(sample.icount_shift)]
    if sample.stdin:
        cmd += ["--stdin", str(sample.directory / sample.stdin)]
    return subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout,
                          env=dict(os.environ if env is None else env, VTRANS_DEBUG=""))


def semihost_console(stderr: bytes) -> bytes:
    """Standard error minus vtrans's own two summary lines at the end."""
    lines = stderr.split(b"\n")
    while lines and (lines[-1] == b"" or lines[-1].startswith(b"vtrans: ")):
        lines.pop()
    return b"\n".join(lines) + (b"\n" if lines else b"")


@pytest.fixture(scope="session")
def built_samples(tmp_path_factory, arm_as, arm_ld, arm_gcc) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("native-samples")
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futures = {s.name: pool.submit(build.build, s, out) for s in SAMPLE_LIST}
    return {name: f.result() for name, f in futures.items()}


def _check(sample, image: Path) -> None:
    proc = run_native(sample, image)
    expected = sample.expected_path.read_bytes()
    assert proc.stdout.decode(errors="replace") == expected.decode(errors="replace"), proc.stderr.decode()[-2000:]
    assert proc.returncode == sample.exit_code, proc.stderr.decode()[-2000:]
    if sample.semihost_path is not None:
        assert semihost_console(proc.stderr) == sample.semihost_path.read_bytes()
    assert b"Traceback" not in proc.stderr


@pytest.mark.gnu
@pytest.mark.parametrize("name", [s.name for s in SAMPLE_LIST if s.name not in SLOW])
def test_sample_native_matches_qemu(name: str, built_samples) -> None:
    sample = next(s for s in SAMPLE_LIST if s.name == name)
    _check(sample, built_samples[name])

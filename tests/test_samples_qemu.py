"""The reference stays honest: every sample, built with the GNU toolchain and run on
qemu-system-arm, prints exactly its committed expected output and exits with its
manifest exit code.  QEMU instances run in two threads (the machine has two cores)."""

from __future__ import annotations

import concurrent.futures
import dataclasses
import importlib.util
import re
import shutil
import sys
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
BUILD_PY = SAMPLES / "arm" / "build.py"


def _load_build_module():
    spec = importlib.util.spec_from_file_location("vtrans_samples_build", BUILD_PY)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses need the module registered
    spec.loader.exec_module(module)
    return module


build = _load_build_module()
SAMPLE_LIST = build.load_manifest()
NAMES = [s.name for s in SAMPLE_LIST]


@pytest.fixture(scope="session")
def sample_runs(tmp_path_factory, arm_as, arm_ld, arm_gcc, qemu_arm) -> dict[str, object]:
    """Build and check every sample once, in parallel; map name -> None or the exception."""
    out = tmp_path_factory.mktemp("samples")
    outcomes: dict[str, object] = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futures = {pool.submit(build.check, s, out): s.name for s in SAMPLE_LIST}
        for fut in concurrent.futures.as_completed(futures):
            try:
                fut.result()
                outcomes[futures[fut]] = None
            except Exception as e:  # reported by the per-sample test below
                outcomes[futures[fut]] = e
    return outcomes


@pytest.mark.qemu
@pytest.mark.gnu
@pytest.mark.parametrize("name", NAMES)
def test_sample_matches_qemu(name: str, sample_runs) -> None:
    error = sample_runs[name]
    if error is not None:
        pytest.fail(str(error))


def test_manifest_is_complete() -> None:
    """Every entry names existing files, and every sample directory is documented."""
    readme = (SAMPLES / "arm" / "README.md").read_text()
    for s in SAMPLE_LIST:
        assert s.directory.is_dir(), s.name
        for path in [*s.source_paths, *(s.directory / c for c in s.c_sources), s.expected_path]:
            assert path.is_file(), f"{s.name}: missing {path.name}"
        if s.script:
            assert (s.directory / s.script).is_file(), f"{s.name}: missing {s.script}"
        assert f"`{s.directory.name}`" in readme, f"{s.name}: no line in samples/arm/README.md"
        assert s.uses and s.description, f"{s.name}: give uses and description"
    header = (SAMPLES / "arm" / "samples.toml").read_text().split("\n[[sample]]")[0]
    undocumented = {u for s in SAMPLE_LIST for u in s.uses if not re.search(rf"\b{u}\b", header)}
    assert not undocumented, f"uses tags missing from the vocabulary at the top of samples.toml: {undocumented}"


def test_a_wrong_expectation_is_detected(tmp_path: Path, arm_as, arm_ld, qemu_arm) -> None:
    """The checker fails when QEMU's output differs from the committed one."""
    hello = next(s for s in SAMPLE_LIST if s.name == "hello")
    bad = tmp_path / "bad.out"
    bad.write_bytes(hello.expected_path.read_bytes().replace(b"Hello", b"Jello"))
    wrong = dataclasses.replace(hello, expected=str(bad))
    with pytest.raises(build.SampleError, match="stdout differs"):
        build.check(wrong, tmp_path)


def test_a_wrong_exit_code_is_detected(tmp_path: Path, arm_as, arm_ld, qemu_arm) -> None:
    hello = next(s for s in SAMPLE_LIST if s.name == "hello")
    with pytest.raises(build.SampleError, match="exit code 0, expected 1"):
        build.check(dataclasses.replace(hello, exit_code=1), tmp_path)


def test_stale_generated_assembly_is_detected(tmp_path: Path, arm_gcc) -> None:
    """A committed .s that is not what gcc -S makes of its C source is reported."""
    sample = next(s for s in SAMPLE_LIST if s.name == "bench_cpu_small")
    copy = tmp_path / "bench_cpu"
    shutil.copytree(sample.directory, copy)
    s_file = copy / sample.c_pairs()[0][1]
    s_file.write_text(s_file.read_text().replace("crc32 ", "crc64 "))
    stale = build.check_generated_asm(dataclasses.replace(sample, directory=copy))
    assert stale == ["bench.c -> bench_small.s"]

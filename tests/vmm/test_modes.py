"""The VMM modes against native mode (the reference), on every sample kernel.

* ``previrt`` with each strategy: console output, exit, final architectural state (GPRs,
  virtual CPSR, banks, SPSRs, r8-r12 banks, cp15) and the instruction count must be those of
  native mode — of the original image for ``hypercall`` and ``stub`` (same layout), of the
  padded image itself for ``pad`` (a padded image runs unchanged on bare hardware).  The console
  output must also be QEMU's recorded output (``expected.out``).
* ``trap``: every sample runs; those that use a sensitive instruction that does not trap in
  User mode (``cps``, ``cpsie/cpsid``, ``msr cpsr_c``, ``mrs cpsr``) must diverge from native
  mode (the Popek-Goldberg failure of ARMv7), the others must not.
"""

from __future__ import annotations

import importlib.util
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT

from vtrans.cli.main import main as vtrans_main
from vtrans.isa.arm.semihosting import HostIO
from vtrans.runtime.boards import get_board
from vtrans.runtime.loader import read_image
from vtrans.runtime.machine import Machine
from vtrans.runtime.modes import get_mode
from vtrans.runtime.modes.previrt import PrevirtMode, detect_strategy

_spec = importlib.util.spec_from_file_location("vtrans_samples_build", ROOT / "samples" / "arm" / "build.py")
samples_build = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("vtrans_samples_build", samples_build)
_spec.loader.exec_module(samples_build)

#: sensitive-but-unprivileged uses: a sample with one of these must diverge in trap mode
NON_TRAPPING = {"cps", "cpsid", "mrs_cpsr", "msr_cpsr_c"}
MAX_INSNS = 5_000_000
TRAP_MAX_INSNS = 300_000
#: kernels with a bounded run (bench and multi-guest samples belong to their own suites)
KERNELS = [s for s in samples_build.load_manifest()
           if s.kind == "kernel" and not {"bench", "multi_guest"} & set(s.uses)]
BENCH = [s for s in samples_build.load_manifest() if s.kind == "kernel" and "bench" in s.uses]
LIBC = [s for s in samples_build.load_manifest() if s.kind == "libc"]


@dataclass
class Run:
    output: bytes      # first UART + semihosting writes to ":tt" (QEMU's standard output)
    semihost: bytes    # semihosting console (SYS_WRITEC / SYS_WRITE0)
    stats: object
    state: object


def run_image(sample, image: Path, mode: str = "native", max_insns: int = MAX_INSNS, **mode_args) -> Run:
    board = get_board(sample.board)
    out, semihost = bytearray(), bytearray()
    io = HostIO(console=semihost.extend, stdout=out.extend, stderr=lambda b: None)
    m = Machine(board, mode=get_mode(mode)(**mode_args), icount_shift=sample.icount_shift or 3, io=io,
                uart_output=out.extend)
    m.load(read_image(str(image), board))
    if sample.stdin:
        m.board.console.receive((sample.directory / sample.stdin).read_bytes())
    stats = m.run(max_insns=max_insns, timeout=120)
    return Run(bytes(out), bytes(semihost), stats, m.final_state())


def build_rewritten(sample, strategy: str, work: Path, arm_as: str, arm_ld: str) -> Path:
    """``vtrans rewrite`` the sample's sources, then GNU as + ld with the sample's layout.

    The stub strategy adds code and data sections; they are placed far above the image so that
    no address of the original moves (its reference is then native mode on the original)."""
    work.mkdir(parents=True, exist_ok=True)
    sources = [str(sample.directory / s) for s in sample.sources]
    outdir = work / "src"
    outdir.mkdir(exist_ok=True)
    target = str(outdir / Path(sources[0]).name) if len(sources) == 1 else str(outdir)
    code = vtrans_main(["rewrite", "-q", "--strategy", strategy, "-o", target, "-I", str(sample.directory), *sources])
    assert code == 0, f"vtrans rewrite failed on {sample.name}"
    objects = []
    for i, src in enumerate(sources):
        obj = work / f"{i:02d}.o"
        subprocess.run([arm_as, "-o", str(obj), str(outdir / Path(src).name)], check=True, cwd=sample.directory,
                       capture_output=True)
        objects.append(str(obj))
    layout = ["-T", sample.script] if sample.script else [f"-Ttext=0x{sample.base:x}"]
    extra = []
    if strategy == "stub":
        far = (sample.base if sample.base is not None else get_board(sample.board).loader_start) + 0x200000
        extra = [f"--section-start=.vtrans.stubs=0x{far:x}", f"--section-start=.vtrans.vcpu=0x{far + 0x80000:x}"]
    image = work / "image.elf"
    subprocess.run([arm_ld, *layout, *extra, *shlex.split(sample.ldflags), "-o", str(image), *objects], check=True,
                   cwd=sample.directory, capture_output=True)
    return image


@pytest.fixture(scope="module")
def built(tmp_path_factory, arm_as, arm_ld):
    root = tmp_path_factory.mktemp("vmm-samples")
    cache: dict = {}

    def get(sample, strategy: str | None = None) -> Path:
        key = (sample.name, strategy)
        if key not in cache:
            if strategy is None:
                cache[key] = samples_build.build(sample, root / "native")
            else:
                cache[key] = build_rewritten(sample, strategy, root / strategy / sample.name, arm_as, arm_ld)
        return cache[key]
    return get


@pytest.fixture(scope="module")
def native(built):
    cache: dict = {}

    def get(sample, strategy: str | None = None) -> Run:
        key = (sample.name, strategy)
        if key not in cache:
            cache[key] = run_image(sample, built(sample, strategy))
        return cache[key]
    return get


def assert_same_run(ref: Run, got: Run, what: str) -> None:
    assert got.output == ref.output, f"{what}: console output differs from native"
    assert got.semihost == ref.semihost, f"{what}: semihosting console differs from native"
    assert (got.stats.exit_reason, got.stats.exit_code) == (ref.stats.exit_reason, ref.stats.exit_code), what
    diff = got.state.arch.diff(ref.state.arch)
    assert diff == [], f"{what}: final state differs from native: {diff}"
    assert got.state.instructions == ref.state.instructions, f"{what}: instruction count differs"
    assert got.state.pc == ref.state.pc, f"{what}: final pc differs"


# known (sample, strategy) divergences, run as strict xfails (none at present: the cps/msr
# stubs now leave the virtual masks alone in virtual User mode, B9.3.2/B9.3.12)
_STUB_KNOWN: dict[tuple[str, str], str] = {}


@pytest.mark.gnu
@pytest.mark.parametrize("strategy", ["hypercall", "stub", "pad"])
@pytest.mark.parametrize("sample", KERNELS, ids=lambda s: s.name)
def test_previrt_is_native(sample, strategy, built, native, request):
    if (sample.name, strategy) in _STUB_KNOWN:
        request.applymarker(pytest.mark.xfail(reason=_STUB_KNOWN[(sample.name, strategy)], strict=True))
    image = built(sample, strategy)
    got = run_image(sample, image, "previrt", image_path=str(image), strategy=strategy)
    # a padded image is its own reference: it runs unchanged natively
    ref = native(sample, "pad") if strategy == "pad" else native(sample)
    assert_same_run(ref, got, f"{sample.name} previrt/{strategy}")
    assert got.output == sample.expected_path.read_bytes(), "console output differs from QEMU's"
    if sample.semihost_path is not None:
        assert got.semihost == sample.semihost_path.read_bytes(), "semihosting console differs from QEMU's"


@pytest.mark.gnu
@pytest.mark.parametrize("sample", KERNELS + LIBC, ids=lambda s: s.name)
def test_trap_mode(sample, built, native):
    ref = native(sample)
    # a diverging guest may spin forever (interrupts it believes enabled never come): every
    # non-diverging sample ends well within this budget
    got = run_image(sample, built(sample), "trap", max_insns=TRAP_MAX_INSNS)
    must_diverge = bool(NON_TRAPPING & set(sample.uses)) or sample.name == "newlib_hello"
    same = (got.output == ref.output and got.semihost == ref.semihost and not got.state.arch.diff(ref.state.arch)
            and got.state.instructions == ref.state.instructions)
    if not must_diverge:
        assert_same_run(ref, got, f"{sample.name} trap")
        return
    assert not same, f"{sample.name}: trap-and-emulate hid the non-trapping sensitive instructions"
    # where: the first console line that differs, or (same output) the first state difference
    ref_lines, got_lines = ref.output.splitlines(), got.output.splitlines()
    first = next((i for i, (a, b) in enumerate(zip(ref_lines, got_lines)) if a != b), None)
    if first is None and len(ref_lines) != len(got_lines):
        first = min(len(ref_lines), len(got_lines))
    where = (f"console line {first + 1}: native {ref_lines[first] if first < len(ref_lines) else b'<end>'!r}, "
             f"trap {got_lines[first] if first < len(got_lines) else b'<end>'!r}" if first is not None
             else f"final state: {got.state.arch.diff(ref.state.arch)[:3]}")
    print(f"{sample.name}: trap mode diverges at {where}")
    assert where


@pytest.mark.gnu
def test_trap_mode_divergence_is_the_sensitive_instruction(built, native):
    """`sensitive` prints the CPSR after each sensitive instruction in SVC mode: in trap mode the
    first differing line is the first `mrs cpsr` (which shows User mode), exactly as the ARM ARM
    says (B9.3.8); previrt prints QEMU's line."""
    sample = samples_build.find("sensitive")
    ref, got = native(sample), run_image(sample, built(sample), "trap", max_insns=TRAP_MAX_INSNS)
    ref_lines, got_lines = ref.output.splitlines(), got.output.splitlines()
    first = next(i for i, (a, b) in enumerate(zip(ref_lines, got_lines)) if a != b)
    assert b"mrs" in ref_lines[first].lower() or b"cpsr" in ref_lines[first].lower()
    assert got_lines[first].endswith(b"0x00000010") or got_lines[first].rstrip().endswith(b"10"), got_lines[first]


@pytest.mark.gnu
@pytest.mark.campaign
@pytest.mark.parametrize("strategy", ["hypercall", "stub"])
@pytest.mark.parametrize("sample", BENCH, ids=lambda s: s.name)
def test_previrt_bench_samples(sample, strategy, built, native):
    image = built(sample, strategy)
    got = run_image(sample, image, "previrt", image_path=str(image), strategy=strategy)
    assert_same_run(native(sample), got, f"{sample.name} previrt/{strategy}")


@pytest.mark.gnu
@pytest.mark.parametrize("strategy", ["hypercall", "stub", "pad"])
def test_strategy_is_read_from_the_image(strategy, built):
    assert detect_strategy(str(built(samples_build.find("syscalls"), strategy))) == strategy


def test_previrt_mode_needs_an_image():
    from vtrans.errors import UsageError

    with pytest.raises(UsageError):
        PrevirtMode()

"""VMM overhead against native mode, per strategy, in one invocation.

For the CPU-bound sample (``bench_cpu``, 2.3 G instructions: a few seconds, so that the ratio is not start-up noise) and the system-call-heavy one
(``bench_syscall``): builds the original image and its ``vtrans rewrite`` versions
(hypercall, stub, pad) with the GNU toolchain, runs native mode on the original (the
reference) and ``--mode previrt`` on each rewritten image — and trap mode on the
original — in this process, checks every run printed the sample's expected output,
and prints the wall time of each run (median of ``--repeat``), its ratio to native,
and the VMM's cost per hypercall (extra time over native / hypercalls).

    python bench/bench_vmm.py [--repeat 3] [--sample bench_syscall]

Wall times on a shared machine are noisy: quote the ratios.
"""

from __future__ import annotations

import argparse
import importlib.util
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD_PY = ROOT / "samples" / "arm" / "build.py"
SAMPLES = ("bench_cpu", "bench_syscall")


def load_build():
    spec = importlib.util.spec_from_file_location("vtrans_samples_build_bench_vmm", BUILD_PY)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def build_rewritten(sample, strategy: str, work: Path) -> Path:
    """``vtrans rewrite`` + GNU as/ld with the sample's layout (stub sections placed far away)."""
    from vtrans.cli.main import main as vtrans_main
    from vtrans.runtime.boards import get_board

    work.mkdir(parents=True, exist_ok=True)
    sources = [str(sample.directory / s) for s in sample.sources]
    out = work / "src"
    out.mkdir(exist_ok=True)
    target = str(out / Path(sources[0]).name) if len(sources) == 1 else str(out)
    if vtrans_main(["rewrite", "-q", "--strategy", strategy, "-o", target, *sources]) != 0:
        raise SystemExit(f"vtrans rewrite failed on {sample.name}")
    objects = []
    for i, src in enumerate(sources):
        obj = work / f"{i:02d}.o"
        subprocess.run(["arm-none-eabi-as", "-o", str(obj), str(out / Path(src).name)], check=True,
                       cwd=sample.directory)
        objects.append(str(obj))
    layout = ["-T", sample.script] if sample.script else [f"-Ttext=0x{sample.base:x}"]
    extra = []
    if strategy == "stub":
        far = (sample.base if sample.base is not None else get_board(sample.board).loader_start) + 0x200000
        extra = [f"--section-start=.vtrans.stubs=0x{far:x}", f"--section-start=.vtrans.vcpu=0x{far + 0x80000:x}"]
    image = work / "image.elf"
    subprocess.run(["arm-none-eabi-ld", *layout, *extra, *shlex.split(sample.ldflags), "-o", str(image), *objects],
                   check=True, cwd=sample.directory)
    return image


def run_once(sample, image: Path, mode: str, **mode_args):
    from vtrans.isa.arm.semihosting import HostIO
    from vtrans.runtime.boards import get_board
    from vtrans.runtime.loader import read_image
    from vtrans.runtime.machine import Machine
    from vtrans.runtime.modes import get_mode

    board = get_board(sample.board)
    out = bytearray()
    io = HostIO(console=lambda b: None, stdout=out.extend, stderr=lambda b: None)
    m = Machine(board, mode=get_mode(mode)(**mode_args), icount_shift=sample.icount_shift or 3, io=io,
                uart_output=out.extend)
    m.load(read_image(str(image), board))
    t0 = time.perf_counter()
    stats = m.run(timeout=1800)
    wall = time.perf_counter() - t0
    return wall, bytes(out), stats, getattr(stats, "vmm", None)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sample", action="append", default=None, help=f"default: {', '.join(SAMPLES)}")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--no-trap", action="store_true", help="skip trap mode")
    args = ap.parse_args(argv)
    build = load_build()
    print(f"{'sample':16} {'mode':18} {'wall s':>8} {'x native':>9} {'hypercalls':>10} {'us/hypercall':>12} {'insns':>10}")
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.sample or SAMPLES:
            sample = build.find(name)
            expected = sample.expected_path.read_bytes()
            original = build.build(sample, Path(tmp) / "native")
            runs = [("native", original, "native", {})]
            if not args.no_trap:
                runs.append(("trap", original, "trap", {}))
            for strategy in ("hypercall", "stub", "pad"):
                image = build_rewritten(sample, strategy, Path(tmp) / strategy / name)
                runs.append((f"previrt/{strategy}", image, "previrt", {"image_path": str(image), "strategy": strategy}))
            native_wall = None
            for label, image, mode, kw in runs:
                walls = []
                for _ in range(args.repeat):
                    wall, out, stats, vmm = run_once(sample, image, mode, **kw)
                    walls.append(wall)
                wall = statistics.median(walls)
                correct = out == expected
                if mode != "trap" and not correct:
                    ok = False
                if native_wall is None:
                    native_wall = wall
                calls = sum(vmm.hypercalls.values()) if vmm is not None else 0
                traps = sum(vmm.traps.values()) if vmm is not None else 0
                entries = calls or traps
                # per-entry cost only where entries dominate (a handful says nothing)
                per = (f"{(wall - native_wall) / entries * 1e6:12.2f}" if entries >= 1000 and mode != "native"
                       else f"{'-':>12}")
                note = "" if correct else ("  (diverges, as trap mode must)" if mode == "trap" else "  OUTPUT DIFFERS")
                print(f"{name:16} {label:18} {wall:8.3f} {wall / native_wall:9.2f} {entries:10d} {per} "
                      f"{stats.instructions:10d}{note}", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Native-mode speed against qemu-system-arm, in one invocation.

Builds the CPU-bound sample (``samples/arm/bench_cpu``, about 2.3 G instructions) with the
GNU toolchain, runs it to its semihosting exit on qemu-system-arm and on ``vtrans run
--mode native`` (each a fresh process, so both pay their start-up), checks that both print
the sample's expected output, and prints wall times, vtrans's MIPS and the ratio.

Two QEMU references are timed.  QEMU's default TCG runs the guest against the host clock;
vtrans always runs with its deterministic, instruction-driven clock, whose QEMU counterpart is
``-icount shift=N,sleep=off`` (the configuration the timer-driven oracle tests use), so that
run is timed too (with vtrans's default shift, 3) and the ratio to each is printed.  vtrans
starts as an installed tool does, from compiled bytecode: a first short run fills a bytecode
cache in the temporary directory (``PYTHONPYCACHEPREFIX``), even where the environment sets
``PYTHONDONTWRITEBYTECODE``.

    python bench/bench_native.py [--sample bench_cpu_small] [--repeat 3] [--thumb] [--scale N]

``--thumb`` compiles the sample's C code as Thumb-2 (``-mthumb`` instead of ``-marm``; the
assembly start-up stays A32), which vtrans counts block by block too, learning each Thumb
block's instruction count the first time it runs.  ``--scale N`` compiles it with
``-DSCALE=N`` (bench_cpu's work is proportional to SCALE, 640 by default) for a longer or
shorter run; the reference output is then what qemu-system-arm prints, and the other two
runs must print the same.

Wall times on a shared machine are noisy: the ratio of medians is what to quote.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD_PY = ROOT / "samples" / "arm" / "build.py"
#: vtrans run's default --icount-shift, given to both vtrans and QEMU's -icount run
ICOUNT_SHIFT = 3


def load_build():
    spec = importlib.util.spec_from_file_location("vtrans_samples_build_bench", BUILD_PY)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sample", default="bench_cpu")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--thumb", action="store_true", help="the C code compiled as Thumb-2")
    ap.add_argument("--scale", type=int, help="the C code compiled with -DSCALE=N")
    args = ap.parse_args(argv)
    build = load_build()
    sample = build.find(args.sample)
    with tempfile.TemporaryDirectory() as tmp:
        if args.thumb or args.scale:
            sample = _c_variant(build, sample, Path(tmp), args.thumb, args.scale)
        image = build.build(sample, Path(tmp))
        if args.scale:
            first = build.run_qemu(sample, image)
            if first.returncode != sample.exit_code:
                print(f"qemu exited with {first.returncode}", file=sys.stderr)
                return 1
            expected = first.stdout
        else:
            expected = sample.expected_path.read_bytes()
        icount_sample = dataclasses.replace(sample, icount_shift=ICOUNT_SHIFT)
        qemu_times, qemu_icount_times, vt_times, insns = [], [], [], 0
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        subprocess.run([sys.executable, "-m", "vtrans", "run", "--board", sample.board, "--max-insns", "1000",
                        str(image)], stdin=subprocess.DEVNULL, capture_output=True, env=env, timeout=600)
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            ref = build.run_qemu(sample, image)
            qemu_times.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            ref_icount = build.run_qemu(icount_sample, image)
            qemu_icount_times.append(time.perf_counter() - t0)
            for what, result in (("qemu", ref), ("qemu -icount", ref_icount)):
                if result.stdout != expected or result.returncode != sample.exit_code:
                    print(f"{what} output differs from the expected output", file=sys.stderr)
                    return 1
            stats_path = Path(tmp) / "stats.json"
            cmd = [sys.executable, "-m", "vtrans", "run", "--mode", "native", "--board", sample.board,
                   "--icount-shift", str(ICOUNT_SHIFT), "--stats-json", str(stats_path), str(image)]
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, env=env, timeout=3600)
            vt_times.append(time.perf_counter() - t0)
            if proc.stdout != expected or proc.returncode != sample.exit_code:
                print("vtrans output differs from the expected output", file=sys.stderr)
                print(proc.stderr.decode()[-2000:], file=sys.stderr)
                return 1
            insns = json.loads(stats_path.read_text())["instructions"]
    q, qi, v = (statistics.median(t) for t in (qemu_times, qemu_icount_times, vt_times))
    n = len(vt_times)
    variant = "".join([" (C code in Thumb-2)" if args.thumb else "",
                       f" (SCALE={args.scale})" if args.scale else ""])
    print(f"sample                 {sample.name}{variant} on {sample.board} ({insns} guest instructions)")
    print(f"qemu-system-arm        {q:8.2f} s wall (median of {n}; host-clock time)")
    print(f"qemu-system-arm -icount{qi:8.2f} s wall (median of {n}; shift={ICOUNT_SHIFT},sleep=off)")
    print(f"vtrans native          {v:8.2f} s wall (median of {n}), {insns / v / 1e6:.1f} MIPS")
    print(f"ratio                  {v / q:8.2f}x  (vtrans / qemu)")
    print(f"ratio, deterministic   {v / qi:8.2f}x  (vtrans / qemu -icount)")
    return 0


def _c_variant(build, sample, tmp: Path, thumb: bool, scale: int | None):
    """``sample`` with its C code compiled again (the generated ``.s`` replaced): as Thumb,
    and/or with ``-DSCALE=scale``."""
    if not sample.c_sources or (thumb and "-marm" not in sample.cflags):
        raise SystemExit(f"{sample.name}: no A32 C code to compile again")
    cflags = shlex.split(sample.cflags.replace("-marm", "-mthumb") if thumb else sample.cflags)
    if scale:
        cflags = [f for f in cflags if not f.startswith("-DSCALE=")] + [f"-DSCALE={scale}"]
    sources = list(sample.sources)
    for c_file, s_file in sample.c_pairs():
        out = tmp / f"variant_{Path(s_file).name}"
        subprocess.run([build.GCC, *cflags, "-S", "-o", str(out), c_file], cwd=sample.directory, check=True)
        sources = [str(out) if s == s_file else s for s in sources]
    return dataclasses.replace(sample, sources=tuple(sources))


if __name__ == "__main__":
    sys.exit(main())

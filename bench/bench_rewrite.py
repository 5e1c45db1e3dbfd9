"""Benchmark: ``vtrans rewrite`` on a ~200k-line ``gcc -S`` file against
``arm-none-eabi-as`` assembling the same file, in one invocation.

The corpus is generated: a C file of many small kernel-like functions (loops,
switch tables, calls, a few inline-asm interrupt-mask sections so that there are
sites to rewrite), compiled with ``arm-none-eabi-gcc -S -marm -O1``.  Prints the
wall-clock times (best of N) and the ratio; the target is within 30x of GNU as.

    python bench/bench_rewrite.py [--lines 200000] [--repeat 3] [--strategy hypercall]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FUNC = """
int f{n}(int *a, int n, int k)
{{
    int s = {n};
    for (int i = 0; i < n; i++) {{
        switch ((a[i] + k) & 7) {{
        case 0: s += a[i] * 3; break;
        case 1: s ^= a[i] << 2; break;
        case 2: s -= a[i] / (k | 1); break;
        case 3: s |= g(a[i]); break;
        case 4: s += a[(i + 1) % n]; break;
        case 5: s = s * 7 + 1; break;
        default: s += k;
        }}
    }}
    {irq}
    return s;
}}
"""
IRQ = ('unsigned int flags; __asm__ volatile("mrs %0, cpsr\\n\\tcpsid i" : "=r"(flags) :: "memory"); '
       's += (int)flags; __asm__ volatile("msr cpsr_c, %0" :: "r"(flags) : "memory");')


def make_corpus(lines: int, work: Path, gcc: str) -> Path:
    src = work / "corpus.c"
    out = work / "corpus.s"
    n = 64
    while True:
        body = "int g(int);\n" + "".join(FUNC.format(n=i, irq=IRQ if i % 10 == 0 else "") for i in range(n))
        src.write_text(body)
        subprocess.run([gcc, "-S", "-marm", "-march=armv7-a", "-O1", "-o", str(out), str(src)], check=True)
        have = out.read_text().count("\n")
        if have >= lines:
            return out
        n = int(n * lines / have) + 1


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lines", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--strategy", default="hypercall", choices=("hypercall", "stub", "pad"))
    args = ap.parse_args(argv)
    gcc, gas = shutil.which("arm-none-eabi-gcc"), shutil.which("arm-none-eabi-as")
    if not gcc or not gas:
        print("needs arm-none-eabi-gcc and arm-none-eabi-as (Debian: gcc-arm-none-eabi)", file=sys.stderr)
        return 2
    from vtrans.cli.main import main as vtrans_main

    with tempfile.TemporaryDirectory() as d:
        work = Path(d)
        corpus = make_corpus(args.lines, work, gcc)
        nlines = corpus.read_text().count("\n")
        t_as = best(lambda: subprocess.run([gas, "-o", str(work / "c.o"), str(corpus)], check=True), args.repeat)
        out = work / "rewritten.s"

        def rewrite():
            code = vtrans_main(["rewrite", "-q", "--strategy", args.strategy, "-o", str(out), str(corpus)])
            if code:
                raise SystemExit(f"vtrans rewrite failed with {code}")

        t_rw = best(rewrite, args.repeat)
        subprocess.run([gas, "-o", str(work / "r.o"), str(out)], check=True)   # the output assembles
        sites = out.read_text().count("svc #0x8") if args.strategy == "hypercall" else "-"
    print(f"corpus: {nlines} lines of gcc -S output, {sites} hypercall sites")
    print(f"arm-none-eabi-as:              {t_as:8.3f} s")
    print(f"vtrans rewrite --strategy {args.strategy:9s} {t_rw:8.3f} s")
    print(f"ratio vtrans/as: {t_rw / t_as:.1f}x (target: within 30x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The scripts in ``bench/`` keep working: each runs on a small input, checks its guests'
output against the reference itself (the scripts refuse to time a wrong run) and prints
its ratio lines.  The figures are not asserted (the suite makes no timed assertion); the
README's performance section records full-size runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"

# script, arguments for a run of about a second, a line its report must contain
CASES = [
    ("bench_asm.py", ["--lines", "2000", "--repeat", "1"], "vtrans assemble"),
    ("bench_rewrite.py", ["--lines", "2000", "--repeat", "1"], "ratio vtrans/as"),
    ("bench_native.py", ["--sample", "bench_cpu_small"], "ratio, deterministic"),
    ("bench_native.py", ["--sample", "bench_cpu_small", "--scale", "2"], "(SCALE=2)"),
    ("bench_unicorn_floor.py", ["--sample", "bench_cpu_small", "--repeat", "1", "qemu", "tlbv_noexec",
                                "cblock_slice", "vtrans_like", "noexit_cfold", "tbcheck_noexit_vtrans_like_noslice",
                                "vtrans", "tbcheck_vtrans"], "tbcheck_vtrans"),
    ("bench_bt.py", ["--sample", "bench_cpu_small", "--warmup", "1e6", "--measure", "5e6"],
     "dispatcher exits per million"),
    ("bench_hypervisor.py", ["--sample", "bench_cpu_small", "--copies", "2", "--rounds", "10"],
     "world switches"),
    ("bench_vmm.py", ["--sample", "bench_cpu_small"], "previrt/hypercall"),
]


@pytest.mark.parametrize("script, args, line", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_bench_script_runs(script, args, line, arm_as, arm_ld, arm_gcc, qemu_arm):
    proc = subprocess.run([sys.executable, str(BENCH / script), *args], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert line in proc.stdout, proc.stdout
    assert "Traceback" not in proc.stderr

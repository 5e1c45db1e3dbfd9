#!/usr/bin/env python3
"""Hypervisor benchmark: world-switch cost, message round-trip cost, and the aggregate
throughput of N copies of the CPU-bound sample side by side relative to running them
one after another (target: >= 0.9x).  Prints ratios against reference runs made in the
same invocation; absolute times are for orientation only (a shared machine is noisy).

    python bench/bench_hypervisor.py [--copies N] [--rounds R] [--slice S] [--repeat K] [--sample bench_cpu]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from vtrans.assembler.api import assemble  # noqa: E402
from vtrans.runtime.boards import get_board  # noqa: E402
from vtrans.runtime.hypervisor import DEFAULT_SLICE, ConsoleMediator, Hypervisor, VmSpec  # noqa: E402
from vtrans.runtime.loader import image_from_assembler  # noqa: E402
from vtrans.runtime.machine import Machine  # noqa: E402
from vtrans.runtime.modes import get_mode  # noqa: E402

BENCH = ROOT / "samples" / "arm" / "bench_cpu"
CPU_SOURCES = (str(BENCH / "start.s"), str(BENCH / "bench_small.s"))
#: ``--sample bench_cpu``: the full CPU-bound sample (2.26 G instructions a copy: seconds, so that
#: the fixed costs of VM creation and start-up do not dominate the ratio)
CPU_SOURCES_FULL = (str(BENCH / "start.s"), str(BENCH / "bench.s"))
GUESTS = ROOT / "tests" / "hypervisor" / "guests"
VIRT_BASE = 0x40010000


def run_alone(sources, board: str, base: int, mode: str = "native") -> tuple[float, int]:
    spec = get_board(board)
    m = Machine(spec, mode=get_mode(mode)())
    m.load(image_from_assembler(assemble(list(sources), base=base), "bench"))
    t = time.perf_counter()
    st = m.run()
    return time.perf_counter() - t, st.instructions


def run_together(specs, board: str, base: int | None, slice_insns: int) -> tuple[float, Hypervisor]:
    hv = Hypervisor(specs, board=board, console=ConsoleMediator(), slice_insns=slice_insns, base=base)
    t = time.perf_counter()
    hv.run()
    return time.perf_counter() - t, hv


def bench_messages(rounds: int) -> tuple[float, float, float, float]:
    """(round trip in us, baseline run with one round trip in s, world switches per round trip,
    world switch cost in us)."""
    with tempfile.TemporaryDirectory() as d:
        srcs = []
        for name in ("msg_ping", "msg_pong"):
            text = (GUESTS / f"{name}.s").read_text()
            text = re.sub(r"\.equ\s+ROUNDS, \d+", f".equ    ROUNDS, {rounds}", text)
            text = re.sub(r"\.equ\s+VERBOSE, \d+", ".equ    VERBOSE, 0", text)
            path = Path(d) / f"{name}.s"
            path.write_text(text)
            srcs.append(VmSpec(name, (str(path), str(GUESTS / "lib.s"))))
        wall, hv = run_together(srcs, "versatilepb", None, 1_000_000)
        # the same guests doing one round trip: what the rounds cost on top (start-up, prints)
        for s in srcs:
            p = Path(s.inputs[0])
            p.write_text(re.sub(r"\.equ\s+ROUNDS, \d+", ".equ    ROUNDS, 1", p.read_text()))
        base, hv1 = run_together(srcs, "versatilepb", None, 1_000_000)
    per_round = (wall - base) / max(rounds - 1, 1) * 1e6
    switches = (hv.cpu.switches - hv1.cpu.switches) / max(rounds - 1, 1)
    return per_round, base, round(switches, 2), hv.cpu.switch_ns / max(hv.cpu.switches, 1) / 1e3


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--copies", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=400)
    ap.add_argument("--slice", type=int, default=DEFAULT_SLICE)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--sample", choices=("bench_cpu_small", "bench_cpu"), default="bench_cpu")
    args = ap.parse_args()
    sources = CPU_SOURCES_FULL if args.sample == "bench_cpu" else CPU_SOURCES

    rt, base, sw, switch_us = bench_messages(args.rounds)
    print(f"world switch (save/restore CPU context, counter hook, TLB flush): {switch_us:.1f} us")
    print(f"message round trip (send + blocking receive, both ways): {rt:.1f} us "
          f"({sw} world switches per round trip; {args.rounds} rounds; one round trip's run {base:.3f} s)")

    seq, tog = [], []
    for _ in range(args.repeat):
        t_seq = 0.0
        for _ in range(args.copies):
            t, insns = run_alone(sources, "virt", VIRT_BASE)
            t_seq += t
        specs = [VmSpec(f"cpu{i}", sources) for i in range(args.copies)]
        t_tog, hv = run_together(specs, "virt", VIRT_BASE, args.slice)
        assert all(str(vm.state) == "stopped" for vm in hv.vms), [vm.message for vm in hv.vms]
        seq.append(t_seq)
        tog.append(t_tog)
    s, t = statistics.median(seq), statistics.median(tog)
    print(f"{args.copies} copies of {args.sample} ({insns} instructions each), slice {args.slice}:")
    print(f"  one after another {s:.3f} s, side by side {t:.3f} s, "
          f"aggregate throughput side by side / one after another = {s / t:.2f}x (target >= 0.9x)")
    print(f"  world switches {hv.cpu.switches}, {hv.cpu.switch_ns / max(hv.cpu.switches, 1) / 1e3:.1f} us each")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

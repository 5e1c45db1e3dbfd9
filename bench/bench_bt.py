"""Binary translation (``--mode bt``) against native mode, in one invocation.

Builds the CPU-bound sample (``samples/arm/bench_cpu``) with the GNU toolchain and runs it
in both modes, in this process, twice each: up to a warm-up of W guest instructions, and up
to W + M.  The difference of the two runs is the steady state (translation done, chains
linked), free of start-up and warm-up.  Prints:

* the bt / native time ratio in the steady state (the translation overhead; target <= 1.3);
* dispatcher exits per million guest instructions in the steady state (target <= 10);
* translation cost per guest instruction translated, in microseconds.

    python bench/bench_bt.py [--sample bench_cpu] [--warmup 50e6] [--measure 300e6]

Wall times on a shared machine are noisy: quote the ratio, not the times.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD_PY = ROOT / "samples" / "arm" / "build.py"


def load_build():
    spec = importlib.util.spec_from_file_location("vtrans_samples_build_bench_bt", BUILD_PY)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def run(sample, image: Path, mode: str, max_insns: int):
    """One fresh machine run up to ``max_insns``: (seconds, instructions, dbt stats or None)."""
    from vtrans.isa.arm.semihosting import HostIO
    from vtrans.runtime.boards import get_board
    from vtrans.runtime.loader import read_image
    from vtrans.runtime.machine import Machine
    from vtrans.runtime.modes import get_mode

    board = get_board(sample.board)
    io = HostIO(console=lambda b: None, stdout=lambda b: None, stderr=lambda b: None)
    m = Machine(board, mode=get_mode(mode)(), io=io, uart_output=lambda b: None)
    m.load(read_image(str(image), board, None))
    t0 = time.perf_counter()
    stats = m.run(max_insns=max_insns)
    elapsed = time.perf_counter() - t0
    dbt = getattr(m.mode, "dbt", None)
    return elapsed, stats.instructions, (dbt.finish_stats() if dbt is not None else None)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sample", default="bench_cpu")
    ap.add_argument("--warmup", type=float, default=50e6, help="guest instructions of warm-up")
    ap.add_argument("--measure", type=float, default=300e6, help="guest instructions measured after it")
    args = ap.parse_args(argv)
    warm, total = int(args.warmup), int(args.warmup + args.measure)
    build = load_build()
    sample = build.find(args.sample)
    with tempfile.TemporaryDirectory() as tmp:
        image = build.build(sample, Path(tmp))
        res = {}
        for mode in ("native", "bt"):
            short = run(sample, image, mode, warm)
            long = run(sample, image, mode, total)
            res[mode] = (short, long)
    (ns, nl), (bs, bl) = res["native"], res["bt"]
    measured = bl[1] - bs[1]
    if measured <= 0 or nl[1] - ns[1] != measured:
        print(f"the sample ended before {total} instructions: lower --measure", file=sys.stderr)
        return 1
    native_s, bt_s = nl[0] - ns[0], bl[0] - bs[0]
    exits = bl[2].dispatcher_exits - bs[2].dispatcher_exits
    st = bl[2]
    print(f"sample {sample.name}: {measured / 1e6:.0f} M guest instructions after {warm / 1e6:.0f} M of warm-up")
    print(f"  native  {native_s:8.3f} s  {measured / native_s / 1e6:8.1f} MIPS")
    print(f"  bt      {bt_s:8.3f} s  {measured / bt_s / 1e6:8.1f} MIPS")
    print(f"  bt / native time ratio (steady state):        {bt_s / native_s:.2f}   (target <= 1.3)")
    print(f"  dispatcher exits per million guest insns:     {exits / measured * 1e6:.2f}   (target <= 10)")
    print(f"  translation cost per guest instruction:       "
          f"{1e6 * st.translate_seconds / max(st.guest_insns_translated, 1):.1f} us "
          f"({st.guest_insns_translated} instructions in {st.blocks_translated} blocks; "
          f"write-protecting their pages: {1e3 * st.protect_seconds:.0f} ms more)")
    print(f"  chain links {st.chain_links}, in-cache indirect lookups {st.ibl_hits} hit / {st.ibl_misses} miss, "
          f"cache {st.cache_bytes} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())

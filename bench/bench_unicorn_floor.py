"""How fast can a bare Unicorn run bench_cpu, and what does each vtrans ingredient cost?

Builds ``samples/arm/bench_cpu`` (or ``--sample``), loads its ELF segments into a bare
Unicorn ARM CPU (Cortex-A15, SVC mode, PC at the entry, the virt board's RAM at
0x40000000, the PL011 data/flag registers as an ``mmio_map`` page that collects the
output) and runs it to its semihosting ``SYS_EXIT_EXTENDED`` (a ``UC_HOOK_INTR`` hook that
handles only that call).  Each *variant* adds one thing vtrans's native mode uses (or
could use) and is timed in a fresh child process (Unicorn start-up included, as for QEMU).
Every run must print the sample's expected output, so no variant is faster by being wrong.

    python bench/bench_unicorn_floor.py                       # every variant, median of 3
    python bench/bench_unicorn_floor.py --repeat 1 base tlbv   # some variants
    python bench/bench_unicorn_floor.py --list

Variants (see VARIANTS):
  base         mem_map RAM, emu_start(entry, until=0xFFFFFFFF) once, no other hook
  until0       the same with until=0 (an address the guest never reaches either)
  exits        ctl_exits_enabled(True) with an empty exit list (no ``until`` check)
  mapptr       RAM by mem_map_ptr over a ctypes buffer (as vtrans's memory.py does)
  tlbv         ctl_set_tlb_mode(UC_TLB_VIRTUAL) + an identity Python UC_HOOK_TLB_FILL hook
               giving every page UC_PROT_ALL
  tlbv_noexec  the same, but a data access gets a READ|WRITE entry (EXEC only for fetches)
  unmapped     base + a UC_HOOK_MEM_UNMAPPED hook over the whole address space
  tlbv_noexec_unmapped  both
  cblock       vtrans's C UC_HOOK_BLOCK counter (runtime/icount.py), unlimited
  cblock_slice the C block counter with a 1 M-instruction limit: emu_start per slice
               (the way Machine.run drives the CPU; the stopping block runs its remainder
               with an ``until`` exactly as machine.py does)
  count        emu_start(..., count=2**62): Unicorn's own instruction counter
  count_slice  emu_start(..., count=1 M) per slice
  pyblock      an empty Python UC_HOOK_BLOCK hook (slow: not in the default list)
  cempty       mapptr + tlbv_noexec + a C UC_HOOK_BLOCK hook that does nothing: the cost of
               Unicorn's call into a block hook alone, the floor of any exact counter built on it
  noexit_*     any variant, with A32 blocks translated without Unicorn's exit check after each
               load and store (``uc->no_exit_request`` set, as vtrans's fast exits do:
               runtime/ucinternals.py)
  tbcheck_*    any variant, with Unicorn's own exit-check call at the start of every block
               kept (the child runs with VTRANS_EXIT_CHECKS=block-start): vtrans's counter
               otherwise makes that check itself and the call is left out of its blocks
               (``ucinternals.fold_block_start_check``); ``cfold`` is ``cempty`` with the
               fold: a C block hook whose only act is the check
  old_vtrans_like  mapptr + tlbv + unmapped + cblock_slice: what ``vtrans run --mode native``
               did before commit 3cde3d0 ("runtime: non-executable TLB entries for data pages")
  vtrans_like  mapptr + tlbv_noexec + cblock_slice: what it does since
  vtrans_like_noslice  the same in one emu_start (the counter's limit never reached)
  vtrans       ``python -m vtrans run --mode native`` itself (subprocess, as bench_native.py)
  qemu         qemu-system-arm on the same image (the reference)

Why ``tlbv_noexec`` matters (Unicorn 2.1.4, qemu/accel/tcg/cputlb.c): every writable RAM TLB
entry is filled with TLB_NOTDIRTY (``cpu_physical_memory_is_clean`` is stubbed to true), and
``notdirty_write`` clears that flag only if the entry has no execute permission
(``addr_code == -1``) and no memory hook's bounds cover the page (``uc_mem_hook_installed``).
Otherwise every guest store goes through helper_*_st*_mmu -> notdirty_write ->
tb_invalidate_phys_page_fast + memory-region lookups.  (Upstream changed this after 2.1.4:
unicorn-engine/unicorn PR #2337, with the follow-up PR #2414.)  What remains between
``tlbv_noexec`` and QEMU is Unicorn's helper_check_exit_request, a helper call emitted at the
start of every TB (include/exec/gen-icount.h) and after every guest load/store
(tcg/tcg-op.c, check_exit_request), where QEMU has an inline test at TB start only.

Times are wall seconds of a child process (and, for the bare variants, the seconds spent in
emu_start alone); the machine is shared, so quote medians/ranges.
"""

from __future__ import annotations

import argparse
import ctypes
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD_PY = ROOT / "samples" / "arm" / "build.py"
RAM_BASE, RAM_SIZE = 0x40000000, 128 << 20
UART_PAGE = 0x09000000
SLICE = 1 << 20
NO_UNTIL = 0xFFFFFFFF

VARIANTS = ["qemu", "base", "until0", "exits", "mapptr", "tlbv", "tlbv_noexec", "unmapped",
            "tlbv_noexec_unmapped", "cblock", "cblock_slice", "count", "count_slice", "old_vtrans_like",
            "vtrans_like", "vtrans_like_noslice", "noexit_tlbv_noexec", "noexit_cempty",
            "noexit_vtrans_like_noslice", "tbcheck_noexit_vtrans_like_noslice", "noexit_cfold",
            "noexit_vtrans_like", "vtrans", "tbcheck_vtrans"]
ALL_VARIANTS = VARIANTS + ["pyblock"]


def load_build():
    spec = importlib.util.spec_from_file_location("vtrans_samples_build_floor", BUILD_PY)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------------------------ the child: one run of one variant
def _empty_block_hook(uc, fold: bool = False):
    """Install a C UC_HOOK_BLOCK callback with an empty body (compiled with the system C
    compiler, as vtrans's counter is); returns what must stay alive.  ``fold``: vtrans's
    counter library's ``vt_exit_only`` instead, which makes Unicorn's block-start check and
    nothing else, with that check folded into it."""
    import shutil

    import unicorn
    import unicorn.unicorn_py3.unicorn as ucmod

    if fold:
        from vtrans.runtime import icount, ucinternals

        lib = icount._load_library()
        if lib is None or not ucinternals.fold_block_start_check(lib):
            raise SystemExit("cfold needs the counter library and the fold")
        fn = lib.vt_exit_only
    else:
        cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
        if cc is None:
            raise SystemExit("cempty needs a C compiler")
        tmp = Path(tempfile.mkdtemp())
        (tmp / "empty.c").write_text("void vt_block_nothing(void *uc, unsigned long long address, unsigned size, "
                                     "void *user) { (void)uc; (void)address; (void)size; (void)user; }\n")
        subprocess.run([cc, "-O2", "-shared", "-fPIC", "-o", str(tmp / "empty.so"), str(tmp / "empty.c")],
                       check=True)
        lib = ctypes.CDLL(str(tmp / "empty.so"))
        fn = lib.vt_block_nothing
    handle = ctypes.c_size_t()
    err = ucmod.uclib.uc_hook_add(uc._uch, ctypes.byref(handle), ctypes.c_int(unicorn.UC_HOOK_BLOCK),
                                  ctypes.cast(fn, ctypes.c_void_p), None,
                                  ctypes.c_uint64(1), ctypes.c_uint64(0))
    if err != 0:
        raise unicorn.UcError(err)
    return lib


def child(variant: str, image: str) -> dict:
    import unicorn
    from unicorn import arm_const as A

    sys.path.insert(0, str(ROOT / "src"))
    from vtrans.runtime.loader import _elf_segments

    entry, segs, *_ = _elf_segments(image, Path(image).read_bytes())
    uc = unicorn.Uc(unicorn.UC_ARCH_ARM, unicorn.UC_MODE_ARM)
    uc.ctl_set_cpu_model(unicorn.arm_const.UC_CPU_ARM_CORTEX_A15)
    keep = []
    if variant in ("mapptr", "vtrans_like", "vtrans_like_noslice", "old_vtrans_like"):
        buf = (ctypes.c_char * RAM_SIZE)()
        keep.append(buf)
        uc.mem_map_ptr(RAM_BASE, RAM_SIZE, unicorn.UC_PROT_ALL, ctypes.addressof(buf))
    else:
        uc.mem_map(RAM_BASE, RAM_SIZE)
    out = bytearray()

    def uart_read(uc_, offset, size, user):
        return 0  # FR: never full

    def uart_write(uc_, offset, size, value, user):
        if offset == 0:
            out.append(value & 0xFF)

    uc.mmio_map(UART_PAGE, 0x1000, uart_read, None, uart_write, None)
    for s in segs:
        uc.mem_write(s.addr, s.data)
    result = {"exit": None}

    def on_intr(uc_, intno, user):
        if intno == 2 and uc_.reg_read(A.UC_ARM_REG_R0) == 0x20:
            block = uc_.reg_read(A.UC_ARM_REG_R1)
            result["exit"] = int.from_bytes(uc_.mem_read(block + 4, 4), "little")
            uc_.emu_stop()
            return
        raise SystemExit(f"unexpected exception {intno} at 0x{uc_.reg_read(A.UC_ARM_REG_PC):08x}")

    uc.hook_add(unicorn.UC_HOOK_INTR, on_intr)
    if variant.startswith("noexit_"):
        from vtrans.runtime import ucinternals

        if ucinternals.no_exit_offset() is None:
            raise SystemExit("the exit-check flag was not found in this libunicorn")
        ucinternals.set_no_exit(uc, True)   # (only Unicorn's Thumb translator changes it)
        variant = variant[len("noexit_"):]
    if variant in ("tlbv", "vtrans_like", "vtrans_like_noslice", "old_vtrans_like", "tlbv_noexec",
                   "tlbv_noexec_unmapped", "cempty", "cfold"):
        uc.ctl_set_tlb_mode(unicorn.UC_TLB_VIRTUAL)
        noexec = variant.startswith(("tlbv_noexec", "vtrans_like", "cempty", "cfold"))

        def tlb_fill(uc_, vaddr, access, entry_, user):
            entry_.paddr = vaddr
            if noexec and access != unicorn.UC_MEM_FETCH:
                entry_.perms = unicorn.UC_PROT_READ | unicorn.UC_PROT_WRITE
            else:
                entry_.perms = unicorn.UC_PROT_ALL
            return True

        uc.hook_add(unicorn.UC_HOOK_TLB_FILL, tlb_fill)
    icount = None
    if variant in ("cblock", "cblock_slice", "vtrans_like", "vtrans_like_noslice", "old_vtrans_like"):
        from vtrans.runtime.icount import IcountHook

        icount = IcountHook(uc)
        icount.state.limit = 1 << 62
    if variant in ("cempty", "cfold"):
        keep.append(_empty_block_hook(uc, fold=variant == "cfold"))
    if variant == "pyblock":
        uc.hook_add(unicorn.UC_HOOK_BLOCK, lambda *a: None)
    if variant in ("unmapped", "tlbv_noexec_unmapped", "old_vtrans_like"):
        uc.hook_add(unicorn.UC_HOOK_MEM_UNMAPPED, lambda *a: False)
    if variant == "exits":
        uc.ctl_exits_enabled(True)
        uc.ctl_set_exits([])

    t0 = time.perf_counter()
    pc = entry
    if variant in ("cblock_slice", "vtrans_like", "old_vtrans_like"):
        st = icount.state
        while result["exit"] is None:
            st.limit = st.count + SLICE
            st.reason = 0
            st.partial = 0
            uc.emu_start(pc, NO_UNTIL)
            pc = uc.reg_read(A.UC_ARM_REG_PC)
            if result["exit"] is None and st.reason == 1 and st.count < st.limit:
                until = pc + 4 * (st.limit - st.count)
                st.reason, st.partial = 0, 1
                uc.ctl_remove_cache(pc, until + 4)
                uc.emu_start(pc, until)
                uc.ctl_remove_cache(pc, until + 4)
                st.partial = 0
                pc = uc.reg_read(A.UC_ARM_REG_PC)
    elif variant == "count_slice":
        while result["exit"] is None:
            uc.emu_start(pc, NO_UNTIL, count=SLICE)
            pc = uc.reg_read(A.UC_ARM_REG_PC)
    elif variant == "count":
        uc.emu_start(pc, NO_UNTIL, count=1 << 62)
    elif variant == "until0":
        uc.emu_start(pc, 0)
    else:
        uc.emu_start(pc, NO_UNTIL)
    t = time.perf_counter() - t0
    return {"run_s": t, "output": out.decode(errors="replace"), "exit": result["exit"],
            "instructions": icount.state.count if icount else None}


# ------------------------------------------------------------------ the parent
def timed(cmd: list[str], tbcheck: bool = False) -> tuple[float, subprocess.CompletedProcess]:
    env = {k: v for k, v in os.environ.items() if k != "VTRANS_EXIT_CHECKS"}
    if tbcheck:
        env["VTRANS_EXIT_CHECKS"] = "block-start"
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=3600, env=env)
    return time.perf_counter() - t0, proc


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("variants", nargs="*")
    ap.add_argument("--sample", default="bench_cpu")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--child", nargs=2, metavar=("VARIANT", "IMAGE"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(*args.child)))
        return 0
    if args.list:
        print("\n".join(ALL_VARIANTS))
        return 0
    variants = args.variants or VARIANTS
    build = load_build()
    sample = build.find(args.sample)
    expected = sample.expected_path.read_bytes()
    rows = []
    insns = None
    with tempfile.TemporaryDirectory() as tmp:
        image = build.build(sample, Path(tmp))
        times: dict[str, list[float]] = {}
        inner: dict[str, list[float]] = {}
        for _ in range(args.repeat):
            for v in variants:
                if v == "qemu":
                    t0 = time.perf_counter()
                    ref = build.run_qemu(sample, image)
                    t = time.perf_counter() - t0
                    ok = ref.stdout == expected and ref.returncode == sample.exit_code
                elif v in ("vtrans", "tbcheck_vtrans"):
                    stats = Path(tmp) / "stats.json"
                    t, proc = timed([sys.executable, "-m", "vtrans", "run", "--mode", "native", "--board",
                                     sample.board, "--stats-json", str(stats), str(image)],
                                    tbcheck=v.startswith("tbcheck_"))
                    ok = proc.stdout == expected and proc.returncode == sample.exit_code
                    if ok:
                        insns = json.loads(stats.read_text())["instructions"]
                else:
                    t, proc = timed([sys.executable, __file__, "--child", v.removeprefix("tbcheck_"), str(image)],
                                    tbcheck=v.startswith("tbcheck_"))
                    ok = proc.returncode == 0
                    if ok:
                        r = json.loads(proc.stdout)
                        ok = r["output"].encode() == expected and r["exit"] == sample.exit_code
                        insns = r["instructions"] or insns
                        inner.setdefault(v, []).append(r["run_s"])
                    else:
                        print(proc.stderr.decode()[-1500:], file=sys.stderr)
                if not ok:
                    print(f"{v}: wrong output or exit status", file=sys.stderr)
                    return 1
                times.setdefault(v, []).append(t)
                print(f"  {v:21s} {t:7.2f} s", file=sys.stderr, flush=True)
    q = statistics.median(times["qemu"]) if "qemu" in times else None
    print(f"sample {sample.name}: {insns or '?'} guest instructions; wall seconds of a fresh process, "
          f"median of {args.repeat} [min-max]")
    print(f"{'variant':21s} {'median':>8s} {'range':>15s} {'x qemu':>7s} {'MIPS':>7s} {'emu_start s':>11s}")
    for v in variants:
        ts = times[v]
        m = statistics.median(ts)
        ratio = f"{m / q:7.2f}" if q else "      -"
        mips = f"{insns / m / 1e6:7.0f}" if insns else "      -"
        run = f"{statistics.median(inner[v]):11.2f}" if v in inner else "          -"
        print(f"{v:21s} {m:8.2f} {min(ts):7.2f}-{max(ts):<7.2f} {ratio} {mips} {run}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

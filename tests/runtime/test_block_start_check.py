"""The block-start check made by the block counters (``ucinternals.fold_block_start_check``):
libunicorn's translator leaves its ``helper_check_exit_request`` call out of the blocks whose
first call is a counter, and the counter makes the check.  A stop requested while the CPU runs
linked blocks -- the counter's own at its limit, a device's -- must still end the run where it
did with Unicorn's call; a run with the call kept (``VTRANS_EXIT_CHECKS=block-start`` when the
library loads: a separate process) must be the same run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import unicorn
from unicorn import arm_const as A

from vtrans.runtime import icount, ucinternals
from vtrans.runtime.icount import STOP_LIMIT, IcountHook

ROOT = Path(__file__).resolve().parents[2]
CODE = 0x10000
MMIO = 0x20000

pytestmark = pytest.mark.skipif(icount._load_library() is None, reason="needs a C compiler for the counter")


def _cpu(words: list[int]) -> unicorn.Uc:
    uc = unicorn.Uc(unicorn.UC_ARCH_ARM, unicorn.UC_MODE_ARM)
    uc.ctl_set_cpu_model(A.UC_CPU_ARM_CORTEX_A15)
    uc.mem_map(CODE, 0x1000)
    uc.mem_write(CODE, b"".join(w.to_bytes(4, "little") for w in words))
    return uc


# loop: add r0, r0, #1 ; b loop
LOOP = [0xE2800001, 0xEAFFFFFD]
# loop: str r0, [r1] ; add r0, r0, #1 ; b loop
STORE_LOOP = [0xE5810000, 0xE2800001, 0xEAFFFFFC]


def test_the_slot_is_found_in_libunicorn():
    import ctypes

    from unicorn.unicorn_py3.unicorn import uclib

    found = ucinternals._plt_slot(uclib._name, "tcg_gen_callN_arm")
    assert found is not None
    slot, value = found
    core = ctypes.CDLL(uclib._name)
    real = ctypes.cast(core.tcg_gen_callN_arm, ctypes.c_void_p).value
    base = real - value
    # changed to the counter library's function, which forwards to the real one
    assert ucinternals.fold_block_start_check(icount._load_library())
    assert ctypes.c_uint64.from_address(base + slot).value == \
        ctypes.cast(icount._load_library().vt_tcg_gen_callN, ctypes.c_void_p).value
    assert ucinternals._plt_slot(uclib._name, "no_such_function_in_unicorn") is None


def test_what_is_not_a_known_elf_file_is_left_alone():
    import io

    assert ucinternals._elf_plt_slot(io.BytesIO(b"\x7fELF" + b"\x01" * 60), "tcg_gen_callN_arm") is None   # 32-bit
    assert ucinternals._elf_plt_slot(io.BytesIO(b"MZ" + b"\0" * 62), "tcg_gen_callN_arm") is None


def _in_child(case: str, *args) -> None:
    """Run ``case(*args)`` of this module in a fresh process: a stop that no check sees hangs
    the CPU (Unicorn's own timeout is a stop request too), which fails the test here instead
    of hanging the suite."""
    code = f"import sys; sys.path.insert(0, {str(ROOT)!r}); import tests.runtime.test_block_start_check as t; t.{case}{args!r}"
    try:
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=120, cwd=ROOT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{case}{args}: the CPU was not stopped (no exit check ran)")
    assert proc.returncode == 0, proc.stderr[-3000:]


@pytest.mark.parametrize("per_block", [True, False])
def test_a_loop_of_linked_blocks_stops_at_the_counters_limit(per_block):
    """One block linked to itself: without a check at its start nothing would end the chain.
    Counting per instruction, the blocks keep Unicorn's call (no fold)."""
    _in_child("_linked_loop", per_block)


def test_a_stop_requested_by_a_device_write_ends_the_run_at_the_next_block():
    """Fast exits on: the store's own check is gone too, so the stop a device write requests
    takes effect at the start of the next block -- the counter's check."""
    _in_child("_device_stop")


def _linked_loop(per_block: bool) -> None:
    uc = _cpu(LOOP)
    hook = IcountHook(uc, per_block=per_block)
    before = ucinternals.block_start_folds()
    hook.state.limit = 2_000_000
    uc.emu_start(CODE, 0xFFFFFFFF)
    assert hook.state.reason == STOP_LIMIT
    assert uc.reg_read(A.UC_ARM_REG_PC) == CODE
    assert hook.count == 2_000_000 and uc.reg_read(A.UC_ARM_REG_R0) == 1_000_000
    folds = ucinternals.block_start_folds() - before
    assert (folds >= 1) if per_block else (folds == 0)


def _device_stop() -> None:
    uc = _cpu(STORE_LOOP)
    hook = IcountHook(uc)
    assert hook.set_fast_exits(True)
    writes = []

    def write(uc_, offset, size, value, user):
        writes.append(value)
        if len(writes) == 1000:
            uc_.emu_stop()

    uc.mmio_map(MMIO, 0x1000, lambda *a: 0, None, write, None)
    uc.reg_write(A.UC_ARM_REG_R1, MMIO)
    hook.state.limit = 1 << 40
    uc.emu_start(CODE, 0xFFFFFFFF)
    assert len(writes) == 1000 and writes[-1] == 999
    # the rest of the block ran (add, b); the next block was stopped before its first instruction
    assert uc.reg_read(A.UC_ARM_REG_R0) == 1000
    assert uc.reg_read(A.UC_ARM_REG_PC) == CODE
    # that block was counted when it began (its stop comes after the count, as with Unicorn's
    # call, which came right after the block hook): the machine's retire_before takes it back
    assert hook.count == 3 * 1000 + 3
    hook.retire_before(CODE)
    assert hook.count == 3 * 1000


@pytest.mark.gnu
@pytest.mark.parametrize("name", ["timer_gic", "syscalls", "mmu"])
def test_samples_run_the_same_with_unicorns_call(name, tmp_path):
    """Output, instruction count, exceptions, interrupts and virtual time, with the fold and
    without it."""
    from tests.runtime.test_fast_exits import sample_runs

    sample, results = sample_runs(name, tmp_path, (None, "block-start"))
    assert results[0][1] == sample.expected_path.read_bytes()
    assert results[0] == results[1]


def test_the_fold_is_on_by_default_and_off_on_request():
    probe = (
        "from vtrans.runtime import icount, ucinternals\n"
        "import unicorn\n"
        "from unicorn import arm_const as A\n"
        "uc = unicorn.Uc(unicorn.UC_ARCH_ARM, unicorn.UC_MODE_ARM)\n"
        "uc.mem_map(0x10000, 0x1000)\n"
        "uc.mem_write(0x10000, bytes.fromhex('010080e2fdffffea'))\n"
        "h = icount.IcountHook(uc)\n"
        "h.state.limit = 100000\n"
        "uc.emu_start(0x10000, 0xFFFFFFFF, timeout=10_000_000)\n"
        "print(int(bool(ucinternals._folded)), ucinternals.block_start_folds(), h.count, h.state.reason)\n"
    )
    out = {}
    for value in (None, "block-start", "all"):
        env = {k: v for k, v in os.environ.items() if k != "VTRANS_EXIT_CHECKS"}
        if value:
            env["VTRANS_EXIT_CHECKS"] = value
        proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env,
                              stdin=subprocess.DEVNULL, timeout=120, cwd=ROOT)
        assert proc.returncode == 0, proc.stderr
        out[value] = proc.stdout.split()
    folded, folds, count, reason = out[None]
    assert folded == "1" and int(folds) >= 1
    for value in ("block-start", "all"):
        assert out[value][:2] == ["0", "0"]
        assert out[value][2:] == [count, reason] == ["100000", str(STOP_LIMIT)]


def test_the_helpers_exit_word_is_found_and_cached(tmp_path, monkeypatch):
    """Where the helper looks for a requested stop (x86-64: read from its code, confirmed by a
    stop request), worked out once per build of libunicorn and kept in the cache directory."""
    import ctypes
    import platform

    from unicorn.unicorn_py3.unicorn import uclib

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    core = ctypes.CDLL(uclib._name)
    helper = ctypes.cast(core.helper_check_exit_request_arm, ctypes.c_void_p).value
    facts = ucinternals._libunicorn_facts(uclib._name, helper)
    assert facts is not None and facts["slot"] == ucinternals._plt_slot(uclib._name, "tcg_gen_callN_arm")[0]
    cached = list((tmp_path / "vtrans").glob("libunicorn-*.json"))
    assert len(cached) == 1 and json.loads(cached[0].read_text()) == facts
    if platform.machine() == "x86_64":
        assert facts["flag"] is not None and ucinternals._exit_flag_behaves(tuple(facts["flag"]))
        # a word beside it (in the same CPU structure, so readable) is refused
        cpu_off, word_off = facts["flag"]
        assert not ucinternals._exit_flag_behaves((cpu_off, word_off + 8))

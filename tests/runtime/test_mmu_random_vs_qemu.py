"""Differential campaign for the MMU: random translation tables and accesses (``mmurandom.py``)
give QEMU's results -- loaded values, fault statuses and addresses, which accesses fault, where
the stores went -- natively, in bt, under trap-and-emulate and pre-virtualized (every strategy).

Each program maps a 16 MB window at random (sections, small, large and tiny pages, holes,
random domains, AP/APX, XN, PXN on the Cortex-A15, a random DACR; on the ARM926 the ARMv5
subpage permissions, fine tables and SCTLR.S/R), then probes it with loads, stores, unprivileged
accesses and instruction fetches from SVC and User mode, recording DFSR/DFAR or IFSR/IFAR, and
prints one line per probe and a hash of the physical pool.  Programs for trap-and-emulate have no
ldrt/strt in SVC mode: that is a sensitive instruction that does not trap (``vtrans analyze``
says so), which trap-and-emulate cannot get right.

``VTRANS_CAMPAIGN_CASES`` scales the number of programs; a failure is reproduced by
``python tests/runtime/mmurandom.py --board B --seed S``.  (Found: a guest with the MMU on and
the top of its address space unmapped died at its first run slice; ARMv5 first-level faults
reported domain 0 where QEMU reports the descriptor's; no PXN; a page table in a no-access
domain gave translation faults for its holes where QEMU gives domain faults; trap mode let the
virtual kernel execute PXN pages.)
"""

from __future__ import annotations

import functools

import pytest

from guestlib import guest_console, qemu_reference, vtrans_run_in
from mmurandom import MmuGenerator
from tests.conftest import CAMPAIGN_CASES

BOARDS = ["versatilepb", "realview-pb-a8", "vexpress-a9", "virt"]
PROGRAMS = max(1, CAMPAIGN_CASES // 30)
PROBES = 120


@functools.lru_cache(maxsize=None)
def _program(board: str, seed: int, deprivileged: bool, builder, qemu: str):
    source = MmuGenerator(seed, board, deprivileged=deprivileged).program(PROBES)
    image = builder.build_text(source, board, f"mmu_random_{board}_{seed}_{int(deprivileged)}")
    lines = qemu_reference(qemu, image, board).semihost.decode().splitlines()
    assert len(lines) == PROBES + 1
    return image, source, lines


def _check(board: str, seed: int, mode: str, builder, qemu: str) -> None:
    image, source, expected = _program(board, seed, mode == "trap", builder, qemu)
    # the reference ran every probe to a known end (done, data abort, prefetch abort), with data
    # aborts among them (TTBCR.PD can make a whole program's window fault)
    kinds = {line.split()[4] for line in expected[:-1]}
    assert "00000001" in kinds and kinds <= {"00000000", "00000001", "00000002"}
    got = vtrans_run_in(image, board, mode)
    lines = guest_console(got).splitlines()
    for i, (want, have) in enumerate(zip(expected + ["<exit>"], lines + ["<exit>"])):
        if want != have:
            probe = next((line for line in source.splitlines() if line.startswith(f"@ probe {i}:")), "(the hash)")
            pytest.fail(f"{board} seed {seed}, {mode}: line {i} differs ({probe})\n  qemu:   {want}\n"
                        f"  vtrans: {have}\n  (value, fault status, fault address, 1 data / 2 prefetch abort)")
    assert got.returncode == 0, got.stderr.decode()[-1000:]


@pytest.mark.campaign
@pytest.mark.qemu
@pytest.mark.gnu
@pytest.mark.parametrize("mode", ["native", "bt", "trap", "previrt:hypercall", "previrt:stub", "previrt:pad"])
@pytest.mark.parametrize("seed", range(1, PROGRAMS + 1))
@pytest.mark.parametrize("board", BOARDS)
def test_random_translation_tables_match_qemu(board: str, seed: int, mode: str, guest_builder, qemu_arm) -> None:
    _check(board, seed, mode, guest_builder, qemu_arm)


def test_generator_is_deterministic() -> None:
    assert MmuGenerator(3, "virt").program(10) == MmuGenerator(3, "virt").program(10)
    assert MmuGenerator(3, "virt").program(10) != MmuGenerator(4, "virt").program(10)

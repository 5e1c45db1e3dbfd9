"""The boards' CPUs have the coprocessor registers QEMU's have, with QEMU's values.

The sweep executes every ``mrc p15, opc1, r0, CRn, CRm, opc2`` (16 x 8 x 16 x 8 encodings)
from SVC mode and prints which are UNDEFINED and what the others read; qemu-system-arm is the
reference, in every execution mode.  Unicorn's CPU models answer registers QEMU's do not
(Hyp-mode registers on the Cortex-A8/A9, the Security Extensions' on realview-pb-a8's A8,
which QEMU builds without EL3), read a different PMCR, MIDR aliases or ID_PFR1, and the
VMM's emulation once turned the ARM926's no-op encodings into reads of zero.

The PMU guest drives the performance monitors: on virt's Cortex-A15 they count (cycles
from virtual time, instructions retired, software increments) and overflow into PMOVSR and
the PMU interrupt at QEMU's instruction; on the A8 and A9 QEMU has the registers but nothing
counts.  Unicorn's own cycle counter follows the host clock: the second run must print the
same as the first.

The PMU filter guest sets the P and U bits (count at PL1 only, at PL0 only) and runs a User
task that makes system calls: each counter must stop and start at every change of privilege
as QEMU's do (they counted everything before: the bits were stored, not applied).  Natively
the machine watches the CPU's mode while a filter is set; under the VMM the virtual CPU tells
it of each change.
"""

from __future__ import annotations

import pytest

from guestlib import GUESTS, guest_console, qemu_reference, vtrans_run_in

BOARDS = ["versatilepb", "realview-pb-a8", "vexpress-a9", "virt"]


@pytest.fixture(scope="module")
def sweep_images(guest_builder):
    return {b: guest_builder.build(GUESTS / "cp15_sweep.s", b, name=f"cp15_sweep_{b}",
                                   defsyms={"CRN_LO": 0, "CRN_HI": 15, "V7": int(b != "versatilepb")})
            for b in BOARDS}


@pytest.fixture(scope="module")
def sweep_reference(sweep_images, qemu_arm):
    return {b: qemu_reference(qemu_arm, image, b, icount_shift=3).semihost.decode()
            for b, image in sweep_images.items()}


#: binary translation reaches owned registers through the same emulation as trap-and-emulate:
#: swept on the boards with the most overrides (its translation of 16 K sensitive instructions
#: takes ~15 s a board)
CASES = [(b, m) for b in BOARDS for m in ("native", "trap")] + [("realview-pb-a8", "bt"), ("virt", "bt")]


@pytest.mark.qemu
@pytest.mark.gnu
@pytest.mark.parametrize("board, mode", CASES)
def test_every_cp15_read_matches_qemu(board: str, mode: str, sweep_images, sweep_reference) -> None:
    ref = sweep_reference[board]
    assert ref.endswith("00000d0e\n") and ref.count("\n") > 2000   # the sweep ran to its end
    got = vtrans_run_in(sweep_images[board], board, mode)
    assert got.returncode == 0, got.stderr.decode()[-1500:]
    assert guest_console(got) == ref


@pytest.mark.qemu
@pytest.mark.gnu
@pytest.mark.parametrize("mode", ["native", "trap", "bt"])
@pytest.mark.parametrize("board", ["realview-pb-a8", "vexpress-a9", "virt"])
def test_performance_monitors_match_qemu(board: str, mode: str, guest_builder, qemu_arm) -> None:
    irq = int(board == "virt")   # QEMU wires the PMU interrupt on virt only
    image = guest_builder.build(GUESTS / "pmu.s", board, name=f"pmu_{board}", defsyms={"IRQ": irq})
    ref = qemu_reference(qemu_arm, image, board, icount_shift=3).semihost.decode()
    if board == "virt":
        assert ref.split()[-1] == "00000001"   # the overflow interrupt was taken, once
    runs = [vtrans_run_in(image, board, mode) for _ in range(2)]
    for got in runs:
        assert got.returncode == 0, got.stderr.decode()[-1500:]
        assert guest_console(got) == ref


@pytest.mark.qemu
@pytest.mark.gnu
@pytest.mark.parametrize("mode", ["native", "trap", "bt", "previrt:hypercall", "previrt:stub"])
def test_performance_monitor_filters_match_qemu(mode: str, guest_builder, qemu_arm) -> None:
    image = guest_builder.build(GUESTS / "pmu_filter.s", "virt", name="pmu_filter")
    ref = qemu_reference(qemu_arm, image, "virt", icount_shift=3).semihost.decode()
    cycles, pl1, pl0, both = (int(v, 16) for v in ref.split())
    assert pl1 and pl0 and cycles == 8 * pl0 < 8 * both   # the filters filter, on QEMU
    for _ in range(2 if mode == "native" else 1):
        got = vtrans_run_in(image, "virt", mode)
        assert got.returncode == 0, got.stderr.decode()[-1500:]
        assert guest_console(got) == ref

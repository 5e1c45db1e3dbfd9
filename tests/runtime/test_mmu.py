"""The MMU walk (isa/arm/mmu.py, through the machine's TLB-fill hook) against qemu-system-arm.

``guests/mmu.s`` maps a section, a supersection, a 64 KB large page and 4 KB small pages,
sections in a no-access domain and in a manager domain, privileged-read-only section and
page (APX), an XN page and holes at both levels; it reads through each mapping (printing
the value) and writes to the read-only ones and executes from the XN page; the abort
handlers print DFSR/DFAR and IFSR/IFAR.  Output, fault statuses and addresses must be
QEMU's.  (The ``mmu`` sample adds two processes with their own tables, ASIDs and User-mode
permission faults; it runs in test_samples_native.py.)

``guests/mmu_v5.s`` does the same for the ARMv5 tables of versatilepb's ARM926: coarse tables with
one AP field per subpage, a 0b11 entry in a coarse table, a fine table with 1 KB tiny pages, a
small and a large page; its write faults check that an ARMv5 DFSR has no WnR bit.
"""

from __future__ import annotations

import pytest

from guestlib import GUESTS, qemu_run, vtrans_run


@pytest.mark.qemu
@pytest.mark.gnu
@pytest.mark.parametrize("board", ["realview-pb-a8", "vexpress-a9", "virt"])
def test_translation_and_faults_match_qemu(board: str, guest_builder, qemu_arm) -> None:
    image = guest_builder.build(GUESTS / "mmu.s", board)
    ref = qemu_run(qemu_arm, image, board)
    assert ref.returncode == 0
    lines = ref.semihost.split()
    # the reference exercised what we mean to compare: values, every fault kind
    assert b"11111111" in lines and b"33333333" in lines and b"44444444" in lines
    for status in (b"00000005", b"00000007", b"00000019", b"0000000d", b"0000080f", b"0000000f"):
        assert status in lines
    got = vtrans_run(image, board)
    assert got.returncode == 0, got.stderr.decode()
    # the guest's lines, then vtrans's summary (and, in bt mode, its statistics rows)
    assert got.stderr.decode().split("vtrans: ")[0] == ref.semihost.decode()


@pytest.mark.qemu
@pytest.mark.gnu
@pytest.mark.parametrize("mode", ["native", "bt"])   # (trap mode diverges: `msr cpsr_c` sets the stacks)
def test_armv5_tables_match_qemu(mode: str, guest_builder, qemu_arm) -> None:
    image = guest_builder.build(GUESTS / "mmu_v5.s", "versatilepb")
    ref = qemu_run(qemu_arm, image, "versatilepb")
    assert ref.returncode == 0
    lines = ref.semihost.split()
    # tiny pages (0x66666666 at +0, 0x77777777 from another 1 KB frame at +0x400), subpage AP,
    # fine-table small and large pages, and the faults: permission (page), translation (page),
    # domain (section, domain 1), writes without WnR
    for token in (b"11111111", b"33333333", b"55555555", b"66666666", b"77777777", b"88888888", b"99999999",
                  b"0000000f", b"00000007", b"00000019", b"83000800", b"82010400"):
        assert token in lines, token
    assert b"0000080f" not in lines
    got = vtrans_run(image, "versatilepb", "--mode", mode)
    assert got.returncode == 0, got.stderr.decode()
    # the guest's lines, then vtrans's summary (and, in bt mode, its statistics rows)
    assert got.stderr.decode().split("vtrans: ")[0] == ref.semihost.decode()


@pytest.mark.qemu
@pytest.mark.gnu
@pytest.mark.parametrize("mode", ["native", "trap", "bt"])
@pytest.mark.parametrize("board", ["realview-pb-a8", "vexpress-a9", "virt"])
def test_long_run_with_sparse_tables_matches_qemu(board: str, mode: str, guest_builder, qemu_arm) -> None:
    """``guests/mmu_sparse.s``: the MMU on for several run slices with the top of the address
    space unmapped, then a fetch from it: QEMU's output (the prefetch abort's IFSR and IFAR
    included) in every mode that runs the guest's own tables."""
    image = guest_builder.build(GUESTS / "mmu_sparse.s", board)
    ref = qemu_run(qemu_arm, image, board)
    assert ref.returncode == 0
    assert ref.semihost.split() == [b"00001111", b"00000005", b"fffffc00", b"00002222"]
    got = vtrans_run(image, board, "--mode", mode)
    assert got.returncode == 0, got.stderr.decode()
    assert got.stderr.decode().split("vtrans: ")[0] == ref.semihost.decode()


#: what QEMU 7.2 gives for guests/ttbcr_pd.s: PD1 kept (a translation fault) on the Cortex-A9 only
TTBCR_PD_EXPECTED = {"realview-pb-a8": [b"600d600d"], "vexpress-a9": [b"00000005", b"deadbeef"],
                     "virt": [b"600d600d"]}


@pytest.mark.qemu
@pytest.mark.gnu
@pytest.mark.parametrize("mode", ["native", "bt"])
@pytest.mark.parametrize("board", sorted(TTBCR_PD_EXPECTED))
def test_ttbcr_walk_disable_bits_as_qemu_keeps_them(board: str, mode: str, guest_builder, qemu_arm) -> None:
    """TTBCR.PD1 disables walks through TTBR1 where the CPU keeps the bit, as QEMU builds it."""
    image = guest_builder.build(GUESTS / "ttbcr_pd.s", board)
    ref = qemu_run(qemu_arm, image, board)
    assert ref.returncode == 0
    assert ref.semihost.split() == TTBCR_PD_EXPECTED[board]
    got = vtrans_run(image, board, "--mode", mode)
    assert got.returncode == 0, got.stderr.decode()
    assert got.stderr.decode().split("vtrans: ")[0] == ref.semihost.decode()

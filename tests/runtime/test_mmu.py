"""The MMU walk (isa/arm/mmu.py, through the machine's TLB-fill hook) against qemu-system-arm.

``guests/mmu.s`` maps a section, a supersection, a 64 KB large page and 4 KB small pages,
sections in a no-access domain and in a manager domain, privileged-read-only section and
page (APX), an XN page and holes at both levels; it reads through each mapping (printing
the value) and writes to the read-only ones and executes from the XN page; the abort
handlers print DFSR/DFAR and IFSR/IFAR.  Output, fault statuses and addresses must be
QEMU's.  (The ``mmu`` sample adds two processes with their own tables, ASIDs and User-mode
permission faults; it runs in test_samples_native.py.)
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
    assert got.semihost.decode() == ref.semihost.decode()

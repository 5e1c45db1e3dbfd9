"""Exception entry (DDI 0406C B1.8.3) in native mode against qemu-system-arm.

``guests/exceptions.s`` takes SVC (from SVC and from User mode), UNDEFINED, BKPT (prefetch
abort, debug event), a data abort (MMU translation fault) and an IRQ (GIC SGI); each
handler prints CPSR on entry (mode, I/F/A masks, T), SPSR, the banked LR and the fault
registers (IFSR, DFSR, DFAR) through semihosting.  The same image runs on QEMU and on
vtrans; the outputs must be identical, on the three boards whose CPUs have VBAR.
"""

from __future__ import annotations

import pytest

from guestlib import GUESTS, qemu_run, vtrans_run

BOARDS = ["realview-pb-a8", "vexpress-a9", "virt"]


@pytest.mark.qemu
@pytest.mark.gnu
@pytest.mark.parametrize("board", BOARDS)
def test_exception_entry_matches_qemu(board: str, guest_builder, qemu_arm) -> None:
    image = guest_builder.build(GUESTS / "exceptions.s", board)
    ref = qemu_run(qemu_arm, image, board)
    assert ref.returncode == 0, ref.stderr
    assert b"[dabt]" in ref.semihost and b"[irq]" in ref.semihost and b"done" in ref.semihost
    got = vtrans_run(image, board)
    assert got.returncode == 0, got.stderr.decode()
    assert got.semihost.decode() == ref.semihost.decode()
    assert got.stdout == ref.stdout


@pytest.mark.qemu
@pytest.mark.gnu
def test_fiq_entry_and_banking_match_qemu(guest_builder, qemu_arm) -> None:
    """versatilepb (ARMv5, vectors at 0): SP804 -> PL190 FIQ, taken from the cp15 wait-for-
    interrupt; CPSR/SPSR/LR on entry and the FIQ bank of r8 against QEMU."""
    image = guest_builder.build(GUESTS / "fiq.s", "versatilepb")
    ref = qemu_run(qemu_arm, image, "versatilepb", icount_shift=6)
    assert ref.returncode == 0 and len(ref.semihost.splitlines()) == 6
    got = vtrans_run(image, "versatilepb", "--icount-shift", "6")
    assert got.returncode == 0
    assert got.semihost == ref.semihost
    assert b"fiq 1" in got.stderr


@pytest.mark.qemu
@pytest.mark.gnu
def test_thumb_exception_entry_matches_qemu(guest_builder, qemu_arm) -> None:
    """SCTLR.TE = 1: handlers run in Thumb state; SVC from ARM and from Thumb code (LR + 4 / + 2)."""
    image = guest_builder.build(GUESTS / "thumb_exceptions.s", "vexpress-a9")
    ref = qemu_run(qemu_arm, image, "vexpress-a9")
    assert ref.returncode == 0 and len(ref.semihost.splitlines()) == 6
    got = vtrans_run(image, "vexpress-a9", "--timeout", "30")
    assert got.returncode == 0
    assert got.semihost == ref.semihost

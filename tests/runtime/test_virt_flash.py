"""``virt``'s flash banks (0x0-0x8000000) without a firmware image, against qemu-system-arm."""

from __future__ import annotations

import pytest

from guestlib import GUESTS, qemu_run, vtrans_run


@pytest.mark.qemu
@pytest.mark.gnu
def test_unbacked_flash_reads_zero_like_qemu(guest_builder, qemu_arm) -> None:
    image = guest_builder.build(GUESTS / "virt_flash.s", "virt")
    ref = qemu_run(qemu_arm, image, "virt")
    assert ref.returncode == 0
    assert ref.semihost.split() == [b"00000000"] * 5     # no abort (it would print the DFSR)
    got = vtrans_run(image, "virt")
    assert got.returncode == 0, got.stderr.decode()
    assert got.semihost == ref.semihost

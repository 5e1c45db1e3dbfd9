"""Big-endian data (CPSR.E, ``setend be``) in a guest: loads, stores and the CPSR it reads
are QEMU's in native, bt and the pre-virtualized modes that support it; the stub strategy,
whose stubs read the vCPU block little-endian, stops with a clear error instead."""

from __future__ import annotations

import pytest

from guestlib import GUESTS, guest_console, qemu_run, vtrans_run_in


@pytest.mark.qemu
@pytest.mark.gnu
@pytest.mark.parametrize("mode", ["native", "bt", "previrt:hypercall", "previrt:pad"])
def test_big_endian_data_matches_qemu(mode: str, guest_builder, qemu_arm) -> None:
    image = guest_builder.build(GUESTS / "bigendian.s", "virt")
    ref = qemu_run(qemu_arm, image, "virt")
    assert ref.returncode == 0
    assert ref.semihost.split()[0] == b"44332211"   # stored big-endian, loaded little-endian
    got = vtrans_run_in(image, "virt", mode)
    assert got.returncode == 0, got.stderr.decode()
    assert guest_console(got) == ref.semihost.decode()


@pytest.mark.gnu
def test_stub_strategy_refuses_big_endian_data(guest_builder) -> None:
    image = guest_builder.build(GUESTS / "bigendian.s", "virt")
    got = vtrans_run_in(image, "virt", "previrt:stub")
    assert got.returncode == 3
    err = got.stderr.decode()
    assert "entered with big-endian data" in err and "--strategy hypercall or pad" in err
    assert "Traceback" not in err

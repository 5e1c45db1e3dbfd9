"""Big-endian data (CPSR.E, ``setend be``) in a guest: loads, stores and the CPSR it reads
are QEMU's in native, bt and the pre-virtualized modes that support it; the stub strategy,
whose stubs read the vCPU block little-endian, stops with a clear error instead."""

from __future__ import annotations

import re
import subprocess
import sys

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
    assert ref.semihost.split()[2] == b"d3020000"   # srs's SPSR (0x2d3), stored big-endian
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


def _vtrans(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "vtrans", *map(str, args)], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=120)


def test_stub_rewrite_of_source_warns_at_setend_be(tmp_path) -> None:
    """``vtrans rewrite --strategy stub`` names every ``setend be`` of the source (file:line:col)
    and still writes the output (a stretch of big-endian loads with no sensitive instruction in it
    is fine); the other strategies do not warn."""
    src = (GUESTS / "bigendian.s").read_text().splitlines()
    line = next(i for i, text in enumerate(src, 1) if text.strip() == "setend be")
    r = _vtrans("rewrite", GUESTS / "bigendian.s", "--strategy", "stub", "-q", "-o", tmp_path / "out.s")
    assert r.returncode == 0, r.stderr
    assert f"bigendian.s:{line}:" in r.stderr and "setend be" in r.stderr and "hypercall or pad" in r.stderr
    assert (tmp_path / "out.s").exists()
    for strategy in ("hypercall", "pad"):
        r = _vtrans("rewrite", GUESTS / "bigendian.s", "--strategy", strategy, "-q", "-o", tmp_path / f"{strategy}.s")
        assert r.returncode == 0 and "setend" not in r.stderr, r.stderr


@pytest.mark.gnu
def test_stub_rewrite_of_image_warns_at_setend_be(guest_builder, tmp_path, arm_objdump) -> None:
    """The same for a linked image: the warning names the address of the ``setend be`` word,
    which GNU objdump disassembles as ``setend be`` there."""
    image = guest_builder.build(GUESTS / "bigendian.s", "virt")
    r = _vtrans("rewrite", image, "--strategy", "stub", "-q", "-o", tmp_path / "out.elf")
    assert r.returncode == 0, r.stderr
    warned = re.findall(r":0x([0-9a-f]{8}) <[^>]*>: setend be", r.stderr)
    dump = subprocess.run([arm_objdump, "-d", str(image)], capture_output=True, text=True, check=True).stdout
    expected = re.findall(r"^\s*([0-9a-f]+):\s+f1010200\s+setend\s+be", dump, re.M)
    assert expected and sorted(int(a, 16) for a in warned) == sorted(int(a, 16) for a in expected)

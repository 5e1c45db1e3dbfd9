"""Block transfers that name every register and the PC (``guests/allregs.s``): binary
translation has no register left to rewrite them with and emulates them instead.  Every
mode prints what qemu-system-arm prints, and bt ends in native's exact state."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from guestlib import GUESTS, guest_console, qemu_run, vtrans_run_in


@pytest.mark.qemu
@pytest.mark.gnu
@pytest.mark.parametrize("mode", ["native", "bt", "trap"])
@pytest.mark.parametrize("board", ["versatilepb", "realview-pb-a8", "vexpress-a9", "virt"])
def test_block_transfers_naming_every_register(board: str, mode: str, guest_builder, qemu_arm) -> None:
    image = guest_builder.build(GUESTS / "allregs.s", board)
    ref = qemu_run(qemu_arm, image, board)
    assert ref.returncode == 0 and ref.semihost.split()[:2] == [b"00000000", b"0000000c"]
    got = vtrans_run_in(image, board, mode)
    assert got.returncode == 0, got.stderr.decode()
    assert guest_console(got) == ref.semihost.decode()


@pytest.mark.gnu
def test_bt_ends_in_the_native_state(guest_builder, tmp_path) -> None:
    image = guest_builder.build(GUESTS / "allregs.s", "virt")
    proc = subprocess.run([sys.executable, "-m", "vtrans", "diff", "--board", "virt", "--modes", "bt", "--json",
                           str(image)], stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()
    result = json.loads(proc.stdout)
    (bt,) = result["modes"]
    assert result["equal"] and bt["equal"] and bt["state_diff"] == [], result
    assert bt["instructions"] == result["native"]["instructions"]

"""ARM semihosting in native mode against qemu-system-arm (semihosting/arm-compat-semi.c).

``guests/semihosting.s`` opens ":tt" three ways (handles, and where writes go: stdout for
"w", stderr for "a"), reads standard input, asks ISTTY, CLOSE of a bad handle then ERRNO
and ISERROR, reads the ":semihosting-features" file, HEAPINFO (board-specific: QEMU's
largest-gap rule), TICKFREQ, and exits with SYS_EXIT_EXTENDED 42.  Everything printed,
the exit status and the destination of each write must be QEMU's.  The C-library
programs (newlib rdimon, picolibc) are in the samples (test_samples_native.py).
"""

from __future__ import annotations

import pytest

from guestlib import GUESTS, qemu_run, vtrans_run

STDIN = b"hello\nworld"


@pytest.mark.qemu
@pytest.mark.gnu
@pytest.mark.parametrize("board", ["versatilepb", "vexpress-a9", "virt"])
def test_semihosting_operations_match_qemu(board: str, guest_builder, qemu_arm) -> None:
    image = guest_builder.build(GUESTS / "semihosting.s", board)
    # no serial console on QEMU: standard input belongs to semihosting alone
    ref = qemu_run(qemu_arm, image, board, stdin=STDIN, serial="none")
    got = vtrans_run(image, board, "--stdin", "-", stdin=STDIN)
    assert ref.returncode == 42
    assert got.returncode == 42
    assert got.stdout == ref.stdout == b"out\n"  # ":tt" opened "w"
    assert b"err\n" in ref.stderr  # ":tt" opened "a": QEMU's stderr, where vtrans's console also goes
    assert got.semihost.replace(b"err\n", b"", 1).decode() == ref.semihost.decode()
    assert len(ref.semihost.splitlines()) > 15

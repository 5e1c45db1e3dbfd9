"""Coprocessor registers the boards model, accessed by code the kernel copied and runs elsewhere.

The machine intercepts ``mrc/mcr/mrrc/mcrr`` of the registers a device owns (the generic timer,
the PMU, CBAR, QEMU's ID values) with a hook on each such instruction.  They were placed by a
scan of the image at load time, so a routine the kernel copied to another address read
Unicorn's own registers: on virt the copy polled a virtual timer that never fired (the run
hung), on vexpress-a9 it read CBAR as 0.  Pages are now scanned as the CPU fetches from them,
through each virtual address, and again when their code changes.

``guests/relocated_cp.s`` copies a routine to a free MB of RAM and runs it, overwrites it with
another routine at the same address and runs that, then runs the first again through a virtual
alias with the MMU on.  The I-cache is invalidated after each copy (all of it, or by address),
or not at all (QEMU runs the code either way).  qemu-system-arm with ``-icount`` is the
reference: the counter values and the polling loop's iterations are instruction-exact.

``guests/relocated_thumb.s`` runs a Thumb routine of the image in place and through an MMU
alias: the alias must see the routine's coprocessor accesses intercepted and its IT blocks'
failed slots counted (the loader found both at the image's own addresses only).
"""

from __future__ import annotations

import functools

import pytest

from guestlib import GUESTS, guest_console, qemu_reference, vtrans_run_in

BOARDS = {"virt": "VIRT", "vexpress-a9": "A9", "realview-pb-a8": "A8"}
VARIANTS = {"iciallu": {}, "icimvau": {"BY_MVA": 1}, "no-maintenance": {"NO_MAINTENANCE": 1}}


@functools.lru_cache(maxsize=None)
def _case(board: str, variant: str, builder, qemu: str):
    image = builder.build(GUESTS / "relocated_cp.s", board, name=f"relocated_cp_{board}_{variant}",
                          defsyms={BOARDS[board]: 1, **VARIANTS[variant]})
    ref = qemu_reference(qemu, image, board, icount_shift=3).semihost.decode()
    assert ref.count("\n") == 12   # three runs of a routine, four values each
    return image, ref


CASES = ([(b, v, "native") for b in BOARDS for v in VARIANTS]
         + [(b, "iciallu", m) for b in BOARDS for m in ("trap", "bt", "previrt:hypercall")])


@pytest.mark.qemu
@pytest.mark.gnu
@pytest.mark.parametrize("board, variant, mode", CASES)
def test_copied_code_reaches_the_boards_registers(board: str, variant: str, mode: str, guest_builder,
                                                   qemu_arm) -> None:
    image, ref = _case(board, variant, guest_builder, qemu_arm)
    runs = 2 if (board, mode) == ("virt", "native") else 1   # the timer values: bit for bit again
    for _ in range(runs):
        got = vtrans_run_in(image, board, mode)
        assert got.returncode == 0, got.stderr.decode()[-1500:]
        assert guest_console(got) == ref


@pytest.mark.qemu
@pytest.mark.gnu
@pytest.mark.parametrize("mode", ["native", "trap"])
@pytest.mark.parametrize("board", ["virt", "vexpress-a9"])
def test_thumb_code_through_an_alias(board: str, mode: str, guest_builder, qemu_arm) -> None:
    image = guest_builder.build(GUESTS / "relocated_thumb.s", board, name=f"relocated_thumb_{board}",
                                defsyms={BOARDS[board]: 1})
    ref = qemu_reference(qemu_arm, image, board, icount_shift=3).semihost.decode()
    lines = ref.split()
    assert len(lines) == 8 and lines[6][0] == "8"   # the second run was through the alias
    got = vtrans_run_in(image, board, mode)
    assert got.returncode == 0, got.stderr.decode()[-1500:]
    assert guest_console(got) == ref

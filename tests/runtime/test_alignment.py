"""SCTLR.A alignment faults (B3.12.4) against qemu-system-arm.

Unicorn never raises an alignment fault for a plain load or store; the machine checks every
access while the guest has SCTLR.A set.  ``guests/alignment.s`` makes unaligned ldr, ldrh,
str (with writeback) and ldm (with writeback) accesses with SCTLR.A clear, set and clear again;
the abort handler prints DFSR and DFAR.  The output — values, fault statuses (WnR for the
store), addresses, and the proof that a faulting instruction wrote neither memory nor
registers — must be QEMU's, natively and pre-virtualized (the VMM's guest has a virtual
SCTLR; the image is rewritten as a binary with each strategy).
"""

from __future__ import annotations

import pytest

from guestlib import GUESTS, qemu_run, vtrans_run


@pytest.mark.qemu
@pytest.mark.gnu
@pytest.mark.parametrize("mode", ["native", "previrt:hypercall", "previrt:stub", "previrt:pad"])
@pytest.mark.parametrize("board", ["realview-pb-a8", "vexpress-a9", "virt"])
def test_alignment_faults_match_qemu(board: str, mode: str, guest_builder, qemu_arm) -> None:
    image = guest_builder.build(GUESTS / "alignment.s", board)
    ref = qemu_run(qemu_arm, image, board)
    assert ref.returncode == 0
    lines = ref.semihost.split()
    assert lines.count(b"00000001") >= 3 and b"00000801" in lines   # read and write alignment faults
    extra: tuple[str, ...] = ()
    if mode.startswith("previrt"):
        from vtrans.translator.binary import rewrite_elf

        strategy = mode.split(":")[1]
        rewritten = image.with_name(f"{image.stem}.{strategy}.elf")
        rewritten.write_bytes(rewrite_elf(image.read_bytes(), strategy, name=str(image)).image)
        image, extra = rewritten, ("--mode", "previrt")
    got = vtrans_run(image, board, *extra)
    assert got.returncode == 0, got.stderr.decode()
    # the guest's lines, then vtrans's summary (and, under the VMM, its statistics rows)
    assert got.stderr.decode().split("vtrans: ")[0] == ref.semihost.decode()

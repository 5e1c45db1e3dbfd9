"""Unprivileged loads and stores (LDRT & co., A8.8) from SVC mode with the MMU on are checked
with User permissions, natively and pre-virtualized, as on qemu-system-arm.

Unicorn's TLB-fill hook is not told which TLB (privileged or User) it fills; the machine reads
the instruction making the access.  ``guests/unpriv.s`` loads and stores through aliases of RAM
with privileged-only, User read-only and full-access sections; the abort handler prints DFSR
and DFAR.
"""

from __future__ import annotations

import subprocess

import pytest

from guestlib import GUESTS, guest_console, qemu_run, vtrans_run_in
from vtrans.isa.arm.mmu import is_unprivileged_access


@pytest.mark.qemu
@pytest.mark.gnu
@pytest.mark.parametrize("mode", ["native", "previrt:hypercall", "previrt:stub"])
@pytest.mark.parametrize("board", ["realview-pb-a8", "vexpress-a9", "virt"])
def test_unprivileged_accesses_match_qemu(board: str, mode: str, guest_builder, qemu_arm) -> None:
    image = guest_builder.build(GUESTS / "unpriv.s", board)
    ref = qemu_run(qemu_arm, image, board)
    assert ref.returncode == 0
    lines = ref.semihost.split()
    assert lines.count(b"0000000d") == 2 and lines.count(b"0000080d") == 2   # User permission faults
    got = vtrans_run_in(image, board, mode)
    assert got.returncode == 0, got.stderr.decode()
    assert guest_console(got) == ref.semihost.decode()


_UNPRIVILEGED = ["ldrt r0, [r1]", "ldrt r0, [r1], #4", "ldrt r0, [r1], -r2", "ldrbt r0, [r1], #1",
                 "strt r0, [r1], r2, lsl #2", "strbt r0, [r1]", "ldrht r0, [r1], #2", "ldrsbt r0, [r1]",
                 "ldrsht r0, [r1], r2", "strht r0, [r1], #-2", "ldrtne r3, [r4]"]
_PRIVILEGED = ["ldr r0, [r1]", "ldr r0, [r1], #4", "ldr r0, [r1, #4]!", "ldrb r0, [r1], #1",
               "str r0, [r1], r2", "ldrh r0, [r1], #2", "ldrsb r0, [r1]", "strh r0, [r1], #2",
               "ldrd r0, r1, [r2], #8", "strd r0, r1, [r2]", "ldm r0, {r1, r2}", "uadd8 r0, r1, r2",
               "pld [r0]", "mov r0, r1"]
_THUMB_UNPRIVILEGED = ["ldrt r0, [r1, #4]", "ldrbt r0, [r1]", "ldrht r8, [r9, #2]", "ldrsbt r0, [r1]",
                       "ldrsht r0, [r1, #6]", "strt r0, [r1]", "strbt r0, [r1, #255]", "strht r0, [r1]"]
_THUMB_PRIVILEGED = ["ldr.w r0, [r1, #4]", "ldrb.w r0, [r1]", "ldr.w r0, [r1], #4", "ldrh.w r0, [r1, #-2]",
                     "str.w r0, [r1]", "ldr.w r0, [pc, #8]", "pld [r0, #4]"]


def _encode(lines: list[str], thumb: bool, arm_as: str, tmp_path) -> list[int]:
    """Each instruction's encoding as GNU as makes it (Thumb: both halfwords, first low)."""
    src = tmp_path / ("t.s" if thumb else "a.s")
    obj = src.with_suffix(".o")
    src.write_text(".syntax unified\n" + (".thumb\n" if thumb else ".arm\n")
                   + "".join(f"{line}\n" for line in lines))
    subprocess.run([arm_as, "-march=armv7-a", "-o", str(obj), str(src)], check=True, capture_output=True)
    binary = src.with_suffix(".bin")
    subprocess.run([arm_as.replace("-as", "-objcopy"), "-O", "binary", "-j", ".text", str(obj), str(binary)],
                   check=True, capture_output=True)
    data = binary.read_bytes()
    assert len(data) == 4 * len(lines)
    return [int.from_bytes(data[i:i + 4], "little") for i in range(0, len(data), 4)]


@pytest.mark.gnu
def test_which_instructions_are_unprivileged_accesses(arm_as, tmp_path) -> None:
    for lines, thumb, want in ((_UNPRIVILEGED, False, True), (_PRIVILEGED, False, False),
                               (_THUMB_UNPRIVILEGED, True, True), (_THUMB_PRIVILEGED, True, False)):
        for line, word in zip(lines, _encode(lines, thumb, arm_as, tmp_path)):
            assert is_unprivileged_access(word, thumb=thumb) is want, (line, hex(word))

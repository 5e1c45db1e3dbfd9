"""A Thumb-2 kernel against qemu-system-arm: natively, and deprivileged under trap-and-emulate.

``guests/thumb_kernel.s`` runs in Thumb state and uses only instructions that trap in User
mode when they are sensitive: cp15 moves, SPSR access, svc/udf/bkpt, srs/rfe and
``subs pc, lr`` -- some inside IT blocks -- alignment faults, exception returns into Thumb
state, into another mode and into ARM state, with its exceptions taken in ARM state or
(SCTLR.TE) in Thumb state; last it measures the virtual clock across IT blocks whose
skipped slots still count as instructions.  Every line it prints must be QEMU's
(``-icount shift=3``, vtrans's clock), on the ARMv7 boards.  Binary translation is A32-only:
it must refuse the kernel with a clear error.

The same kernel as a raw image (``objcopy -O binary``, as ``qemu -kernel kernel.bin`` takes it)
has no mapping symbols: vtrans learns that it runs Thumb code when the CPU first fetches code in
Thumb state, goes on counting per block with each Thumb block's instruction count read from its
code (these CPUs have Thumb-2), and finds the coprocessor accesses of Thumb code as it fetches
it.  Before, every Thumb block was counted as size / 4 instructions (the clock line differed)
and the cp15 reads of the Cortex-A15 returned Unicorn's values.
"""

from __future__ import annotations

import pytest

from guestlib import GUESTS, guest_console, qemu_reference, vtrans_run_in

BOARDS = {"realview-pb-a8": 0x10011000, "vexpress-a9": 0x10011000, "virt": 0}


def _kernel(guest_builder, board: str, te: int):
    return guest_builder.build(GUESTS / "thumb_kernel.s", board,
                               name=f"thumb_kernel_{board}_{te}", defsyms={"TE": te, "TIMER": BOARDS[board]})


@pytest.mark.qemu
@pytest.mark.gnu
@pytest.mark.parametrize("mode", ["native", "trap"])
@pytest.mark.parametrize("te", [0, 1])
@pytest.mark.parametrize("board", sorted(BOARDS))
def test_thumb_kernel_matches_qemu(board: str, te: int, mode: str, guest_builder, qemu_arm) -> None:
    image = _kernel(guest_builder, board, te)
    ref = qemu_reference(qemu_arm, image, board, icount_shift=3)
    expected = ref.semihost.decode()
    for tag in ("[und]", "[svc]", "[pabt]", "[dabt]", "resumed", "arm state", "back in thumb", "clock", "done"):
        assert tag in expected
    got = vtrans_run_in(image, board, mode)
    assert got.returncode == 0, got.stderr.decode()[-500:]
    assert guest_console(got) == expected


@pytest.mark.gnu
def test_binary_translation_refuses_thumb_code(guest_builder) -> None:
    image = guest_builder.build(GUESTS / "thumb_kernel.s", "vexpress-a9",
                                name="thumb_kernel_bt", defsyms={"TE": 0, "TIMER": BOARDS["vexpress-a9"]})
    got = vtrans_run_in(image, "vexpress-a9", "bt")
    err = got.stderr.decode()
    assert got.returncode == 3 and "not supported by binary translation" in err, err
    assert "Traceback" not in err


@pytest.mark.qemu
@pytest.mark.gnu
@pytest.mark.parametrize("mode", ["native", "trap"])
@pytest.mark.parametrize("te", [0, 1])
@pytest.mark.parametrize("board", sorted(BOARDS))
def test_thumb_kernel_as_a_raw_image_matches_qemu(board: str, te: int, mode: str, guest_builder, qemu_arm) -> None:
    image = guest_builder.raw(_kernel(guest_builder, board, te))
    expected = qemu_reference(qemu_arm, image, board, icount_shift=3).semihost.decode()
    assert "clock" in expected and "done" in expected
    got = vtrans_run_in(image, board, mode)
    assert got.returncode == 0, got.stderr.decode()[-500:]
    err = got.stderr.decode()
    # every board here has a Thumb-2 CPU: Thumb blocks are counted per block as they are met,
    # exactly, with nothing to warn about
    assert "WARNING" not in err, err
    assert err.split("vtrans: ")[0] == expected


@pytest.mark.qemu
@pytest.mark.gnu
@pytest.mark.parametrize("raw", [False, True])
@pytest.mark.parametrize("mode", ["native", "trap"])
def test_thumb1_code_on_the_arm926_is_counted_as_qemu_counts_it(raw: bool, mode: str, guest_builder,
                                                                  qemu_arm) -> None:
    """versatilepb's ARM926 runs Thumb-1, where a BL may be two instructions (QEMU's
    thumb_insn_is_16bit): its Thumb code is counted instruction by instruction, as an ELF file
    (mapping symbols) and as a raw image (found as it runs, with a warning).  The guest times a
    loop of BL calls with the SP804 under QEMU's -icount clock: each BL counted twice would add
    ~160 ticks."""
    elf = guest_builder.build(GUESTS / "thumb1_timing.s", "versatilepb", defsyms={"LOOPS": 20000})
    image = guest_builder.raw(elf) if raw else elf
    expected = qemu_reference(qemu_arm, image, "versatilepb", icount_shift=3).semihost.decode()
    assert 600 < int(expected, 16) < 2000, expected
    got = vtrans_run_in(image, "versatilepb", mode)
    assert got.returncode == 0, got.stderr.decode()[-500:]
    err = got.stderr.decode().splitlines(keepends=True)
    warnings = [line for line in err if line.startswith("vtrans: WARNING: Thumb code at ")]
    assert len(warnings) == int(raw), err
    assert "".join(line for line in err if line not in warnings).split("vtrans: ")[0] == expected

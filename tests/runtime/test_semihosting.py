"""ARM semihosting in native mode against qemu-system-arm (semihosting/arm-compat-semi.c).

``guests/semihosting.s`` opens ":tt" three ways (handles, and where writes go: stdout for
"w", stderr for "a"), reads standard input, asks ISTTY, CLOSE of a bad handle then ERRNO
and ISERROR, reads the ":semihosting-features" file, HEAPINFO (board-specific: QEMU's
largest-gap rule), TICKFREQ, and exits with SYS_EXIT_EXTENDED 42.  Everything printed,
the exit status and the destination of each write must be QEMU's.  The C-library
programs (newlib rdimon, picolibc) are samples (test_samples_native.py), built for
versatilepb; here they are built for every board's RAM too.
"""

from __future__ import annotations

import pytest

from guestlib import BOARD_LAYOUT, GUESTS, guest_console, qemu_run, vtrans_run, vtrans_run_in

STDIN = b"hello\nworld"


@pytest.mark.qemu
@pytest.mark.gnu
# (realview-pb-a8: RAM at 0x70000000 and its alias at 0, the same size: HEAPINFO takes the alias)
@pytest.mark.parametrize("board", ["versatilepb", "realview-pb-a8", "vexpress-a9", "virt"])
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


@pytest.mark.qemu
@pytest.mark.gnu
@pytest.mark.parametrize("mode", ["native", "trap"])
# (RAM at 0, where ld's default puts it; the ARM926 has no Thumb-2)
@pytest.mark.parametrize("board,arch", [("versatilepb", "armv5te"), ("realview-pb-a8", "armv5te"),
                                        ("realview-pb-a8", "armv7-a")])
def test_thumb_newlib_program_matches_qemu(board: str, arch: str, mode: str, tmp_path, arm_gcc, qemu_arm) -> None:
    """A Thumb build of the newlib sample (Thumb-1, or Thumb-2 with the armv7-a multilib: IT
    blocks all over the C library): its C library calls semihosting with Thumb's ``svc
    0xab``; output and exit code must be QEMU's, natively and deprivileged."""
    import subprocess

    from tests.conftest import SAMPLES

    image = tmp_path / "hello_thumb.elf"
    subprocess.run([arm_gcc, "-O2", f"-march={arch}", "-mthumb", "--specs=rdimon.specs", "-o", str(image),
                    str(SAMPLES / "arm" / "newlib_hello" / "hello.c")], check=True, capture_output=True)
    ref = qemu_run(qemu_arm, image, board, serial="none")
    got = vtrans_run_in(image, board, mode)
    assert ref.returncode == 7 and b"qsort" in ref.stdout
    assert (got.returncode, got.stdout) == (ref.returncode, ref.stdout), got.stderr.decode()
    assert guest_console(got) == ref.semihost.decode()


#: the two C libraries' link options for a program placed at ``text`` with its RAM from ``ram``
#: (newlib's default script starts at the text segment; picolibc's places code at ``__flash`` and
#: data, heap and stack at ``__ram``)
LIBC_LINK = {
    "newlib": lambda text, ram: ["--specs=rdimon.specs", f"-Wl,-Ttext-segment=0x{text:x}"],
    "picolibc": lambda text, ram: ["--specs=picolibc.specs", "--oslib=semihost", "--crt0=semihost",
                                   f"-Wl,--defsym=__flash=0x{text:x}", "-Wl,--defsym=__flash_size=0x80000",
                                   f"-Wl,--defsym=__ram=0x{ram:x}", "-Wl,--defsym=__ram_size=0x100000",
                                   "-Wl,--defsym=__stack_size=0x4000"],
}


#: where each board's C programs go: the start of its RAM (realview-pb-a8's low alias of it: for
#: a program at 0x70000000 QEMU's SYS_HEAPINFO, which takes the alias, leaves newlib no heap)
LIBC_RAM = {"versatilepb": 0, "realview-pb-a8": 0, "vexpress-a9": BOARD_LAYOUT["vexpress-a9"][0],
            "virt": BOARD_LAYOUT["virt"][0]}


@pytest.mark.qemu
@pytest.mark.gnu
@pytest.mark.parametrize("libc", ["newlib", "picolibc"])
@pytest.mark.parametrize("board", list(LIBC_RAM))
def test_libc_programs_match_qemu_on_every_board(board: str, libc: str, tmp_path, arm_gcc, qemu_arm) -> None:
    """The C-library samples linked at each board's RAM (printf, malloc, qsort, exit code 7):
    standard output, the semihosting console and the exit code are QEMU's."""
    import subprocess

    from tests.conftest import SAMPLES

    base = LIBC_RAM[board]
    image = tmp_path / f"{libc}_{board}.elf"
    subprocess.run([arm_gcc, "-O2", "-marm", *LIBC_LINK[libc](base + 0x10000, base + 0x100000), "-o", str(image),
                    str(SAMPLES / "arm" / f"{libc}_hello" / "hello.c")], check=True, capture_output=True)
    ref = qemu_run(qemu_arm, image, board, serial="none")
    got = vtrans_run(image, board)
    assert ref.returncode == 7 and b"qsort" in ref.stdout + ref.semihost
    assert (got.returncode, got.stdout) == (ref.returncode, ref.stdout), got.stderr.decode()
    assert guest_console(got) == ref.semihost.decode()

"""SCTLR.A alignment faults (B3.12.4) against qemu-system-arm.

Unicorn never raises an alignment fault for a plain load or store; the machine checks every
access while the guest has SCTLR.A set.  ``guests/alignment.s`` makes unaligned ldr, ldrh,
str (with writeback) and ldm (with writeback) accesses with SCTLR.A clear, set and clear again;
the abort handler prints DFSR and DFAR.  The output — values, fault statuses (WnR for the
store), addresses, and the proof that a faulting instruction wrote neither memory nor
registers — must be QEMU's, natively, pre-virtualized (the VMM's guest has a virtual
SCTLR; the image is rewritten as a binary with each strategy) and binary-translated.

``guests/alignment_tlb.s`` fills Unicorn's TLB with ~250 pages before each unaligned access.
Unicorn's access helper holds a pointer into the TLB across the memory hook, and a whole TLB
flush there reallocates the TLB once it is that full (or once a 100 ms wall-clock window has
passed): the helper then read freed memory and the access completed, or the process crashed.
The hook now drops only the accessed page's entries.  ``guests/alignment_mmu.s`` makes the
accesses through a virtual alias of RAM with the MMU on: DFAR holds the virtual address.
"""

from __future__ import annotations

import pytest

from guestlib import GUESTS, guest_console, qemu_run, vtrans_run_in


@pytest.mark.qemu
@pytest.mark.gnu
@pytest.mark.parametrize("mode", ["native", "previrt:hypercall", "previrt:stub", "previrt:pad", "bt"])
@pytest.mark.parametrize("board", ["realview-pb-a8", "vexpress-a9", "virt"])
@pytest.mark.parametrize("guest", ["alignment", "alignment_tlb", "alignment_mmu"])
def test_alignment_faults_match_qemu(guest: str, board: str, mode: str, guest_builder, qemu_arm) -> None:
    image = guest_builder.build(GUESTS / f"{guest}.s", board)
    ref = qemu_run(qemu_arm, image, board)
    assert ref.returncode == 0
    lines = ref.semihost.split()
    assert lines.count(b"00000001") >= 2 and b"00000801" in lines   # read and write alignment faults
    got = vtrans_run_in(image, board, mode)
    assert got.returncode == 0, got.stderr.decode()
    assert guest_console(got) == ref.semihost.decode()



@pytest.mark.qemu
@pytest.mark.gnu
def test_alignment_faults_under_the_hypervisor(guest_builder, qemu_arm) -> None:
    """Two VMs on one CPU, switched every 300 instructions: each VM's faults are QEMU's (its
    guest-physical and virtual addresses, not the partition's)."""
    import subprocess
    import sys

    board, images, refs = "virt", [], {}
    for guest in ("alignment_mmu", "alignment_tlb"):
        image = guest_builder.build(GUESTS / f"{guest}.s", board)
        images.append(str(image))
        refs[image.stem] = qemu_run(qemu_arm, image, board).semihost.decode().splitlines()
    proc = subprocess.run([sys.executable, "-m", "vtrans", "run", "--board", board, *images, "--slice", "300"],
                          stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()
    text = (proc.stdout + proc.stderr).decode().splitlines()
    switches = [line for line in text if line.startswith("vtrans: hypervisor:")]
    assert switches and int(switches[0].split(" world switches")[0].rsplit(" ", 1)[1]) > 10
    for name, ref in refs.items():
        got = [line.split("] ", 1)[1] for line in text if line.startswith(f"[{name}] ")]
        assert got == ref, name

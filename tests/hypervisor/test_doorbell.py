"""The message doorbell: a message queued for a VM asserts a virtual interrupt input of its own
board's interrupt controller (PL190 VIC input 20 on versatilepb) while its mailbox is non-empty.
msg_bell sleeps in WFI with IRQs enabled and drains its mailbox from its IRQ handler; msg_ring
sends it batches of messages."""

from __future__ import annotations

from helpers import guest, output_of, run_together, without_wall
from vtrans.isa.arm.hypercall import DOORBELL_VIC_INPUT, MessageError, MessageOp, doorbell_irq
from vtrans.runtime.hypervisor import VmSpec, VmState

EMPTY = int(MessageError.EMPTY)
BELL = (
    "bell: doorbell is VIC input 20\n"
    "bell: irq 1, VIC IRQ status 0x00100000\n"
    "bell: got 'round 1.1' from VM 1\n"
    f"bell: poll -> {EMPTY}, VIC IRQ status 0x00000000\n"
    "bell: irq 2, VIC IRQ status 0x00100000\n"
    "bell: got 'round 2.1' from VM 1\n"
    "bell: got 'round 2.2' from VM 1\n"
    f"bell: poll -> {EMPTY}, VIC IRQ status 0x00000000\n"
    "bell: irq 3, VIC IRQ status 0x00100000\n"
    "bell: got 'round 3.1' from VM 1\n"
    "bell: got 'round 3.2' from VM 1\n"
    "bell: got 'round 3.3' from VM 1\n"
    f"bell: poll -> {EMPTY}, VIC IRQ status 0x00000000\n"
    "bell: done, 3 doorbell IRQs, 6 messages\n"
)
RING = (
    "ring: received 'ack', length 4\n"
    "ring: sent 'round 1.1' -> 0\n"
    "ring: received 'ack', length 4\n"
    "ring: sent 'round 2.1' -> 0\n"
    "ring: sent 'round 2.2' -> 0\n"
    "ring: received 'ack', length 4\n"
    "ring: sent 'round 3.1' -> 0\n"
    "ring: sent 'round 3.2' -> 0\n"
    "ring: sent 'round 3.3' -> 0\n"
    "ring: received 'ack', length 4\n"
    "ring: done\n"
)


def _pair(ring_mode: str = "native", slice_insns: int = 20_000):
    specs = [VmSpec("msg_bell", guest("msg_bell")), VmSpec("msg_ring", guest("msg_ring"), ring_mode)]
    return run_together(specs, slice_insns=slice_insns)


def test_abi_numbers():
    assert MessageOp.DOORBELL == 5
    assert doorbell_irq("vic") == DOORBELL_VIC_INPUT == 20
    assert doorbell_irq("gic", 96) == 95 and doorbell_irq("gic", 288) == 287


def test_doorbell_wakes_wfi_and_is_taken_as_an_irq():
    hv, text, _ = _pair()
    assert output_of(text, "msg_bell") == BELL
    assert output_of(text, "msg_ring") == RING
    assert all(vm.state == VmState.STOPPED for vm in hv.vms)
    stats = {d["name"]: d for d in hv.stats()["vms"]}
    bell = stats["msg_bell"]
    # the receiver really took the interrupts through its IRQ vector (one per batch), and
    # idled in WFI waiting for them
    assert bell["interrupts"]["irq"] == 3
    assert bell["doorbell_raised"] == 3
    assert bell["wfi_yields"] >= 3
    assert bell["messages"]["received"] == 6 and stats["msg_ring"]["messages"]["sent"] == 6
    # the line is down once drained
    assert not hv.vms[0].doorbell.level


def test_doorbell_deterministic_and_slice_independent():
    hv1, text1, states1 = _pair()
    hv2, text2, states2 = _pair()
    assert text1 == text2
    assert states1 == states2
    assert without_wall(hv1.stats()) == without_wall(hv2.stats())
    # another slice and the sender in trap mode: each VM's own output is unchanged
    hv3, text3, _ = _pair("trap", 50)
    assert output_of(text3, "msg_bell") == BELL
    assert output_of(text3, "msg_ring") == RING


def test_wfi_without_a_sender_halts_instead_of_hanging():
    hv, text, _ = run_together([VmSpec("msg_bell", guest("msg_bell"))])
    bell = output_of(text, "msg_bell")
    assert bell.startswith("bell: doorbell is VIC input 20\n")
    assert "irq" not in bell.splitlines()[-1]
    assert hv.vms[0].state == VmState.STOPPED
    assert "wfi" in hv.vms[0].message

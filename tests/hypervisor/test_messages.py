"""Inter-VM messages (class-2 hypercalls): the ping/pong guests, the ABI's error codes,
deadlock detection, and the message bus state machine."""

from __future__ import annotations

import re

from helpers import guest, output_of, run_alone, run_together
from vtrans.isa.arm.hypercall import MAILBOX_DEPTH, MESSAGE_MAX, MessageError
from vtrans.runtime.hypervisor import VmSpec, VmState
from vtrans.runtime.hypervisor.messaging import MessageBus

ROUNDS = 5


def _pair(ping_mode: str, pong_mode: str, slice_insns: int):
    specs = [VmSpec("msg_ping", guest("msg_ping"), ping_mode), VmSpec("msg_pong", guest("msg_pong"), pong_mode)]
    return run_together(specs, slice_insns=slice_insns)


def test_ping_pong_round_trips():
    for ping_mode, pong_mode, slice_insns in (("native", "native", 100_000), ("native", "trap", 997),
                                             ("trap", "native", 50)):
        hv, text, _ = _pair(ping_mode, pong_mode, slice_insns)
        ping, pong = output_of(text, "msg_ping"), output_of(text, "msg_pong")
        assert "ping: I am VM 0 of 2\n" in ping
        assert "ping: msg_pong is VM 1\n" in ping
        assert f"ping: poll on an empty mailbox -> {int(MessageError.EMPTY)}\n" in ping
        assert f"ping: send to VM 99 -> {int(MessageError.NO_SUCH_VM)}\n" in ping
        sent_ping = re.findall(r"ping: sent ping (\d+) -> 0", ping)
        got_ping = re.findall(r"pong: received ping (\d+), length 8, from VM 0", pong)
        sent_pong = re.findall(r"pong: sent pong (\d+) -> 0", pong)
        got_pong = re.findall(r"ping: received pong (\d+), length 8, from VM 1", ping)
        expected = [str(i) for i in range(1, ROUNDS + 1)]
        assert sent_ping == got_ping == sent_pong == got_pong == expected
        # each round trip: ping sends, then blocks until the answer comes
        for k in range(1, ROUNDS + 1):
            assert ping.index(f"sent ping {k} ") < ping.index(f"received pong {k},")
        stats = {d["name"]: d for d in hv.stats()["vms"]}
        assert stats["msg_ping"]["messages"]["sent"] == stats["msg_pong"]["messages"]["received"] == ROUNDS
        assert stats["msg_pong"]["messages"]["sent"] == stats["msg_ping"]["messages"]["received"] == ROUNDS
        assert stats["msg_ping"]["messages"]["blocked"] >= 1
        assert all(vm.state == VmState.STOPPED for vm in hv.vms)


def test_receive_with_nobody_to_send_is_a_deadlock_not_a_hang():
    hv, text, _ = run_together([VmSpec("msg_ping", guest("msg_ping"))])
    ping = output_of(text, "msg_ping")
    assert f"ping: msg_pong is VM {int(MessageError.NO_SUCH_VM)}\n" in ping
    assert f"length {int(MessageError.DEADLOCK)}" in ping
    assert hv.vms[0].state == VmState.STOPPED


def test_guest_user_mode_cannot_use_the_channel():
    # from guest User mode the hypercall is the guest's own SVC (r0 untouched), as alone
    spec = VmSpec("user_hypercall", guest("user_hypercall"))
    hv, text, states = run_together([spec, VmSpec("msg_pong", guest("msg_pong"))])
    alone = run_alone(guest("user_hypercall"))
    assert output_of(text, "user_hypercall") == alone["out"]
    assert "own SVC handler, r0 = 0x00000055" in alone["out"]
    assert states["user_hypercall"] == alone["state"]
    assert hv.vms[0].extra.get("hypercalls", 0) == 0


def test_bus_state_machine():
    bus = MessageBus(["a", "b"])
    assert bus.lookup("b") == 1 and bus.lookup("zz") == MessageError.NO_SUCH_VM
    assert bus.send(0, 5, b"x") == MessageError.NO_SUCH_VM
    assert bus.send(0, 1, b"x" * (MESSAGE_MAX + 1)) == MessageError.TOO_LONG
    for i in range(MAILBOX_DEPTH):
        assert bus.send(0, 1, bytes([i])) == 0
    assert bus.send(0, 1, b"!") == MessageError.FULL
    bus.block(1, 0x1000, 16)
    assert bus.wakeable(1)
    assert [bus.take(1).data for _ in range(MAILBOX_DEPTH)] == [bytes([i]) for i in range(MAILBOX_DEPTH)]
    assert bus.take(1) is None
    assert not bus.wakeable(1) or bus.endpoints[1].mailbox
    bus.stop(1)
    assert bus.send(0, 1, b"late") == MessageError.NO_SUCH_VM
    assert bus.stats(0)["sent"] == MAILBOX_DEPTH

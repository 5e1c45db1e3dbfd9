"""Inter-VM messages: mailboxes and the send/receive state machine (no CPU knowledge here).

A message is a copy of at most ``MESSAGE_MAX`` bytes taken from the sender's memory
when it sends; each VM has one bounded mailbox (FIFO).  A receiver blocks only in
``RECV`` with an empty mailbox; a ``SEND`` to it wakes it, and the hypervisor
completes the blocked receive (copies the message, sets the result registers)
the next time it puts the receiver on the CPU.  The ABI (operation numbers,
registers, error codes) is ``isa/arm/hypercall.py``: ``MessageOp``, ``MessageError``.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from vtrans.isa.arm.hypercall import MAILBOX_DEPTH, MESSAGE_MAX, MessageError


@dataclass(frozen=True)
class Message:
    sender: int
    data: bytes


@dataclass
class Endpoint:
    """One VM's side of the channel."""

    vm_id: int
    name: str
    mailbox: deque = field(default_factory=deque)
    #: (buffer address, capacity) of a blocked RECV, or None
    waiting: tuple[int, int] | None = None
    #: False once the VM has stopped: sends to it fail, nobody waits for it
    alive: bool = True
    sent: int = 0
    received: int = 0
    blocked: int = 0
    bytes_sent: int = 0


class MessageBus:
    def __init__(self, names: list[str]):
        self.endpoints = [Endpoint(i, n) for i, n in enumerate(names)]

    def lookup(self, name: str) -> int:
        for ep in self.endpoints:
            if ep.name == name:
                return ep.vm_id
        return int(MessageError.NO_SUCH_VM)

    def send(self, src: int, dst: int, data: bytes) -> int:
        """Queue ``data`` for ``dst``; 0 or a ``MessageError``."""
        if not 0 <= dst < len(self.endpoints) or not self.endpoints[dst].alive:
            return int(MessageError.NO_SUCH_VM)
        if len(data) > MESSAGE_MAX:
            return int(MessageError.TOO_LONG)
        box = self.endpoints[dst].mailbox
        if len(box) >= MAILBOX_DEPTH:
            return int(MessageError.FULL)
        box.append(Message(src, bytes(data)))
        ep = self.endpoints[src]
        ep.sent += 1
        ep.bytes_sent += len(data)
        return 0

    def take(self, dst: int) -> Message | None:
        box = self.endpoints[dst].mailbox
        if not box:
            return None
        self.endpoints[dst].received += 1
        return box.popleft()

    def block(self, dst: int, buffer: int, capacity: int) -> None:
        ep = self.endpoints[dst]
        ep.waiting = (buffer, capacity)
        ep.blocked += 1

    def wakeable(self, dst: int) -> bool:
        """A blocked receiver whose mailbox is no longer empty."""
        ep = self.endpoints[dst]
        return ep.waiting is not None and bool(ep.mailbox)

    def stop(self, vm_id: int) -> None:
        ep = self.endpoints[vm_id]
        ep.alive = False
        ep.mailbox.clear()
        ep.waiting = None

    def stats(self, vm_id: int) -> dict:
        ep = self.endpoints[vm_id]
        return {"sent": ep.sent, "received": ep.received, "blocked": ep.blocked, "bytes_sent": ep.bytes_sent}

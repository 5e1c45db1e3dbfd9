"""Deterministic virtual time, driven by retired guest instructions.

Like QEMU's ``-icount shift=N``: every guest instruction advances virtual time
by ``2**shift`` nanoseconds.  Devices never look at the host clock; they read
``now_ns()`` and schedule events at a virtual time.  The machine runs the CPU
exactly up to the next deadline, so an event lands on the same guest
instruction in every run and in every execution mode (a sensitive instruction
counts as one instruction whatever implements it).
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field
from typing import Callable


@dataclass(order=True)
class _Event:
    deadline: int  # in guest instructions
    seq: int
    callback: Callable[[], None] = field(compare=False)
    cancelled: bool = field(default=False, compare=False)


class VirtualClock:
    def __init__(self, shift: int = 3):
        if not 0 <= shift <= 10:
            raise ValueError("icount shift must be between 0 and 10")
        self.shift = shift
        #: guest instructions retired so far
        self.insns = 0
        self._events: list[_Event] = []
        self._seq = itertools.count()

    # -- time -----------------------------------------------------------------
    def now_ns(self) -> int:
        return self.insns << self.shift

    def ns_to_insns(self, ns: int) -> int:
        """The first instruction count at which ``ns`` has been reached (rounded up)."""
        return -((-ns) >> self.shift)

    # -- events ---------------------------------------------------------------
    def at_ns(self, ns: int, callback: Callable[[], None]) -> _Event:
        return self.at_insn(self.ns_to_insns(ns), callback)

    def at_insn(self, insn: int, callback: Callable[[], None]) -> _Event:
        ev = _Event(max(insn, self.insns), next(self._seq), callback)
        heapq.heappush(self._events, ev)
        return ev

    @staticmethod
    def cancel(event: _Event | None) -> None:
        if event is not None:
            event.cancelled = True

    def next_deadline(self) -> int | None:
        while self._events and self._events[0].cancelled:
            heapq.heappop(self._events)
        return self._events[0].deadline if self._events else None

    def advance(self, insns: int) -> None:
        """Account ``insns`` retired instructions and fire every event now due, in order."""
        self.insns += insns
        self.fire_due()

    def fire_due(self) -> None:
        while self._events and (self._events[0].cancelled or self._events[0].deadline <= self.insns):
            ev = heapq.heappop(self._events)
            if not ev.cancelled:
                ev.callback()

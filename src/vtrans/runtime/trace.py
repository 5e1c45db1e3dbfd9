"""Deterministic event traces, in guest terms.

Every execution mode can record the same stream: console bytes, exceptions
taken, executions of sensitive and privileged instructions (with their effect
on the privileged state), device register accesses, and at the end the final
architectural state.  Events are stamped with the guest instruction count of
the virtual clock, never with host time, so the same run twice gives the same
trace bit for bit, and two modes that behave alike give equal traces.

``vtrans diff`` compares traces of different modes (see ``runtime/diff.py``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class EventKind(StrEnum):
    CONSOLE = "console"          # bytes written to the console (one event per write)
    EXCEPTION = "exception"      # an exception taken (kind, mode before -> after)
    SENSITIVE = "sensitive"      # a sensitive/privileged instruction executed
    DEVICE = "device"            # a device register access
    HALT = "halt"                # the run ended


@dataclass(frozen=True, slots=True)
class Event:
    """One trace event.  ``fields`` is an ordered tuple of (name, value) pairs."""

    kind: EventKind
    icount: int
    pc: int | None
    fields: tuple[tuple[str, Any], ...] = ()

    def get(self, name: str, default: Any = None) -> Any:
        for k, v in self.fields:
            if k == name:
                return v
        return default

    def key(self) -> tuple:
        """What two modes must agree on for this event to be 'the same'.

        ``after`` (a sensitive instruction's effect, when the tracer could see it)
        is not part of it: a mode that cannot observe it must still compare equal.
        """
        return (self.kind, self.icount, self.pc, tuple(f for f in self.fields if f[0] != "after"))

    def after(self) -> dict[str, int] | None:
        v = self.get("after")
        return None if v is None else dict(v)

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {"kind": str(self.kind), "icount": self.icount,
                             "pc": None if self.pc is None else f"0x{self.pc:08x}"}
        for k, v in self.fields:
            d[k] = v.hex() if isinstance(v, bytes) else v
        return d


@dataclass
class TraceRecorder:
    """Collects events during a run.  Cheap when ``enabled`` is False.

    ``device_accesses`` is off by default: a UART-heavy guest makes many of
    them, and they rarely explain a divergence that the console does not.
    """

    enabled: bool = True
    device_accesses: bool = False
    #: a guest spinning over a sensitive instruction must not eat the host's memory:
    #: past this many events the recorder stops recording (and says so)
    max_events: int = 1_000_000
    truncated: bool = False
    events: list[Event] = field(default_factory=list)
    console: bytearray = field(default_factory=bytearray)

    def _add(self, kind: EventKind, icount: int, pc: int | None, **fields: Any) -> None:
        if len(self.events) >= self.max_events:
            self.truncated = True
            self.enabled = False
            return
        self.events.append(Event(kind, icount, pc, tuple(fields.items())))

    def console_bytes(self, icount: int, data: bytes, stream: str = "uart") -> None:
        """Guest output: ``stream`` is ``uart`` (the first UART) or ``semihost`` (its console)."""
        if stream == "uart":
            self.console += data
        if self.enabled:
            self._add(EventKind.CONSOLE, icount, None, stream=stream, data=bytes(data))

    def exception(self, icount: int, pc: int, kind: str, mode_before: int, mode_after: int,
                  vector: int | None = None) -> None:
        """``pc``: the guest PC the exception was taken at (the preferred return address's insn)."""
        if self.enabled:
            self._add(EventKind.EXCEPTION, icount, pc, exc=kind, mode_before=mode_before,
                      mode_after=mode_after, vector=vector)

    def sensitive(self, icount: int, pc: int, word: int, text: str, cls: str, state: dict[str, int]) -> None:
        """A sensitive/privileged instruction at guest ``pc`` is about to execute.

        ``state`` is the guest-visible state as the instruction is reached: at
        least ``cpsr`` (the *virtual* CPSR in a deprivileged mode) and the
        general-purpose registers.  The instruction's effect is the difference
        to the state at the next event, which is how ``diff`` explains it.
        """
        if self.enabled:
            self._add(EventKind.SENSITIVE, icount, pc, word=word, text=text, cls=cls,
                      state=tuple(sorted(state.items())))

    def sensitive_after(self, state: dict[str, int]) -> None:
        """The effect of the last recorded sensitive instruction: the state right after it."""
        if self.enabled and self.events and self.events[-1].kind == EventKind.SENSITIVE:
            ev = self.events[-1]
            self.events[-1] = Event(ev.kind, ev.icount, ev.pc, ev.fields + (("after", tuple(sorted(state.items()))),))

    def device(self, icount: int, device: str, offset: int, write: bool, size: int, value: int) -> None:
        if self.enabled and self.device_accesses:
            self._add(EventKind.DEVICE, icount, None, device=device, offset=offset,
                      access="w" if write else "r", size=size, value=value)

    def halt(self, icount: int, pc: int | None, reason: str, state: dict[str, int]) -> None:
        if self.enabled:
            self._add(EventKind.HALT, icount, pc, reason=reason, state=tuple(sorted(state.items())))


@dataclass
class Trace:
    """Everything one run of one mode produced, for comparison and reports."""

    mode: str
    console: bytes
    events: list[Event]
    final_state: dict[str, int]
    exit_reason: str
    exit_code: int | None
    stats: dict[str, Any] = field(default_factory=dict)
    line_map: dict[int, Any] = field(default_factory=dict)  # guest address -> SourceLoc (when known)
    truncated: bool = False  # the recorder hit its event limit

    def digest(self) -> str:
        """A digest of everything guest-visible: equal digests mean identical behaviour."""
        h = hashlib.sha256()
        h.update(self.console)
        for ev in self.events:
            h.update(repr(ev.key()).encode())
        h.update(repr(sorted(self.final_state.items())).encode())
        h.update(repr((self.exit_reason, self.exit_code)).encode())
        return h.hexdigest()

    def to_json(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "exit_reason": self.exit_reason,
            "exit_code": self.exit_code,
            "console": self.console.decode("latin-1"),
            "final_state": {k: (f"0x{v:08x}" if isinstance(v, int) else v)
                            for k, v in sorted(self.final_state.items())},
            "events": [ev.to_json() for ev in self.events],
            "truncated": self.truncated,
            "digest": self.digest(),
        }

    def dump(self) -> str:
        return json.dumps(self.to_json(), indent=1, sort_keys=False)


"""Comparison of two runs' traces: native (the reference) against another mode.

Three views, as a user debugging a translator wants them:

* the console (a unified diff of the bytes the guest printed);
* the final architectural state, register by register;
* the event streams, down to the first divergent event — its index, guest PC,
  source line, instruction, class, and both sides' state — with an
  explanation when the cause is a sensitive instruction that did not trap.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any, Callable

from vtrans.runtime.trace import Event, EventKind, Trace

def arm_mode_name(cpsr: int | None) -> str:
    """The default ``mode_name`` of ``compare``: the ARM plugin's words for CPSR.M."""
    from vtrans import isa

    return isa.get("arm").mode_name(cpsr)


@dataclass
class Divergence:
    """The first point where a mode stops behaving like native."""

    index: int | None             # event index (None: seen only in console/final state)
    pc: int | None
    file: str | None
    line: int | None
    text: str | None              # the guest instruction at pc
    cls: str | None               # its class (privileged/sensitive/unpredictable/innocuous)
    what: str                     # "event", "console", "final-state", "exit"
    native: dict[str, Any]
    other: dict[str, Any]
    explanation: str

    def where(self) -> str:
        """``file:line`` when the image came from source, else the guest PC (else what differed)."""
        if self.file:
            return f"{self.file}:{self.line}"
        return f"0x{self.pc:08x}" if self.pc is not None else self.what

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "pc": None if self.pc is None else f"0x{self.pc:08x}",
            "file": self.file, "line": self.line, "text": self.text, "class": self.cls,
            "what": self.what, "native": self.native, "other": self.other,
            "explanation": self.explanation,
        }


@dataclass
class ModeDiff:
    mode: str
    equal: bool
    console_diff: list[str]
    state_diff: list[tuple[str, int | None, int | None]]
    first_divergence: Divergence | None
    native: Trace
    other: Trace
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "equal": self.equal,
            "exit_reason": self.other.exit_reason,
            "exit_code": self.other.exit_code,
            "instructions": self.other.stats.get("instructions"),
            "console_diff": self.console_diff,
            "state_diff": [{"register": r, "native": _hex(a), "other": _hex(b)} for r, a, b in self.state_diff],
            "first_divergence": self.first_divergence.to_json() if self.first_divergence else None,
        }


def _hex(v: int | None) -> str | None:
    return None if v is None else f"0x{v:08x}" if isinstance(v, int) else str(v)


def _event_view(ev: Event | None) -> dict[str, Any]:
    if ev is None:
        return {"event": None}
    return ev.to_json()


def compare(native: Trace, other: Trace, *,
            describe: Callable[[int], tuple[str | None, str | None]] | None = None,
            mode_name: Callable[[int | None], str] = arm_mode_name) -> ModeDiff:
    """Compare ``other`` against ``native``.

    ``describe(pc) -> (instruction text, class)`` disassembles and classifies
    the guest instruction at ``pc`` (the caller has the image and the ISA).
    """
    console_diff = list(difflib.unified_diff(
        native.console.decode("latin-1").splitlines(keepends=True),
        other.console.decode("latin-1").splitlines(keepends=True),
        fromfile="native", tofile=other.mode))
    keys = sorted(set(native.final_state) | set(other.final_state))
    state_diff = [(k, native.final_state.get(k), other.final_state.get(k)) for k in keys
                  if native.final_state.get(k) != other.final_state.get(k)]

    div = _first_event_divergence(native, other, describe, mode_name)
    if div is None and console_diff:
        div = _plain_divergence("console", native, other, describe,
                                "the console output differs although no traced event did")
    if div is None and (native.exit_reason, native.exit_code) != (other.exit_reason, other.exit_code):
        div = _plain_divergence("exit", native, other, describe,
                                f"native ended with {native.exit_reason} (code {native.exit_code}), "
                                f"{other.mode} with {other.exit_reason} (code {other.exit_code})")
    if div is None and state_diff:
        regs = ", ".join(r for r, _, _ in state_diff[:6])
        div = _plain_divergence("final-state", native, other, describe,
                                f"the final state differs in {regs}" + (" …" if len(state_diff) > 6 else ""))
    equal = div is None and not console_diff and not state_diff
    return ModeDiff(other.mode, equal, console_diff, state_diff, div, native, other)


def _loc(trace: Trace, pc: int | None) -> tuple[str | None, int | None]:
    if pc is None:
        return None, None
    loc = trace.line_map.get(pc)
    if loc is None:
        return None, None
    return getattr(loc, "file", None), getattr(loc, "line", None)


def _plain_divergence(what: str, native: Trace, other: Trace, describe, explanation: str) -> Divergence:
    pc = other.final_state.get("pc")
    file, line = _loc(native, pc)
    text, cls = describe(pc) if (describe and pc is not None) else (None, None)
    return Divergence(None, pc, file, line, text, cls, what,
                      {"exit_reason": native.exit_reason, "exit_code": native.exit_code},
                      {"exit_reason": other.exit_reason, "exit_code": other.exit_code}, explanation)


def _first_event_divergence(native: Trace, other: Trace, describe, mode_name) -> Divergence | None:
    a, b = native.events, other.events
    n = min(len(a), len(b))
    idx = next((i for i in range(n) if a[i].key() != b[i].key() or _effects_differ(a[i], b[i])), None)
    if idx is None:
        if len(a) == len(b):
            return None
        idx = n
    ea = a[idx] if idx < len(a) else None
    eb = b[idx] if idx < len(b) else None
    if ea is not None and eb is not None and ea.key() == eb.key():
        # the same instruction reached in the same state, with a different effect
        pc = ea.pc
        file, line = _loc(native, pc)
        text, cls = describe(pc) if (describe and pc is not None) else (None, None)
        text, cls = text or ea.get("text"), cls or ea.get("cls")
        explanation = _explain_effect(ea, eb, other.mode, text, cls, file, line, mode_name)
        return Divergence(idx, pc, file, line, text, cls, "event", _effect_view(ea), _effect_view(eb),
                          explanation)

    # A sensitive instruction's effect shows at the next event.  If the last one
    # executed before the divergence does not trap in User mode, it is the culprit:
    # report it as the first divergent instruction.
    cause_i = next((i for i in range(idx - 1, -1, -1) if a[i].kind == EventKind.SENSITIVE), None)
    if cause_i is not None and a[cause_i].get("cls") == "sensitive":
        c = a[cause_i]
        pc = c.pc
        file, line = _loc(native, pc)
        text, cls = describe(pc) if (describe and pc is not None) else (None, None)
        text, cls = text or c.get("text"), cls or c.get("cls")
        explanation = _explain_sensitive(c, ea, eb, other.mode, text, file, line, mode_name)
        return Divergence(cause_i, pc, file, line, text, cls, "event",
                          _after_view(c, ea), _after_view(c, eb), explanation)

    pc = (ea.pc if ea is not None and ea.pc is not None else eb.pc if eb is not None else None)
    file, line = _loc(native, pc)
    text, cls = (describe(pc) if (describe and pc is not None) else (None, None))
    if ea is not None and ea.kind == EventKind.SENSITIVE:
        text, cls = text or ea.get("text"), cls or ea.get("cls")
    explanation = _explain_event(ea, eb, other.mode, text, cls, file, line, mode_name)
    return Divergence(idx, pc, file, line, text, cls, "event", _event_view(ea), _event_view(eb), explanation)


def _effects_differ(ea: Event, eb: Event) -> bool:
    x, y = ea.after(), eb.after()
    return x is not None and y is not None and x != y


def _effect_view(ev: Event) -> dict[str, Any]:
    before, after = _state(ev), ev.after() or {}
    return {"changed": {k: f"0x{before.get(k, 0):08x} -> 0x{v:08x}" for k, v in sorted(after.items())
                        if before.get(k) != v},
            "event": _event_view(ev)}


def _explain_effect(ea: Event, eb: Event, mode: str, text, cls, file, line, mode_name) -> str:
    where = f" at {file}:{line}" if file else f" at 0x{ea.pc:08x}"
    insn = text or ea.get("text")
    if cls == "sensitive":
        head = f"{insn}{where} is sensitive but does not trap in User mode"
    else:
        head = f"{insn}{where} ({cls or 'unclassified'}) was emulated differently"
    return _effect_words(head, _state(ea), ea.after() or {}, eb.after() or {}, mode, mode_name) or head


def _effect_words(head: str, before: dict, x: dict, y: dict, mode: str, mode_name) -> str | None:
    """``head`` plus what differs between native's state ``x`` and the other mode's ``y`` after an
    instruction reached in state ``before``: the mode, else the interrupt masks, else a register."""
    from vtrans import isa

    fields = isa.get("arm").status_fields
    m0, m1, m2 = before.get("cpsr"), x.get("cpsr"), y.get("cpsr")
    if m1 is not None and m2 is not None:
        (mode1, masks1), (mode2, masks2) = fields(m1), fields(m2)
        if mode1 != mode2:
            mode0 = None if m0 is None else fields(m0)[0]
            v1 = "stayed in" if mode0 == mode1 else "entered"
            v2 = "stayed in" if mode0 == mode2 else "entered"
            return f"{head}: native {v1} {mode_name(m1)} mode, {mode} mode {v2} {mode_name(m2)} mode"
        if masks1 != masks2:
            return f"{head}: natively the interrupt masks became {masks1}, in {mode} mode they are {masks2}"
    regs = [k for k in sorted(set(x) | set(y)) if x.get(k) != y.get(k)]
    if regs:
        r = regs[0]
        return f"{head}: afterwards {r} = 0x{x.get(r, 0):08x} natively but 0x{y.get(r, 0):08x} in {mode} mode"
    return None


def _state(ev: Event | None) -> dict[str, int]:
    """The guest state an event carries (for an exception: the CPSR before it)."""
    if ev is None:
        return {}
    if ev.kind == EventKind.EXCEPTION:
        return {"cpsr": ev.get("mode_before")}
    return dict(ev.get("state", ()) or ())


def _after_view(cause: Event, nxt: Event | None) -> dict[str, Any]:
    before, after = _state(cause), _state(nxt)
    changed = {k: f"0x{before.get(k, 0):08x} -> 0x{v:08x}" for k, v in sorted(after.items())
               if isinstance(v, int) and before.get(k) != v}
    view: dict[str, Any] = {"next_event": _event_view(nxt)}
    view["changed"] = changed
    return view


def _explain_sensitive(c: Event, ea: Event | None, eb: Event | None, mode: str, text, file, line,
                       mode_name) -> str:
    """``c`` did not trap; its effect shows in the state at the next events ``ea``/``eb``."""
    where = f" at {file}:{line}" if file else f" at 0x{c.pc:08x}"
    head = f"{text or c.get('text')}{where} is sensitive but does not trap in User mode"
    words = _effect_words(head, _state(c), _state(ea), _state(eb), mode, mode_name)
    if words is not None:
        return words
    return f"{head}: what follows it differs (native: {_describe_event(ea, mode_name) if ea else 'end'}; " \
           f"{mode}: {_describe_event(eb, mode_name) if eb else 'end'})"


def _explain_event(ea: Event | None, eb: Event | None, mode: str, text, cls, file, line, mode_name) -> str:
    where = f" at {file}:{line}" if file else (f" at 0x{ea.pc:08x}" if ea is not None and ea.pc is not None else "")
    if ea is not None and eb is not None and ea.kind == eb.kind == EventKind.SENSITIVE and ea.pc == eb.pc:
        diffs = _state_changes(ea, eb)
        return f"{text or ea.get('text')}{where} ({cls or 'unclassified'}) is reached in a different state ({diffs})"
    if ea is None:
        return f"{mode} mode went on after native stopped: extra {eb.kind} event" if eb else "traces differ"
    if eb is None:
        return f"{mode} mode stopped before native's {ea.kind} event{where}"
    return f"native: {_describe_event(ea, mode_name)}; {mode}: {_describe_event(eb, mode_name)}"


def _state_changes(ea: Event, eb: Event) -> str:
    na, nb = _state(ea), _state(eb)
    parts = [f"{k}: native 0x{na.get(k, 0):08x}, other 0x{nb.get(k, 0):08x}"
             for k in sorted(set(na) | set(nb)) if na.get(k) != nb.get(k)]
    return "; ".join(parts[:4]) or "same state, different event"


def _describe_event(ev: Event, mode_name) -> str:
    at = f" at 0x{ev.pc:08x}" if ev.pc is not None else ""
    if ev.kind == EventKind.EXCEPTION:
        return (f"{ev.get('exc')} exception{at} ({mode_name(ev.get('mode_before'))} -> "
                f"{mode_name(ev.get('mode_after'))}) after {ev.icount} instructions")
    if ev.kind == EventKind.SENSITIVE:
        return f"{ev.get('text')}{at} after {ev.icount} instructions"
    if ev.kind == EventKind.CONSOLE:
        return f"printed {ev.get('data')!r} after {ev.icount} instructions"
    if ev.kind == EventKind.HALT:
        return f"halted ({ev.get('reason')}) after {ev.icount} instructions"
    return f"{ev.kind}{at} after {ev.icount} instructions"

"""One guest run with everything captured: the building block of ``vtrans diff``.

``run_traced`` builds the machine for a board and a mode, loads an image, feeds
the guest's standard input, runs it to its end with a tracer attached, and
returns the ``Trace``: console bytes, events, final architectural state (flattened
to ``name -> int``), exit reason and code, statistics.  Nothing is printed; the
caller decides what the user sees.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any, Iterable

from vtrans.runtime.trace import Trace, TraceRecorder
from vtrans.runtime.tracing import Site, Tracer


def flatten_state(state: dict[str, Any]) -> dict[str, int | str]:
    """``FinalState.to_dict()`` as one flat ``register -> value`` map (for register-by-register diffs)."""
    flat: dict[str, int] = {}

    def num(v):
        return int(v, 16) if isinstance(v, str) and v.startswith("0x") else v

    for i, v in enumerate(state.get("regs", [])):
        flat[("r%d" % i) if i < 13 else ("sp", "lr", "pc")[i - 13]] = num(v)
    flat["cpsr"] = num(state.get("cpsr"))
    for bank, regs in sorted(state.get("banks", {}).items()):
        for name, v in regs.items():
            flat[f"{name}_{bank}"] = num(v)
    for i, v in enumerate(state.get("usr_r8_r12", [])):
        flat[f"r{8 + i}_usr"] = num(v)
    for i, v in enumerate(state.get("fiq_r8_r12", [])):
        flat[f"r{8 + i}_fiq"] = num(v)
    for name, v in sorted(state.get("cp15", {}).items()):
        flat[f"cp15.{name}"] = num(v)
    for region, digest in sorted(state.get("memory", {}).items()):
        flat[f"mem.{region}"] = digest  # a digest string: compared, not formatted
    return flat


def memory_digests(machine, mask: Iterable[tuple[int, int]] = ()) -> dict[str, str]:
    """A digest of every RAM region with the ``[lo, hi)`` ranges in ``mask`` zeroed: two runs of
    differently rewritten images compare their data, not their (rewritten) code.  A range seen
    through an alias window (RAM mapped twice) is zeroed in the region it aliases."""
    windows = machine.memory.ram
    holes: dict[str, list[tuple[int, int]]] = {}
    for w in windows:
        for lo, hi in mask:
            a, b = max(lo, w.base), min(hi, w.base + w.size)
            if a < b:
                holes.setdefault(w.alias_of or w.name, []).append((a - w.base, b - w.base))
    out = {}
    for w in windows:
        if w.alias_of is not None:
            continue
        data = bytearray(memoryview(w.buffer).cast("B"))
        for a, b in holes.get(w.name, ()):
            data[a:b] = bytes(b - a)
        out[w.name] = hashlib.blake2b(data, digest_size=16).hexdigest()
    return out


def run_traced(board, mode, image, *, label: str, sites: dict[int, Site], icount_shift: int = 3,
               stdin: bytes = b"", max_insns: int | None = None, timeout: float | None = None,
               line_map: dict | None = None, cmdline: str = "",
               mask: Iterable[tuple[int, int]] = (), devices: bool = False) -> Trace:
    """Run ``image`` (a ``LoadedImage``) on ``board`` in ``mode`` and return its trace.

    ``mask``: address ranges left out of the memory digests (code that differs by design
    between the images being compared); ``devices``: record device register accesses too."""
    from vtrans.isa.arm.semihosting import HostIO
    from vtrans.runtime.machine import Machine

    recorder = TraceRecorder(device_accesses=devices)
    tracer = Tracer(recorder, sites)
    pending = bytearray(stdin)
    semihost_out = bytearray()

    def read_stdin(n: int) -> bytes:
        chunk = bytes(pending[:n])
        del pending[:n]
        return chunk

    def stdout(data: bytes) -> None:  # semihosting writes to ":tt" (newlib's printf) land on stdout
        tracer.uart(data)

    io = HostIO(console=tracer.semihost_console, stdout=stdout, stderr=semihost_out.extend,
                stdin=read_stdin, stdout_isatty=False, stderr_isatty=False, stdin_isatty=False)
    machine = Machine(board, mode=mode, icount_shift=icount_shift, io=io, uart_output=tracer.uart,
                      cmdline=cmdline)
    # before load: the tracer's site hooks must see an instruction before the hooks that load
    # installs for device-owned coprocessor registers emulate and skip it
    tracer.attach(machine)
    machine.load(image)
    if stdin:
        machine.board.console.receive(stdin)
    t0 = time.perf_counter()
    stats = machine.run(max_insns=max_insns, timeout=timeout)
    wall = time.perf_counter() - t0
    final = machine.final_state().to_dict()
    final["memory"] = memory_digests(machine, mask)
    state = flatten_state(final)
    recorder.halt(machine.clock.insns, state.get("pc"), str(stats.exit_reason), tracer.guest_state())
    info = stats.to_dict()
    info["wall_s"] = wall
    vmm_stats = getattr(stats, "vmm", None)
    if vmm_stats is not None:
        rows = dict(vmm_stats.rows())
        info["vmm"] = rows
        info["traps"] = sum(vmm_stats.traps.values())
        info["hypercalls"] = sum(vmm_stats.hypercalls.values())
    return Trace(mode=label, console=bytes(recorder.console), events=recorder.events, final_state=state,
                 exit_reason=str(stats.exit_reason), exit_code=stats.exit_code, stats=info,
                 line_map=line_map or {}, truncated=recorder.truncated)

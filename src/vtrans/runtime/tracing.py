"""Recording a run's trace (``runtime/trace.py``) from a machine in any mode.

The tracer sees the run through three doors, the same in every mode:

* the console: it is the machine's UART output callback and semihosting console;
* exceptions taken: the mode reports every (virtual) exception it delivers to
  ``mode.observer`` (native mode from the architectural entry, the VMM from its
  virtual entry), with the guest CPSR before and after;
* sensitive and privileged instructions: the sites are found once, on the
  *original* image, with the ISA's classification table; each site gets a
  one-address code hook, which fires when the guest reaches it whatever the mode
  put there (the original instruction, a hypercall, a branch to a stub: none of
  the rewriting strategies moves an address).  A mode that does not run guest
  code in place (``bt``) offers ``trace_sites(sites, callback)`` instead.

Stamps are guest instruction counts of the virtual clock, so two runs of the same
guest, in the same or different modes, give comparable traces.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable

import unicorn
from unicorn import arm_const as A

from vtrans.runtime.trace import TraceRecorder

if TYPE_CHECKING:  # pragma: no cover
    from vtrans.runtime.machine import Machine

_STATE_REGS = tuple((f"r{i}", getattr(A, f"UC_ARM_REG_R{i}")) for i in range(13)) + (
    ("sp", A.UC_ARM_REG_SP), ("lr", A.UC_ARM_REG_LR))


@dataclass(frozen=True, slots=True)
class Site:
    """A non-innocuous instruction of the original image."""

    address: int
    word: int
    text: str
    cls: str


def find_sites(segments: Iterable[tuple[int, bytes, bool]], isa_name: str = "arm") -> dict[int, Site]:
    """Every non-innocuous instruction word in the executable ``(vaddr, data, executable)`` segments.

    Data inside code (literal pools) may classify as an instruction; a hook on
    an address that never executes costs nothing and records nothing.
    """
    from vtrans import isa as isa_registry
    from vtrans.isa.base import InsnClass

    isa = isa_registry.get(isa_name)
    sites: dict[int, Site] = {}
    for vaddr, data, executable in segments:
        if not executable:
            continue
        for off in range(0, len(data) - 3, 4):
            word = int.from_bytes(data[off:off + 4], "little")
            c = isa.classify(word)
            if c.cls == InsnClass.INNOCUOUS:
                continue
            addr = vaddr + off
            sites[addr] = Site(addr, word, _disasm(isa, word, addr), str(c.cls))
    return sites


def _disasm(isa, word: int, addr: int) -> str:
    for insn in isa.cs_fast.disasm(word.to_bytes(4, "little"), addr):
        return f"{insn.mnemonic} {insn.op_str}".strip()
    return f".word 0x{word:08x}"


class Tracer:
    """Feeds a ``TraceRecorder`` from one machine.  Create it first (its ``uart`` and
    ``semihost_console`` are the machine's output callbacks), then ``attach``."""

    def __init__(self, recorder: TraceRecorder, sites: dict[int, Site],
                 uart_sink: Callable[[bytes], None] | None = None,
                 semihost_sink: Callable[[bytes], None] | None = None):
        self.recorder = recorder
        self.sites = sites
        self.machine: "Machine | None" = None
        self._uart_sink = uart_sink
        self._semihost_sink = semihost_sink

    # -- the machine's output callbacks ----------------------------------------------------------
    def _now(self) -> int:
        return self.machine.clock.insns if self.machine is not None else 0

    def uart(self, data: bytes) -> None:
        self.recorder.console_bytes(self._now(), data, "uart")
        if self._uart_sink is not None:
            self._uart_sink(data)

    def semihost_console(self, data: bytes) -> None:
        self.recorder.console_bytes(self._now(), data, "semihost")
        if self._semihost_sink is not None:
            self._semihost_sink(data)

    # -- attaching ---------------------------------------------------------------------------------
    def attach(self, machine: "Machine") -> None:
        """Before ``machine.load``: hook the sites (first, so that a site is seen before any
        hook that emulates and skips it) and become the mode's observer."""
        self.machine = machine
        mode = machine.mode
        mode.observer = self
        if self.recorder.device_accesses:
            for base, dev in machine.board.devices:
                self._watch_device(f"{dev.name}@0x{base:08x}", dev)
        trace_sites = getattr(mode, "trace_sites", None)
        if trace_sites is not None:
            trace_sites(self.sites, self._site_reached)
            return
        uc = machine.uc
        machine.keep_exit_checks()   # (these hooks run in A32 blocks)
        # each site, and the instruction after it: reached next, that one shows the site's effect
        for addr in sorted(set(self.sites) | {a + 4 for a in self.sites}):
            uc.hook_add(unicorn.UC_HOOK_CODE, self._on_code, begin=addr, end=addr)

    def _watch_device(self, name: str, dev) -> None:
        """Record every register access of ``dev`` (the bus looks ``read``/``write`` up per access)."""
        read, write, record = dev.read, dev.write, self.recorder.device

        def traced_read(offset: int, size: int) -> int:
            value = read(offset, size)
            record(self._now(), name, offset, False, size, value & ((1 << (8 * size)) - 1))
            return value

        def traced_write(offset: int, size: int, value: int) -> None:
            record(self._now(), name, offset, True, size, value)
            write(offset, size, value)

        dev.read, dev.write = traced_read, traced_write

    def _on_code(self, uc: unicorn.Uc, address: int, size: int, _user) -> None:
        m = self.machine
        # the instruction at ``address`` has not run yet
        icount = m.icount.now_at(address) - 1 + m.idle_insns
        pending = self._pending
        if pending is not None:
            self._pending = None
            if address == pending[0] + 4 and icount == pending[1] + 1:
                self.recorder.sensitive_after(self.guest_state())
        self._site_reached(address, icount)

    _pending: tuple[int, int] | None = None

    def _site_reached(self, address: int, icount: int) -> None:
        site = self.sites.get(address)
        if site is None:
            return
        self.recorder.sensitive(icount, address, site.word, site.text, site.cls, self.guest_state())
        self._pending = (address, icount)

    def guest_state(self) -> dict[str, int]:
        m = self.machine
        regs = m.uc.reg_read_batch([r for _, r in _STATE_REGS])
        state = {name: value for (name, _), value in zip(_STATE_REGS, regs)}
        state["cpsr"] = m.mode.guest_cpsr()
        return state

    # -- mode observer interface -------------------------------------------------------------------
    def exception_taken(self, kind, pc: int, cpsr_before: int, cpsr_after: int, vector: int | None) -> None:
        m = self.machine
        icount = m.icount.state.count + m.idle_insns if m is not None else 0
        self.recorder.exception(icount, pc, str(kind), cpsr_before, cpsr_after, vector)

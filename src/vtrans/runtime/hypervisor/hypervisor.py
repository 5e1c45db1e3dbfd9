"""The hypervisor: several guest kernels, each in its own VM, time-sliced on one CPU.

A VM is a complete ``Machine`` (its own board instance and devices, its own
virtual clock and instruction counter, its own execution mode — native, trap,
previrt or bt) whose CPU is a ``CpuPort`` on the ``SharedCpu``
(``cpu.py``: partitions, hook ownership, world switch).  The scheduler is a
round robin over the runnable VMs in a fixed order; a VM runs for ``slice``
of *its own* guest instructions (``Machine.run`` stops exactly there, and
resumes exactly there), so every VM sees the same instruction stream, the same
device deadlines and the same interrupts as when it runs alone: per VM, the
output is the one it gives alone.  Idle time costs nothing: a VM in WFI skips
its own virtual clock to its next device deadline, which does not count
against its slice.  A VM blocked in a message receive is descheduled until a
message comes.  A VM that enabled its message doorbell (``MessageOp.DOORBELL``)
has an input of its own interrupt controller held asserted while its mailbox is
non-empty; idle in WFI with nothing else to wake it, it waits (``IDLE``) for that.

A VM that stops — semihosting exit, halt, power-off, or death (runaway
exceptions, a CPU error, an error of its VMM) — is reported and taken off the
CPU; the others continue.
"""

from __future__ import annotations

import inspect
import logging
import os
import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Callable

from unicorn import arm_const as _A

from vtrans.errors import UsageError, VtransError
from vtrans.isa.arm import hypercall as hc
from vtrans.isa.arm.cpu import CPSR, PC, PSR_T
from vtrans.runtime.hypervisor.console import ConsoleMediator
from vtrans.runtime.hypervisor.cpu import CpuPort, SharedCpu
from vtrans.runtime.hypervisor.messaging import MessageBus
from vtrans.runtime.stats import ExitReason, RunStats

log = logging.getLogger(__name__)

#: default time slice, in the VM's guest instructions: ~6 ms of host time at native mode's
#: ~650 MIPS, an operating system's usual quantum.  A world switch costs ~0.3 ms, mostly
#: refilling the incoming VM's TLB through the Python fill hook (~55 pages), so a shorter
#: slice costs throughput (README, "Hypervisor": 1 M instructions gave 0.82x)
DEFAULT_SLICE = 4_000_000
_ASM_SUFFIXES = (".s", ".S", ".asm")
_M32 = 0xFFFFFFFF
#: Unicorn's interrupt number for SVC
_INTNO_SVC = 2
#: argument and result registers of the class-2 ABI
_R0, _R1, _R2 = _A.UC_ARM_REG_R0, _A.UC_ARM_REG_R1, _A.UC_ARM_REG_R2


class VmState(StrEnum):
    READY = "ready"
    BLOCKED = "blocked"      # in a message receive
    IDLE = "idle"            # in WFI with only the message doorbell left to wake it
    STOPPED = "stopped"      # exited, halted or powered off
    DEAD = "dead"            # killed: runaway exceptions, CPU or VMM error
    BUDGET = "budget"        # --max-insns or --timeout reached


@dataclass(frozen=True)
class VmSpec:
    """What the user asked for one VM: ``path[:mode]`` (or several assembly sources)."""

    name: str
    inputs: tuple[str, ...]
    mode: str = "native"


def parse_vm_args(args: list[str], default_mode: str, known_modes: list[str]) -> list[VmSpec]:
    """``a.elf b.elf:bt c.s d1.s+d2.s`` -> one VM per argument (``+`` joins the assembly sources of
    one VM); a ``:mode`` suffix overrides ``--mode``; a VM is named after its first file."""
    specs: list[VmSpec] = []
    names: set[str] = set()
    for arg in args:
        path, mode = arg, default_mode
        head, sep, tail = arg.rpartition(":")
        if sep and tail in known_modes:
            path, mode = head, tail
        elif sep and not os.path.exists(arg):
            raise UsageError(f"{arg}: unknown execution mode '{tail}' (known: {', '.join(known_modes)})")
        base = os.path.basename(path.split("+")[0])
        name = base.rsplit(".", 1)[0] if "." in base else base
        stem, n = name, 2
        while name in names:
            name, n = f"{stem}-{n}", n + 1
        names.add(name)
        specs.append(VmSpec(name, tuple(path.split("+")), mode))
    return specs


@dataclass
class Vm:
    id: int
    spec: VmSpec
    port: CpuPort
    machine: object = None
    state: VmState = VmState.READY
    message: str = ""
    stats: RunStats | None = None
    slices: int = 0
    wall_ns: int = 0
    #: the ``Machine.run`` budget the scheduler set last (to tell it from the user's)
    slice_end: int = 0
    #: the last slice ended early, idle in WFI; and how often that happened
    yielded: bool = False
    yields: int = 0
    #: the message doorbell: its input line on the VM's interrupt controller, its interrupt
    #: number, and whether the guest enabled it (``MessageOp.DOORBELL``)
    doorbell: object = None
    doorbell_irq: int = 0
    doorbell_on: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.spec.name


class Hypervisor:
    def __init__(self, specs: list[VmSpec], *, board: str, console: ConsoleMediator,
                 stderr: Callable[[bytes], None] | None = None, slice_insns: int = DEFAULT_SLICE,
                 icount_shift: int = 3, base: int | None = None, focus: str | None = None,
                 stdin: bytes = b""):
        from vtrans.runtime.boards import get_board

        if not specs:
            raise UsageError("no VM to run")
        if slice_insns < 1:
            raise UsageError("--slice must be at least 1 instruction")
        self.board_spec = get_board(board)
        self.slice = slice_insns
        self.console = console
        self.stderr = stderr or (lambda data: None)
        self.diag = ConsoleMediator(sink=self.stderr)   # semihosting console, tagged, on stderr
        self.cpu = SharedCpu(self.board_spec.cpu_model)
        self.bus = MessageBus([s.name for s in specs])
        names = [s.name for s in specs]
        if focus is not None and focus not in names:
            raise UsageError(f"--focus {focus}: no VM of that name (VMs: {', '.join(names)})")
        self.focus = focus or names[0]
        self.vms: list[Vm] = []
        for i, spec in enumerate(specs):
            self.vms.append(self._build(i, spec, icount_shift, base, stdin if spec.name == self.focus else b""))
        self.wall_s = 0.0

    # -- building a VM ---------------------------------------------------------------------------
    def _build(self, index: int, spec: VmSpec, icount_shift: int, base: int | None, stdin: bytes) -> Vm:
        from vtrans.isa.arm.semihosting import HostIO
        from vtrans.runtime.loader import image_from_assembler, read_image
        from vtrans.runtime.machine import Machine
        from vtrans.runtime.modes import get_mode

        board = self.board_spec
        port = self.cpu.port(spec.name)
        vm = Vm(index, spec, port)
        out = self.console.attach(spec.name)
        diag = self.diag.attach(spec.name)
        pending = bytearray(stdin)

        def read_stdin(n: int) -> bytes:
            chunk = bytes(pending[:n])
            del pending[:n]
            return chunk

        io = HostIO(console=diag, stdout=out, stderr=diag, stdin=read_stdin,
                    stdout_isatty=False, stderr_isatty=False, stdin_isatty=False)
        asm = [p for p in spec.inputs if p.endswith(_ASM_SUFFIXES)]
        if (asm and len(asm) != len(spec.inputs)) or (not asm and len(spec.inputs) != 1):
            raise UsageError(f"VM {spec.name}: give one image or assembly sources joined with '+'")
        for p in spec.inputs:
            if not os.path.exists(p):
                raise UsageError(f"VM {spec.name}: {p}: no such file")
        image_path = None if asm else spec.inputs[0]
        mode_cls = get_mode(spec.mode)
        kwargs = {}
        if "image_path" in inspect.signature(mode_cls).parameters:
            if image_path is None:
                raise UsageError(f"VM {spec.name}: --mode {spec.mode} needs an ELF image, not assembly")
            kwargs["image_path"] = image_path
        mode = mode_cls(**kwargs)
        self.cpu.switch_to(port)
        machine = Machine(board, mode=mode, icount_shift=icount_shift, io=io, uart_output=out,
                          cmdline=" ".join(spec.inputs), cpu=port)
        port.bind(machine)
        vm.machine = machine
        machine.on_idle = lambda vm=vm: self._idle(vm)
        machine.on_wait = lambda vm=vm: self._wait(vm)
        vm.doorbell, vm.doorbell_irq = _doorbell_line(machine.board)
        if asm:
            from vtrans.assembler.api import assemble

            at = base if base is not None else board.kernel_load_addr
            image = image_from_assembler(assemble(asm, base=at), os.path.basename(asm[0]))
        else:
            image = read_image(image_path, board, base)
        machine.load(image)
        if stdin:
            machine.board.console.receive(stdin)
        port.intercept = lambda intno, vm=vm: self._intercept(vm, intno)
        vmm = self._vmm(vm)
        if vmm is not None:
            # what the interrupt hook cannot see (bt: svc is a callout of translated code) reaches
            # the VMM, which hands class-2 hypercalls over
            vmm.message_hook = lambda payload, pc, vm=vm: self._vmm_message(vm, payload, pc)
        return vm

    # -- the scheduler -----------------------------------------------------------------------------
    def run(self, *, max_insns: int | None = None, timeout: float | None = None) -> None:
        """Run every VM to its end (or the budgets: ``max_insns`` per VM, ``timeout`` overall)."""
        t0 = time.perf_counter()
        deadline = t0 + timeout if timeout else None
        try:
            while True:
                ran = False
                for vm in self.vms:
                    if vm.state == VmState.BLOCKED and self.bus.wakeable(vm.id):
                        vm.state = VmState.READY
                    if vm.state == VmState.IDLE and self._ringing(vm):
                        vm.state = VmState.READY
                    if vm.state != VmState.READY:
                        continue
                    left = None
                    if deadline is not None:
                        left = deadline - time.perf_counter()
                        if left <= 0:
                            break
                    self._run_slice(vm, max_insns, left)
                    ran = True
                if deadline is not None and time.perf_counter() >= deadline:
                    for vm in self.vms:
                        if vm.state in (VmState.READY, VmState.BLOCKED, VmState.IDLE):
                            self._stop(vm, VmState.BUDGET, f"time budget of {timeout:g} s reached")
                    break
                if not ran:
                    blocked = [vm for vm in self.vms if vm.state == VmState.BLOCKED]
                    if not blocked:
                        # nobody can send any more: a VM waiting in WFI for its doorbell halts
                        for vm in self.vms:
                            if vm.state == VmState.IDLE:
                                self._stop(vm, VmState.STOPPED, "wfi with no interrupt source that could "
                                           "wake the CPU (no VM left to send it a message)")
                        break
                    # nobody can send any more: every blocked receive fails with DEADLOCK
                    for vm in blocked:
                        self._complete_deadlock(vm)
        finally:
            self.wall_s += time.perf_counter() - t0
            self.console.close()
            self.diag.close()

    def _run_slice(self, vm: Vm, max_insns: int | None, timeout: float | None) -> None:
        m = vm.machine
        self.cpu.switch_to(vm.port)
        ep = self.bus.endpoints[vm.id]
        if ep.waiting is not None:
            self._complete_recv(vm)
        self._ring(vm)
        # resume where the last slice stopped (``Machine.run`` ends every run with a stop reason)
        m._stop = None
        end = m.instructions + self.slice
        user_cap = max_insns is not None and max_insns <= end
        if user_cap:
            end = max_insns
        vm.slice_end = end
        vm.yielded = False
        t = time.perf_counter_ns()
        try:
            st = m.run(max_insns=end, timeout=timeout)
        except VtransError as e:
            vm.wall_ns += time.perf_counter_ns() - t
            self._stop(vm, VmState.DEAD, e.message if hasattr(e, "message") else str(e))
            log.warning("VM %s died: %s", vm.name, vm.message)
            return
        except Exception as e:  # noqa: BLE001 - a defect met by one VM must not take the others down
            vm.wall_ns += time.perf_counter_ns() - t
            self._stop(vm, VmState.DEAD, f"internal error while running it: {type(e).__name__}: {e}")
            log.warning("VM %s died: %s", vm.name, vm.message)
            log.debug("VM %s", vm.name, exc_info=True)
            return
        vm.wall_ns += time.perf_counter_ns() - t
        vm.slices += 1
        vm.stats = st
        if vm.state in (VmState.BLOCKED, VmState.IDLE) or vm.yielded:
            return  # stopped by its own blocking receive, or idle in WFI: others run meanwhile
        reason = st.exit_reason
        if reason == ExitReason.MAX_INSNS and not user_cap:
            return  # end of the slice: stays READY
        if reason in (ExitReason.MAX_INSNS, ExitReason.TIMEOUT):
            self._stop(vm, VmState.BUDGET, st.message)
        elif reason in (ExitReason.DEAD, ExitReason.GUEST_ERROR):
            self._stop(vm, VmState.DEAD, st.message)
            log.warning("VM %s died: %s", vm.name, st.message)
        else:
            self._stop(vm, VmState.STOPPED, st.message)

    def _others_could_run(self, vm: Vm) -> bool:
        return any(v is not vm and (v.state == VmState.READY or self.bus.wakeable(v.id)
                                    or (v.state == VmState.IDLE and self._ringing(v))) for v in self.vms)

    def _idle(self, vm: Vm) -> bool:
        """The VM idles in WFI: yield the CPU if another VM could use it."""
        if self._others_could_run(vm):
            vm.yielded = True
            vm.yields += 1
            return True
        return False

    def _wait(self, vm: Vm) -> bool:
        """The VM is in WFI with no device deadline: only its doorbell can wake it.  Deschedule
        it until a message rings it, if its doorbell is enabled and another VM could still send."""
        if not vm.doorbell_on or not self._others_could_run(vm):
            return False
        vm.state = VmState.IDLE
        vm.yields += 1
        return True

    # -- the message doorbell ---------------------------------------------------------------------
    def _ringing(self, vm: Vm) -> bool:
        """The doorbell's level: enabled and the mailbox non-empty."""
        return vm.doorbell_on and vm.doorbell is not None and bool(self.bus.endpoints[vm.id].mailbox)

    def _ring(self, vm: Vm) -> None:
        """Drive the VM's doorbell input to its level.  Only the mailbox (changed by hypercalls,
        at exact instruction counts) decides it, so the line follows the virtual clock."""
        if vm.doorbell is None:
            return
        level = self._ringing(vm)
        if level and not vm.doorbell.level:
            vm.extra["doorbell_raised"] = vm.extra.get("doorbell_raised", 0) + 1
        vm.doorbell.set(level)

    def _stop(self, vm: Vm, state: VmState, message: str) -> None:
        vm.state = state
        vm.message = message
        self.bus.stop(vm.id)
        if vm.doorbell is not None:
            vm.doorbell.set(False)

    # -- class-2 hypercalls (inter-VM messages) ---------------------------------------------------
    def _vmm(self, vm: Vm):
        ensure = getattr(vm.machine.mode, "_ensure", None)
        return ensure() if ensure is not None else None

    def _privileged(self, vm: Vm) -> bool:
        vmm = self._vmm(vm)
        if vmm is not None:
            return vmm.vcpu.privileged
        return (vm.port.reg_read(CPSR) & 0x1F) != 0x10

    def _fetch(self, vm: Vm, pc: int) -> int | None:
        vmm = self._vmm(vm)
        if vmm is not None:
            try:
                return vmm.mmu.fetch_word(pc)
            except Exception:  # noqa: BLE001 - an unreadable PC is simply not a hypercall
                return None
        return vm.machine.read_insn(pc)

    def _phys(self, vm: Vm, va: int, write: bool) -> int | None:
        """Guest-physical address of ``va`` as the guest kernel reaches it, or None."""
        vmm = self._vmm(vm)
        if vmm is not None:
            try:
                return vmm.mmu.translate(va, write=write, privileged=True)
            except Exception:  # noqa: BLE001 - VirtualAbort: not reachable
                return None
        from vtrans.isa.arm.mmu import walk

        m = vm.machine
        cfg = m.mmu_config()
        if not cfg.enabled:
            return va
        return walk(cfg, m.memory.read32, va, write=write, privileged=True).pa

    def _copy_in(self, vm: Vm, va: int, n: int) -> bytes | None:
        out = bytearray()
        while n > 0:
            chunk = min(n, 0x1000 - (va & 0xFFF))
            pa = self._phys(vm, va, False)
            # RAM only: a buffer over a device would read its registers (with side effects)
            if pa is None or vm.machine.memory.ram_at(pa, chunk) is None:
                return None
            out += vm.machine.memory.read(pa, chunk)
            va, n = (va + chunk) & _M32, n - chunk
        return bytes(out)

    def _copy_out(self, vm: Vm, va: int, data: bytes) -> bool:
        off = 0
        while off < len(data):
            chunk = min(len(data) - off, 0x1000 - ((va + off) & 0xFFF))
            pa = self._phys(vm, (va + off) & _M32, True)
            if pa is None or vm.machine.memory.ram_at(pa, chunk) is None:
                return False
            vm.machine.memory.write(pa, data[off:off + chunk])
            off += chunk
        vm.machine.drop_blocks(va, va + len(data))  # the guest may execute what it received
        return True

    def _intercept(self, vm: Vm, intno: int) -> bool:
        """The interrupt hook of the running VM, before its own: a class-2 hypercall?"""
        if intno != _INTNO_SVC:
            return False
        port = vm.port
        if port.reg_read(CPSR) & PSR_T:
            return False
        pc = (port.reg_read(PC) - 4) & _M32
        word = self._fetch(vm, pc)
        call = hc.decode_hypercall(word) if word is not None else None
        if call is None or call.cls != hc.HypercallClass.MESSAGE or not self._privileged(vm):
            return False
        m = vm.machine
        m.icount.retire_through(pc)  # the svc is the block's last instruction (PC moves on)
        vm.extra["hypercalls"] = vm.extra.get("hypercalls", 0) + 1
        self._message_call(vm, call.payload)
        return True

    def _vmm_message(self, vm: Vm, payload: int, pc: int) -> bool:
        """A class-2 hypercall the VMM found (its guest's virtual privilege decides)."""
        if not vm.port.active or not self._privileged(vm):
            return False
        vm.port.reg_write(PC, (pc + 4) & _M32)
        vm.extra["hypercalls"] = vm.extra.get("hypercalls", 0) + 1
        self._message_call(vm, payload)
        return True

    def _set(self, vm: Vm, r0: int, r1: int | None = None) -> None:
        vm.port.reg_write(_R0, r0 & _M32)
        if r1 is not None:
            vm.port.reg_write(_R1, r1 & _M32)

    def _message_call(self, vm: Vm, op: int) -> None:
        port, bus = vm.port, self.bus
        a0, a1, a2 = port.reg_read(_R0), port.reg_read(_R1), port.reg_read(_R2)
        if op == hc.MessageOp.SELF:
            self._set(vm, vm.id, len(self.vms))
        elif op == hc.MessageOp.LOOKUP:
            raw = self._copy_in(vm, a0, 64)
            if raw is None:
                self._set(vm, hc.MessageError.FAULT)
            else:
                self._set(vm, bus.lookup(raw.split(b"\0", 1)[0].decode("latin-1")))
        elif op == hc.MessageOp.SEND:
            if a2 > hc.MESSAGE_MAX:
                self._set(vm, hc.MessageError.TOO_LONG)
                return
            data = self._copy_in(vm, a1, a2)
            if data is None:
                self._set(vm, hc.MessageError.FAULT)
                return
            r = bus.send(vm.id, a0, data)
            self._set(vm, r)
            if r == 0:
                # the receiver's line rises now (if it is off the CPU, its machine sees the
                # level when it is next put on the CPU, before its next instruction)
                self._ring(self.vms[a0])
        elif op == hc.MessageOp.DOORBELL:
            if vm.doorbell is None:
                self._set(vm, hc.MessageError.NO_SUCH_VM)
                return
            vm.doorbell_on = bool(a0 & 1)
            self._set(vm, vm.doorbell_irq)
            self._ring(vm)
        elif op in (hc.MessageOp.RECV, hc.MessageOp.POLL):
            if bus.endpoints[vm.id].mailbox:
                bus.block(vm.id, a0, a1)
                bus.endpoints[vm.id].blocked -= 1  # not a real block: completed at once
                self._complete_recv(vm)
                self._ring(vm)  # drained: the doorbell drops
            elif op == hc.MessageOp.POLL:
                self._set(vm, hc.MessageError.EMPTY)
            elif not self._others_could_run(vm):
                # nobody could ever send: every other VM is stopped, or blocked with nothing to wake it
                self._set(vm, hc.MessageError.DEADLOCK)
            else:
                bus.block(vm.id, a0, a1)
                vm.state = VmState.BLOCKED
                vm.machine.request_stop(ExitReason.MAX_INSNS, f"VM {vm.name} blocked in a message receive")
        else:
            self._set(vm, hc.MessageError.NO_SUCH_VM)
            log.info("VM %s: unknown message operation %d", vm.name, op)

    def _complete_recv(self, vm: Vm) -> None:
        """Finish a receive (the VM is on the CPU): copy the message, set r0/r1."""
        ep = self.bus.endpoints[vm.id]
        buf, cap = ep.waiting
        ep.waiting = None
        msg = self.bus.take(vm.id)
        if msg is None:  # woken without a message: cannot happen with RECV; be safe
            self._set(vm, hc.MessageError.EMPTY)
            return
        data = msg.data[:cap]
        if not self._copy_out(vm, buf, data):
            self._set(vm, hc.MessageError.FAULT)
            return
        self._set(vm, len(data), msg.sender)

    def _complete_deadlock(self, vm: Vm) -> None:
        self.cpu.switch_to(vm.port)
        self.bus.endpoints[vm.id].waiting = None
        self._set(vm, hc.MessageError.DEADLOCK)
        vm.state = VmState.READY

    # -- results -----------------------------------------------------------------------------------
    def exit_code(self) -> int:
        """0 if every VM stopped cleanly with code 0; else the first non-zero VM status."""
        for vm in self.vms:
            if vm.state == VmState.DEAD:
                return 3
            if vm.state == VmState.BUDGET:
                return 124
            if vm.stats is not None and vm.stats.exit_code:
                return vm.stats.exit_code
        return 0

    def vm_stats(self, vm: Vm) -> dict:
        st = vm.stats
        d = st.to_dict() if st is not None else {}
        vmm = getattr(vm.machine.mode, "vmm", None)
        traps = sum(vmm.stats.traps.values()) if vmm is not None else 0
        total_insns = sum(v.machine.instructions for v in self.vms) or 1
        total_ns = sum(v.wall_ns for v in self.vms) or 1
        d.update({
            "id": vm.id,
            "name": vm.name,
            "mode": vm.spec.mode,
            "state": str(vm.state),
            "message": vm.message,
            "instructions": vm.machine.instructions,
            "traps": traps,
            "exceptions_total": sum(st.exceptions.values()) if st is not None else 0,
            "world_switches": vm.port.switches_in,
            "slices": vm.slices,
            "wfi_yields": vm.yields,
            "insn_share": round(vm.machine.instructions / total_insns, 6),
            "cpu_share": round(vm.wall_ns / total_ns, 6),
            "wall_s": round(vm.wall_ns / 1e9, 6),
            "messages": self.bus.stats(vm.id),
            "message_hypercalls": vm.extra.get("hypercalls", 0),
            "doorbell_raised": vm.extra.get("doorbell_raised", 0),
            "console_bytes": self.console.bytes.get(vm.name, 0),
            "console_lines_cut": self.console.cut_lines.get(vm.name, 0),
        })
        return d

    def stats(self) -> dict:
        cpu = self.cpu
        return {
            "vms": [self.vm_stats(vm) for vm in self.vms],
            "hypervisor": {
                "board": self.board_spec.name,
                "slice": self.slice,
                "world_switches": cpu.switches,
                "switch_us": round(cpu.switch_ns / cpu.switches / 1e3, 3) if cpu.switches else 0.0,
                "wall_s": round(self.wall_s, 6),
            },
        }

    def summary(self) -> str:
        lines = []
        for d in self.stats()["vms"]:
            lines.append(f"vtrans: [{d['name']}] {d['state']}: {d['message']}")
            lines.append(f"vtrans: [{d['name']}] {d['mode']}, {d['instructions']} instructions, {d['traps']} traps, "
                         f"{d['exceptions_total']} exceptions, {d['world_switches']} world switches, "
                         f"{100 * d['cpu_share']:.1f}% of the CPU, messages sent {d['messages']['sent']} "
                         f"received {d['messages']['received']}")
        h = self.stats()["hypervisor"]
        lines.append(f"vtrans: hypervisor: {len(self.vms)} VMs, {h['world_switches']} world switches, "
                     f"{h['switch_us']:.1f} us per switch, {h['wall_s']:.3f} s")
        return "\n".join(lines)


def _doorbell_line(board) -> tuple[object, int]:
    """The VM's message doorbell: (input line, interrupt number) on its board's own interrupt
    controller — PL190 VIC input ``DOORBELL_VIC_INPUT`` on versatilepb, the last SPI of the GIC
    elsewhere (``hypercall.doorbell_irq``); (None, 0) on a controller without a free input."""
    from vtrans.runtime.devices.gic import Gic
    from vtrans.runtime.devices.pl190 import PL190

    ic = board.interrupt_controller
    if isinstance(ic, PL190):
        n = hc.doorbell_irq("vic")
        return ic.inputs[n], n
    if isinstance(ic, Gic):
        n = hc.doorbell_irq("gic", ic.num_irq)
        return ic.line(n), n
    return None, 0

"""Running guests alone (one Machine, its own CPU) and side by side (the hypervisor)."""

from __future__ import annotations

import os
from pathlib import Path

from vtrans.runtime.hypervisor import ConsoleMediator, Hypervisor, VmSpec, untag

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples" / "arm"
GUESTS = Path(__file__).resolve().parent / "guests"
LIB = str(GUESTS / "lib.s")
BOARD = "versatilepb"


def sample(name: str) -> tuple[str, ...]:
    return (str(SAMPLES / name / f"{name}.s"),)


def guest(name: str) -> tuple[str, ...]:
    return (str(GUESTS / f"{name}.s"), LIB)


def qemu_expected(name: str) -> str:
    """The console output qemu-system-arm gave for a sample (recorded by samples/arm/build.py)."""
    return (SAMPLES / name / "expected.out").read_text()


def run_alone(sources: tuple[str, ...], mode: str = "native", max_insns: int | None = None) -> dict:
    """The guest on a machine of its own: output, final state, stats."""
    from vtrans.assembler.api import assemble
    from vtrans.runtime.boards import get_board
    from vtrans.runtime.loader import image_from_assembler
    from vtrans.runtime.machine import Machine
    from vtrans.runtime.modes import get_mode

    board = get_board(BOARD)
    out = bytearray()
    m = Machine(board, mode=get_mode(mode)(), uart_output=out.extend)
    m.load(image_from_assembler(assemble(list(sources), base=board.kernel_load_addr),
                                os.path.basename(sources[0])))
    st = m.run(max_insns=max_insns)
    return {"out": out.decode("latin-1"), "state": m.final_state().to_dict(), "stats": st}


def run_together(specs: list[VmSpec], *, slice_insns: int = 20_000, max_insns: int | None = None,
                 stdin: bytes = b"", focus: str | None = None) -> tuple[Hypervisor, str, dict]:
    """The VMs side by side: (hypervisor, tagged console text, {vm: final state})."""
    out = bytearray()
    console = ConsoleMediator(sink=out.extend)
    hv = Hypervisor(specs, board=BOARD, console=console, slice_insns=slice_insns, stdin=stdin, focus=focus)
    hv.run(max_insns=max_insns)
    states = {}
    for vm in hv.vms:
        hv.cpu.switch_to(vm.port)
        states[vm.name] = vm.machine.final_state().to_dict()
    return hv, out.decode("latin-1"), states


def output_of(text: str, name: str) -> str:
    return untag(text, name)


def without_wall(stats: dict) -> dict:
    """Statistics minus what depends on host time."""
    wall = {"wall_s", "mips", "cpu_share", "switch_us"}

    def clean(x):
        if isinstance(x, dict):
            return {k: clean(v) for k, v in x.items() if k not in wall}
        if isinstance(x, list):
            return [clean(v) for v in x]
        return x
    return clean(stats)

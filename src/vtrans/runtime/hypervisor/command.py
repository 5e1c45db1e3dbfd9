"""``vtrans run a b ...``: the command-line side of the hypervisor (called by ``cli/run.py``).

Hypervisor options: ``--slice N`` (guest instructions per time slice), ``--console
tagged|split``, ``--console-dir DIR``, ``--focus NAME`` (the VM that gets ``--stdin``).
``--max-insns`` is per VM, ``--timeout`` for the whole run; ``--stats-json`` and
``--final-state`` hold one entry per VM.
"""

from __future__ import annotations

import argparse
import sys

from vtrans.cli.common import int_arg
from vtrans.errors import UsageError
from vtrans.fileio import write_json_atomically
from vtrans.runtime.hypervisor.console import ConsoleMediator, ConsoleMode
from vtrans.runtime.hypervisor.hypervisor import DEFAULT_SLICE, Hypervisor, parse_vm_args

_ASM_SUFFIXES = (".s", ".S", ".asm")


def add_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("several guests (hypervisor)", "each input is a VM: IMAGE[:MODE] or "
                             "SRC.s[+SRC2.s...][:MODE]; several images, a :MODE suffix or any option "
                             "below runs the hypervisor")
    g.add_argument("--slice", type=int_arg, default=None, metavar="N",
                   help=f"time slice in guest instructions (default {DEFAULT_SLICE})")
    g.add_argument("--console", choices=[str(m) for m in ConsoleMode], default=None,
                   help="tagged: one stream, lines tagged [vm]; split: DIR/<vm>.out per VM")
    g.add_argument("--console-dir", default=None, metavar="DIR", help="directory of --console split")
    g.add_argument("--focus", default=None, metavar="NAME", help="the VM that receives --stdin (default: the first)")


def wants_hypervisor(args: argparse.Namespace, mode_names: list[str]) -> bool:
    if any(getattr(args, k, None) is not None for k in ("slice", "console", "console_dir", "focus")):
        return True
    if any(":" in a and a.rpartition(":")[2] in mode_names for a in args.inputs):
        return True
    if any("+" in a for a in args.inputs):
        return True
    images = [a for a in args.inputs if not a.endswith(_ASM_SUFFIXES)]
    return len(args.inputs) > 1 and bool(images)


def run_vms(args: argparse.Namespace, stdin_data: bytes = b"") -> int:
    from vtrans.runtime.modes import mode_names

    if not 0 <= args.icount_shift <= 10:
        raise UsageError("--icount-shift must be between 0 and 10")
    if args.console_dir is not None and args.console != ConsoleMode.SPLIT:
        raise UsageError("--console-dir goes with --console split")
    out, err = sys.stdout.buffer, sys.stderr.buffer

    def to_stdout(data: bytes) -> None:
        out.write(data)
        out.flush()

    def to_stderr(data: bytes) -> None:
        err.write(data)
        err.flush()

    console = ConsoleMediator(ConsoleMode(args.console or ConsoleMode.TAGGED), sink=to_stdout,
                              directory=args.console_dir)
    specs = parse_vm_args(args.inputs, args.mode, mode_names())
    try:
        hv = Hypervisor(specs, board=args.board, console=console, stderr=to_stderr,
                        slice_insns=args.slice if args.slice is not None else DEFAULT_SLICE,
                        icount_shift=args.icount_shift, base=args.base, focus=args.focus, stdin=stdin_data)
    except BaseException:
        console.close(keep=False)
        raise
    hv.run(max_insns=args.max_insns, timeout=args.timeout)
    print(hv.summary(), file=sys.stderr)
    if args.stats_json:
        write_json_atomically(args.stats_json, hv.stats())
    if args.final_state:
        states = {}
        for vm in hv.vms:
            hv.cpu.switch_to(vm.port)
            states[vm.name] = vm.machine.final_state().to_dict()
        write_json_atomically(args.final_state, states)
    return hv.exit_code()

"""``vtrans run``: run a guest kernel on an emulated QEMU-compatible board.

Inputs are an image (ELF, or a raw binary loaded like ``qemu-system-arm -kernel``)
or assembly sources, assembled and linked on the fly at the board's usual kernel
load address (``--base`` to change it).  The first UART streams to standard
output as the guest writes it; the semihosting console goes to standard error,
as QEMU sends it.  At the end a one-line reason and statistics go to standard
error; the exit status is the guest's semihosting exit code, 0 for a halted or
powered-off machine, 124 when a budget ran out, 3 for a dead guest.
"""

from __future__ import annotations

import argparse
import os
import sys

from vtrans.cli.common import address_arg, count_arg, int_arg, read_stdin, seconds_arg
from vtrans.errors import UsageError
from vtrans.fileio import write_json_atomically

#: the board QEMU users reach for first with bare-metal ARM kernels
DEFAULT_BOARD = "versatilepb"
_ASM_SUFFIXES = (".s", ".S", ".asm")


def add_parser(subparsers) -> None:
    from vtrans.runtime.boards import board_names
    from vtrans.runtime.modes import mode_names

    p = subparsers.add_parser(
        "run", help="run a guest kernel (image or assembly) on an emulated board",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("inputs", nargs="+", metavar="IMAGE|FILE.s", help="an ELF or raw image, or assembly sources")
    p.add_argument("--board", "-M", default=DEFAULT_BOARD, choices=board_names(),
                   help=f"machine to emulate (default: {DEFAULT_BOARD})")
    p.add_argument("--mode", default="native", choices=mode_names(), help="execution mode (default: native)")
    p.add_argument("--strategy", choices=("hypercall", "stub", "pad"), default=None,
                   help="--mode previrt: how the image was rewritten (default: read from its sections)")
    p.add_argument("--tc-size", type=int_arg, default=None, metavar="BYTES",
                   help="--mode bt: translation cache size (default 4 MiB); a full cache is flushed")
    p.add_argument("--base", type=address_arg, default=None,
                   help="load/link address (raw images and assembly; default: the board's kernel address)")
    p.add_argument("--max-insns", type=count_arg, default=None, metavar="N", help="stop after N guest instructions")
    p.add_argument("--timeout", type=seconds_arg, default=None, metavar="S", help="stop after S host seconds")
    p.add_argument("--stdin", default=None, metavar="FILE|-",
                   help="bytes fed to the first UART and to semihosting reads (default: none, like </dev/null)")
    p.add_argument("--stats-json", default=None, metavar="FILE", help="write run statistics as JSON")
    p.add_argument("--icount-shift", type=int, default=3, metavar="N",
                   help="virtual time per instruction is 2**N ns, like QEMU -icount shift=N (default 3)")
    p.add_argument("--final-state", default=None, metavar="FILE",
                   help="write the final architectural state (registers, banks, cp15, memory digests) as JSON")
    from vtrans.runtime.hypervisor.command import add_arguments

    add_arguments(p)  # several guests: the hypervisor (runtime/hypervisor)
    p.set_defaults(func=run)


def _stream(fileobj):
    def write(data: bytes) -> None:
        fileobj.write(data)
        fileobj.flush()
    return write


def run(args: argparse.Namespace) -> int:
    from vtrans.isa.arm.semihosting import HostIO
    from vtrans.runtime.boards import get_board
    from vtrans.runtime.loader import image_from_assembler, read_image
    from vtrans.runtime.machine import Machine
    from vtrans.runtime.modes import get_mode

    if not 0 <= args.icount_shift <= 10:
        raise UsageError("--icount-shift must be between 0 and 10")
    board = get_board(args.board)
    from vtrans.runtime.hypervisor.command import run_vms, wants_hypervisor
    from vtrans.runtime.modes import mode_names

    if wants_hypervisor(args, mode_names()):
        return run_vms(args, read_stdin(args))
    asm = [p for p in args.inputs if p.endswith(_ASM_SUFFIXES)]
    if asm and len(asm) != len(args.inputs):
        raise UsageError("give either one image or assembly sources, not both")
    if not asm and len(args.inputs) != 1:
        raise UsageError("give one image (or several assembly sources)")

    stdin_data = read_stdin(args)
    pending = bytearray(stdin_data)

    def next_input(n: int) -> bytes:
        chunk = bytes(pending[:n])
        del pending[:n]
        return chunk

    out, err = sys.stdout.buffer, sys.stderr.buffer
    io = HostIO(console=_stream(err), stdout=_stream(out), stderr=_stream(err), stdin=next_input,
                stdout_isatty=out.isatty(), stderr_isatty=err.isatty(), stdin_isatty=False)
    mode_cls = get_mode(args.mode)
    # a mode that needs options (previrt: the image's tables, --strategy) builds itself from them
    mode = mode_cls.from_cli(args) if hasattr(mode_cls, "from_cli") else mode_cls()
    machine = Machine(board, mode=mode, icount_shift=args.icount_shift, io=io,
                      uart_output=_stream(out), cmdline=" ".join(args.inputs))
    if asm:
        from vtrans.assembler.api import assemble

        base = args.base if args.base is not None else board.kernel_load_addr
        image = image_from_assembler(assemble(asm, base=base), os.path.basename(asm[0]))
    else:
        image = read_image(args.inputs[0], board, args.base)
    machine.load(image)
    if stdin_data:
        # both consumers of QEMU's standard input see it: the first UART (-serial stdio) and
        # semihosting reads of ":tt"; a guest uses one or the other
        machine.board.console.receive(stdin_data)
    stats = machine.run(max_insns=args.max_insns, timeout=args.timeout)
    out.flush()
    print(stats.summary(), file=sys.stderr)
    vmm_stats = getattr(stats, "vmm", None)  # set by the VMM modes (trap, previrt)
    if vmm_stats is not None:
        for key, value in vmm_stats.rows():
            print(f"  {key}: {value}", file=sys.stderr)
    dbt_stats = getattr(stats, "dbt", None)  # set by --mode bt (runtime/dbt)
    if dbt_stats is not None:
        for key, value in dbt_stats.rows():
            print(f"  bt {key}: {value}", file=sys.stderr)
    if args.stats_json:
        data = stats.to_dict()
        if vmm_stats is not None:
            data["vmm"] = dict(vmm_stats.rows())
        if dbt_stats is not None:
            data["bt"] = dbt_stats.as_dict()
        write_json_atomically(args.stats_json, data)
    if args.final_state:
        write_json_atomically(args.final_state, machine.final_state().to_dict())
    return stats.exit_code

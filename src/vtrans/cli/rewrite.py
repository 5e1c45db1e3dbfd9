"""``vtrans rewrite``: pre-virtualize guest assembly, or a linked ELF image (hypercall, stub or pad)."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys

from vtrans.cli.common import address_arg, is_elf
from vtrans.errors import UsageError


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "rewrite", help="rewrite every sensitive instruction (pre-virtualization)",
        description="Replace every privileged, sensitive or UNPREDICTABLE instruction: by a hypercall "
                    "(svc, same size), by a branch to an emulation stub, or pad it with NOPs and "
                    "describe it in an annotation table.  The output assembles with GNU as and vtrans.  "
                    "Given a linked ELF executable instead, rewrites the binary in place (nothing moves; "
                    "stubs go to new sections, by default right below the image).")
    p.add_argument("sources", nargs="+", metavar="FILE.s|IMAGE.elf",
                   help="assembly sources (one program, link order), or one linked ELF executable")
    p.add_argument("-o", "--output", required=True, metavar="OUT",
                   help="output file (one input) or directory (several inputs: one output each)")
    p.add_argument("--strategy", choices=("hypercall", "stub", "pad"), default="hypercall")
    p.add_argument("--stub-base", type=address_arg, metavar="ADDR",
                   help="ELF input, --strategy stub: address of the stubs and the vCPU block "
                        "(default: right below the image's lowest load address)")
    p.add_argument("-q", "--quiet", action="store_true", help="do not print the per-site report")
    p.add_argument("-I", dest="include_dirs", action="append", default=[], metavar="DIR",
                   help="directory searched by .include")
    p.set_defaults(func=run)


def output_paths(sources: list[str], output: str) -> list[str]:
    if len(sources) == 1 and not os.path.isdir(output):
        paths = [output]
    else:
        if os.path.exists(output) and not os.path.isdir(output):
            raise UsageError(f"-o {output}: with several inputs, -o must name a directory")
        names = [os.path.basename(s) for s in sources]
        if len(set(names)) != len(names):
            raise UsageError("several inputs have the same file name; rewrite them separately")
        paths = [os.path.join(output, n) for n in names]
    for src, dst in zip(sources, paths):
        if os.path.exists(dst) and os.path.samefile(src, dst):
            raise UsageError(f"output {dst} would overwrite its input")
    return paths


def run(args: argparse.Namespace) -> int:
    from vtrans.assembler.printer import print_program
    from vtrans.cli.analyze import parse_inputs
    from vtrans.fileio import write_atomically
    from vtrans.translator.rewrite import rewrite

    paths = output_paths(args.sources, args.output)
    if is_elf(args.sources[0]):
        return _run_binary(args, paths)
    if args.stub_base is not None:
        raise UsageError("--stub-base is for a linked ELF input (assembly output is placed by its link)")
    # the IR is many small immutable objects and no cycles: the cyclic GC only costs time here
    gc.disable()
    try:
        programs = parse_inputs(args.sources, args.include_dirs)
        result = rewrite(programs, args.strategy)
        for warning in result.warnings:
            logging.getLogger("vtrans").warning("%s", warning)
        texts = [print_program(p) for p in result.programs]   # everything rendered before any write
    finally:
        gc.enable()
    if len(paths) > 1:
        os.makedirs(args.output, exist_ok=True)
    for path, text in zip(paths, texts):
        write_atomically(path, text.encode())
    if not args.quiet:
        out = sys.stdout
        for r in result.reports:
            out.write(r.line() + "\n")
        out.write(f"{len(result.reports)} sites rewritten with the {result.strategy.value} strategy -> "
                  f"{', '.join(paths)}\n")
    return 0



def _run_binary(args: argparse.Namespace, paths: list[str]) -> int:
    """``vtrans rewrite IMAGE.elf -o OUT.elf``: the binary rewriter (``translator/binary.py``)."""
    from vtrans.fileio import write_atomically
    from vtrans.translator.binary import rewrite_elf

    if len(args.sources) != 1:
        raise UsageError("a linked ELF image is rewritten alone (one input)")
    src = args.sources[0]
    try:
        with open(src, "rb") as f:
            data = f.read()
    except OSError as e:
        raise UsageError(f"{src}: {e.strerror}") from None
    result = rewrite_elf(data, args.strategy, name=src, stub_base=args.stub_base)
    for warning in result.warnings:
        logging.getLogger("vtrans").warning("%s", warning)
    write_atomically(paths[0], result.image)
    if not args.quiet:
        out = sys.stdout
        for line in result.lines():
            out.write(line + "\n")
        for note in result.notes:
            out.write(f"{note}\n")
        out.write(f"{len(result.sites)} sites rewritten with the {result.strategy.value} strategy -> {paths[0]}\n")
    return 0

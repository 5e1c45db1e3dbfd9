"""``vtrans asm``: assemble and link GNU-as sources into an ELF executable or a raw binary."""

from __future__ import annotations

import argparse
import logging

from vtrans.errors import UsageError

log = logging.getLogger(__name__)


def _address(text: str) -> int:
    try:
        return int(text, 0)
    except ValueError:
        try:
            return int(text, 16)  # ld reads -Ttext=10000 as hex
        except ValueError:
            raise argparse.ArgumentTypeError(f"not an address: {text!r}") from None


def _section_start(text: str) -> tuple[str, int]:
    name, sep, addr = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=ADDR, got {text!r}")
    return name, _address(addr)


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "asm", help="assemble and link GNU-as sources (byte-identical to arm-none-eabi-as + ld)",
        description="Assemble GNU-as ARM sources and link them in command-line order, as "
                    "arm-none-eabi-as + arm-none-eabi-ld would (ld's default script unless -T).")
    p.add_argument("sources", nargs="+", metavar="FILE.s", help="assembly sources, linked in this order")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="output file")
    p.add_argument("--base", "-Ttext", dest="base", type=_address, metavar="ADDR",
                   help="address of .text (like ld -Ttext=ADDR)")
    p.add_argument("--format", choices=("elf", "bin"), default="elf",
                   help="ELF executable (default) or raw memory image like objcopy -O binary")
    p.add_argument("-T", "--script", metavar="SCRIPT.ld", help="linker script (the subset kernels use)")
    p.add_argument("--section-start", type=_section_start, action="append", default=[], metavar="NAME=ADDR",
                   help="place output section NAME at ADDR (like ld --section-start)")
    p.add_argument("-I", dest="include_dirs", action="append", default=[], metavar="DIR",
                   help="directory searched by .include")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from vtrans.assembler.api import assemble
    from vtrans.fileio import write_atomically

    starts = dict(args.section_start)
    if args.output in args.sources:
        raise UsageError(f"output file {args.output} is also an input")
    image = assemble(args.sources, base=args.base, section_starts=starts, script=args.script,
                     include_dirs=args.include_dirs)
    data = image.elf_bytes() if args.format == "elf" else image.raw_bytes()
    write_atomically(args.output, data, executable=args.format == "elf")
    log.info("%s: %d bytes, entry %#010x", args.output, len(data), image.entry)
    return 0

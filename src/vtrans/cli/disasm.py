"""``vtrans disasm``: objdump-like disassembly of an ELF executable (capstone), with symbols."""

from __future__ import annotations

import argparse
import sys


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("disasm", help="disassemble an ELF executable (objdump -d style, with symbols)",
                              description="Disassemble the code sections of an ELF executable with capstone; "
                                          "mapping symbols ($a/$d) separate code from data.")
    p.add_argument("image", metavar="KERNEL.elf")
    p.add_argument("-s", "--section", action="append", default=[], metavar="NAME",
                   help="only this section (repeatable); default: every executable section")
    p.add_argument("-D", "--all", action="store_true", help="all allocated sections, data as words")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from vtrans.assembler.disasm import disassemble_file

    for line in disassemble_file(args.image, sections=args.section or None, all_sections=args.all):
        sys.stdout.write(line + "\n")
    return 0

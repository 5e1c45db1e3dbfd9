"""``vtrans analyze``: find the instructions that defeat trap-and-emulate."""

from __future__ import annotations

import argparse
import json
import os
import sys

from vtrans.cli.common import is_elf
from vtrans.errors import UsageError


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "analyze", help="classify every sensitive instruction and give the Popek-Goldberg verdict",
        description="Parse GNU-as sources, build their control-flow graph and list every privileged, "
                    "sensitive or UNPREDICTABLE instruction with what it does in User mode and whether "
                    "it is reachable.")
    p.add_argument("sources", nargs="+", metavar="FILE.s|IMAGE.elf",
                   help="assembly sources (one program), or one linked ELF image (no CFG: reachability unknown)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.add_argument("--cfg", metavar="OUT.dot|OUT.svg", help="write the control-flow graph (sensitive blocks red)")
    p.add_argument("--entry", metavar="SYMBOL", help="entry symbol (default: _start, else the first instruction)")
    p.add_argument("-I", dest="include_dirs", action="append", default=[], metavar="DIR",
                   help="directory searched by .include")
    p.set_defaults(func=run)


def parse_inputs(paths: list[str], include_dirs=()) -> list:
    from vtrans.assembler.parser import parse_file

    programs = []
    for path in paths:
        if not os.path.isfile(path):
            raise UsageError(f"{path}: no such file")
        programs.append(parse_file(path, include_dirs=tuple(include_dirs)))
    return programs


def run(args: argparse.Namespace) -> int:
    from vtrans.translator.analyze import analyze

    if args.cfg and not args.cfg.endswith((".dot", ".gv", ".svg")):
        raise UsageError(f"--cfg {args.cfg}: the file name must end in .dot, .gv or .svg")
    if is_elf(args.sources[0]):
        return _run_binary(args)
    programs = parse_inputs(args.sources, args.include_dirs)
    result = analyze(programs, entry=args.entry)
    if args.cfg:
        from vtrans.assembler.printer import format_instruction

        hl = {result.cfg.block_of(f.site.file, f.site.stmt) for f in result.findings}
        result.cfg.write(args.cfg, highlight=hl - {None}, fmt=format_instruction,
                         title=" ".join(os.path.basename(s) for s in args.sources))
    if args.json:
        json.dump(result.as_dict(), sys.stdout, indent=2)
        sys.stdout.write("\n")
    elif sys.stdout.isatty():
        _rich(result)
    else:
        _plain(result)
    return 0


def _where(f) -> str:
    return f"{f.site.loc.file}:{f.site.loc.line}"


def _run_binary(args: argparse.Namespace) -> int:
    """``vtrans analyze IMAGE.elf``: the image's sensitive words (``translator/binary.py``)."""
    from vtrans.translator.binary import analyze_elf

    if len(args.sources) != 1:
        raise UsageError("a linked ELF image is analyzed alone (one input)")
    if args.cfg or args.entry:
        raise UsageError("--cfg and --entry need assembly sources (an image is analyzed without a CFG)")
    try:
        with open(args.sources[0], "rb") as f:
            data = f.read()
    except OSError as e:
        raise UsageError(f"{args.sources[0]}: {e.strerror}") from None
    result = analyze_elf(data, name=args.sources[0])
    if args.json:
        json.dump(result.as_dict(), sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    out = sys.stdout
    rows = [(result.where(f), f.text, f.classification.cls.value, f.classification.kind.value,
             f.classification.user_effect) for f in result.findings]
    head = ("where", "instruction", "class", "kind", "in User mode")
    if rows:
        widths = [max(len(r[i]) for r in rows + [head]) for i in range(4)]
        for r in [head] + rows:
            out.write("  ".join(c.ljust(w) for c, w in zip(r[:4], widths)) + f"  {r[4]}\n")
        out.write("\n")
    s = result.summary()
    out.write(f"{len(result.findings)} non-innocuous instructions: " + ", ".join(f"{n} {c}" for c, n in s.items())
              + "\n")
    if result.thumb_bytes:
        thumb = sum(1 for f in result.findings if not f.rewritable)
        out.write(f"{result.thumb_bytes} bytes of Thumb code examined: {thumb} of these instructions are Thumb "
                  "(vtrans rewrites A32 code only)\n")
    out.write(result.verdict() + "\n")
    for f in result.culprits:
        out.write(f"  {result.where(f)}: {f.text}  ({f.classification.cls.value}: {f.classification.user_effect})\n")
    return 0


def _reach(f) -> str:
    return {True: "yes", False: "no", None: "?"}[f.reachable]


def _plain(result) -> None:
    out = sys.stdout
    rows = [(_where(f), f.text, f.site.classification.cls.value, f.site.classification.kind.value,
             f.site.classification.user_effect, _reach(f)) for f in result.findings]
    head = ("where", "instruction", "class", "kind", "in User mode", "reachable")
    if rows:
        widths = [max(len(r[i]) for r in rows + [head]) for i in range(4)]
        out.write("  ".join(h.ljust(w) for h, w in zip(head[:4], widths)) + f"  {head[5]:9}  {head[4]}\n")
        for r in rows:
            out.write("  ".join(c.ljust(w) for c, w in zip(r[:4], widths)) + f"  {r[5]:9}  {r[4]}\n")
        out.write("\n")
    s = result.summary()
    out.write(f"{len(result.findings)} non-innocuous instructions: "
              + ", ".join(f"{n} {cls}" for cls, n in s.items()) + "\n")
    if result.audited:
        out.write(f"{len(result.audited)} CPSR flag reads in vtrans stubs (audited, not rewritten)\n")
    out.write(result.verdict() + "\n")
    for f in result.culprits:
        out.write(f"  {_where(f)}: {f.text}  ({f.site.classification.cls.value}: "
                  f"{f.site.classification.user_effect})\n")


def _rich(result) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title="non-innocuous instructions")
    for col in ("where", "instruction", "class", "kind", "reachable", "in User mode"):
        table.add_column(col)
    colour = {"privileged": "yellow", "sensitive": "red", "unpredictable": "magenta"}
    for f in result.findings:
        c = f.site.classification
        table.add_row(_where(f), f.text, f"[{colour[c.cls.value]}]{c.cls.value}[/]", c.kind.value, _reach(f),
                      c.user_effect)
    if result.findings:
        console.print(table)
    s = result.summary()
    console.print(f"{len(result.findings)} non-innocuous instructions: "
                  + ", ".join(f"{n} {cls}" for cls, n in s.items()))
    if result.audited:
        console.print(f"{len(result.audited)} CPSR flag reads in vtrans stubs (audited, not rewritten)")
    console.print(("[green]" if result.virtualizable else "[bold red]") + result.verdict() + "[/]")
    for f in result.culprits:
        console.print(f"  {_where(f)}: {f.text}")

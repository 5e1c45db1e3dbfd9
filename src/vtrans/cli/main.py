"""``vtrans`` entry point: one sub-command per module in this package.

Each command module defines ``add_parser(subparsers)`` which registers its
parser and sets ``func`` (a callable taking the parsed args and returning an
exit code).  Errors derived from ``VtransError`` are printed as
``file:line:col: error: ...`` with the error's exit code; nothing else ever
reaches the user as a traceback (set ``VTRANS_DEBUG=1`` to see one).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

from vtrans import __version__
from vtrans.errors import VtransError

#: sub-command modules, in the order ``vtrans --help`` lists them
COMMANDS = ("asm", "disasm", "analyze", "rewrite", "run", "diff")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vtrans",
        description="Binary translation and pre-virtualization toolchain for guest kernels.",
    )
    parser.add_argument("--version", action="version", version=f"vtrans {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output (repeat for debug)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"vtrans.cli.{name}")
        except ModuleNotFoundError as e:  # a command not built into this tree
            if e.name != f"vtrans.cli.{name}":
                raise
            continue
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="vtrans: %(levelname)s: %(message)s", stream=sys.stderr)
    try:
        code = args.func(args)
    except VtransError as e:
        print(e.format(), file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("vtrans: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader of our stdout went away (e.g. `| head`): not an error of ours
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 0
    except Exception as e:  # noqa: BLE001 - last line of defence: no tracebacks for users
        if os.environ.get("VTRANS_DEBUG"):
            raise
        print(f"vtrans: internal error: {type(e).__name__}: {e} (set VTRANS_DEBUG=1 for a traceback)",
              file=sys.stderr)
        return 70
    return int(code or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

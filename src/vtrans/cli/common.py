"""Small pieces every sub-command shares: option types and guest input."""

from __future__ import annotations

import argparse
import sys

from vtrans.errors import UsageError


def int_arg(text: str) -> int:
    """An integer option in any base Python accepts (``0x10000``, ``65536``, ``0b1``)."""
    try:
        return int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None


def address_arg(text: str) -> int:
    """A 32-bit address option (any base)."""
    value = int_arg(text)
    if not 0 <= value <= 0xFFFFFFFF:
        raise argparse.ArgumentTypeError(f"not a 32-bit address: {text!r}")
    return value


def count_arg(text: str) -> int:
    """A non-negative count option (any base)."""
    value = int_arg(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {text!r}")
    return value


def seconds_arg(text: str) -> float:
    """A positive number of seconds."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
    return value


def read_stdin(args: argparse.Namespace) -> bytes:
    """The bytes ``--stdin FILE|-`` names (empty without it, as QEMU's </dev/null)."""
    if args.stdin == "-":
        return sys.stdin.buffer.read()
    if args.stdin is not None:
        try:
            with open(args.stdin, "rb") as f:
                return f.read()
        except OSError as e:
            raise UsageError(f"--stdin {args.stdin}: {e.strerror}") from None
    return b""


def is_elf(path: str) -> bool:
    """Whether ``path`` starts with the ELF magic (False if it cannot be read: the caller reports)."""
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False

"""Differential campaign: random A32 programs (``a32random.py``) print the same lines on
vtrans as on qemu-system-arm, on every board, natively and in the virtualized modes.

Each program is a series of snippets -- random register values and flags, a dozen random
instructions, then a line with r0-r12, the CPSR and a hash of a data buffer -- built with GNU
as and ld, run once on QEMU, whose semihosting console is the expected output, and then on
vtrans in each mode.  A mismatch names the snippet and shows both lines.

* System programs (mode changes, SPSRs, interrupt masks, a trip to User mode, ``setend``):
  native, bt, and pre-virtualized with hypercalls and with padded sites.
* User-level programs without ``setend be``: the in-place stub strategy, whose stubs read
  the vCPU block with the guest's own loads (little-endian only, see ARCHITECTURE.md), and
  trap-and-emulate.
* Deprivileged system programs -- mode changes, SPSRs, User trips and ``setend``, with every
  sensitive instruction also privileged (modes change by exception returns; no ``cps``,
  ``msr cpsr_c`` or mode-revealing ``mrs cpsr``): trap-and-emulate, the mode that needs it.
  (On the system programs it fails, as it must: ``msr cpsr_c`` does not trap in User mode --
  the classic failure ``vtrans diff`` reports.)

* Rewritten sources (``vtrans rewrite prog.s``, each strategy), assembled by GNU as: run
  pre-virtualized; the padded source also on QEMU itself, natively and in bt.

``VTRANS_CAMPAIGN_CASES`` scales the number of programs (CI: the default); the seeds are
fixed, so a failure is reproduced by ``python tests/runtime/a32random.py --board B --seed S``.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys

import pytest

from a32random import Generator
from guestlib import guest_console, qemu_reference, vtrans_run, vtrans_run_in
from tests.conftest import CAMPAIGN_CASES

BOARDS = ["versatilepb", "realview-pb-a8", "vexpress-a9", "virt"]
#: programs per board and kind; each has SNIPPETS snippets of about a dozen instructions
PROGRAMS = max(1, CAMPAIGN_CASES // 30)
SNIPPETS = 100
SYSTEM_MODES = ["native", "bt", "previrt:hypercall", "previrt:pad"]
USER_MODES = ["previrt:stub", "trap"]
DEPRIVILEGED_MODES = ["trap"]
#: the kinds of program: Generator arguments
KINDS = {"system": {"system": True, "big_endian_data": True},
         "user": {"system": False, "big_endian_data": False},
         "deprivileged": {"system": True, "big_endian_data": True, "deprivileged": True}}


@functools.lru_cache(maxsize=None)
def _program(board: str, seed: int, kind: str, builder, qemu: str):
    gen = Generator(seed, board, **KINDS[kind])
    source, parts = gen.program(SNIPPETS)
    image = builder.build_text(source, board, f"random_{board}_{seed}_{kind}")
    lines = qemu_reference(qemu, image, board).semihost.decode().splitlines()
    assert sum(1 for line in lines if not line.startswith(("svc ", "undef "))) == SNIPPETS
    return image, parts, lines


def _check(board: str, seed: int, kind: str, mode: str, builder, qemu: str) -> None:
    image, parts, expected = _program(board, seed, kind, builder, qemu)
    got = vtrans_run_in(image, board, mode)
    _compare(f"{board} seed {seed} ({kind} program), {mode}", got, expected, parts)


def _compare(what: str, got, expected: list[str], parts: list[list[str]]) -> None:
    lines = guest_console(got).splitlines()
    for i, (want, have) in enumerate(zip(expected + ["<exit>"], lines + ["<exit>"])):
        if want != have:
            snippet = sum(1 for line in expected[:i] if not line.startswith(("svc ", "undef ")))
            pytest.fail(f"{what}: line {i} (snippet {snippet}) differs\n  qemu:   {want}\n  vtrans: {have}\n"
                        + "\n".join(parts[min(snippet, len(parts) - 1)]))
    assert got.returncode == 0, got.stderr.decode()[-1000:]


@pytest.mark.campaign
@pytest.mark.qemu
@pytest.mark.gnu
@pytest.mark.parametrize("mode", SYSTEM_MODES)
@pytest.mark.parametrize("seed", range(1, PROGRAMS + 1))
@pytest.mark.parametrize("board", BOARDS)
def test_system_programs_match_qemu(board: str, seed: int, mode: str, guest_builder, qemu_arm) -> None:
    _check(board, seed, "system", mode, guest_builder, qemu_arm)


@pytest.mark.campaign
@pytest.mark.qemu
@pytest.mark.gnu
@pytest.mark.parametrize("mode", USER_MODES)
@pytest.mark.parametrize("seed", range(1, PROGRAMS + 1))
@pytest.mark.parametrize("board", BOARDS)
def test_user_programs_match_qemu(board: str, seed: int, mode: str, guest_builder, qemu_arm) -> None:
    _check(board, 1000 + seed, "user", mode, guest_builder, qemu_arm)


@pytest.mark.campaign
@pytest.mark.qemu
@pytest.mark.gnu
@pytest.mark.parametrize("mode", DEPRIVILEGED_MODES)
@pytest.mark.parametrize("seed", range(1, PROGRAMS + 1))
@pytest.mark.parametrize("board", BOARDS)
def test_deprivileged_programs_match_qemu(board: str, seed: int, mode: str, guest_builder, qemu_arm) -> None:
    _check(board, 2000 + seed, "deprivileged", mode, guest_builder, qemu_arm)


#: (strategy, program kind): the stub strategy needs little-endian data (user programs)
SOURCE_REWRITES = [("hypercall", "system"), ("pad", "system"), ("stub", "user"), ("hypercall", "deprivileged")]


@pytest.mark.campaign
@pytest.mark.qemu
@pytest.mark.gnu
@pytest.mark.parametrize("strategy,kind", SOURCE_REWRITES, ids=[f"{s}-{k}" for s, k in SOURCE_REWRITES])
@pytest.mark.parametrize("seed", range(1, max(1, PROGRAMS // 2) + 1))
@pytest.mark.parametrize("board", BOARDS)
def test_rewritten_sources_match_qemu(board: str, seed: int, strategy: str, kind: str, guest_builder,
                                      qemu_arm) -> None:
    """Pre-virtualization at the assembly level (``vtrans rewrite prog.s``): the rewritten source,
    assembled by GNU as, runs pre-virtualized as the original runs on QEMU.  The padded source
    (Afterburner's promise: still runnable on bare hardware) has other addresses, so QEMU runs it
    too, and vtrans must match that natively, in bt and pre-virtualized."""
    from vtrans.assembler.parser import parse_text
    from vtrans.assembler.printer import print_program
    from vtrans.translator.rewrite import rewrite

    seed += {"system": 3000, "user": 4000, "deprivileged": 5000}[kind]
    image, parts, expected = _program(board, seed, kind, guest_builder, qemu_arm)
    source = guest_builder.tmp / f"random_{board}_{seed}_{kind}.s"
    result = rewrite([parse_text(source.read_text(), str(source))], strategy)
    image2 = guest_builder.build_text(print_program(result.programs[0]), board,
                                      f"random_{board}_{seed}_{kind}_{strategy}")
    modes = ["previrt"]
    if strategy == "pad":
        expected = qemu_reference(qemu_arm, image2, board).semihost.decode().splitlines()
        assert len(expected) == len(_program(board, seed, kind, guest_builder, qemu_arm)[2])
        modes = ["previrt", "native", "bt"]
    for mode in modes:
        got = vtrans_run(image2, board, "--mode", mode)
        _compare(f"{board} seed {seed} ({kind} program, rewritten with {strategy}), {mode}", got, expected, parts)


def test_deprivileged_programs_keep_sensitive_instructions_privileged(tmp_path) -> None:
    """What makes a program runnable under trap-and-emulate, as ``vtrans analyze`` sees it: the
    snippets add no sensitive instruction that does not trap -- the only ones are the fixed
    dump's and system-call handler's CPSR accesses, which keep to the flags (the same findings
    as a program with no snippet), where a system program has many."""
    def sensitive(source: str, name: str) -> list[str]:
        path = tmp_path / name
        path.write_text(source)
        r = subprocess.run([sys.executable, "-m", "vtrans", "analyze", str(path), "--json"], capture_output=True,
                           text=True, stdin=subprocess.DEVNULL, timeout=120)
        assert r.returncode == 0, r.stderr
        return sorted(f["text"] for f in json.loads(r.stdout)["instructions"] if f["class"] == "sensitive")

    for board in BOARDS:
        fixed = sensitive(Generator(2001, board, **KINDS["deprivileged"]).program(0)[0], f"{board}-0.s")
        assert fixed
        full = sensitive(Generator(2001, board, **KINDS["deprivileged"]).program(SNIPPETS)[0], f"{board}-d.s")
        assert full == fixed
        system = sensitive(Generator(1, board, **KINDS["system"]).program(SNIPPETS)[0], f"{board}-s.s")
        assert len(system) > len(fixed) + 10


def test_generator_is_deterministic() -> None:
    assert Generator(7, "virt").program(5) == Generator(7, "virt").program(5)
    assert Generator(7, "virt").program(5) != Generator(8, "virt").program(5)

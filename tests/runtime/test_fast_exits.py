"""Fast exits (``runtime/ucinternals.py``): A32 blocks translated without Unicorn's exit check
after each load and store, A32 coprocessor interception through Unicorn's exits instead of
code hooks.  The reference is the same run with Unicorn's checks and code hooks
(``VTRANS_EXIT_CHECKS=all``): output, instruction count, exceptions, interrupts and virtual
time must be identical -- and both match QEMU where the other suites compare them."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from vtrans.runtime import ucinternals

from tests.runtime.test_boards import _timer_case, build_guest, run_vtrans
from tests.runtime.test_samples_native import SAMPLE_LIST, SLOW, build, run_native


def test_the_flag_is_found_on_this_unicorn(monkeypatch):
    offset = ucinternals.no_exit_offset()
    assert isinstance(offset, int) and offset > 0
    monkeypatch.setenv("VTRANS_EXIT_CHECKS", "all")
    assert ucinternals.no_exit_offset() is None


def _run(board: str, image: Path, monkeypatch, checks: bool):
    if checks:
        monkeypatch.setenv("VTRANS_EXIT_CHECKS", "all")
    else:
        monkeypatch.delenv("VTRANS_EXIT_CHECKS", raising=False)
    out, stats = run_vtrans(board, image)
    return out, stats.instructions, dict(stats.exceptions), stats.virtual_ns, stats.exit_reason


@pytest.mark.gnu
@pytest.mark.parametrize("board", ["versatilepb", "realview-pb-a8", "vexpress-a9", "virt"])
def test_timer_guests_run_the_same_with_and_without_exit_checks(board, tmp_path, monkeypatch):
    """Timer interrupts through each board's controller; on virt, the generic timer through
    intercepted ``mrc``/``mcr`` (exits)."""
    body, symbols = _timer_case(board)
    _elf, image = build_guest(tmp_path, board, body, symbols=symbols)
    fast = _run(board, image, monkeypatch, checks=False)
    slow = _run(board, image, monkeypatch, checks=True)
    assert fast[0].endswith("END\n")
    assert fast == slow


def _virt_timer_machine(tmp_path):
    """virt's timer guest, run natively for 10 000 instructions: (the machine, its board,
    the image)."""
    from vtrans.runtime.boards import get_board
    from vtrans.runtime.loader import read_image
    from vtrans.runtime.machine import Machine

    body, symbols = _timer_case("virt")
    _elf, image = build_guest(tmp_path, "virt", body, symbols=symbols)
    spec = get_board("virt")
    m = Machine(spec, icount_shift=3, uart_output=lambda b: None)
    m.load(read_image(str(image), spec))
    m.run(max_insns=10_000)
    return m, spec, image


def test_native_mode_uses_fast_exits_and_a_tracer_keeps_the_checks(tmp_path):
    from vtrans.runtime.loader import read_image
    from vtrans.runtime.machine import Machine

    m, spec, image = _virt_timer_machine(tmp_path)
    assert m._exits_fast and m._cp_exits, "the generic timer's mrc/mcr are exits"
    m2 = Machine(spec, icount_shift=3, uart_output=lambda b: None)
    m2.keep_exit_checks()
    m2.load(read_image(str(image), spec))
    m2.run(max_insns=10_000)
    assert not m2._exits_fast and not m2._cp_exits
    assert m2.instructions == m.instructions


def sample_runs(name: str, tmp_path: Path, checks: tuple[str | None, ...]):
    """The sample ``name`` run natively once for each ``VTRANS_EXIT_CHECKS`` value (None: not
    set): exit status, output and the run's statistics, for comparison."""
    sample = next(s for s in SAMPLE_LIST if s.name == name)
    image = build.build(sample, tmp_path)
    results = []
    for i, value in enumerate(checks):
        stats = tmp_path / f"stats-{i}.json"
        env = {k: v for k, v in os.environ.items() if k != "VTRANS_EXIT_CHECKS"}
        if value is not None:
            env["VTRANS_EXIT_CHECKS"] = value
        proc = run_native(sample, image, extra=("--stats-json", str(stats)), env=env)
        data = json.loads(stats.read_text())
        results.append((proc.returncode, proc.stdout,
                        {k: data[k] for k in ("instructions", "exit_reason", "exit_code", "exceptions", "interrupts",
                                              "virtual_ns") if k in data}))
    return sample, results


@pytest.mark.gnu
def test_unicorns_look_at_an_exit_page_leaves_its_exits_alone(tmp_path):
    """When a run ends, Unicorn walks its set of exits and looks at the page before each one
    (``uc_exit_invalidate_iter``), through the TLB fill: a page scanned there must not hand
    Unicorn a new set of exits, which frees the one being walked (a crash, seen as a segfault
    in ``test_many_exit_addresses_fall_back_and_ticks_match_qemu`` now and then); the new set
    goes to Unicorn before the next run."""
    m, _spec, _image = _virt_timer_machine(tmp_path)
    assert m._exits_fast and m._cp_exits
    page = -m._tlb_page
    exit_addr = min(m._cp_exits)
    va = (exit_addr - 1) & page
    assert not m._exit_look(m.uc.reg_read(unicorn_pc()) & page), "the guest's own fetch"
    m.uc.reg_write(unicorn_pc(), va + 16 * m._tlb_page)   # (the guest stopped on another page)
    assert m._exit_look(va), "PC is elsewhere: a fetch translation of that page is Unicorn's"
    pushed = []
    real = m.uc.ctl_set_exits
    m.uc.ctl_set_exits = lambda exits: (pushed.append(list(exits)), real(exits))
    # the page is new to the machine (forgotten: its exits are gone from the machine's set,
    # not yet from Unicorn's, which is being walked) and its scan changes the set of exits
    pa, _data, hooks = m._cp_pages.pop(va)
    for h in hooks:
        m._unhook(h)
    walked = tuple(sorted(set(m._cp_exits) | {exit_addr + 4}))   # (one on that page)
    real(list(walked))
    m._exit_set = walked
    pushed.clear()
    m._executable_entry(pa, True, va)
    assert pushed == [] and exit_addr in m._cp_exits
    m._set_exits(m._until)   # (what the next run does first)
    assert m._exit_set == tuple(sorted(m._cp_exits))


def unicorn_pc() -> int:
    from unicorn import arm_const

    return arm_const.UC_ARM_REG_PC


@pytest.mark.gnu
@pytest.mark.parametrize("name", [s.name for s in SAMPLE_LIST if s.name not in SLOW])
def test_samples_run_the_same_with_and_without_exit_checks(name, tmp_path):
    sample, results = sample_runs(name, tmp_path, (None, "all"))
    assert results[0][1] == sample.expected_path.read_bytes()
    assert results[0] == results[1]


@pytest.mark.gnu
def test_frequent_coprocessor_exits_fall_back_to_the_checks(guest_builder, monkeypatch):
    """A busy-wait on the generic timer makes an intercepted access every 4 instructions: the
    machine goes back to Unicorn's checks and code hooks (an exit per access would cost ~3x),
    and the run is the one made with the checks from the start."""
    from guestlib import GUESTS
    from vtrans.isa.arm.semihosting import HostIO
    from vtrans.runtime.boards import get_board
    from vtrans.runtime.loader import read_image
    from vtrans.runtime.machine import EXIT_TAKEN_COST, EXIT_WINDOW, Machine

    image = guest_builder.build(GUESTS / "cntvct_busy.s", "virt")
    spec = get_board("virt")
    runs = []
    for checks in (False, True):
        if checks:
            monkeypatch.setenv("VTRANS_EXIT_CHECKS", "all")
        console = bytearray()
        m = Machine(spec, icount_shift=3, uart_output=lambda b: None,
                    io=HostIO(console=console.extend, stdout=console.extend, stderr=console.extend))
        m.load(read_image(str(image), spec))
        stats = m.run(timeout=60)
        runs.append((bytes(console), stats.instructions, m.final_state().to_dict()))
        if not checks:
            assert not m._exits_fast and 0 < m._cp_exits_taken <= EXIT_WINDOW // EXIT_TAKEN_COST
    assert runs[0][0] == b"0000c350\n"
    assert runs[0] == runs[1]


@pytest.mark.qemu
@pytest.mark.gnu
def test_many_exit_addresses_fall_back_and_ticks_match_qemu(guest_builder, qemu_arm, monkeypatch):
    """500 intercepted accesses that never run, and a timer interrupt every ~100 000
    instructions: the exits' cost at every run's end outweighs what they save, so the machine
    goes back to the checks early; the tick count is QEMU's (-icount), both ways."""
    from guestlib import GUESTS, qemu_run
    from vtrans.isa.arm.semihosting import HostIO
    from vtrans.runtime.boards import get_board
    from vtrans.runtime.loader import read_image
    from vtrans.runtime.machine import Machine

    image = guest_builder.build(GUESTS / "tick_cold.s", "virt",
                                defsyms={"PERIOD": 50_000, "WORK": 2_000_000, "COLD": 500})
    ref = qemu_run(qemu_arm, image, "virt", icount_shift=3)
    assert ref.returncode == 0 and ref.semihost == b"00000050\n"
    spec = get_board("virt")
    runs = []
    for checks in (False, True):
        if checks:
            monkeypatch.setenv("VTRANS_EXIT_CHECKS", "all")
        console = bytearray()
        m = Machine(spec, icount_shift=3, uart_output=lambda b: None,
                    io=HostIO(console=console.extend, stdout=console.extend, stderr=console.extend))
        m.load(read_image(str(image), spec))
        stats = m.run(timeout=60)
        runs.append((bytes(console), stats.instructions, stats.interrupts["irq"], m.final_state().to_dict()))
        if not checks:
            assert not m._exits_fast and m._cp_exits_taken < 10
    assert runs[0][0] == ref.semihost
    assert runs[0] == runs[1]

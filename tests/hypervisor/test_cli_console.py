"""``vtrans run`` with several guests, and the console mediator."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from helpers import LIB, guest, qemu_expected, sample, without_wall
from vtrans.runtime.hypervisor.console import MAX_LINE, ConsoleMediator, ConsoleMode, untag
from vtrans.runtime.hypervisor.hypervisor import parse_vm_args


def _vtrans(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "vtrans", "run", *args], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=300, cwd=cwd)


def test_cli_tagged_and_split(tmp_path):
    a, b = sample("pingpong_a")[0], sample("victim")[0]
    stats1, stats2 = tmp_path / "s1.json", tmp_path / "s2.json"
    r = _vtrans(f"{a}:trap", b, "--slice", "5000", "--stats-json", str(stats1))
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    assert untag(r.stdout, "pingpong_a") == qemu_expected("pingpong_a")
    assert untag(r.stdout, "victim") == qemu_expected("victim")
    assert "world switches" in r.stderr and "us per switch" in r.stderr
    d = json.loads(stats1.read_text())
    assert [v["name"] for v in d["vms"]] == ["pingpong_a", "victim"]
    assert [v["mode"] for v in d["vms"]] == ["trap", "native"]
    assert d["hypervisor"]["world_switches"] >= 2
    assert abs(sum(v["cpu_share"] for v in d["vms"]) - 1) < 1e-3

    out_dir = tmp_path / "console"
    out_dir.mkdir()
    r = _vtrans(f"{a}:trap", b, "--slice", "5000", "--console", "split", "--console-dir", str(out_dir),
                "--stats-json", str(stats2), "--final-state", str(tmp_path / "final.json"))
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""
    assert sorted(os.listdir(out_dir)) == ["pingpong_a.out", "victim.out"]
    assert (out_dir / "pingpong_a.out").read_text() == qemu_expected("pingpong_a")
    assert (out_dir / "victim.out").read_text() == qemu_expected("victim")
    assert without_wall(json.loads(stats2.read_text())) == without_wall(d)
    final = json.loads((tmp_path / "final.json").read_text())
    assert set(final) == {"pingpong_a", "victim"} and final["pingpong_a"]["instructions"] > 0


def test_cli_assembly_groups_and_focus(tmp_path):
    ping = "+".join(guest("msg_ping"))
    pong = "+".join(guest("msg_pong"))
    r = _vtrans(ping, pong, "--focus", "msg_pong")
    assert r.returncode == 0, r.stderr
    assert "[msg_pong] pong: done" in r.stdout


def test_cli_errors_without_traceback(tmp_path):
    a = sample("pingpong_a")[0]
    for args, needle in (([a, f"{a}:nosuchmode"], "unknown execution mode"),
                         ([a, a, "--focus", "zz"], "--focus zz"),
                         ([a, a, "--console", "split"], "--console-dir"),
                         ([a, a, "--console-dir", str(tmp_path)], "--console split"),
                         ([a, str(tmp_path / "missing.elf")], "no such file"),
                         ([a, a, "--slice", "0"], "--slice")):
        r = _vtrans(*args)
        assert r.returncode == 2, (args, r.stderr)
        assert needle in r.stderr, (args, r.stderr)
        assert "Traceback" not in r.stderr
    assert os.listdir(tmp_path) == []  # no half-written output


def test_mediator_tags_lines_and_cuts_floods(tmp_path):
    out = bytearray()
    med = ConsoleMediator(sink=out.extend)
    wa, wb = med.attach("a"), med.attach("b")
    wa(b"hel")
    wb(b"one\ntw")
    wa(b"lo\nwor")
    wb(b"o\n")
    wa(b"y" * (2 * MAX_LINE + 5))
    med.close()
    assert out.decode().splitlines() == ["[b] one", "[a] hello", "[b] two", "[a] wor" + "y" * (MAX_LINE - 3),
                                         "[a] " + "y" * MAX_LINE, "[a] " + "y" * 8]
    assert med.cut_lines == {"a": 2, "b": 0}
    assert med.bytes == {"a": len(b"hel" b"lo\nwor") + 2 * MAX_LINE + 5, "b": len(b"one\ntw" b"o\n")}

    split = ConsoleMediator(ConsoleMode.SPLIT, directory=str(tmp_path))
    w = split.attach("vm")
    w(b"raw\x00bytes, no newline")
    assert not (tmp_path / "vm.out").exists()  # written to a temporary file until the end
    split.close()
    assert (tmp_path / "vm.out").read_bytes() == b"raw\x00bytes, no newline"


def test_vm_arguments():
    modes = ["bt", "native", "previrt", "trap"]
    specs = parse_vm_args(["x/a.elf", "y/a.elf:bt", f"p.s+{LIB}:trap"], "native", modes)
    assert [(s.name, s.mode, s.inputs) for s in specs] == [
        ("a", "native", ("x/a.elf",)), ("a-2", "bt", ("y/a.elf",)), ("p", "trap", ("p.s", LIB))]


def test_cli_input_goes_to_the_vm_in_focus(tmp_path):
    echo, other = sample("uart_echo")[0], sample("pingpong_a")[0]
    stdin = str(sample("uart_echo")[0]).replace("uart_echo.s", "input.txt")
    out_dir = tmp_path / "console"
    out_dir.mkdir()
    r = _vtrans(other, echo, "--focus", "uart_echo", "--stdin", stdin, "--console", "split",
                "--console-dir", str(out_dir), "--slice", "20000")
    assert r.returncode == 0, r.stderr
    # QEMU's output with the same bytes on its standard input; the other VM saw none of them
    assert (out_dir / "uart_echo.out").read_text() == qemu_expected("uart_echo")
    assert (out_dir / "pingpong_a.out").read_text() == qemu_expected("pingpong_a")

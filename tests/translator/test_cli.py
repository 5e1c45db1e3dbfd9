"""``vtrans analyze`` / ``vtrans rewrite`` as a user sees them: JSON shape, the
verdict, and errors (exit 2, ``file:line:col: error:``, never a traceback, no
half-written output)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SRC = """\
    .text
    .global _start
_start:
    cpsid i
    mrs r0, cpsr
    mcr p15, 0, r0, c1, c0, 0
    subs pc, lr, #4
dead:
    wfi
"""


def vtrans(*args, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "vtrans", *map(str, args)], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, cwd=cwd, timeout=120)


@pytest.fixture
def src(tmp_path) -> Path:
    p = tmp_path / "k.s"
    p.write_text(SRC)
    return p


def test_analyze_json(src):
    r = vtrans("analyze", src, "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    rows = data["instructions"]
    assert [(d["line"], d["class"]) for d in rows] == [(4, "sensitive"), (5, "sensitive"), (6, "privileged"),
                                                       (7, "unpredictable"), (9, "sensitive")]
    assert all({"file", "line", "text", "class", "kind", "reachable"} <= d.keys() for d in rows)
    assert rows[0]["text"] == "cpsid i" and rows[0]["kind"] == "control"
    assert [d["reachable"] for d in rows] == [True, True, True, True, False]
    assert data["summary"] == {"privileged": 1, "sensitive": 3, "unpredictable": 1}
    assert data["virtualizable"] is False


def test_analyze_text_verdict(src, tmp_path):
    r = vtrans("analyze", src, "--cfg", tmp_path / "g.dot")
    assert r.returncode == 0, r.stderr
    assert "not virtualizable by trap-and-emulate: 3 sensitive instructions do not trap" in r.stdout
    assert "k.s:4: cpsid i" in r.stdout
    assert (tmp_path / "g.dot").read_text().startswith("digraph")


def test_rewrite_then_analyze(src, tmp_path):
    out = tmp_path / "k.hyp.s"
    r = vtrans("rewrite", src, "-o", out, "--strategy", "hypercall")
    assert r.returncode == 0, r.stderr
    assert "k.s:4: cpsid i" in r.stdout and "svc #0x800000" in r.stdout and "5 sites" in r.stdout
    data = json.loads(vtrans("analyze", out, "--json").stdout)
    assert data["instructions"] == [] and data["virtualizable"] is True


def test_rewrite_several_inputs_to_directory(src, tmp_path):
    other = tmp_path / "b.s"
    other.write_text("    .text\nf:  cpsie i\n    bx lr\n")
    out = tmp_path / "out"
    r = vtrans("rewrite", src, other, "-o", out, "--strategy", "pad")
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["b.s", "k.s"]
    assert ".Lvtrans_site_5:" in (out / "b.s").read_text()       # indexes continue across files


@pytest.mark.parametrize("args, message", [
    (["analyze", "missing.s"], "missing.s: no such file"),
    (["rewrite", "missing.s", "-o", "x.s"], "missing.s: no such file"),
    (["analyze", "bad.s"], "bad.s:2:"),
    (["rewrite", "nonconst.s", "-o", "out.s"], "nonconst.s:1:"),
    (["analyze", "k.s", "--cfg", "graph.png"], "must end in .dot, .gv or .svg"),
    (["rewrite", "k.s", "-o", "k.s"], "would overwrite its input"),
])
def test_errors(tmp_path, src, args, message):
    (tmp_path / "bad.s").write_text("    .text\n    mov r0, \n")
    (tmp_path / "nonconst.s").write_text("    mcr p15, 0, r0, c1, c0, undefined_symbol\n")
    r = vtrans(*args, cwd=tmp_path)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    assert message in r.stderr
    assert not (tmp_path / "out.s").exists()


def test_rewrite_refuses_rewritten_input(src, tmp_path):
    out = tmp_path / "once.s"
    assert vtrans("rewrite", src, "-o", out).returncode == 0
    r = vtrans("rewrite", out, "-o", tmp_path / "twice.s")
    assert r.returncode == 2 and "already rewritten" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "twice.s").exists()


def test_unknown_strategy(src):
    r = vtrans("rewrite", src, "-o", "x.s", "--strategy", "magic")
    assert r.returncode == 2 and "invalid choice" in r.stderr

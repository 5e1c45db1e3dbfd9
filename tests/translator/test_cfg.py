"""CFG on programs of known structure: blocks, typed edges, entries, vectors,
reachability, loops, call graph, DOT/SVG export."""

from __future__ import annotations

import shutil

import pytest

from vtrans.assembler.parser import parse_text
from vtrans.translator.cfg import ROOT, EdgeKind, build_cfg

KERNEL = """\
    .syntax unified
    .arm
    .section .vectors, "ax"
    .global _start
_start:
    ldr pc, reset_addr
    ldr pc, und_addr
    ldr pc, svc_addr
    ldr pc, pabt_addr
    ldr pc, dabt_addr
    nop
    ldr pc, irq_addr
    ldr pc, fiq_addr
reset_addr: .word reset
und_addr: .word hang
svc_addr: .word svc_handler
pabt_addr: .word hang
dabt_addr: .word hang
irq_addr: .word irq_handler
fiq_addr: .word hang
    .text
reset:
    cpsid if
    mov r1, #10
1:  subs r1, r1, #1
    bne 1b
    bl func
    ldr r0, =table
    mcr p15, 0, r0, c12, c0, 0
hang: b hang
func:
    push {r4, lr}
    mov r4, #1
    pop {r4, pc}
svc_handler:
    movs pc, lr
irq_handler:
    subs pc, lr, #4
table:
    b reset
    b hang
    b hang
    b hang
    b hang
    nop
    b irq_handler
    b hang
dead:
    wfi
    b dead
"""


def names(cfg, ids):
    return {cfg.blocks[b].name for b in ids}


@pytest.fixture(scope="module")
def cfg():
    return build_cfg([parse_text(KERNEL, "kernel.s")])


def test_blocks(cfg):
    # 8 slots of the _start table (every slot starts a block), reset, loop, call, vbar,
    # hang, func, svc, irq, 8 slots of table, dead
    assert len(cfg.blocks) == 8 + 5 + 3 + 8 + 1
    loop = next(b for b in cfg.blocks.values() if b.labels == ["1"])
    assert len(loop.stmts) == 2


def test_edges(cfg):
    by = {(cfg.blocks[u].name if u != ROOT else ROOT, cfg.blocks[v].name, k) for u, v, k in cfg.edges()}
    assert ("1", "1", EdgeKind.COND_BRANCH) in by
    assert ("reset", "1", EdgeKind.FALLTHROUGH) in by
    assert ("hang", "hang", EdgeKind.BRANCH) in by
    assert any(u != ROOT and v == "func" and k is EdgeKind.CALL for u, v, k in by)
    assert ("func", cfg.blocks[cfg.label_block[(0, "hang")] - 1].name, EdgeKind.RETURN) in by
    # vector slots reach their handlers through the literal words
    assert ("_start", "reset", EdgeKind.INDIRECT) in by
    assert not any(u == "svc_handler" for u, _, _ in by)          # exception return: no successor
    counts = {k: sum(1 for *_, kk in cfg.edges() if kk is k) for k in EdgeKind}
    assert counts[EdgeKind.CALL] == 1 and counts[EdgeKind.RETURN] == 1


def test_vector_tables(cfg):
    # by shape at _start, and through the VBAR write (mcr p15, 0, r0, c12, c0, 0) at table
    assert len(cfg.vector_tables) == 2
    vec = [(v, d["reason"]) for _, v, d in cfg.graph.out_edges(ROOT, data=True) if d["kind"] is EdgeKind.VECTOR]
    assert len(vec) == 2 * 8
    assert {r for _, r in vec} >= {"reset", "svc", "irq", "fiq"}


def test_reachability(cfg):
    reach = names(cfg, cfg.reachable())
    assert {"reset", "1", "func", "svc_handler", "irq_handler", "hang", "table"} <= reach
    assert "dead" not in reach


def test_loops_and_call_graph(cfg):
    loops = {(cfg.blocks[h].name, cfg.blocks[t].name) for h, t in cfg.loops()}
    assert ("1", "1") in loops and ("hang", "hang") in loops and ("dead", "dead") in loops
    cg = cfg.call_graph()
    assert cg.has_edge("reset", "func")


def test_multi_file_globals():
    a = parse_text(".text\n.global _start\n_start: bl helper\nb _start\n", "a.s")
    b = parse_text(".text\n.global helper\nhelper: bx lr\nunused: bx lr\n", "b.s")
    cfg = build_cfg([a, b])
    reach = names(cfg, cfg.reachable())
    assert {"_start", "helper"} <= reach and "unused" not in reach
    assert any(k is EdgeKind.CALL for *_, k in cfg.edges())


def test_dot_and_svg(cfg, tmp_path):
    dot = cfg.to_dot(highlight=[cfg.label_block[(0, "reset")]])
    assert dot.startswith("digraph") and "fillcolor" in dot and "exception-vector" in dot
    out = tmp_path / "g.dot"
    cfg.write(str(out))
    assert out.read_text() == cfg.to_dot()
    if shutil.which("dot") is None:
        pytest.fail("graphviz 'dot' not found: install the Debian package graphviz")
    svg = tmp_path / "g.svg"
    cfg.write(str(svg))
    assert b"<svg" in svg.read_bytes()

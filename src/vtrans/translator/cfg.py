"""Control-flow graph over the IR of one or several source files (networkx).

Generic: every fact about an instruction (does it branch, call, return; its
target; does it write the vector base) comes from the ISA plugin
(``Isa.flow``, ``Isa.vector_base_write``, ``Isa.address_load``).

Basic blocks start at labels, at branch targets and after control transfers;
they hold instructions only (data directives end a block).  Edges are typed
(``EdgeKind``).  A synthetic root node, ``ROOT``, has an edge to every entry
point: the program entry (``_start`` or a given symbol), each slot of every
exception vector table (recognised by shape — a run of branches or
``ldr pc, [pc, #x]`` — or because its label is written to the vector base
register), global symbols and address-taken labels (``.word label``,
``ldr rX, =label``).  Reachability is reachability from ``ROOT``.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import networkx as nx

from vtrans import isa as isa_registry
from vtrans.assembler.ir import Binary, Directive, Instruction, Label, LocalRef, Num, Program, Sym
from vtrans.fileio import write_atomically
from vtrans.errors import UsageError, VtransError
from vtrans.isa.base import Flow, FlowKind

log = logging.getLogger(__name__)

ROOT = "<entry>"
INDIRECT = "<indirect>"      # stands for every address-taken label (targets of computed jumps)


class EdgeKind(StrEnum):
    FALLTHROUGH = "fallthrough"
    BRANCH = "branch"
    COND_BRANCH = "conditional-branch"
    CALL = "call"
    RETURN = "return"
    INDIRECT = "indirect"
    VECTOR = "exception-vector"      # ROOT -> a vector table slot
    ENTRY = "entry"                  # ROOT -> program entry, global symbol, address-taken label


#: edges that stay inside one function
INTRA = frozenset({EdgeKind.FALLTHROUGH, EdgeKind.BRANCH, EdgeKind.COND_BRANCH})


@dataclass
class Block:
    """A basic block: instructions ``stmts`` (statement indexes) of input ``file``."""

    id: int
    file: int
    section: str
    stmts: list[int] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    flow: Flow | None = None          # flow of the last instruction

    @property
    def name(self) -> str:
        return self.labels[0] if self.labels else f"bb{self.id}"


_DATA_SIZES = {"word": 4, "long": 4, "4byte": 4, "int": 4, "short": 2, "hword": 2, "2byte": 2,
               "byte": 1, "quad": 8, "8byte": 8}
_SECTION_DIRECTIVES = {"text": ".text", "data": ".data", "bss": ".bss"}


def _is_code_section(name: str) -> bool:
    return name.startswith(".text") or name in (".init", ".fini", ".vectors") or "text" in name \
        or name.startswith(".vtrans.stubs")


class Cfg:
    """The CFG of a set of programs; build with ``build_cfg``."""

    def __init__(self, programs: Sequence[Program], isa_name: str):
        self.programs = list(programs)
        self.isa = isa_registry.get(isa_name)
        self.graph = nx.MultiDiGraph()
        self.blocks: dict[int, Block] = {}
        self.block_at: dict[tuple[int, int], int] = {}      # (file, stmt) -> block id
        self.label_block: dict[tuple[int, str], int] = {}   # (file, label) -> block id
        self.label_stmt: dict[tuple[int, str], int] = {}    # (file, label) -> statement index
        self.label_index: dict[str, list[int]] = {}         # label -> blocks (any file)
        self.globals: dict[str, int] = {}                   # name -> file
        self.functions: set[str] = set()                    # names typed %function
        self.address_taken: set[tuple[int, str]] = set()
        self.table_targets: set[tuple[int, str]] = set()    # labels only named in jump tables
        self.vector_tables: list[tuple[int, int]] = []      # (file, first stmt) of each table
        self.vector_slots: set[tuple[int, int]] = set()     # (file, stmt) of every slot
        self.entries: dict[int, str] = {}                   # block id -> why it is an entry
        self.offsets: dict[tuple[int, int], tuple[str, int]] = {}   # (file, stmt) -> (section, offset)
        self.at_offset: dict[tuple[int, str, int], int] = {}        # (file, section, offset) -> stmt
        self.unresolved: list[tuple[int, int, str]] = []
        self.flows: dict[tuple[int, int], Flow] = {}        # (file, stmt) -> flow of that instruction

    # ------------------------------------------------------------------ queries

    def reachable(self) -> set[int]:
        return {n for n in nx.descendants(self.graph, ROOT) if n != INDIRECT}

    def block_of(self, file: int, stmt: int) -> int | None:
        return self.block_at.get((file, stmt))

    def edges(self, kind: EdgeKind | None = None) -> list[tuple[int | str, int, EdgeKind]]:
        return [(u, v, d["kind"]) for u, v, d in self.graph.edges(data=True)
                if kind is None or d["kind"] is kind]

    def intra_graph(self) -> nx.DiGraph:
        g = nx.DiGraph()
        g.add_nodes_from(self.blocks)
        g.add_edges_from((u, v) for u, v, d in self.graph.edges(data=True)
                         if d["kind"] in INTRA and u != ROOT)
        return g

    def loops(self) -> list[tuple[int, int]]:
        """Natural loops as ``(header, latch)`` back edges (the header dominates the latch)."""
        g = self.intra_graph()
        g.add_node(ROOT)
        heads = [b for b in self.blocks if g.in_degree(b) == 0 or self.graph.has_edge(ROOT, b)]
        g.add_edges_from((ROOT, b) for b in heads)
        seen = nx.descendants(g, ROOT)
        for b in sorted(self.blocks):          # code reached only from itself (dead loops)
            if b not in seen:
                g.add_edge(ROOT, b)
                seen |= {b} | nx.descendants(g, b)
        idom = nx.immediate_dominators(g, ROOT)

        def dominates(a, b) -> bool:
            while b in idom and b != ROOT:
                if b == a:
                    return True
                if idom[b] == b:
                    return False
                b = idom[b]
            return a == b

        return sorted((v, u) for u, v in g.edges() if u != ROOT and u in idom and dominates(v, u))

    def function_entries(self) -> dict[int, str]:
        """Blocks that start a function: call targets, global functions, the entry point."""
        out: dict[int, str] = {}
        for u, v, d in self.graph.edges(data=True):
            if d["kind"] is EdgeKind.CALL or u == ROOT:
                out[v] = self.blocks[v].name
        return out

    def function_body(self, entry: int) -> set[int]:
        g = self.intra_graph()
        return {entry} | nx.descendants(g, entry)

    def call_graph(self) -> nx.DiGraph:
        """Functions (by entry label) and who calls whom."""
        cg = nx.DiGraph()
        entries = self.function_entries()
        cg.add_nodes_from(entries.values())
        for e, name in entries.items():
            for b in self.function_body(e):
                for _, v, d in self.graph.out_edges(b, data=True):
                    if d["kind"] is EdgeKind.CALL:
                        cg.add_edge(name, self.blocks[v].name)
        return cg

    # ------------------------------------------------------------------ export

    def to_dot(self, highlight: Iterable[int] = (), fmt: Callable[[Instruction], str] | None = None,
               title: str = "cfg") -> str:
        """Graphviz DOT text; blocks in ``highlight`` (e.g. with sensitive instructions) are red."""
        hl = set(highlight)
        reach = self.reachable()
        fmt = fmt or _default_fmt
        lines = [f'digraph "{_esc(title)}" {{', '  node [shape=box, fontname="monospace", fontsize=10];',
                 f'  "{ROOT}" [shape=ellipse];', f'  "{INDIRECT}" [shape=ellipse];']
        for b in self.blocks.values():
            prog = self.programs[b.file]
            body = [f"{lab}:" for lab in b.labels]
            body += [fmt(prog.statements[i]) for i in b.stmts]
            label = "\\l".join(_esc(t) for t in body) + "\\l"
            style = []
            if b.id in hl:
                style.append('style=filled, fillcolor="#ffb3b3", color="#cc0000"')
            elif b.id not in reach:
                style.append('style=dashed, color="#999999"')
            extra = (", " + ", ".join(style)) if style else ""
            lines.append(f'  b{b.id} [label="{label}"{extra}];')
        for u, v, d in self.graph.edges(data=True):
            kind = d["kind"]
            src = f'"{u}"' if isinstance(u, str) else f"b{u}"
            dst = f'"{v}"' if isinstance(v, str) else f"b{v}"
            attrs = [f'label="{kind.value}{(" " + d["reason"]) if d.get("reason") else ""}"']
            if kind in (EdgeKind.CALL, EdgeKind.RETURN, EdgeKind.INDIRECT):
                attrs.append("style=dashed")
            lines.append(f"  {src} -> {dst} [{', '.join(attrs)}];")
        lines.append("}")
        return "\n".join(lines) + "\n"

    def write(self, path: str, **kw) -> None:
        """Write DOT (``.dot``/``.gv``) or SVG (``.svg``, needs graphviz's ``dot``) atomically."""
        dot_text = self.to_dot(**kw)
        if path.endswith(".svg"):
            exe = shutil.which("dot")
            if exe is None:
                raise UsageError("writing SVG needs graphviz's 'dot' (install graphviz), or use a .dot file")
            proc = subprocess.run([exe, "-Tsvg"], input=dot_text.encode(), capture_output=True,
                                  timeout=120)
            if proc.returncode != 0:
                raise VtransError(f"dot failed: {proc.stderr.decode(errors='replace').strip()}")
            data = proc.stdout
        else:
            data = dot_text.encode()
        write_atomically(path, data)


def _esc(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"').replace("{", "\\{").replace("}", "\\}") \
        .replace("<", "\\<").replace(">", "\\>").replace("|", "\\|")


def _default_fmt(insn: Instruction) -> str:
    try:
        from vtrans.assembler.printer import format_instruction
    except ImportError:
        return insn.mnemonic + insn.suffix + ("s" if insn.setflags else "") + (insn.cond or "")
    return format_instruction(insn)


# ---------------------------------------------------------------------- building


def _directive_size(d: Directive) -> int | None:
    """Bytes a data/space directive emits, when known without layout (None: unknown)."""
    n = d.name
    if n in _DATA_SIZES:
        return _DATA_SIZES[n] * max(len(d.args), 1)
    if n in ("space", "skip", "zero") and d.args and isinstance(d.args[0], Num):
        return d.args[0].value
    if n in ("ascii", "asciz", "string"):
        total = 0
        for a in d.args:
            v = getattr(a, "value", None)
            if not isinstance(v, bytes):
                return None
            total += len(v) + (0 if n == "ascii" else 1)
        return total
    return 0 if n not in ("align", "balign", "p2align", "fill", "incbin", "org") else None


def _align(n: str, args: tuple, offset: int) -> int | None:
    if not args or not isinstance(args[0], Num):
        return None
    v = args[0].value
    size = v if n == "balign" else (1 << v)        # ARM gas: .align n means 2**n
    return (offset + size - 1) // size * size if size > 0 else offset


def _symbols(e: object) -> Iterable[str]:
    if isinstance(e, Sym):
        yield e.name
    elif isinstance(e, Binary):
        yield from _symbols(e.left)
        yield from _symbols(e.right)


def build_cfg(programs: Sequence[Program], isa: str | None = None, entry: str | None = None,
              returns: bool = True) -> Cfg:
    """Build the CFG of ``programs`` (one per source file); ``returns=False`` skips the
    interprocedural return edges (not needed for reachability or vector tables)."""
    if not programs:
        raise UsageError("no input programs")
    cfg = Cfg(programs, isa or programs[0].isa)
    _make_blocks(cfg)
    _make_edges(cfg)
    _make_entries(cfg, entry)
    if returns:
        _make_returns(cfg)
    return cfg


def vector_slots(programs: Sequence[Program], isa: str | None = None) -> set[tuple[int, int]]:
    """``(file, statement)`` of every exception vector slot, without building the edges."""
    if not programs:
        return set()
    cfg = Cfg(programs, isa or programs[0].isa)
    _make_blocks(cfg)
    return {(fi, si) for fi, slots in _vector_tables(cfg) for si in slots}


def _make_blocks(cfg: Cfg) -> None:
    next_id = 0
    flow_of, address_load, word = cfg.isa.flow, cfg.isa.address_load, cfg.isa.word_size
    NEXT = FlowKind.NEXT
    for fi, prog in enumerate(cfg.programs):
        section = ".text"
        stack: list[str] = []
        previous = ".text"
        offsets: dict[str, int | None] = {}
        cur: Block | None = None
        pending_labels: list[str] = []

        def close():
            nonlocal cur
            cur = None

        for si, st in enumerate(prog.statements):
            off = offsets.get(section, 0)
            if type(st) is Instruction:
                pass
            elif isinstance(st, Label):
                cfg.label_stmt[(fi, st.name)] = si
                pending_labels.append(st.name)
                close()
                continue
            if isinstance(st, Directive):
                n = st.name
                new_section = None
                if n in _SECTION_DIRECTIVES:
                    new_section = _SECTION_DIRECTIVES[n]
                elif n in ("section", "pushsection") and st.args:
                    new_section = str(st.args[0]).split(",")[0].strip()
                    if n == "pushsection":
                        stack.append(section)
                elif n == "popsection" and stack:
                    new_section = stack.pop()
                elif n == "previous":
                    new_section = previous
                if new_section is not None:
                    if new_section != section:
                        previous = section
                    section = new_section
                    _flush_labels(cfg, fi, pending_labels)
                    close()
                    continue
                if n in ("global", "globl"):
                    for a in st.args:
                        for s in _symbols(a) if not isinstance(a, str) else [a]:
                            cfg.globals[s] = fi
                    continue
                if n == "type" and len(st.args) >= 2 and "function" in str(st.args[1]):
                    for s in _symbols(st.args[0]) if not isinstance(st.args[0], str) else [st.args[0]]:
                        cfg.functions.add(s)
                    continue
                if n in _DATA_SIZES:
                    for a in st.args:
                        for s in _symbols(a):
                            cfg.address_taken.add((fi, s))
                size = _directive_size(st)
                if n in ("align", "balign", "p2align"):
                    if off is not None:
                        new_off = _align(n, st.args, off)
                        if new_off is not None and new_off != off:
                            close()       # padding: the next instruction starts a block
                        offsets[section] = new_off
                    continue
                if size:
                    if off is not None:
                        cfg.offsets[(fi, si)] = (section, off)
                        cfg.at_offset[(fi, section, off)] = si
                        offsets[section] = off + size
                    _flush_labels(cfg, fi, pending_labels)
                    close()
                elif size is None:
                    offsets[section] = None
                    _flush_labels(cfg, fi, pending_labels)
                    close()
                continue
            if type(st) is not Instruction:
                continue
            if off is not None:
                cfg.offsets[(fi, si)] = (section, off)
                cfg.at_offset[(fi, section, off)] = si
                offsets[section] = off + word
            al = address_load(st)
            if al is not None:
                for s in _symbols(al[1]):
                    cfg.address_taken.add((fi, s))
            if cur is None or pending_labels:
                cur = Block(next_id, fi, section)
                next_id += 1
                cfg.blocks[cur.id] = cur
                cfg.graph.add_node(cur.id)
                for lab in pending_labels:
                    cur.labels.append(lab)
                    cfg.label_block[(fi, lab)] = cur.id
                    cfg.label_index.setdefault(lab, []).append(cur.id)
                pending_labels.clear()
            cur.stmts.append(si)
            cfg.block_at[(fi, si)] = cur.id
            fl = flow_of(st)
            cfg.flows[(fi, si)] = fl
            cur.flow = fl
            if fl.kind is not NEXT:
                close()
        _flush_labels(cfg, fi, pending_labels)
    # split blocks at branch targets inside them is not needed: targets are labels, and
    # every label starts a block


def _flush_labels(cfg: Cfg, fi: int, pending: list[str]) -> None:
    pending.clear()


def resolve(cfg: Cfg, fi: int, si: int, e: object) -> int | None:
    """The block a target expression names (label of this file, or a global of another)."""
    if isinstance(e, LocalRef):
        prog = cfg.programs[fi]
        name = str(e.number)
        rng = range(si + 1, len(prog.statements)) if e.forward else range(si, -1, -1)
        for j in rng:
            st = prog.statements[j]
            if isinstance(st, Label) and st.name == name:
                return _block_after(cfg, fi, j)
        return None
    if isinstance(e, Binary) and e.op in ("+", "-"):
        return None
    if not isinstance(e, Sym):
        return None
    b = cfg.label_block.get((fi, e.name))
    if b is not None:
        return b
    gf = cfg.globals.get(e.name)
    if gf is not None:
        return cfg.label_block.get((gf, e.name))
    others = cfg.label_index.get(e.name)
    return others[0] if others else None


def _block_after(cfg: Cfg, fi: int, label_stmt: int) -> int | None:
    prog = cfg.programs[fi]
    for j in range(label_stmt + 1, len(prog.statements)):
        b = cfg.block_at.get((fi, j))
        if b is not None:
            return b
        if isinstance(prog.statements[j], Directive) and _directive_size(prog.statements[j]):
            return None
    return None


def _literal_target(cfg: Cfg, fi: int, si: int, fl: Flow) -> object | None:
    """The expression stored in the literal an ``ldr pc, ...`` reads, when it is a data word."""
    j = None
    if fl.literal_offset is not None and (fi, si) in cfg.offsets:
        section, off = cfg.offsets[(fi, si)]
        j = cfg.at_offset.get((fi, section, off + fl.literal_offset))
    elif isinstance(fl.literal_label, Sym):
        lab = cfg.label_stmt.get((fi, fl.literal_label.name))
        if lab is not None:
            prog = cfg.programs[fi]
            j = next((k for k in range(lab + 1, len(prog.statements))
                      if not isinstance(prog.statements[k], Label)), None)
    if j is None:
        return None
    st = cfg.programs[fi].statements[j]
    if isinstance(st, Directive) and st.name in ("word", "long", "4byte") and len(st.args) == 1:
        return st.args[0]
    return None


def _next_block(cfg: Cfg, b: Block) -> int | None:
    """The block that follows ``b`` in its file and section (fallthrough)."""
    prog = cfg.programs[b.file]
    for j in range(b.stmts[-1] + 1, len(prog.statements)):
        nb = cfg.block_at.get((b.file, j))
        if nb is not None:
            return nb if cfg.blocks[nb].section == b.section else None
        st = prog.statements[j]
        if isinstance(st, Directive) and (_directive_size(st) or st.name in _SECTION_DIRECTIVES
                                          or st.name in ("section", "pushsection", "popsection",
                                                         "previous")):
            return None
    return None


def _add(cfg: Cfg, u, v, kind: EdgeKind, **attrs) -> None:
    if v is None:
        return
    # keyed by kind: one edge per (u, v, kind), and no key search in networkx
    cfg.graph.add_edge(u, v, key=kind, kind=kind, **attrs)


def _make_edges(cfg: Cfg) -> None:
    for b in list(cfg.blocks.values()):
        fl = b.flow
        si = b.stmts[-1]
        nxt = _next_block(cfg, b)
        if fl is None or fl.falls_through:
            _add(cfg, b.id, nxt, EdgeKind.FALLTHROUGH)
        if fl is None:
            continue
        if fl.kind is FlowKind.BRANCH:
            t = resolve(cfg, b.file, si, fl.target)
            if t is None:
                cfg.unresolved.append((b.file, si, "branch target"))
            _add(cfg, b.id, t, EdgeKind.COND_BRANCH if fl.conditional else EdgeKind.BRANCH)
        elif fl.kind is FlowKind.CALL:
            t = resolve(cfg, b.file, si, fl.target)
            if t is None:
                cfg.unresolved.append((b.file, si, "call target"))
            _add(cfg, b.id, t, EdgeKind.CALL)
        elif fl.kind is FlowKind.INDIRECT and (fl.literal_offset is not None or fl.literal_label is not None):
            e = _literal_target(cfg, b.file, si, fl)
            t = resolve(cfg, b.file, si, e) if e is not None else None
            if t is not None:
                _add(cfg, b.id, t, EdgeKind.INDIRECT, reason="literal")
        elif fl.kind is FlowKind.INDIRECT and fl.table_offset is not None and (b.file, si) in cfg.offsets:
            section, off = cfg.offsets[(b.file, si)]
            prog = cfg.programs[b.file]
            j = cfg.at_offset.get((b.file, section, off + fl.table_offset))
            while j is not None and j < len(prog.statements):
                st = prog.statements[j]
                if isinstance(st, Label):
                    j += 1
                    continue
                if not (isinstance(st, Directive) and st.name in ("word", "long", "4byte")):
                    break
                for a in st.args:
                    t = resolve(cfg, b.file, j, a)
                    if t is not None:
                        _add(cfg, b.id, t, EdgeKind.INDIRECT, reason="table")
                        for name in _symbols(a):
                            cfg.table_targets.add((b.file, name))
                j += 1


def _vector_tables(cfg: Cfg) -> list[tuple[int, list[int]]]:
    """Vector tables as ``(file, [statement of each slot])``."""
    n = cfg.isa.vector_entries
    if not n:
        return []
    found: dict[tuple[int, int], list[int]] = {}
    # 1. labels written to the vector base register (VBAR on ARM)
    for b in cfg.blocks.values():
        prog = cfg.programs[b.file]
        regs: dict[str, object] = {}
        for si in b.stmts:
            insn = prog.statements[si]
            reg = cfg.isa.vector_base_write(insn)
            if reg is not None and isinstance(regs.get(reg), Sym):
                lab = cfg.label_stmt.get((b.file, regs[reg].name))
                if lab is not None:
                    slots = _slots(cfg, b.file, lab, n, strict=False)
                    if slots:
                        found[(b.file, slots[0])] = slots
            al = cfg.isa.address_load(insn)
            if al is not None:
                regs[al[0]] = al[1]
    # 2. by shape: n branch-like instructions in a row, starting at a label or a section start
    for fi, prog in enumerate(cfg.programs):
        for b in cfg.blocks.values():
            if b.file != fi or not b.labels:
                continue
            first = b.stmts[0]
            if (fi, first) in found:
                continue
            slots = _slots(cfg, fi, first - 1, n, strict=True)
            if slots:
                found[(fi, slots[0])] = slots
    return [(f, s) for (f, _), s in sorted(found.items())]


def _slots(cfg: Cfg, fi: int, label_stmt: int, n: int, strict: bool) -> list[int] | None:
    prog = cfg.programs[fi]
    out: list[int] = []
    j = label_stmt + 1
    while j < len(prog.statements) and len(out) < n:
        st = prog.statements[j]
        if isinstance(st, Instruction):
            out.append(j)
        elif isinstance(st, Directive) and _directive_size(st):
            break
        j += 1
    if len(out) < n:
        return None
    if strict:
        names = cfg.isa.vector_names
        for k, si in enumerate(out):
            if k < len(names) and names[k] == "reserved":
                continue        # the unused slot often holds a nop
            fl = cfg.flows.get((fi, si)) or cfg.isa.flow(prog.statements[si])
            ok = (fl.kind in (FlowKind.BRANCH, FlowKind.HALT) and not fl.conditional) or \
                 (fl.kind is FlowKind.INDIRECT and (fl.literal_offset is not None or fl.literal_label is not None)
                  and not fl.conditional) or fl.kind is FlowKind.EXCEPTION_RETURN
            if not ok:
                return None
    return out


def _make_entries(cfg: Cfg, entry: str | None) -> None:
    cfg.graph.add_node(ROOT)

    seen: set[tuple[int, EdgeKind]] = set()

    def add(block: int | None, kind: EdgeKind, reason: str) -> None:
        if block is None or (block, kind) in seen:
            return
        seen.add((block, kind))
        cfg.graph.add_edge(ROOT, block, key=(kind, reason), kind=kind, reason=reason)
        cfg.entries.setdefault(block, reason)

    names = [entry] if entry else ["_start"]
    start = None
    for name in names:
        for fi in range(len(cfg.programs)):
            start = start if start is not None else cfg.label_block.get((fi, name))
    if entry and start is None:
        raise UsageError(f"entry symbol '{entry}' is not a code label of the inputs")
    if start is None and cfg.blocks:
        text = [b for b in cfg.blocks.values() if b.file == 0 and _is_code_section(b.section)]
        start = min(text or cfg.blocks.values(), key=lambda b: b.stmts[0]).id
    add(start, EdgeKind.ENTRY, "entry")
    for fi, slots in _vector_tables(cfg):
        cfg.vector_tables.append((fi, slots[0]))
        for si in slots:                 # the CPU enters at every slot: each starts a block
            _split(cfg, fi, si)
        names_ = cfg.isa.vector_names
        for k, si in enumerate(slots):
            cfg.vector_slots.add((fi, si))
            add(cfg.block_at.get((fi, si)), EdgeKind.VECTOR, names_[k] if k < len(names_) else str(k))
    for name, fi in cfg.globals.items():
        add(cfg.label_block.get((fi, name)), EdgeKind.ENTRY, "global")
    for fi, name in sorted(cfg.address_taken - cfg.table_targets):
        add(resolve(cfg, fi, 0, Sym(name)), EdgeKind.ENTRY, "address-taken")
    # an indirect jump may go to any address-taken label: one synthetic node stands for
    # "any of them" (n + m edges instead of n * m)
    taken = sorted({v for _, v, d in cfg.graph.out_edges(ROOT, data=True) if d.get("reason") == "address-taken"})
    jumps = [b for b in cfg.blocks.values() if b.flow is not None
             and b.flow.kind in (FlowKind.INDIRECT, FlowKind.INDIRECT_CALL)
             and not any(d["kind"] is EdgeKind.INDIRECT for _, _, d in cfg.graph.out_edges(b.id, data=True))]
    if jumps and taken:
        cfg.graph.add_node(INDIRECT)
        for b in jumps:
            _add(cfg, b.id, INDIRECT, EdgeKind.INDIRECT)
        for t in taken:
            _add(cfg, INDIRECT, t, EdgeKind.INDIRECT)


def _split(cfg: Cfg, fi: int, si: int) -> None:
    """Make statement ``si`` the first of its block."""
    bid = cfg.block_at.get((fi, si))
    if bid is None or cfg.blocks[bid].stmts[0] == si:
        return
    old = cfg.blocks[bid]
    k = old.stmts.index(si)
    new = Block(max(cfg.blocks) + 1, fi, old.section, old.stmts[k:], [], old.flow)
    old.stmts = old.stmts[:k]
    old.flow = cfg.isa.flow(cfg.programs[fi].statements[old.stmts[-1]])
    cfg.blocks[new.id] = new
    for j in new.stmts:
        cfg.block_at[(fi, j)] = new.id
    for _, v, key, d in list(cfg.graph.out_edges(bid, keys=True, data=True)):
        cfg.graph.remove_edge(bid, v, key)
        cfg.graph.add_edge(new.id, v, **d)     # a branch to the old start still goes there
    _add(cfg, bid, new.id, EdgeKind.FALLTHROUGH)


def _make_returns(cfg: Cfg) -> None:
    """Return edges: from each returning block of a callee to the return sites of its calls."""
    sites: dict[int, list[int]] = {}
    for u, v, d in list(cfg.graph.edges(data=True)):
        if d["kind"] is EdgeKind.CALL:
            nxt = _next_block(cfg, cfg.blocks[u])
            if nxt is not None:
                sites.setdefault(v, []).append(nxt)
    g = cfg.intra_graph()
    for callee, returns_to in sites.items():
        body = {callee} | nx.descendants(g, callee)
        for b in body:
            fl = cfg.blocks[b].flow
            if fl is not None and fl.kind is FlowKind.RETURN:
                for r in returns_to:
                    _add(cfg, b, r, EdgeKind.RETURN)

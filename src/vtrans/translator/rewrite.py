"""Pre-virtualizing rewrite of guest assembly (the generic driver).

Every privileged, sensitive or UNPREDICTABLE instruction found by the ISA's
sensitivity table is a *site*.  Three strategies (ARCHITECTURE.md, "Hypercall ABI"):

``hypercall``
    each site becomes exactly one hypercall instruction (ARM: ``svc{cond}
    #0x800000|index``) — same size, so no code or data address moves; the
    original words go to the non-allocated table section ``.vtrans.hypercalls``.
``stub``
    each site becomes one branch (same condition) to a per-site emulation stub
    in ``.vtrans.stubs`` that works on the vCPU block (``__vtrans_vcpu`` in
    ``.vtrans.vcpu``) without trapping where it can, and makes a class-0
    hypercall for the rest; the stub branches back to the next instruction.
``pad``
    the original stays, followed by NOPs up to the largest in-place patch any
    backend uses, and the site is described in ``.vtrans.sites`` (Afterburner's
    annotation table) for a load-time patcher.  Sites inside exception vector
    tables are not padded (that would move the vectors); their entry says so.

Indexes are global over the inputs in command-line order: link the outputs in
that same order (the linker concatenates the table sections in input order).
All ISA knowledge comes from the plugin's ``translator`` rules.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from enum import StrEnum

from vtrans import isa as isa_registry
from vtrans.assembler.ir import Directive, Label, Num, Program, Statement, Sym
from vtrans.errors import UsageError
from vtrans.translator.cfg import vector_slots as find_vector_slots
from vtrans.translator.classify import PAD_LABEL_PREFIX, Site, find_sites

log = logging.getLogger(__name__)


class Strategy(StrEnum):
    HYPERCALL = "hypercall"
    STUB = "stub"
    PAD = "pad"


@dataclass(frozen=True, slots=True)
class SiteReport:
    site: Site
    index: int            # hypercall table / site table index
    text: str             # the original instruction
    action: str           # what the rewrite did

    def line(self) -> str:
        c = self.site.classification
        return (f"{self.site.loc.file}:{self.site.loc.line}: {self.text}  [{c.cls.value}/{c.kind.value}] "
                f"-> {self.action}")


@dataclass(frozen=True)
class RewriteResult:
    strategy: Strategy
    programs: list[Program]
    reports: list[SiteReport]
    #: what may go wrong when the result runs (``file:line:col: …``; the CLI prints them)
    warnings: list[str] = field(default_factory=list)


def statement_text(program: Program, i: int) -> str:
    return statement_text_of(program, program.statements[i])


def rewrite(programs: list[Program], strategy: Strategy | str) -> RewriteResult:
    """Rewrite ``programs`` (one per input file) with ``strategy``."""
    try:
        strategy = Strategy(strategy)
    except ValueError:
        raise UsageError(f"unknown strategy '{strategy}' (hypercall, stub or pad)") from None
    if not programs:
        raise UsageError("no input programs")
    for p in programs:
        if any(isinstance(s, Directive) and s.name == "section" and s.args
               and str(s.args[0]).startswith(".vtrans.") for s in p.statements):
            raise UsageError(f"{p.file}: already rewritten by vtrans (it has .vtrans.* sections)")
    plugin = isa_registry.get(programs[0].isa)
    rules = plugin.translator
    sites = [s for s in find_sites(programs)]
    vector_slots: set[tuple[int, int]] = set()
    if strategy is Strategy.PAD:
        vector_slots = find_vector_slots(programs)
    by_file: dict[int, list[tuple[int, Site]]] = {}
    for index, site in enumerate(sites):
        by_file.setdefault(site.file, []).append((index, site))
    out: list[Program] = []
    reports: list[SiteReport] = []
    for fi, program in enumerate(programs):
        file_sites = by_file.get(fi, [])
        if strategy is Strategy.HYPERCALL:
            new, rep = _hypercall(program, fi, file_sites, rules)
        elif strategy is Strategy.PAD:
            new, rep = _pad(program, fi, file_sites, rules, vector_slots)
        else:
            new, rep = _stub(program, fi, file_sites, rules)
        out.append(new)
        reports.extend(rep)
    # the ABI's symbols are defined once, in the first output
    if strategy is Strategy.STUB:
        out[0] = _with_tail(out[0], vcpu_block(rules, out[0]))
    warnings = []
    if strategy is Strategy.STUB:
        warnings = [f"{st.loc}: {why}" for p in programs for st in p.statements
                    if (why := rules.stub_hazard(st)) is not None]
    log.info("%s: %d sites", strategy.value, len(reports))
    return RewriteResult(strategy, out, reports, warnings)


def _with_tail(program: Program, tail: list[Statement]) -> Program:
    return replace(program, statements=program.statements + tuple(tail))


def _loc(program: Program):
    last = program.statements[-1] if program.statements else None
    return getattr(last, "loc", None) or program.statements[0].loc if program.statements else None


def _table(rules, program: Program, fi: int, name: str, symbol: str, body: list[Statement]) -> list[Statement]:
    """A non-allocated table section (found by name in the ELF; it occupies no memory,
    so adding it moves no address).  No symbol is defined in it: linkers give symbols
    of non-allocated sections no meaningful address."""
    loc = _loc(program)
    return [rules.section(name, "", loc), Directive("balign", (Num(4),), loc)] + body


def _hypercall(program: Program, fi: int, sites: list[tuple[int, Site]], rules):
    stmts = list(program.statements)
    reports = []
    originals = []
    for index, site in sites:
        text = statement_text(program, site.stmt)
        stmts[site.stmt] = rules.hypercall(stmts[site.stmt], site.word, index)
        originals.append(site.word)
        reports.append(SiteReport(site, index, text, f"{statement_text_of(program, stmts[site.stmt])} "
                                                    f"(hypercall table entry {index})"))
    tail = []
    if sites or fi == 0:
        tail = _table(rules, program, fi, rules.abi.SECTION_HYPERCALLS, rules.abi.SYM_HYPERCALLS,
                      rules.words(originals, _loc(program)))
    return replace(program, statements=tuple(stmts) + tuple(tail)), reports


def statement_text_of(program: Program, st: Statement) -> str:
    from vtrans.assembler.ir import Instruction
    from vtrans.assembler.printer import format_directive, format_instruction

    return format_instruction(st, isa=program.isa) if isinstance(st, Instruction) else format_directive(st)


def _pad(program: Program, fi: int, sites: list[tuple[int, Site]], rules, vector_slots):
    at = {site.stmt: (index, site) for index, site in sites}
    stmts: list[Statement] = []
    reports = []
    entries: list[Statement] = []
    loc0 = _loc(program)
    for i, st in enumerate(program.statements):
        if i not in at:
            stmts.append(st)
            continue
        index, site = at[i]
        label = f"{PAD_LABEL_PREFIX}{index}"
        stmts.append(Label(label, st.loc))
        stmts.append(st)
        in_vectors = (fi, i) in vector_slots
        nops = 0 if in_vectors else rules.pad_words - 1
        stmts.extend(rules.nop(st.loc) for _ in range(nops))
        length = (1 + nops) * rules.word_size
        c = site.classification
        entries += [Directive("word", (Sym(label),), loc0), Directive("word", (Num(site.word),), loc0),
                    Directive("short", (Num(length),), loc0),
                    Directive("byte", (Num(rules.site_kind(c)),), loc0),
                    Directive("byte", (Num(rules.site_flags(c)),), loc0), Directive("word", (Num(0),), loc0)]
        action = (f"kept, not padded: exception vector table slot (site {index}, {length} bytes)" if in_vectors
                  else f"kept + {nops} nop (site {index}, {length} bytes)")
        reports.append(SiteReport(site, index, statement_text(program, i), action))
    tail = []
    if sites or fi == 0:
        tail = _table(rules, program, fi, rules.abi.SECTION_SITES, rules.abi.SYM_SITES, entries)
    return replace(program, statements=tuple(stmts) + tuple(tail)), reports


def _stub(program: Program, fi: int, sites: list[tuple[int, Site]], rules):
    at = {site.stmt: (index, site) for index, site in sites}
    stmts: list[Statement] = []
    items: list[tuple] = []
    pending: list[tuple[int, Site, str, str]] = []
    originals = []
    loc0 = _loc(program)
    for i, st in enumerate(program.statements):
        if i not in at:
            stmts.append(st)
            continue
        index, site = at[i]
        stub_label, ret_label = f".Lvtrans_stub_{index}", f".Lvtrans_ret_{index}"
        stmts.append(rules.branch(stub_label, site.word, st.loc))
        stmts.append(Label(ret_label, st.loc))
        items.append((site.word, st, index, stub_label, ret_label, st.loc))
        pending.append((index, site, statement_text(program, i), stub_label))
        originals.append(site.word)
    stubs, hows = rules.stubs(items)
    reports = [SiteReport(site, index, text, f"b {label}: {how}")
               for (index, site, text, label), how in zip(pending, hows)]
    tail: list[Statement] = []
    if stubs:
        tail += [rules.section(rules.abi.SECTION_STUBS, "awx", loc0), Directive("balign", (Num(4),), loc0)]
        tail += stubs
        tail.append(Directive("ltorg", (), loc0))
    if sites or fi == 0:
        tail += _table(rules, program, fi, rules.abi.SECTION_HYPERCALLS, rules.abi.SYM_HYPERCALLS,
                       rules.words(originals, loc0))
    return replace(program, statements=tuple(stmts) + tuple(tail)), reports


def vcpu_block(rules, program: Program) -> list[Statement]:
    loc = _loc(program)
    words = rules.abi.VcpuBlock()
    import struct

    values = struct.unpack(f"<{len(words.pack()) // 4}I", words.pack())
    return ([rules.section(rules.abi.SECTION_VCPU, "aw", loc), Directive("balign", (Num(rules.abi.VCPU_ALIGN),), loc),
             Directive("global", (Sym(rules.abi.VCPU_SYMBOL),), loc), Label(rules.abi.VCPU_SYMBOL, loc)]
            + rules.words(list(values), loc))

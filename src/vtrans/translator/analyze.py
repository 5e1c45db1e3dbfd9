"""Program analysis: every non-innocuous instruction, where it is, whether it is
reachable, and the Popek–Goldberg verdict.  ``vtrans analyze`` prints this."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from vtrans.assembler.ir import Label, Program
from vtrans.isa.base import InsnClass
from vtrans.translator.cfg import Cfg, build_cfg
from vtrans.translator.classify import PAD_LABEL_PREFIX, Site, find_sites


@dataclass(frozen=True, slots=True)
class Finding:
    site: Site
    text: str
    reachable: bool | None       # None: not code the CFG knows (an .inst word)
    pad_site: bool = False       # an original kept by ``rewrite --strategy pad`` (patched at load time)

    def as_dict(self) -> dict:
        c = self.site.classification
        d = {
            "file": self.site.loc.file, "line": self.site.loc.line, "col": self.site.loc.col,
            "text": self.text, "word": f"{self.site.word:08x}", "class": c.cls.value, "kind": c.kind.value,
            "form": c.name, "section": c.section, "user_mode": c.user_effect,
            "exception_return": c.is_exception_return, "reachable": self.reachable,
        }
        if self.site.generated:
            d["generated"] = True
        if self.pad_site:
            d["pad_site"] = True
        return d


@dataclass(frozen=True)
class Analysis:
    programs: list[Program]
    cfg: Cfg
    findings: list[Finding]          # rewrite candidates (not in vtrans-generated stubs)
    audited: list[Finding]           # in vtrans stubs: reads of the real CPSR for its flags only

    def summary(self) -> dict[str, int]:
        counts = Counter(f.site.classification.cls.value for f in self.findings)
        return {cls.value: counts.get(cls.value, 0) for cls in InsnClass if cls is not InsnClass.INNOCUOUS}

    @property
    def culprits(self) -> list[Finding]:
        """Sensitive instructions that do not trap: they defeat trap-and-emulate."""
        return [f for f in self.findings if is_culprit(f.site.classification.cls)]

    @property
    def pad_sites(self) -> list[Finding]:
        return [f for f in self.findings if f.pad_site]

    @property
    def virtualizable(self) -> bool:
        return not self.culprits

    def verdict(self) -> str:
        return verdict([f.site.classification.cls for f in self.findings], [f.pad_site for f in self.findings])

    def as_dict(self) -> dict:
        return {
            "files": [p.file for p in self.programs],
            "instructions": [f.as_dict() for f in self.findings],
            "summary": self.summary(),
            "virtualizable": self.virtualizable,
            "verdict": self.verdict(),
            "culprits": [f"{f.site.loc.file}:{f.site.loc.line}: {f.text}" for f in self.culprits],
            "audited_stub_instructions": [f.as_dict() for f in self.audited],
            "cfg": {"blocks": len(self.cfg.blocks), "edges": self.cfg.graph.number_of_edges(),
                    "reachable_blocks": len(self.cfg.reachable()),
                    "vector_tables": len(self.cfg.vector_tables)},
        }


def is_culprit(cls: InsnClass) -> bool:
    """A sensitive instruction that does not trap in User mode (defeats trap-and-emulate)."""
    return cls in (InsnClass.SENSITIVE, InsnClass.UNPREDICTABLE)


def verdict(classes: list[InsnClass], pad_sites: list[bool]) -> str:
    """The Popek-Goldberg verdict for findings of these classes (``pad_sites``: which are
    annotated pad sites, patched at load time)."""
    culprits = [(c, pad) for c, pad in zip(classes, pad_sites) if is_culprit(c)]
    if culprits and all(pad for _c, pad in culprits):
        return (f"virtualizable after load-time patching: all {len(culprits)} sensitive instructions "
                f"are annotated pad sites (.vtrans.sites)")
    if not culprits:
        priv = sum(1 for c in classes if c is InsnClass.PRIVILEGED)
        extra = f" ({priv} privileged instructions trap to the VMM)" if priv else ""
        return "virtualizable by trap-and-emulate: every sensitive instruction traps" + extra
    n_sens = sum(1 for c, _pad in culprits if c is InsnClass.SENSITIVE)
    n_unp = len(culprits) - n_sens
    tail = f" and {n_unp} are UNPREDICTABLE in User mode" if n_unp else ""
    return f"not virtualizable by trap-and-emulate: {n_sens} sensitive instructions do not trap{tail}"


def _text(program: Program, stmt: int) -> str:
    from vtrans.assembler.printer import format_directive, format_instruction
    from vtrans.assembler.ir import Instruction

    st = program.statements[stmt]
    return format_instruction(st, isa=program.isa) if isinstance(st, Instruction) else format_directive(st)


def analyze(programs: list[Program], entry: str | None = None) -> Analysis:
    cfg = build_cfg(programs, entry=entry)
    reach = cfg.reachable()
    findings: list[Finding] = []
    audited: list[Finding] = []
    for site in find_sites(programs):
        b = cfg.block_of(site.file, site.stmt)
        stmts = programs[site.file].statements
        prev = stmts[site.stmt - 1] if site.stmt else None
        pad = isinstance(prev, Label) and prev.name.startswith(PAD_LABEL_PREFIX)
        f = Finding(site, _text(programs[site.file], site.stmt), None if b is None else b in reach, pad)
        (audited if site.generated else findings).append(f)
    return Analysis(list(programs), cfg, findings, audited)

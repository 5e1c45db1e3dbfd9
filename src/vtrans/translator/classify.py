"""Classification of instruction words through the ISA plugin.

Generic: knows nothing of any ISA; the table lives in ``isa/<name>/sensitivity.py``.
Works on raw words, so the binary translator can call it on code from an ELF
file that has no source.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from vtrans import isa as isa_registry
from vtrans.assembler.ir import Directive, Program
from vtrans.errors import SourceLoc
from vtrans.isa.base import Classification, InsnClass, SensitivityKind

__all__ = ["Classification", "InsnClass", "SensitivityKind", "Finding", "Site", "classify_word",
           "classify_words", "find_sites", "is_sensitive", "statement_sections"]


def classify_word(word: int, isa: str = "arm") -> Classification:
    """Classify one instruction word of ISA ``isa``."""
    return isa_registry.get(isa).classify(word)


def is_sensitive(word: int, isa: str = "arm") -> bool:
    """True when the word must not run as-is in a deprivileged kernel."""
    return classify_word(word, isa).is_sensitive


@dataclass(frozen=True, slots=True)
class Finding:
    """A non-innocuous instruction at an address."""

    address: int
    classification: Classification


def classify_words(words: Iterable[tuple[int, int]], isa: str = "arm", *,
                   include_innocuous: bool = False) -> Iterator[Finding]:
    """Classify ``(address, word)`` pairs; yields the non-innocuous ones (or all)."""
    plugin = isa_registry.get(isa)
    for address, word in words:
        c = plugin.classify(word)
        if include_innocuous or c.is_sensitive:
            yield Finding(address, c)


# ---------------------------------------------------------------------- programs


#: the section vtrans writes its emulation stubs to (their reads of the real CPSR
#: are audited: they keep only the flags)
GENERATED_SECTIONS = (".vtrans.stubs",)
#: the label ``rewrite --strategy pad`` puts on every site it keeps
PAD_LABEL_PREFIX = ".Lvtrans_site_"


@dataclass(frozen=True, slots=True)
class Site:
    """A non-innocuous instruction of a program: where, its word, what the table says."""

    file: int                      # input index
    stmt: int                      # statement index in the program
    word: int
    classification: Classification
    loc: SourceLoc
    section: str = ".text"

    @property
    def generated(self) -> bool:
        return self.section.startswith(GENERATED_SECTIONS)


def statement_sections(program: Program) -> list[str]:
    """The section each statement of ``program`` is assembled into."""
    section, previous, stack = ".text", ".text", []
    out: list[str] = []
    simple = {"text": ".text", "data": ".data", "bss": ".bss"}
    for st in program.statements:
        if isinstance(st, Directive):
            new = None
            if st.name in simple:
                new = simple[st.name]
            elif st.name in ("section", "pushsection") and st.args:
                new = str(st.args[0])
                if st.name == "pushsection":
                    stack.append(section)
            elif st.name == "popsection" and stack:
                new = stack.pop()
            elif st.name == "previous":
                new = previous
            if new is not None:
                if new != section:
                    previous = section
                section = new
        out.append(section)
    return out


def find_sites(programs: list[Program], isa: str | None = None) -> list[Site]:
    """Every non-innocuous instruction (and ``.inst`` word) of ``programs``, in order."""
    sites: list[Site] = []
    for fi, program in enumerate(programs):
        plugin = isa_registry.get(isa or program.isa)
        rules = plugin.translator
        idx = [i for i, st in enumerate(program.statements) if rules.candidate(st)]
        if not idx:
            continue
        words = rules.encode(program, idx)
        sections = statement_sections(program)
        for i, w in zip(idx, words):
            c = plugin.classify(w)
            if c.is_sensitive:
                sites.append(Site(fi, i, w, c, program.statements[i].loc, sections[i]))
    return sites

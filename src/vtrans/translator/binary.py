"""Pre-virtualizing rewrite of a linked ELF executable (no source needed).

``rewrite.py`` works on assembly, like Afterburner.  Code that comes only as binary — the
prebuilt C library a program links (newlib's start-up code sets its stacks with
``msr cpsr_c``), vendor objects — is rewritten here, after linking, with the same three
strategies and the same tables, so ``vtrans run --mode previrt`` runs the result unchanged:

* Code and data are told apart by the image's mapping symbols (``$a``/``$d``/``$t``, which
  every GNU-built or vtrans-built ELF has); a stripped image is refused rather than guessed
  at, since a literal-pool word taken for an instruction would be corrupted.
* ``hypercall``: each site's word becomes the class-0 hypercall of its index (same size);
  the originals go to ``.vtrans.hypercalls``.  Nothing moves.
* ``pad``: the code is left exactly as it is and every site is listed in ``.vtrans.sites``
  with a length of one word (there is no room for NOPs in a linked image; one word is what
  the load-time patcher writes).  The image still runs unchanged on bare hardware.
* ``stub``: each site becomes ``b{cond}`` to its emulation stub; the stubs (the generator of
  ``isa/<isa>/stubs.py``) and the vCPU block ``__vtrans_vcpu`` are assembled by vtrans's own
  assembler into two new loadable sections at ``stub_base`` — by default the memory right
  below the image's lowest load address, which is free on every board when the image is
  loaded above its RAM base (QEMU puts nothing there for an ELF kernel) — and the stubs
  branch back to absolute addresses.  The image must not use that memory.

Thumb code (``$t``) is examined (``isa/arm/thumb.py``: each instruction against the A32 table)
but not rewritten: an image with a non-innocuous Thumb instruction is refused, and
``vtrans analyze`` lists such instructions like the A32 ones.  ISA knowledge comes from the plugin's ``translator``
rules (``code_mapping``, ``decode``, ``hypercall_word``, ``branch_word``, ``stubs``).
"""

from __future__ import annotations

import bisect
import logging
from dataclasses import dataclass, field

from vtrans import isa as isa_registry
from vtrans.assembler import elfedit
from vtrans.assembler.elfedit import ElfEditor, NewSection, NewSymbol
from vtrans.assembler.ir import Directive, Num, Program, Sym
from vtrans.errors import EncodeError, ImageError, SourceLoc, UsageError
from vtrans.isa.base import Classification
from vtrans.translator.rewrite import Strategy

log = logging.getLogger(__name__)

_ISA_BY_MACHINE = {40: "arm"}
#: sections vtrans adds (not the guest's code)
GENERATED_PREFIX = ".vtrans."
#: alignment of the stub region's start (a page, so it can be mapped on its own)
STUB_REGION_ALIGN = 0x1000


@dataclass(frozen=True, slots=True)
class BinarySite:
    address: int
    word: int
    classification: Classification
    text: str               # capstone's text of the original
    where: str              # nearest symbol + offset
    section: str = ".text"
    #: False for code the ISA only examines (Thumb): found, but not rewritable
    rewritable: bool = True


@dataclass
class BinaryRewriteResult:
    strategy: Strategy
    name: str
    image: bytes
    sites: list[BinarySite]
    actions: list[str]
    stub_region: tuple[int, int] | None = None
    notes: list[str] = field(default_factory=list)
    #: what may go wrong when the image runs (the CLI prints them as warnings)
    warnings: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = []
        for site, action in zip(self.sites, self.actions):
            c = site.classification
            out.append(f"{self.name}:0x{site.address:08x} <{site.where}>: {site.text}  "
                       f"[{c.cls.value}/{c.kind.value}] -> {action}")
        return out


def is_elf(data: bytes) -> bool:
    return data[:4] == b"\x7fELF"


def _code_ranges(editor: ElfEditor, rules, mapping: dict[str, list[tuple[int, str]]]):
    """The code of the image's executable sections, by mapping symbol: ``(section, kind, start,
    end, section data)`` with ``kind`` as ``rules.code_mapping`` says (vtrans's own generated
    sections skipped)."""
    for sec in editor.sections:
        if not (sec.flags & elfedit.SHF_ALLOC and sec.flags & elfedit.SHF_EXECINSTR) or sec.type == elfedit.SHT_NOBITS:
            continue
        if sec.name.startswith(GENERATED_PREFIX):
            continue  # vtrans's own stubs (their CPSR reads keep the flags only: audited)
        marks = sorted(mapping.get(sec.name, []))
        if not marks:
            if sec.size:
                raise ImageError(f"{editor.name}: section {sec.name} has no mapping symbols ($a/$d): code cannot "
                                 "be told from data (rewrite an image that is not stripped)")
            continue
        starts = [a for a, _ in marks]
        data = editor.section_data(sec)
        for i, (start, kind) in enumerate(marks):
            end = starts[i + 1] if i + 1 < len(starts) else sec.addr + sec.size
            yield sec, kind, max(start, sec.addr), min(end, sec.addr + sec.size), data


def _code_words(sec, start: int, end: int, data):
    """``(address, word)`` of the A32 words in ``[start, end)`` of section ``sec``."""
    addr = (start + 3) & ~3
    while addr + 4 <= end:
        yield addr, int.from_bytes(data[addr - sec.addr:addr - sec.addr + 4], "little")
        addr += 4


def _mapping_and_names(editor: ElfEditor, rules):
    mapping: dict[str, list[tuple[int, str]]] = {}
    named: list[tuple[int, str]] = []
    for name, value, _size, info, sec in editor.symbols():
        kind = rules.code_mapping(name)
        if kind is not None:
            mapping.setdefault(sec, []).append((value, kind))
        elif name and info & 0xF in (elfedit.STT_NOTYPE, elfedit.STT_FUNC, elfedit.STT_OBJECT) and sec:
            # (a Thumb function's value has bit 0 set: ELF for the ARM Architecture, 5.5.3)
            named.append((value & ~1 if info & 0xF == elfedit.STT_FUNC else value, name))
    named.sort()
    return mapping, named


def find_binary_sites(editor: ElfEditor, isa_name: str) -> tuple[list[BinarySite], int]:
    """The sensitive instructions of the image's code -- A32 (rewritable) and Thumb (examined
    only: ``rewritable`` False) -- and the number of Thumb code bytes."""
    plugin = isa_registry.get(isa_name)
    rules = plugin.translator
    mapping, named = _mapping_and_names(editor, rules)
    named_at = [v for v, _ in named]
    sites: list[BinarySite] = []
    other_bytes = 0
    cs = plugin.cs_fast
    for sec, kind, start, end, data in _code_ranges(editor, rules, mapping):
        if kind == "other":
            other_bytes += max(0, end - start)
            lo = start + (start & 1)
            for addr, enc, c, text in rules.other_code_sites(bytes(data[lo - sec.addr:end - sec.addr]), lo):
                sites.append(BinarySite(addr, enc, c, f"{text} (Thumb)", _where(named, named_at, addr, sec.name),
                                        sec.name, rewritable=False))
        if kind != "code":
            continue
        for addr, word in _code_words(sec, start, end, data):
            c = plugin.classify(word)
            if c.is_sensitive:
                decoded = next(cs.disasm_lite(word.to_bytes(4, "little"), addr), None)
                text = f"{decoded[2]} {decoded[3]}".strip() if decoded else f".inst 0x{word:08x}"
                sites.append(BinarySite(addr, word, c, text, _where(named, named_at, addr, sec.name), sec.name))
    sites.sort(key=lambda site: site.address)
    return sites, other_bytes


def stub_hazards(editor: ElfEditor, rules) -> list[str]:
    """Warnings for the stub strategy: the A32 words ``rules.stub_hazard_word`` objects to."""
    mapping, named = _mapping_and_names(editor, rules)
    named_at = [v for v, _ in named]
    out = []
    for sec, kind, start, end, data in _code_ranges(editor, rules, mapping):
        if kind == "code":
            for addr, word in _code_words(sec, start, end, data):
                why = rules.stub_hazard_word(word)
                if why is not None:
                    out.append(f"{editor.name}:0x{addr:08x} <{_where(named, named_at, addr, sec.name)}>: {why}")
    return out


def _where(named: list[tuple[int, str]], named_at: list[int], addr: int, section: str) -> str:
    """The nearest symbol at or below ``addr``, with the offset from it."""
    j = bisect.bisect_right(named_at, addr) - 1
    if j < 0:
        return section
    return named[j][1] if addr == named[j][0] else f"{named[j][1]}+0x{addr - named[j][0]:x}"


@dataclass
class BinaryAnalysis:
    """``vtrans analyze IMAGE.elf``: the sensitive words of a linked image (no CFG: reachability
    is unknown; vtrans's own ``.vtrans.*`` sections are not examined) and the Popek-Goldberg
    verdict."""

    name: str
    findings: list[BinarySite]
    pad_sites: set[int]                  # addresses listed in ``.vtrans.sites``
    thumb_bytes: int

    def summary(self) -> dict[str, int]:
        from vtrans.isa.base import InsnClass

        return {cls.value: sum(1 for f in self.findings if f.classification.cls is cls)
                for cls in InsnClass if cls is not InsnClass.INNOCUOUS}

    @property
    def culprits(self) -> list[BinarySite]:
        from vtrans.translator.analyze import is_culprit

        return [f for f in self.findings if is_culprit(f.classification.cls)]

    @property
    def virtualizable(self) -> bool:
        return not self.culprits or all(f.address in self.pad_sites for f in self.culprits)

    def verdict(self) -> str:
        from vtrans.translator.analyze import verdict

        return verdict([f.classification.cls for f in self.findings],
                       [f.address in self.pad_sites for f in self.findings])

    def where(self, f: BinarySite) -> str:
        return f"{self.name}:0x{f.address:08x} <{f.where}>"

    def as_dict(self) -> dict:
        def one(f: BinarySite) -> dict:
            c = f.classification
            d = {"address": f"0x{f.address:08x}", "symbol": f.where, "section": f.section, "text": f.text,
                 "word": f"{f.word:08x}", "class": c.cls.value, "kind": c.kind.value, "form": c.name,
                 "user_mode": c.user_effect, "exception_return": c.is_exception_return, "reachable": None}
            if f.address in self.pad_sites:
                d["pad_site"] = True
            return d
        return {"files": [self.name], "instructions": [one(f) for f in self.findings], "summary": self.summary(),
                "virtualizable": self.virtualizable, "verdict": self.verdict(),
                "culprits": [f"{self.where(f)}: {f.text}" for f in self.culprits],
                "thumb_bytes": self.thumb_bytes}


def analyze_elf(data: bytes, *, name: str = "<image>") -> BinaryAnalysis:
    editor = ElfEditor(data, name)
    isa_name = _ISA_BY_MACHINE.get(editor.e_machine)
    if isa_name is None:
        raise ImageError(f"{name}: unsupported machine {editor.e_machine}")
    sites, thumb = find_binary_sites(editor, isa_name)
    abi = isa_registry.get(isa_name).translator.abi
    table = editor.section(abi.SECTION_SITES)
    pads = {e.address for e in abi.unpack_sites(editor.section_data(table))} if table is not None else set()
    return BinaryAnalysis(name, sites, pads, thumb)


def rewrite_elf(data: bytes, strategy: Strategy | str, *, name: str = "<image>",
                stub_base: int | None = None) -> BinaryRewriteResult:
    """Rewrite the linked ELF executable ``data`` with ``strategy``; returns the new image."""
    try:
        strategy = Strategy(strategy)
    except ValueError:
        raise UsageError(f"unknown strategy '{strategy}' (hypercall, stub or pad)") from None
    editor = ElfEditor(data, name)
    if editor.e_type != elfedit.ET_EXEC:
        raise ImageError(f"{name}: not a linked executable (ELF type {editor.e_type}); link it first")
    isa_name = _ISA_BY_MACHINE.get(editor.e_machine)
    if isa_name is None:
        raise ImageError(f"{name}: unsupported machine {editor.e_machine}")
    rules = isa_registry.get(isa_name).translator
    abi = rules.abi
    if any(s.name.startswith(".vtrans.") for s in editor.sections):
        raise UsageError(f"{name}: already rewritten by vtrans (it has .vtrans.* sections)")
    if stub_base is not None and strategy is not Strategy.STUB:
        raise UsageError("--stub-base is for --strategy stub")
    sites, other = find_binary_sites(editor, isa_name)
    fixed = [site for site in sites if not site.rewritable]
    if fixed:
        listed = "; ".join(f"0x{site.address:08x} <{site.where}>: {site.text} [{site.classification.cls.value}]"
                           for site in fixed[:3])
        more = f" and {len(fixed) - 3} more" if len(fixed) > 3 else ""
        raise ImageError(f"{name}: {len(fixed)} non-innocuous Thumb instructions ({listed}{more}): vtrans "
                         "rewrites A32 code only, and the image would not run pre-virtualized")
    warnings = []
    if other:
        warnings.append(f"{name}: {other} bytes of Thumb code examined: no non-innocuous instruction")
    if strategy is Strategy.STUB:
        warnings += stub_hazards(editor, rules)
    result = BinaryRewriteResult(strategy, name, b"", sites, [], warnings=warnings)
    if strategy is Strategy.HYPERCALL:
        for index, site in enumerate(sites):
            word = rules.hypercall_word(site.word, index)
            editor.patch_word(site.address, word)
            result.actions.append(f"svc 0x{word & 0xFFFFFF:06x} (hypercall table entry {index})")
        editor.add_section(NewSection(abi.SECTION_HYPERCALLS, abi.pack_hypercall_table(s.word for s in sites)))
    elif strategy is Strategy.PAD:
        entries = []
        for index, site in enumerate(sites):
            c = site.classification
            entries.append(abi.SiteEntry(site.address, site.word, rules.word_size, rules.site_kind(c),
                                         rules.site_flags(c)))
            result.actions.append(f"kept, annotated (site {index}, {rules.word_size} bytes: no room for padding)")
        editor.add_section(NewSection(abi.SECTION_SITES, abi.pack_sites(entries)))
    else:
        result.stub_region = _stubs(editor, rules, sites, stub_base, result)
        editor.add_section(NewSection(abi.SECTION_HYPERCALLS, abi.pack_hypercall_table(s.word for s in sites)))
    result.image = editor.build()
    log.info("%s: %d sites, %s strategy", name, len(sites), strategy.value)
    return result


def _stub_program(name: str, rules, sites: list[BinarySite]) -> tuple[Program, list[str]]:
    """The stubs of ``sites`` and the vCPU block, as one program; the descriptions of the stubs."""
    from vtrans.translator.rewrite import vcpu_block

    abi = rules.abi
    loc = SourceLoc(name, 0)
    items, rets = [], []
    for index, site in enumerate(sites):
        insn = rules.decode(site.word, site.address, SourceLoc(f"{name}:0x{site.address:08x}", 0))
        ret = f"{_RET_PREFIX}{index}"
        rets.append(Directive("set", (Sym(ret), Num(site.address + rules.word_size)), loc))
        items.append((site.word, insn, index, f"{_STUB_PREFIX}{index}", ret, insn.loc))
    stubs, hows = rules.stubs(items)
    # (``_start``: only the entry of this throw-away link, which would warn without one)
    body = [rules.section(abi.SECTION_STUBS, "awx", loc), Directive("balign", (Num(4),), loc),
            Directive("set", (Sym("_start"), Num(0)), loc), *rets, *stubs,
            Directive("ltorg", (), loc)]
    return Program(name, tuple(body + vcpu_block(rules, Program(name, tuple(body), rules.isa))), rules.isa), hows


_STUB_PREFIX = "__vtrans_stub_"
_RET_PREFIX = "__vtrans_ret_"


def _stubs(editor: ElfEditor, rules, sites: list[BinarySite], stub_base: int | None,
           result: BinaryRewriteResult) -> tuple[int, int]:
    """Assemble the stubs and the vCPU block, add them as sections, branch the sites to them."""
    from vtrans.assembler.api import assemble_programs

    abi = rules.abi
    lo, _hi = editor.load_extent()
    program, hows = _stub_program(editor.name, rules, sites)

    def assemble(base: int):
        # linked twice: first to learn the stubs' size, then with the vCPU block right after them
        image = assemble_programs([program], section_starts={abi.SECTION_STUBS: base,
                                                                    abi.SECTION_VCPU: base + 0x800000})
        stubs_size = next((s.size for s in image.sections if s.name == abi.SECTION_STUBS), 0)
        vcpu_at = (base + stubs_size + abi.VCPU_ALIGN - 1) & ~(abi.VCPU_ALIGN - 1)
        image = assemble_programs([program], section_starts={abi.SECTION_STUBS: base, abi.SECTION_VCPU: vcpu_at})
        return image, vcpu_at

    # the size does not depend on the base: a provisional one first when none is given
    probe = stub_base if stub_base is not None else max(lo - 0x100000, 0) & ~(STUB_REGION_ALIGN - 1)
    try:
        image, vcpu_at = assemble(probe)
        if stub_base is None:
            total = vcpu_at + abi.VCPU_SIZE - probe
            if lo < total:
                raise UsageError(f"{editor.name}: no room below the image (0x{lo:08x}) for {total} bytes of "
                                 "stubs; give --stub-base ADDR")
            stub_base = (lo - total) & ~(STUB_REGION_ALIGN - 1)
            image, vcpu_at = assemble(stub_base)
    except EncodeError as e:
        raise UsageError(f"{editor.name}: the stubs cannot be placed at 0x{probe:08x}: {e.message}") from None
    end = vcpu_at + abi.VCPU_SIZE
    clash = editor.overlaps(stub_base, end)
    if clash:
        raise UsageError(f"{editor.name}: the stub region 0x{stub_base:08x}-0x{end:08x} overlaps "
                         f"{', '.join(clash)}; give another --stub-base")
    built = ElfEditor(image.elf_bytes(), "<stubs>")
    stub_sec, vcpu_sec = built.section(abi.SECTION_STUBS), built.section(abi.SECTION_VCPU)
    if stub_sec is not None and stub_sec.size:
        editor.add_section(NewSection(abi.SECTION_STUBS, built.section_data(stub_sec),
                                      elfedit.SHF_ALLOC | elfedit.SHF_WRITE | elfedit.SHF_EXECINSTR, stub_base, 4))
    editor.add_section(NewSection(abi.SECTION_VCPU, built.section_data(vcpu_sec),
                                  elfedit.SHF_ALLOC | elfedit.SHF_WRITE, vcpu_at, abi.VCPU_ALIGN))
    editor.add_symbol(NewSymbol(abi.VCPU_SYMBOL, abi.SECTION_VCPU, vcpu_at, abi.VCPU_SIZE))
    # the stubs' mapping symbols ($a code, $d save words and literal pools): disassemblers and
    # ``vtrans analyze`` tell their code from their data as in the rest of the image
    for mapping, address, section in image._mapping:
        if section in (abi.SECTION_STUBS, abi.SECTION_VCPU):
            editor.add_symbol(NewSymbol(mapping, section, address, 0, elfedit.STT_NOTYPE, local=True))
    stub_at = {s.name: s.value for s in image.symbol_list}
    for index, (site, how) in enumerate(zip(sites, hows)):
        target = stub_at[f"{_STUB_PREFIX}{index}"]
        editor.patch_word(site.address, rules.branch_word(site.word, site.address, target))
        result.actions.append(f"b 0x{target:08x}: {how}")
    result.notes.append(f"stubs at 0x{stub_base:08x}-0x{vcpu_at:08x}, vCPU block at 0x{vcpu_at:08x}-0x{end:08x}: "
                        "the guest must not use this memory")
    return stub_base, end

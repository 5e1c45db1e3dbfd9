"""Linking laid-out files into one executable image, the way GNU ld does it.

Input sections are assigned to output sections by the linker script (ld's default
script, or ``-T script``; the first matching input pattern wins, sections are taken
in command-line file order), orphans are placed after the output section of the
same kind (``.text``/``.rodata``/``.data``/``.bss``) as ld's ``lang_insert_orphan``
does, ``-Ttext``/``--section-start`` fix output-section addresses, then symbols are
resolved across files (strong beats weak, ``.comm`` becomes COMMON in ``.bss``),
data is evaluated and instructions are encoded.  Generic: ISA specifics come from
the plugin's ``encoding`` module.
"""

from __future__ import annotations

import bisect
import logging
import struct
from dataclasses import dataclass, field

from vtrans.assembler.encode import Encoder, Job
from vtrans.assembler.layout import (BytesFrag, DataFrag, Extern, InputSection, InsnFrag, ObjectFile, SectionKey,
                                     Unresolved, Value, encoder_module, evaluate)
from vtrans.assembler.ir import Num
from vtrans.assembler.linkscript import (Assign, DataCmd, InputSpec, LBinary, LCall, LCond, LNum, LSym, LUnary,
                                         OutputSection, Script)
from vtrans.assembler import elf
from vtrans.errors import AsmError, LinkError, SourceLoc

log = logging.getLogger(__name__)

COMMON_FILE = -1


@dataclass(slots=True)
class PlacedOutput:
    """An output section after placement."""

    name: str
    addr: int
    size: int = 0
    inputs: list = field(default_factory=list)  # InputSection
    flags: str = ""
    nobits: bool = True
    align: int = 1
    data_cmds: list = field(default_factory=list)  # (offset, size, value)
    keep: bool = False


@dataclass(frozen=True, slots=True)
class LinkedSymbol:
    name: str
    value: int
    size: int
    sym_type: str  # notype | func | object
    binding: str  # local | global | weak
    section: str | None
    file: int | None


@dataclass(slots=True)
class LinkResult:
    outputs: list[PlacedOutput]
    section_data: dict[str, bytes]
    symbols: list[LinkedSymbol]
    entry: int
    line_map: dict[int, SourceLoc]
    stmt_addrs: dict[tuple[int, int], int]
    mapping_symbols: list[tuple[str, int, str]]  # ($a|$d, address, output section)
    e_flags: int


def _props(sec: InputSection) -> tuple[bool, bool, bool]:
    """(has contents, read-only, code): the flags ld compares to place an orphan."""
    return (not sec.nobits, "w" not in sec.flags, "x" in sec.flags)


def _kind(sec_flags: str, nobits: bool) -> str:
    if "x" in sec_flags:
        return "text"
    if nobits:
        return "bss"
    if "w" in sec_flags:
        return "data"
    return "rodata"


class Linker:
    def __init__(self, objects: list[ObjectFile], script: Script, section_starts: dict[str, int] | None,
                 paths: list[str], isa):
        self.objects = objects
        self.script = script
        self.section_starts = dict(section_starts or {})
        self.paths = paths
        self.isa = isa
        self.enc = encoder_module(isa.name)
        self.globals: dict[str, tuple[ObjectFile, object]] = {}
        self.script_syms: dict[str, int] = {}
        self.section_addr: dict[SectionKey, int] = {}
        self.outputs: list[PlacedOutput] = []
        self.common = InputSection(SectionKey(COMMON_FILE, "COMMON"), "aw", True)
        self.common_offsets: dict[str, int] = {}
        #: SHF_MERGE member -> (representative, input offsets, output offsets)
        self.merge_map: dict[SectionKey, tuple[SectionKey, list[int], list[int]]] = {}
        self.merged_blob: dict[SectionKey, bytes] = {}
        self.excluded: set[SectionKey] = set()
        self._orphan_inputs: dict[int, list[InputSection]] = {}
        self._taken: dict[int, list[InputSection]] = {}
        self._discarded: set = set()
        self._statements: list = []
        self.provided: dict[str, int] = {}
        self.regions: dict[str, tuple[int, int]] = {}
        self.provided_used: set[str] = set()

    # ------------------------------------------------------------------ symbols
    def collect_globals(self) -> None:
        commons: dict[str, tuple[int, int, ObjectFile, object]] = {}
        self.weak_undefined = {n for o in self.objects for n, s in o.symbols.items()
                               if s.binding == "weak" and s.value is None and s.expr is None and s.common is None}
        for obj in self.objects:
            for name, s in obj.symbols.items():
                if s.binding not in ("global", "weak"):
                    continue
                defined = s.value is not None and not isinstance(s.value.base, Extern)
                if s.common is not None and not defined:
                    size, align = s.common
                    old = commons.get(name)
                    if old is None or size > old[0]:
                        commons[name] = (size, max(align, old[1] if old else 1), obj, s)
                    continue
                if not defined:
                    try:
                        v = obj.lookup(name)
                    except AsmError:
                        continue
                    if isinstance(v.base, Extern) and v.base.name == name:
                        continue
                prev = self.globals.get(name)
                if prev is not None:
                    pobj, ps = prev
                    if ps.binding == "weak" and s.binding == "global":
                        self.globals[name] = (obj, s)
                    elif s.binding != "weak":  # a weak one never replaces a definition
                        raise LinkError(f"multiple definition of '{name}' (first defined at {ps.loc})", s.loc)
                else:
                    self.globals[name] = (obj, s)
        for name, (size, align, obj, s) in commons.items():
            if name in self.globals:
                continue
            c = self.common
            c.size += (-c.size) % align
            c.align = max(c.align, align)
            self.common_offsets[name] = c.size
            c.size += size
            self.globals[name] = (obj, s)

    def global_value(self, name: str) -> int | None:
        g = self.globals.get(name)
        if g is not None:
            obj, s = g
            if name in self.common_offsets and (s.value is None or isinstance(s.value.base, Extern)):
                return self.section_addr[self.common.key] + self.common_offsets[name]
            return self.value_addr(obj.lookup(name), obj)
        v = self.script_syms.get(name)
        if v is None:
            v = self.provided.get(name)
            if v is not None:
                self.provided_used.add(name)
        return v

    def value_addr(self, v: Value, obj: ObjectFile | None = None) -> int:
        b = v.base
        if b is None:
            return v.offset
        if type(b) is SectionKey:
            m = self.merge_map.get(b)
            if m is not None:
                rep, ofs, dest = m
                i = bisect.bisect_right(ofs, v.offset) - 1
                off = dest[i] + (v.offset - ofs[i]) if i >= 0 else v.offset
                addr = self.section_addr.get(rep)
                if addr is None:
                    raise Unresolved(f"section {b.name}")
                return addr + off
            addr = self.section_addr.get(b)
            if addr is None:
                raise Unresolved(f"section {b.name}")
            return addr + v.offset
        g = self.global_value(b.name)
        if g is None:
            if b.name in self.weak_undefined:
                return v.offset  # an undefined weak symbol is 0 (ELF gABI, "Symbol Table")
            raise Unresolved(b.name)
        return g + v.offset

    # ------------------------------------------------------------------ script evaluation
    def eval_script(self, e, dot: int, sec_start: int | None = None) -> int:
        t = type(e)
        if t is LNum:
            return e.value
        if t is LSym:
            if e.name == ".":
                return dot
            v = self.global_value(e.name)
            if v is None:
                raise Unresolved(e.name)
            return v
        if t is LUnary:
            a = self.eval_script(e.operand, dot, sec_start)
            return {"-": -a, "~": ~a, "!": int(not a), "+": a}[e.op]
        if t is LBinary:
            a = self.eval_script(e.left, dot, sec_start)
            b = self.eval_script(e.right, dot, sec_start)
            op = e.op
            if op in ("/", "%") and b == 0:
                raise LinkError("division by zero in linker script")
            return {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b, "/": lambda: a // b,
                    "%": lambda: a % b, "&": lambda: a & b, "|": lambda: a | b, "^": lambda: a ^ b,
                    "<<": lambda: a << b, ">>": lambda: a >> b, "==": lambda: int(a == b),
                    "!=": lambda: int(a != b), "<": lambda: int(a < b), ">": lambda: int(a > b),
                    "<=": lambda: int(a <= b), ">=": lambda: int(a >= b), "&&": lambda: int(bool(a and b)),
                    "||": lambda: int(bool(a or b))}[op]()
        if t is LCond:
            return self.eval_script(e.then if self.eval_script(e.cond, dot, sec_start) else e.other, dot, sec_start)
        if t is LCall:
            f, args = e.func, e.args
            if f == "ALIGN":
                if len(args) == 1:
                    a = self.eval_script(args[0], dot, sec_start)
                    return (dot + a - 1) & -a if a else dot
                v = self.eval_script(args[0], dot, sec_start)
                a = self.eval_script(args[1], dot, sec_start)
                return (v + a - 1) & -a if a else v
            if f == "CONSTANT":
                return {"MAXPAGESIZE": elf.MAX_PAGE_SIZE, "COMMONPAGESIZE": elf.MAX_PAGE_SIZE}.get(args[0], 0)
            if f == "SEGMENT_START":
                return self.eval_script(args[1], dot, sec_start)
            if f in ("ADDR", "SIZEOF", "LOADADDR", "ALIGNOF"):
                out = next((o for o in self.outputs if o.name == args[0]), None)
                if out is None:
                    raise Unresolved(f"section {args[0]}")
                return {"ADDR": out.addr, "LOADADDR": out.addr, "SIZEOF": out.size, "ALIGNOF": out.align}[f]
            if f in ("ORIGIN", "LENGTH"):
                r = self.regions.get(args[0])
                if r is None:
                    raise LinkError(f"unknown memory region '{args[0]}'")
                return r[0] if f == "ORIGIN" else r[1]
            if f == "DEFINED":
                return int(self.global_value(args[0]) is not None)
            if f == "ABSOLUTE":
                return self.eval_script(args[0], dot, sec_start)
            if f == "MAX":
                return max(self.eval_script(a, dot, sec_start) for a in args)
            if f == "MIN":
                return min(self.eval_script(a, dot, sec_start) for a in args)
            if f == "LOG2CEIL":
                v = self.eval_script(args[0], dot, sec_start)
                return max(v - 1, 0).bit_length()
            raise LinkError(f"unsupported linker-script function {f}()")
        raise LinkError(f"bad linker-script expression {e!r}")

    def assign(self, a: Assign, dot: int, final: bool, sec_start: int | None = None) -> int:
        """Perform one assignment; returns the new location counter.  ``PROVIDE``d
        symbols are kept apart: they exist only if nothing else defines them, and reach
        the symbol table only if something used them (ld's PROVIDE)."""
        if a.provide:
            if a.name in self.globals or a.name in self.script_syms:
                return dot
            try:
                self.provided[a.name] = self.eval_script(a.expr, dot, sec_start) & 0xFFFFFFFF
            except Unresolved:
                self.provided.pop(a.name, None)
            return dot
        try:
            value = self.eval_script(a.expr, dot, sec_start)
        except Unresolved as e:
            if final:
                raise LinkError(f"undefined symbol '{e.name}' referenced in linker script", a.loc) from None
            value = 0
        if a.op != "=":
            cur = dot if a.name == "." else self.script_syms.get(a.name, 0)
            value = {"+=": cur + value, "-=": cur - value, "*=": cur * value, "/=": cur // value if value else 0,
                     "<<=": cur << value, ">>=": cur >> value, "&=": cur & value, "|=": cur | value}[a.op]
        if a.name == ".":
            if sec_start is not None and _is_constant(a.expr) and a.op == "=":
                value += sec_start  # inside an output section, a constant is an offset from its start
            if value < dot and final and sec_start is not None:
                raise LinkError(f"cannot move location counter backwards (from {dot:#x} to {value:#x})", a.loc)
            return value
        if a.name in self.globals and not a.provide:
            obj, s = self.globals[a.name]
            raise LinkError(f"symbol '{a.name}' defined both in {obj.program.file} and in the linker script", a.loc)
        self.script_syms[a.name] = value & 0xFFFFFFFF
        return dot

    # ------------------------------------------------------------------ placement
    def assign_inputs(self) -> tuple[dict[int, list[InputSection]], list[InputSection], set]:
        """Which input sections each InputSpec takes (first match in script order wins)."""
        specs: list[tuple[int, InputSpec]] = []
        discard_specs: set[int] = set()
        for st in self.script.statements:
            if isinstance(st, OutputSection):
                for c in st.commands:
                    if isinstance(c, InputSpec):
                        specs.append((id(c), c))
                        if st.discard:
                            discard_specs.add(id(c))
        taken: dict[int, list[InputSection]] = {}
        orphans: list[InputSection] = []
        discarded: set = set()
        all_inputs: list[tuple[str, InputSection]] = []
        for obj in self.objects:
            fname = self.paths[obj.index]
            for sec in obj.sections.values():
                if not sec.alloc:
                    continue
                all_inputs.append((fname, sec))
        if self.common.size or self.common_offsets:
            all_inputs.append(("", self.common))
        for fname, sec in all_inputs:
            for sid, spec in specs:
                if spec.matches(fname, sec.name) or (fname and spec.matches(fname.rsplit("/", 1)[-1], sec.name)):
                    if sid in discard_specs:
                        discarded.add(sec.key)
                    else:
                        taken.setdefault(sid, []).append(sec)
                    break
            else:
                if sec.size or sec.key.file != COMMON_FILE:
                    orphans.append(sec)
        return taken, orphans, discarded

    def statements_with_orphans(self, orphans: list[InputSection]) -> list:
        """Insert an output section for each orphan (input sections no pattern takes),
        as ld's ``ldelf_place_orphan`` does: after the output section named like its
        kind (.text/.rodata/.data/.bss) if the script has one, else after the last
        output section whose flags match best (contents, then writability, then code);
        later orphans of the same kind follow the previous one."""
        statements = list(self.script.statements)
        if not orphans:
            return statements
        by_name: dict[str, list[InputSection]] = {}
        for sec in orphans:
            by_name.setdefault(sec.name, []).append(sec)
        anchors = {"text": ".text", "rodata": ".rodata", "data": ".data", "bss": ".bss"}
        last_of_kind: dict[str, OutputSection] = {}
        for name, secs in by_name.items():
            kind = _kind(secs[0].flags, secs[0].nobits)
            synthetic = OutputSection(name, None, None, False, (InputSpec("*", (name,)),),
                                      SourceLoc("<orphan>", 0))
            self._orphan_inputs[id(synthetic.commands[0])] = secs
            idx = None
            previous = last_of_kind.get(kind)
            for i, st in enumerate(statements):
                if st is previous or (previous is None and isinstance(st, OutputSection)
                                      and st.name == anchors[kind]):
                    idx = i
            if idx is None:
                want = _props(secs[0])
                best = None
                for i, st in enumerate(statements):
                    if not isinstance(st, OutputSection) or st.discard:
                        continue
                    props = self._props_of_statement(st)
                    if props is None:
                        continue
                    score = tuple(int(a == b) for a, b in zip(props, want))
                    if best is None or score >= best:
                        best, idx = score, i
            pos = len(statements) if idx is None else idx + 1
            statements.insert(pos, synthetic)
            last_of_kind[kind] = synthetic
            log.info("orphan section %s placed after %s", name,
                     statements[pos - 1].name if pos and isinstance(statements[pos - 1], OutputSection) else "start")
        return statements

    def _props_of_statement(self, st: OutputSection) -> tuple[bool, bool, bool] | None:
        for c in st.commands:
            if isinstance(c, InputSpec):
                for sec in self._taken.get(id(c), []) or self._orphan_inputs.get(id(c), []):
                    return _props(sec)
        return None

    def place(self, final: bool) -> None:
        self.outputs = []
        dot = 0
        # MEMORY regions: (origin, length); each keeps its own location counter
        self.regions = {r.name: (self.eval_script(r.origin, 0), self.eval_script(r.length, 0))
                        for r in self.script.regions}
        region_dot = {name: origin for name, (origin, _) in self.regions.items()}
        for st in self._statements:
            if isinstance(st, Assign):
                dot = self.assign(st, dot, final)
                continue
            if st.discard:
                continue
            inputs: list[InputSection] = []
            for c in st.commands:
                if isinstance(c, InputSpec):
                    inputs.extend(self._taken.get(id(c), []) or self._orphan_inputs.get(id(c), []))
            align = max((s.align for s in inputs), default=1)
            if st.align is not None:
                align = max(align, self.eval_script(st.align, dot))
            has_content = bool(inputs) or any(isinstance(c, DataCmd) for c in st.commands)
            if st.name in self.section_starts:
                start = self.section_starts[st.name]
            elif st.address is not None:
                try:
                    start = self.eval_script(st.address, dot)
                except Unresolved as e:
                    if final:
                        raise LinkError(f"undefined symbol '{e.name}' in the address of {st.name}", st.loc) from None
                    start = 0
            elif st.region is not None:
                if st.region not in region_dot:
                    raise LinkError(f"unknown memory region '{st.region}'", st.loc)
                # ld: a section assigned to a region starts at that region's counter
                dot = region_dot[st.region]
                start = (dot + align - 1) & -align if has_content else dot
            elif has_content:
                start = (dot + align - 1) & -align
            else:
                start = dot
            saved_dot = dot
            out = PlacedOutput(st.name, start, align=align)
            self.outputs.append(out)
            dot = start
            for c in st.commands:
                if isinstance(c, InputSpec):
                    for sec in self._taken.get(id(c), []) or self._orphan_inputs.get(id(c), []):
                        if sec.key in self.excluded:
                            continue
                        dot = (dot + sec.align - 1) & -sec.align
                        self.section_addr[sec.key] = dot
                        out.inputs.append(sec)
                        blob = self.merged_blob.get(sec.key)
                        dot += sec.size if blob is None else len(blob)
                        for ch in sec.flags:
                            if ch in "awx" and ch not in out.flags:
                                out.flags += ch
                        if not sec.nobits:
                            out.nobits = False
                elif isinstance(c, Assign):
                    dot = self.assign(c, dot, final, start)
                elif isinstance(c, DataCmd):
                    try:
                        v = self.eval_script(c.expr, dot)
                    except Unresolved as e:
                        if final:
                            raise LinkError(f"undefined symbol '{e.name}' in linker script", c.loc) from None
                        v = 0
                    out.data_cmds.append((dot - start, c.size, v))
                    out.nobits = False
                    dot += c.size
            out.size = dot - start
            if st.region is not None and st.region in region_dot:
                origin, length = self.regions[st.region]
                region_dot[st.region] = dot
                if final and dot > origin + length:
                    raise LinkError(f"section {st.name} overflows memory region {st.region} by "
                                    f"{dot - origin - length} bytes", st.loc)
            if st.loc.file == "<orphan>" and st.name in self.section_starts:
                dot = saved_dot  # ld: an orphan placed by --section-start does not move '.'
            if st.noload:
                out.nobits = True
            if not out.inputs and not out.data_cmds and out.size:
                out.flags = "aw"  # ld: a section made only by moving '.' is allocated, writable NOBITS
            elif "a" not in out.flags and out.size:
                out.flags = "a" + out.flags

    # ------------------------------------------------------------------ SHF_MERGE
    def merge_sections(self) -> None:
        """Merge SHF_MERGE input sections per output section, entity size, string flag
        and alignment, as ld does (``_bfd_add_merge_section``); the first member of a
        group holds the merged contents, the others disappear."""
        out_of: dict[SectionKey, str] = {}
        for st in self._statements:
            if isinstance(st, OutputSection) and not st.discard:
                for c in st.commands:
                    if isinstance(c, InputSpec):
                        for sec in self._taken.get(id(c), []) or self._orphan_inputs.get(id(c), []):
                            out_of[sec.key] = st.name
        groups: dict[tuple, list[tuple[InputSection, bytes]]] = {}
        for obj in self.objects:
            for sec in obj.sections.values():
                if "M" not in sec.flags or not sec.entsize or not sec.size or sec.key not in out_of:
                    continue
                if sec.size % sec.entsize:
                    continue
                align = sec.align
                strings = "S" in sec.flags
                if (sec.entsize < align and (sec.entsize & (sec.entsize - 1) or not strings)) or (
                        sec.entsize > align and sec.entsize & (align - 1)):
                    continue
                data = self.section_content(obj, sec)
                if data is None:  # relocations: ld does not merge those
                    continue
                groups.setdefault((out_of[sec.key], strings, sec.entsize, align), []).append((sec, data))
        for (_, strings, entsize, _), members in groups.items():
            blob, maps = merge_group([(data, sec.align) for sec, data in members], entsize, strings)
            rep = members[0][0]
            self.merged_blob[rep.key] = blob
            for (sec, _), (ofs, dest) in zip(members, maps):
                self.merge_map[sec.key] = (rep.key, ofs, dest)
                if sec is not rep:
                    self.excluded.add(sec.key)

    def section_content(self, obj: ObjectFile, sec: InputSection) -> bytes | None:
        """The bytes of a data-only section whose values are all absolute, else None."""
        image = bytearray(sec.size)
        for frag in sec.frags:
            t = type(frag)
            if t is BytesFrag:
                image[frag.offset:frag.offset + len(frag.data)] = frag.data
            elif t is DataFrag:
                try:
                    v = evaluate(frag.expr, obj.lookup, Value(frag.dot, sec.key), frag.loc, frag.local)
                except (Unresolved, AsmError):
                    return None
                if v.base is not None:
                    return None
                image[frag.offset:frag.offset + frag.size] = _pack(v.offset, frag.size, frag.loc)
            else:
                return None
        return bytes(image)

    # ------------------------------------------------------------------ driver
    def link(self) -> LinkResult:
        self.collect_globals()
        self._orphan_inputs = {}
        self._taken, orphans, self._discarded = self.assign_inputs()
        self._statements = self.statements_with_orphans(orphans)
        self.merge_sections()
        # addresses can depend on symbols defined later in the script: iterate like ld
        previous = None
        for _ in range(4):
            self.place(final=False)
            snapshot = (dict(self.section_addr), dict(self.script_syms))
            if snapshot == previous:
                break
            previous = snapshot
        self.place(final=True)
        outputs = [o for o in self.outputs if o.size]  # ld drops empty output sections
        self.check_overlaps(outputs)
        return self.generate(outputs + self.place_nonalloc())

    def place_nonalloc(self) -> list[PlacedOutput]:
        """Non-allocated sections (annotation tables such as ``.vtrans.hypercalls``): as ld's
        orphans, one output section per name in input order, at address 0, after the
        allocated ones.  They take no memory; their contents and relocations are kept."""
        by_name: dict[str, PlacedOutput] = {}
        for obj in self.objects:
            for sec in obj.sections.values():
                if sec.alloc or not sec.size or sec.name.startswith((".ARM.attributes", ".debug")):
                    continue  # DWARF needs the line tables gas generates from .loc: not kept (as strip -g)
                if any(type(f) is InsnFrag for f in sec.frags):
                    raise LinkError(f"instructions in the non-allocated section {sec.name} are not supported")
                out = by_name.get(sec.name)
                if out is None:
                    out = by_name[sec.name] = PlacedOutput(sec.name, 0, flags="", nobits=sec.nobits)
                start = -(-out.size // sec.align) * sec.align
                self.section_addr[sec.key] = start
                out.inputs.append(sec)
                out.size = start + sec.size
                out.align = max(out.align, sec.align)
        return list(by_name.values())

    def check_overlaps(self, outputs: list[PlacedOutput]) -> None:
        spans = sorted((o.addr, o.addr + o.size, o.name) for o in outputs if o.size)
        for (a0, a1, an), (b0, b1, bn) in zip(spans, spans[1:]):
            if b0 < a1:
                raise LinkError(f"section {bn} [{b0:#x}, {b1:#x}) overlaps section {an} [{a0:#x}, {a1:#x})")
        for o in outputs:
            if o.addr + o.size > 1 << 32:
                raise LinkError(f"section {o.name} does not fit below 4 GiB (ends at {o.addr + o.size:#x})")

    def resolver(self, obj: ObjectFile):
        """``resolve(expr, dot, local, loc)`` -> address, for expressions of ``obj``
        (``dot`` is a section-relative Value).  A symbol this file declares global or
        weak is looked up in the global table, so a strong definition elsewhere wins
        over a local weak one."""
        own = obj.lookup
        symbols = obj.symbols
        globals_ = self.globals
        value_addr = self.value_addr
        history = obj.set_history
        where = [-1]  # statement index of the expression being resolved

        def lookup(name: str) -> Value:
            if history:
                h = history.get(name)
                if h is not None and where[0] >= 0:
                    i = bisect.bisect_right([at for at, _ in h], where[0]) - 1
                    if i >= 0:
                        name = h[i][1]  # the value the symbol had at that statement
            s = symbols.get(name)
            if s is not None and s.binding != "local":
                g = globals_.get(name)
                if g is not None and g[0] is not obj:
                    return Value(0, Extern(name))
            return own(name)

        def resolve_at(expr, dot: Value, local, loc: SourceLoc | None, stmt: int = -1) -> int:
            if type(expr) is Num:
                return expr.value
            where[0] = stmt
            try:
                return value_addr(evaluate(expr, lookup, dot, loc, local), obj)
            except Unresolved as e:
                raise LinkError(f"undefined reference to '{_display(e.name)}'", loc) from None
        return resolve_at

    def generate(self, outputs: list[PlacedOutput]) -> LinkResult:
        encoder = Encoder(self.isa, self.enc)
        line_map: dict[int, SourceLoc] = {}
        stmt_addrs: dict[tuple[int, int], int] = {}
        section_data: dict[str, bytes] = {}
        mapping: list[tuple[str, int, str]] = []
        objects = {o.index: o for o in self.objects}
        for out in outputs:
            image = bytearray(0 if out.nobits else out.size)
            for sec in out.inputs:
                base = self.section_addr[sec.key]
                rel = base - out.addr
                if sec.key.file == COMMON_FILE:
                    continue
                obj = objects[sec.key.file]
                blob = self.merged_blob.get(sec.key)
                if blob is not None:
                    image[rel:rel + len(blob)] = blob
                    mapping.append(("$d", base, out.name))
                    continue
                for off, kind in sec.mapping:
                    mapping.append(("$" + kind, base + off, out.name))
                jobs: list[Job] = []
                job_offsets: list[int] = []
                res = self.resolver(obj)
                prepare = self.enc.prepare
                insn_size = self.enc.insn_size
                key = sec.key
                for frag in sec.frags:
                    t = type(frag)
                    if t is InsnFrag:
                        addr = base + frag.offset
                        insn = frag.insn
                        prepared = prepare(insn, addr,
                                           lambda e, _d=Value(frag.offset, key), _l=frag.local, _c=insn.loc,
                                           _s=frag.stmt: res(e, _d, _l, _c, _s),
                                           None if frag.literal is None else base + frag.literal,
                                           frag.move, frag.state)
                        jobs.append(Job(prepared, addr, insn, insn_size(insn)))
                        job_offsets.append(rel + frag.offset)
                        line_map[addr] = insn.loc
                    elif t is DataFrag:
                        v = res(frag.expr, Value(frag.dot, key), frag.local, frag.loc, frag.stmt)
                        if not out.nobits:
                            image[rel + frag.offset:rel + frag.offset + frag.size] = _pack(v, frag.size, frag.loc)
                    elif t is BytesFrag:
                        if not out.nobits:
                            image[rel + frag.offset:rel + frag.offset + len(frag.data)] = frag.data
                if jobs:
                    for off, words in zip(job_offsets, encoder.encode(jobs)):
                        image[off:off + len(words)] = words
                for idx, (secname, off) in obj.stmt_offsets.items():
                    if secname == sec.name:
                        stmt_addrs[(obj.index, idx)] = base + off
            for off, size, v in out.data_cmds:
                image[off:off + size] = _pack(v, size, None)
            section_data[out.name] = bytes(image)
        for obj in self.objects:  # statements in merged sections
            for idx, (secname, off) in obj.stmt_offsets.items():
                key = SectionKey(obj.index, secname)
                if key in self.merge_map:
                    stmt_addrs[(obj.index, idx)] = self.value_addr(Value(off, key), obj)
        symbols = self.symbol_table(outputs)
        entry = self.entry(outputs)
        return LinkResult(outputs, section_data, symbols, entry, line_map, stmt_addrs, mapping,
                          self.enc.e_flags([o.state for o in self.objects]))

    def output_of(self, addr: int, outputs: list[PlacedOutput], key: SectionKey | None = None) -> str | None:
        if key is not None:
            for o in outputs:
                if any(s.key == key for s in o.inputs):
                    return o.name
        allocated = [o for o in outputs if "a" in o.flags]
        for o in allocated:
            if o.addr <= addr < o.addr + o.size:
                return o.name
        for o in allocated:
            if o.addr <= addr <= o.addr + o.size:
                return o.name
        return None

    def symbol_table(self, outputs: list[PlacedOutput]) -> list[LinkedSymbol]:
        result: list[LinkedSymbol] = []
        for obj in self.objects:
            for name, s in obj.symbols.items():
                if name.startswith(".L") or "\x02" in name or "\x03" in name:
                    continue
                if s.binding in ("global", "weak"):
                    g = self.globals.get(name)
                    if g is None or g[0] is not obj:
                        continue
                    value = self.global_value(name)
                    key = None if s.value is None else s.value.base
                else:
                    if s.value is None:
                        continue
                    try:
                        value = self.value_addr(s.value, obj)
                    except Unresolved:
                        continue
                    key = s.value.base
                if value is None:
                    continue
                if name in self.common_offsets:
                    key = self.common.key
                section = None
                if isinstance(key, SectionKey) and key not in self._discarded:
                    section = self.output_of(value, outputs, key)
                elif isinstance(key, Extern):
                    section = self.output_of(value, outputs)
                result.append(LinkedSymbol(name, value & 0xFFFFFFFF, s.size or (
                    s.common[0] if s.common and name in self.common_offsets else 0),
                    s.sym_type, s.binding, section, obj.index))
        script = dict(self.script_syms)
        for name in self.provided_used:
            if name not in script and name in self.provided:
                script[name] = self.provided[name]
        for name, value in script.items():
            if name in self.globals:
                continue
            result.append(LinkedSymbol(name, value, 0, "notype", "global", self.output_of(value, outputs), None))
        return result

    def entry(self, outputs: list[PlacedOutput]) -> int:
        name = self.script.entry or "_start"
        v = self.global_value(name)
        if v is None:
            for obj in self.objects:  # ld also accepts a local symbol of that name
                s = obj.symbols.get(name)
                if s is not None and s.value is not None:
                    try:
                        return self.value_addr(s.value, obj)
                    except Unresolved:
                        pass
            text = next((o for o in outputs if o.name == ".text"), None)
            default = text.addr if text is not None else 0
            log.warning("cannot find entry symbol %s; defaulting to %08x", name, default)
            return default
        return v


def _is_constant(e) -> bool:
    t = type(e)
    if t is LNum:
        return True
    if t is LUnary:
        return _is_constant(e.operand)
    if t is LBinary:
        return _is_constant(e.left) and _is_constant(e.right)
    return False


def _display(name: str) -> str:
    if "\x02" in name:
        number = name[2:].split("\x02")[0]
        return f"{number}{'b' if name.endswith('undefined-backward') else 'f'} (numeric local label)"
    return name


def _pack(value: int, size: int, loc: SourceLoc | None) -> bytes:
    lo = -(1 << (8 * size - 1))
    hi = (1 << (8 * size)) - 1
    if size < 4 and not lo <= value <= hi:
        log.warning("%svalue %#x truncated to %d bytes", f"{loc}: " if loc else "", value, size)
    if size == 8:
        return struct.pack("<Q", value & 0xFFFFFFFFFFFFFFFF)
    return (value & ((1 << (8 * size)) - 1)).to_bytes(size, "little")
# --------------------------------------------------------------------------- SHF_MERGE


@dataclass(slots=True)
class _MergeEntry:
    data: bytes
    length: int
    alignment: int
    suffix: "_MergeEntry | None" = None
    index: int = 0


def merge_group(contents: list[tuple[bytes, int]], entsize: int, strings: bool
                ) -> tuple[bytes, list[tuple[list[int], list[int]]]]:
    """Merge the contents of SHF_MERGE input sections as GNU ld's ``bfd/merge.c`` does:
    duplicates are stored once, strings that are the tail of a longer string point
    into it, entries keep their input alignment.  ``contents`` holds (bytes,
    alignment) per member; returns the merged blob and, per member, the sorted input
    offsets of its entries with their output offsets."""
    table: dict[bytes, _MergeEntry] = {}
    order: list[_MergeEntry] = []
    maps: list[tuple[list[int], list[_MergeEntry]]] = []
    for data, align in contents:
        mask = align - 1
        buf = data + bytes(entsize) if strings else data
        ofs_list: list[int] = []
        ent_list: list[_MergeEntry] = []
        p, end = 0, len(data)
        while p < end:
            if strings:
                if entsize == 1:
                    n = buf.index(0, p) - p + 1
                else:
                    q = p
                    while buf[q:q + entsize] != bytes(entsize):
                        q += entsize
                    n = q - p + entsize
            else:
                n = entsize
            blob = buf[p:p + n]
            low = p & -p
            eltalign = mask + 1 if not low or low > mask else low
            e = table.get(blob)
            if e is None:
                e = table[blob] = _MergeEntry(blob, n, eltalign)
                order.append(e)
            elif e.alignment < eltalign:
                e.alignment = eltalign
            ofs_list.append(p)
            ent_list.append(e)
            p += n
        maps.append((ofs_list, ent_list))
    if strings and order:
        array = list(order)
        aligns = {e.alignment for e in array}
        for e in array:
            e.length -= entsize
        uniform = aligns.pop() if len(aligns) == 1 else None
        if uniform is not None and uniform > entsize:
            array.sort(key=lambda e: (e.length & (uniform - 1), e.data[:e.length][::-1]))
        else:
            array.sort(key=lambda e: e.data[:e.length][::-1])
        e = array[-1]
        e.length += entsize
        for cmp in reversed(array[:-1]):
            cmp.length += entsize
            if e.alignment >= cmp.alignment and not ((e.length - cmp.length) & (cmp.alignment - 1)) \
                    and e.length > cmp.length and e.data[e.length - cmp.length:e.length] == cmp.data[:cmp.length]:
                cmp.suffix = e
                cmp.alignment = 0
            else:
                e = cmp
    size = 0
    out = bytearray()
    for e in order:
        if e.alignment:
            pad = (-size) % e.alignment
            out += bytes(pad)
            size += pad
            e.index = size
            out += e.data[:e.length]
            size += e.length
    for e in order:
        if not e.alignment and e.suffix is not None:
            e.alignment = e.suffix.alignment
            e.index = e.suffix.index + (e.suffix.length - e.length)
    align = 1
    for data, a in contents:
        if align:
            align = a
            if len(data) & (a - 1):
                align = 0
    if align:
        out += bytes((-len(out)) % align)
    return bytes(out), [(ofs, [e.index for e in ents]) for ofs, ents in maps]

"""``vtrans diff``: run a guest natively and in other modes, and compare.

Every mode runs the same guest with the same inputs under the same
deterministic clock; each is compared with native mode: console output (a
unified diff), final architectural state (register by register) and the event
traces, down to the first divergent instruction, with an explanation when the
cause is a sensitive instruction that does not trap in User mode.

Exit status: 0 when every mode agrees with native, 1 on a divergence, 2 on bad input.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from dataclasses import dataclass

from vtrans.cli.common import address_arg, count_arg, int_arg, is_elf, read_stdin, seconds_arg
from vtrans.errors import ImageError, UnsupportedGuest, UsageError
from vtrans.fileio import write_atomically

_ASM_SUFFIXES = (".s", ".S", ".asm")
ALL_MODES = ("native", "trap", "previrt:hypercall", "previrt:stub", "previrt:pad", "bt")
#: where the stub strategy's sections go, from the image base (``--stub-at``), and the vCPU block from them
STUB_OFFSET = 0x200000
STUB_VCPU_OFFSET = 0x80000


@dataclass(frozen=True)
class ModeSpec:
    mode: str
    strategy: str | None = None

    @property
    def label(self) -> str:
        return f"{self.mode}:{self.strategy}" if self.strategy else self.mode


def parse_modes(text: str, can_rewrite: bool) -> list[ModeSpec]:
    from vtrans.runtime.modes import mode_names
    from vtrans.runtime.modes.previrt import STRATEGIES

    specs: list[ModeSpec] = []
    for item in (t.strip() for t in text.split(",")):
        if not item:
            continue
        mode, _, strategy = item.partition(":")
        if mode not in mode_names():
            raise UsageError(f"--modes: unknown mode '{mode}' (known: {', '.join(mode_names())})")
        if mode == "previrt":
            if not can_rewrite:
                raise UsageError("--modes previrt needs assembly sources or an ELF image to rewrite "
                                 "(a raw image has neither source nor mapping symbols)")
            for s in ([strategy] if strategy else list(STRATEGIES)):
                if s not in STRATEGIES:
                    raise UsageError(f"--modes: unknown strategy '{s}' (hypercall, stub or pad)")
                specs.append(ModeSpec("previrt", s))
        elif strategy:
            raise UsageError(f"--modes: only previrt takes a strategy ('{item}')")
        else:
            specs.append(ModeSpec(mode))
    specs = [s for s in specs if s.mode != "native"]
    if not specs:
        raise UsageError("--modes: name at least one mode to compare with native")
    return list(dict.fromkeys(specs))


def add_parser(subparsers) -> None:
    from vtrans.cli.run import DEFAULT_BOARD
    from vtrans.runtime.boards import board_names

    p = subparsers.add_parser(
        "diff", help="compare native behaviour with trap, pre-virtualized and translated runs",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("inputs", nargs="+", metavar="FILE.s|IMAGE", help="assembly sources, or one ELF/raw image")
    p.add_argument("--modes", default=None,
                   help=f"modes to compare with native (default, for sources and ELF images: "
                        f"{','.join(ALL_MODES[1:])}; for a raw image: trap,bt)")
    p.add_argument("--board", "-M", default=DEFAULT_BOARD, choices=board_names())
    p.add_argument("--base", type=address_arg, default=None, help="load/link address (default: the board's)")
    p.add_argument("--icount-shift", type=int, default=3, metavar="N")
    p.add_argument("--max-insns", type=count_arg, default=None, metavar="N",
                   help="instruction budget of every run (default: native runs to its end, the other "
                        "modes get twice native's count plus 100000)")
    p.add_argument("--timeout", type=seconds_arg, default=None, metavar="S", help="host seconds per mode")
    p.add_argument("--stdin", default=None, metavar="FILE|-", help="bytes fed to the guest (every mode)")
    p.add_argument("--tc-size", type=int_arg, default=None, help="bt: translation-cache size")
    p.add_argument("--stub-at", type=address_arg, default=None, metavar="ADDR",
                   help=f"previrt:stub: address of the stub and vCPU-block sections (default: the base "
                        f"+ {STUB_OFFSET:#x} for sources, right below the image for an ELF image; "
                        "no address of the image moves)")
    p.add_argument("--trace-devices", action="store_true",
                   help="also record and compare every device register access")
    p.add_argument("--json", action="store_true", help="print the result as one JSON object")
    p.add_argument("--html", default=None, metavar="REPORT.html", help="write an HTML report")
    p.add_argument("--trace-dir", default=None, metavar="DIR",
                   help="also write every mode's full trace as DIR/<mode>.json")
    p.add_argument("-I", dest="include_dirs", action="append", default=[], metavar="DIR")
    p.set_defaults(func=run)


class _Describer:
    """Text and class of guest instructions of the original image: the source statement as
    the user wrote it when the image came from assembly, else capstone's disassembly."""

    def __init__(self, segments, line_map: dict, isa_name: str = "arm"):
        from vtrans import isa as isa_registry

        self.isa = isa_registry.get(isa_name)
        self.segments = [(s.addr, s.data) for s in segments]
        self.line_map = line_map
        self._lines: dict[str, list[str]] = {}

    def _source_text(self, pc: int) -> str | None:
        loc = self.line_map.get(pc)
        if loc is None:
            return None
        lines = self._lines.get(loc.file)
        if lines is None:
            try:
                with open(loc.file, errors="replace") as f:
                    lines = self._lines[loc.file] = f.read().splitlines()
            except OSError:
                lines = self._lines[loc.file] = []
        if not 0 < loc.line <= len(lines):
            return None
        text = lines[loc.line - 1][max(loc.col - 1, 0):]
        for mark in ("@", "//", ";"):
            text = text.split(mark, 1)[0]
        text = " ".join(text.split())
        return text or None

    def __call__(self, pc: int) -> tuple[str | None, str | None]:
        for addr, data in self.segments:
            if addr <= pc < addr + len(data) - 3:
                word = int.from_bytes(data[pc - addr:pc - addr + 4], "little")
                text = self._source_text(pc) or next(
                    (f"{i.mnemonic} {i.op_str}".strip()
                     for i in self.isa.cs_fast.disasm(word.to_bytes(4, "little"), pc)),
                    f".word 0x{word:08x}")
                return text, str(self.isa.classify(word).cls)
        return None, None


def run(args: argparse.Namespace) -> int:
    from vtrans.runtime.boards import get_board
    from vtrans.runtime.diff import compare
    from vtrans.runtime.loader import image_from_assembler, read_image
    from vtrans.runtime.modes import get_mode
    from vtrans.runtime.session import run_traced
    from vtrans.runtime.tracing import find_sites

    if not 0 <= args.icount_shift <= 10:
        raise UsageError("--icount-shift must be between 0 and 10")
    board = get_board(args.board)
    asm = [p for p in args.inputs if p.endswith(_ASM_SUFFIXES)]
    if asm and len(asm) != len(args.inputs):
        raise UsageError("give either assembly sources or one image, not both")
    if not asm and len(args.inputs) != 1:
        raise UsageError("give one image (or several assembly sources)")
    elf_input = not asm and is_elf(args.inputs[0])
    default_modes = ",".join(ALL_MODES[1:]) if asm or elf_input else "trap,bt"
    specs = parse_modes(args.modes or default_modes, bool(asm) or elf_input)
    stdin = read_stdin(args)
    base = args.base if args.base is not None else board.kernel_load_addr

    programs = None
    line_map: dict = {}
    if asm:
        from vtrans.assembler.api import assemble_programs
        from vtrans.cli.analyze import parse_inputs

        programs = parse_inputs(asm, args.include_dirs)
        built = assemble_programs(programs, base=base, include_dirs=args.include_dirs)
        original = image_from_assembler(built, os.path.basename(asm[0]))
        line_map = dict(built.line_map)
    else:
        original = read_image(args.inputs[0], board, args.base)
    sites = find_sites([(s.addr, s.data, s.executable) for s in original.segments])
    describe = _Describer(original.segments, line_map)
    common = dict(board=board, sites=sites, icount_shift=args.icount_shift, stdin=stdin,
                  max_insns=args.max_insns, timeout=args.timeout, line_map=line_map,
                  cmdline=" ".join(args.inputs), devices=args.trace_devices)

    with tempfile.TemporaryDirectory(prefix="vtrans-diff-") as tmp:
        if programs is not None:
            stub_at = args.stub_at if args.stub_at is not None else base + STUB_OFFSET
            rewritten = {spec: _previrtualized(programs, spec.strategy, base, args.include_dirs, tmp, stub_at)
                         for spec in specs if spec.mode == "previrt"}
        else:
            rewritten = {}
            for spec in [s for s in specs if s.mode == "previrt"]:
                try:
                    rewritten[spec] = _previrtualized_elf(args.inputs[0], spec.strategy, board, args.base, tmp,
                                                          args.stub_at)
                except ImageError as e:
                    if args.modes:
                        raise  # asked for by name: the reason is the answer
                    # the default modes: compare what can be compared (an image whose Thumb
                    # code is sensitive cannot be pre-virtualized), and say why the rest is not
                    print(f"vtrans diff: previrt modes skipped: {e.message}", file=sys.stderr)
                    specs = [s for s in specs if s.mode != "previrt"]
                    rewritten = {}
                    break
        if rewritten:
            # every run digests memory without the code that differs by design between the images
            common["mask"] = _code_ranges(original, *(im for im, _ in rewritten.values()))
        native = run_traced(mode=get_mode("native")(), image=original, label="native", **common)
        if args.max_insns is None:
            # a mode that has gone astray may spin forever (trap mode on a guest whose `cpsie i`
            # was a NOP waits for an interrupt that never comes): native's count bounds the search
            common["max_insns"] = 2 * (native.stats.get("instructions") or 0) + 100_000
        diffs = []
        for spec in specs:
            mode_cls = get_mode(spec.mode)
            image, reference = original, native
            if spec.mode == "previrt":
                image, path = rewritten[spec]
                mode = mode_cls(path, spec.strategy)
                if spec.strategy == "pad":
                    # padding moves addresses: a padded image is compared with itself run natively
                    # (it runs unchanged on bare hardware), and its console with the original's
                    reference = run_traced(mode=get_mode("native")(), image=image, label="native:pad", **common)
                trace = run_traced(mode=mode, image=image, label=spec.label, **common)
            else:
                mode = mode_cls(args.tc_size) if spec.mode == "bt" else mode_cls()
                try:
                    trace = run_traced(mode=mode, image=image, label=spec.label, **common)
                except UnsupportedGuest as e:
                    if args.modes:
                        raise  # asked for by name: the reason is the answer
                    print(f"vtrans diff: {spec.label} skipped: {e.format()}", file=sys.stderr)
                    continue
            d = compare(reference, trace, describe=describe)
            if reference is not native and native.console != reference.console:
                d = compare(native, trace, describe=describe)  # the rewrite changed what the guest prints
            diffs.append(d)
        cfg_svg = _cfg_svg(programs, sites, tmp) if (args.html and programs is not None) else None

    if args.trace_dir:
        _write_traces(args.trace_dir, [native] + [d.other for d in diffs])
    equal = all(d.equal for d in diffs)
    if args.html:
        from vtrans.runtime.report import render

        title = " ".join(os.path.basename(p) for p in args.inputs) + f" on {board.name}"
        write_atomically(args.html, render(title, diffs, native_stats=native.stats, cfg_svg=cfg_svg).encode())
    if args.json:
        out = {"equal": equal, "board": board.name,
               "native": {"exit_reason": native.exit_reason, "exit_code": native.exit_code,
                          "instructions": native.stats.get("instructions"), "wall_s": native.stats.get("wall_s")},
               "modes": [d.to_json() for d in diffs]}
        json.dump(out, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        _print_text(native, diffs, sys.stdout)
    return 0 if equal else 1


def _previrtualized(programs, strategy: str, base: int, include_dirs, tmp: str, stub_at: int):
    """Rewrite, assemble and write the image for ``previrt:<strategy>``; returns (LoadedImage, path).

    The stub strategy's sections (stubs and the vCPU block) are placed at ``stub_at``, away
    from the image, so that no address of the original moves and native mode on the original
    stays the reference."""
    from vtrans.assembler.api import assemble_programs
    from vtrans.isa.arm import hypercall as hc
    from vtrans.runtime.loader import image_from_assembler
    from vtrans.translator.rewrite import rewrite

    result = rewrite(programs, strategy)
    starts = None
    if strategy == "stub":
        starts = {hc.SECTION_STUBS: stub_at, hc.SECTION_VCPU: stub_at + STUB_VCPU_OFFSET}
    built = assemble_programs(result.programs, base=base, include_dirs=include_dirs, section_starts=starts)
    path = os.path.join(tmp, f"previrt-{strategy}.elf")
    with open(path, "wb") as f:
        f.write(built.elf_bytes())
    return image_from_assembler(built, os.path.basename(path)), path


def _previrtualized_elf(path: str, strategy: str, board, base, tmp: str, stub_at: int | None):
    """The binary rewrite of the ELF image ``path`` for ``previrt:<strategy>`` (nothing in it moves)."""
    from vtrans.runtime.loader import read_image
    from vtrans.translator.binary import rewrite_elf

    with open(path, "rb") as f:
        result = rewrite_elf(f.read(), strategy, name=path, stub_base=stub_at if strategy == "stub" else None)
    out = os.path.join(tmp, strategy, os.path.basename(path))
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "wb") as f:
        f.write(result.image)
    return read_image(out, board, base), out



def _code_ranges(*images) -> list[tuple[int, int]]:
    """Executable segments of every image, and the segments one image has and another has not:
    the bytes that differ by design between an original and its rewrite."""
    ranges = set()
    spans = [{(seg.addr, len(seg.data)) for seg in im.segments} for im in images]
    for im, own in zip(images, spans):
        for seg in im.segments:
            if seg.executable or any((seg.addr, len(seg.data)) not in other for other in spans):
                ranges.add((seg.addr, seg.addr + len(seg.data)))
    return sorted(ranges)


def _cfg_svg(programs, sites, tmp: str) -> str | None:
    import shutil

    if shutil.which("dot") is None:
        return None
    from vtrans.assembler.printer import format_instruction
    from vtrans.translator.analyze import analyze

    result = analyze(programs)
    hl = {result.cfg.block_of(f.site.file, f.site.stmt) for f in result.findings} - {None}
    path = os.path.join(tmp, "cfg.svg")
    result.cfg.write(path, highlight=hl, fmt=format_instruction, title="cfg")
    with open(path, encoding="utf-8") as f:
        return f.read()


def _write_traces(directory: str, traces) -> None:
    os.makedirs(directory, exist_ok=True)
    for t in traces:
        write_atomically(os.path.join(directory, t.mode.replace(":", "-") + ".json"), t.dump().encode())


def _print_text(native, diffs, out) -> None:
    n_wall = native.stats.get("wall_s") or 0.0
    rows = [("mode", "verdict", "instructions", "traps", "time/native", "first divergence")]
    rows.append(("native", "reference", str(native.stats.get("instructions", "")), "-", "1.00", "-"))
    for d in diffs:
        st = d.other.stats
        fd = d.first_divergence
        where = "-"
        if fd is not None:
            where = fd.where()
            if fd.text:
                where += f" ({fd.text})"
        ratio = f"{(st.get('wall_s') or 0.0) / n_wall:.2f}" if n_wall else "-"
        traps = st.get("traps")
        rows.append((d.mode, "equal" if d.equal else "DIVERGES", str(st.get("instructions", "")),
                     "-" if traps is None else str(traps), ratio, where))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        out.write("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() + "\n")
    for d in diffs:
        if d.equal:
            continue
        out.write(f"\n== {d.mode}: diverges from native\n")
        fd = d.first_divergence
        if fd is not None:
            out.write(f"first divergence: {fd.explanation}\n")
            if fd.index is not None:
                out.write(f"  event #{fd.index}")
                if fd.pc is not None:
                    out.write(f" at guest pc 0x{fd.pc:08x}")
                if fd.cls:
                    out.write(f" [{fd.cls}]")
                out.write("\n")
        if d.console_diff:
            out.write("console:\n")
            out.writelines("  " + ln if ln.endswith("\n") else "  " + ln + "\n" for ln in d.console_diff)
        if d.state_diff:
            out.write("final state:\n")
            for reg, a, b in d.state_diff[:24]:
                out.write(f"  {reg:<16} native {_h(a):<12} {d.mode} {_h(b)}\n")
            if len(d.state_diff) > 24:
                out.write(f"  … {len(d.state_diff) - 24} more\n")


def _h(v) -> str:
    return "-" if v is None else (f"0x{v:08x}" if isinstance(v, int) else str(v))

"""The GNU reference for the assembler's differential tests: build with
arm-none-eabi-gcc/as/ld, read back loadable segments, symbols and entry, and
compare with what vtrans produced (a readable report of the first difference)."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

CORPUS = Path(__file__).resolve().parent
#: the repository's samples (not imported from conftest: several conftest modules share that name)
SAMPLES = CORPUS.parent.parent / "samples"
C_DIR = CORPUS / "c"
ASM_DIR = CORPUS / "asm"
OPT_LEVELS = ("-O0", "-O2", "-Os")
#: ARM state, soft-float, no libc: what a freestanding kernel is built with
CFLAGS = ("-S", "-marm", "-march=armv7-a", "-mfloat-abi=soft", "-ffreestanding", "-nostdlib", "-fno-common")


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} not found: install the Debian package binutils-arm-none-eabi / gcc-arm-none-eabi "
                    "(see the README's test command)")
    return path


def run(cmd: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120)
    if r.returncode != 0:
        raise AssertionError(f"reference tool failed: {' '.join(cmd)}\n{r.stderr}")
    return r


#: the hard-float variant: VFP instructions, pc-relative vldr, e_flags with the VFP ABI
HARD_FLOAT = ("-mfloat-abi=hard", "-mfpu=vfpv3-d16")


#: an older architecture: pre-v6K NOP (mov r0, r0) for code alignment, no movw/movt
ARMV5TE = ("-march=armv5te",)
#: with debug information: .loc/.file, DWARF sections (not loaded), .uleb128/.sleb128
DEBUG = ("-g",)
#: a section per function and object: ld's pattern order across many input sections
SPLIT_SECTIONS = ("-ffunction-sections", "-fdata-sections")


def compile_c(src: Path, opt: str, out: Path, extra: tuple[str, ...] = ()) -> Path:
    replaced = {f.split("=")[0] for f in extra}
    flags = [f for f in CFLAGS if f.split("=")[0] not in replaced]
    run([tool("arm-none-eabi-gcc"), *flags, *extra, opt, str(src), "-o", str(out)])
    return out


def gnu_objects(sources: list[Path], workdir: Path) -> list[Path]:
    objs = []
    for i, s in enumerate(sources):
        o = workdir / f"{i}-{s.stem}.o"
        # -I the source's directory: where vtrans looks for .incbin/.include files too
        run([tool("arm-none-eabi-as"), "-I", str(s.parent), str(s), "-o", str(o)])
        objs.append(o)
    return objs


def stub_source(objects: list[Path], out: Path) -> Path | None:
    """A .s defining every symbol the objects leave undefined (libgcc's __aeabi_*
    helpers), each as ``bx lr``; linked on both sides so the layouts agree."""
    defined: set[str] = set()
    undefined: list[str] = []
    for o in objects:
        for line in run([tool("arm-none-eabi-nm"), str(o)]).stdout.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] == "U":
                if parts[1] not in undefined:
                    undefined.append(parts[1])
            elif len(parts) == 3 and parts[1] in "TDBRtdbrWwVvAC":
                defined.add(parts[2])
    missing = [u for u in undefined if u not in defined]
    if not missing:
        return None
    lines = ["\t.syntax unified", "\t.text", "\t.align 2"]
    for name in missing:
        lines += [f"\t.global {name}", f"\t.type {name}, %function", f"{name}:", "\tbx lr"]
    out.write_text("\n".join(lines) + "\n")
    return out


def gnu_link(sources: list[Path], workdir: Path, *, base: int | None = None, script: Path | None = None) -> Path:
    objs = gnu_objects(sources, workdir)
    out = workdir / "reference.elf"
    args = [f"-Ttext={base:#x}"] if base is not None else []
    if script is not None:
        args += ["-T", str(script)]
    run([tool("arm-none-eabi-ld"), *args, *map(str, objs), "-o", str(out)])
    return out


@dataclass
class Loaded:
    segments: list[tuple[int, int, int, bytes]]  # vaddr, memsz, flags, file bytes
    symbols: dict[str, int]
    entry: int
    e_flags: int


def load(path: Path) -> Loaded:
    with open(path, "rb") as f:
        elf = ELFFile(f)
        segs = [(s["p_vaddr"], s["p_memsz"], s["p_flags"], s.data()) for s in elf.iter_segments()
                if s["p_type"] == "PT_LOAD"]
        symbols: dict[str, int] = {}
        symtab = elf.get_section_by_name(".symtab")
        for sym in symtab.iter_symbols():
            name = sym.name
            if not name or name.startswith(("$", ".L")) or sym["st_shndx"] == "SHN_UNDEF":
                continue
            if sym["st_info"]["type"] in ("STT_SECTION", "STT_FILE"):
                continue
            symbols[name] = sym["st_value"]
        return Loaded(segs, symbols, elf.header["e_entry"], elf.header["e_flags"])


def differences(ref: Loaded, mine: Loaded, line_map: dict | None = None) -> list[str]:
    """Human-readable differences (empty when the images agree): every PT_LOAD's
    address, size, flags and bytes; entry; e_flags; the value of every symbol the
    reference defines."""
    out: list[str] = []
    if len(ref.segments) != len(mine.segments):
        out.append(f"{len(ref.segments)} PT_LOAD segments in the reference, {len(mine.segments)} in vtrans")
    for (ra, rm, rf, rd), (ma, mm, mf, md) in zip(ref.segments, mine.segments):
        if (ra, rm, rf, len(rd)) != (ma, mm, mf, len(md)):
            out.append(f"segment {ra:#x}+{rm:#x} flags {rf} filesz {len(rd):#x} vs "
                       f"{ma:#x}+{mm:#x} flags {mf} filesz {len(md):#x}")
        if rd != md:
            for off in range(0, min(len(rd), len(md)), 4):
                if rd[off:off + 4] != md[off:off + 4]:
                    addr = ra + off
                    where = ""
                    if line_map:
                        loc = line_map.get(addr & ~3)
                        where = f" ({loc})" if loc else ""
                    out.append(f"bytes differ at {addr:#x}{where}: GNU {rd[off:off + 4].hex()} "
                               f"vtrans {md[off:off + 4].hex()}")
                    break
    if ref.entry != mine.entry:
        out.append(f"entry {ref.entry:#x} vs {mine.entry:#x}")
    if ref.e_flags != mine.e_flags:
        out.append(f"e_flags {ref.e_flags:#x} vs {mine.e_flags:#x}")
    wrong = {k: (v, mine.symbols.get(k)) for k, v in ref.symbols.items() if mine.symbols.get(k) != v}
    for name, (r, m) in sorted(wrong.items())[:10]:
        out.append(f"symbol {name}: GNU {r:#x}, vtrans {'missing' if m is None else hex(m)}")
    return out

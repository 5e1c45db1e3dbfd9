"""``vtrans rewrite`` against references: GNU as assembles every output, the
sensitivity table applied to every word GNU as produced agrees with the
rewriter's sites, ``analyze`` of the output finds nothing left (pad originals
apart), the hypercall strategy moves no address and its table holds the
original words, and the pad images print on qemu-system-arm exactly what the
originals print."""

from __future__ import annotations

import dataclasses
import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from vtrans.assembler.api import assemble_programs
from vtrans.assembler.parser import parse_file
from vtrans.assembler.printer import print_program
from vtrans.isa.arm import hypercall as hc
from vtrans.isa.arm.sensitivity import classify
from vtrans.translator.analyze import analyze
from vtrans.translator.rewrite import rewrite

ROOT = Path(__file__).resolve().parents[2]
BUILD_PY = ROOT / "samples" / "arm" / "build.py"
C_DIR = ROOT / "tests" / "corpus" / "c"
CFLAGS = ["-S", "-marm", "-march=armv7-a", "-mfloat-abi=soft", "-ffreestanding", "-nostdlib", "-fno-common"]
STRATEGIES = ("hypercall", "stub", "pad")


def _load_build():
    spec = importlib.util.spec_from_file_location("vtrans_samples_build_tr", BUILD_PY)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


build = _load_build()
KERNELS = [s for s in build.load_manifest() if s.kind == "kernel"]
#: samples run under QEMU after the pad rewrite (long benchmarks and two-guest setups left out)
RUNNABLE = [s for s in KERNELS if not {"bench", "multi_guest"} & set(s.uses)]


def run(cmd, cwd=None) -> subprocess.CompletedProcess:
    r = subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True,
                       stdin=subprocess.DEVNULL, timeout=120)
    assert r.returncode == 0, f"{' '.join(map(str, cmd))}\n{r.stderr}"
    return r


def code_words(obj: Path) -> list[int]:
    """The instruction words of an object file: executable sections, minus the data
    ranges GNU as marks with ``$d`` mapping symbols (ELF for the ARM Architecture, 5.5.5)."""
    out: list[int] = []
    with obj.open("rb") as f:
        elf = ELFFile(f)
        symtab = elf.get_section_by_name(".symtab")
        for idx, sec in enumerate(elf.iter_sections()):
            if not (sec["sh_flags"] & 0x4 and sec["sh_type"] == "SHT_PROGBITS"):
                continue
            marks = sorted((sym["st_value"], sym.name[:2]) for sym in symtab.iter_symbols()
                           if sym["st_shndx"] == idx and sym.name[:2] in ("$a", "$d", "$t"))
            data = sec.data()
            for i, (start, kind) in enumerate(marks):
                end = marks[i + 1][0] if i + 1 < len(marks) else len(data)
                if kind == "$a":
                    out += [int.from_bytes(data[k:k + 4], "little") for k in range(start, end - 3, 4)]
    return out


def rewrite_files(sources: list[Path], strategy: str, out_dir: Path) -> tuple[list[Path], object]:
    programs = [parse_file(s) for s in sources]
    result = rewrite(programs, strategy)
    out_dir.mkdir(parents=True, exist_ok=True)
    outs = []
    for src, prog in zip(sources, result.programs):
        dst = out_dir / src.name
        dst.write_text(print_program(prog))
        outs.append(dst)
    return outs, result


def check_clean(outputs: list[Path], strategy: str) -> None:
    """analyze of the output: nothing left but pad originals (and audited stub CPSR reads)."""
    a = analyze([parse_file(p) for p in outputs])
    for f in a.findings:
        assert strategy == "pad" and f.pad_site, f"{f.site.loc}: {f.text} left by {strategy}"
    for f in a.audited:
        assert strategy == "stub" and f.site.classification.form == "mrs cpsr", f.text
    assert a.virtualizable or strategy == "pad"


def gnu_sites(arm_as, sources: list[Path], tmp: Path) -> int:
    """Non-innocuous words in the GNU-assembled code of ``sources`` (the reference count)."""
    n = 0
    for i, s in enumerate(sources):
        obj = tmp / f"ref{i}.o"
        run([arm_as, "-march=armv7ve", "-mfpu=vfpv3", s, "-o", obj])
        n += sum(1 for w in code_words(obj) if classify(w).is_sensitive)
    return n


# --------------------------------------------------------------------------- samples


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("sample", KERNELS, ids=[s.name for s in KERNELS])
def test_samples_rewrite(sample, strategy, tmp_path, arm_as):
    sources = sample.source_paths
    outs, result = rewrite_files(sources, strategy, tmp_path / "out")
    # every site the rewriter found is a word the table flags in GNU as's own output
    if strategy == "hypercall":
        assert len(result.reports) == gnu_sites(arm_as, sources, tmp_path)
    for i, o in enumerate(outs):
        run([arm_as, o, "-o", tmp_path / f"out{i}.o"], cwd=sample.directory)
    check_clean(outs, strategy)
    # vtrans assembles and links its own output too
    programs = [parse_file(o) for o in outs]
    if sample.script:
        assemble_programs(programs, script=str(sample.directory / sample.script))
    else:
        assemble_programs(programs, base=sample.base)


def _elf(path: Path):
    f = path.open("rb")
    return ELFFile(f)


def _symbols(elf) -> dict[str, int]:
    tab = elf.get_section_by_name(".symtab")
    return {s.name: s["st_value"] for s in tab.iter_symbols() if s.name and not s.name.startswith("$")}


def _loaded(elf) -> dict[int, bytes]:
    return {seg["p_vaddr"]: seg.data() for seg in elf.iter_segments() if seg["p_type"] == "PT_LOAD"}


@pytest.mark.parametrize("sample", KERNELS, ids=[s.name for s in KERNELS])
def test_hypercall_moves_no_address(sample, tmp_path, arm_as, arm_ld):
    ref_img = build.build(sample, tmp_path / "ref")
    outs, result = rewrite_files(sample.source_paths, "hypercall", tmp_path / "src")
    for p in sample.directory.iterdir():          # linker scripts, included files
        if p.is_file() and not (tmp_path / "src" / p.name).exists():
            shutil.copy(p, tmp_path / "src" / p.name)
    new = dataclasses.replace(sample, directory=tmp_path / "src")
    new_img = build.build(new, tmp_path / "new")
    ref, img = _elf(ref_img), _elf(new_img)
    assert _symbols(ref) == _symbols(img)
    table_sec = img.get_section_by_name(hc.SECTION_HYPERCALLS)
    table = hc.unpack_hypercall_table(table_sec.data()) if table_sec is not None else ()
    assert len(table) == len(result.reports)
    a, b = _loaded(ref), _loaded(img)
    assert a.keys() == b.keys()
    changed = 0
    for addr, old in a.items():
        new_bytes = b[addr]
        assert len(old) == len(new_bytes)
        for k in range(0, len(old) - 3, 4):
            ow, nw = int.from_bytes(old[k:k + 4], "little"), int.from_bytes(new_bytes[k:k + 4], "little")
            if ow != nw:
                h = hc.decode_hypercall(nw)
                assert h is not None and h.cls is hc.HypercallClass.EMULATE, f"{addr + k:#x}: {nw:08x}"
                assert table[h.payload] == ow
                assert h.cond == (ow >> 28 if ow >> 28 != 0xF else 0xE)
                changed += 1
    assert changed == len(result.reports)


@pytest.mark.qemu
@pytest.mark.parametrize("sample", RUNNABLE, ids=[s.name for s in RUNNABLE])
def test_pad_image_runs_like_original(sample, tmp_path, arm_as, arm_ld, qemu_arm):
    src = tmp_path / "src"
    shutil.copytree(sample.directory, src)
    _, result = rewrite_files(sample.source_paths, "pad", src)
    new = dataclasses.replace(sample, directory=src)
    image = build.build(new, tmp_path / "img")
    sites = _elf(image).get_section_by_name(hc.SECTION_SITES)
    assert (sites.data_size if sites is not None else 0) == hc.SITE_ENTRY_SIZE * len(result.reports)
    res = build.run_qemu(new, image)
    assert res.returncode == sample.exit_code, res.stderr.decode(errors="replace")
    assert res.stdout == sample.expected_path.read_bytes()
    if sample.semihost_path is not None:
        assert res.semihost == sample.semihost_path.read_bytes()


def test_pad_site_table_matches_image(tmp_path, arm_as, arm_ld):
    sample = next(s for s in KERNELS if s.name == "sensitive")
    src = tmp_path / "src"
    shutil.copytree(sample.directory, src)
    _, result = rewrite_files(sample.source_paths, "pad", src)
    image = build.build(dataclasses.replace(sample, directory=src), tmp_path / "img")
    elf = _elf(image)
    sites = hc.unpack_sites(elf.get_section_by_name(hc.SECTION_SITES).data())
    assert len(sites) == len(result.reports) > 0
    loaded = _loaded(elf)
    for e in sites:
        base = max(a for a in loaded if a <= e.address)
        mem = loaded[base][e.address - base:e.address - base + e.length]
        assert int.from_bytes(mem[:4], "little") == e.original
        assert all(int.from_bytes(mem[k:k + 4], "little") == hc.PAD_NOP_WORD for k in range(4, e.length, 4))
        c = classify(e.original)
        assert e.site_class.name == c.cls.name and e.site_kind.name == c.kind.name


# --------------------------------------------------------------------------- gcc corpus


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, arm_gcc) -> list[Path]:
    d = tmp_path_factory.mktemp("gcc")
    out = []
    for c in sorted(C_DIR.glob("*.c")):
        s = d / (c.stem + ".s")
        run([arm_gcc, *CFLAGS, "-O2", c, "-o", s])
        out.append(s)
    assert out, "tests/corpus/c is empty"
    return out


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_gcc_corpus_rewrite(corpus, strategy, tmp_path, arm_as):
    total_ref = gnu_sites(arm_as, corpus, tmp_path)
    outs, result = rewrite_files(corpus, strategy, tmp_path / "out")
    assert len(result.reports) == total_ref
    for i, o in enumerate(outs):
        run([arm_as, o, "-o", tmp_path / f"{i}.o"])
    check_clean(outs, strategy)

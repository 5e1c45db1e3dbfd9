"""The ELF that ``vtrans asm`` writes is a real executable: readelf and objdump read it
without complaint (objdump disassembles it exactly as it does GNU ld's output, which
checks the mapping symbols), ``qemu-system-arm -kernel`` runs it with the sample's
recorded output, ``vtrans disasm`` lists the same words, and output is atomic."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest
from corpus.reference import ASM_DIR, SAMPLES, gnu_link, tool
from vtrans.assembler.api import assemble
from vtrans.fileio import write_atomically
from vtrans.cli.main import main as vtrans_main
from vtrans.fileio import OutputError

pytestmark = pytest.mark.gnu

_LINE = re.compile(r"^\s*([0-9a-f]+):\t([0-9a-f ]+?)\s*\t(.*)$")


def _objdump_lines(path: Path) -> list[tuple[str, str, str]]:
    r = subprocess.run([tool("arm-none-eabi-objdump"), "-d", str(path)], capture_output=True, text=True,
                       stdin=subprocess.DEVNULL, timeout=60)
    assert r.returncode == 0 and not r.stderr, r.stderr
    out = []
    for line in r.stdout.splitlines():
        m = _LINE.match(line)
        if m:
            text = re.sub(r"\s*[<;@].*$", "", m.group(3))  # symbolic annotations differ with .L symbols
            out.append((m.group(1), m.group(2), text))
    return out


def _build(tmp_path: Path, sources: list[Path], base: int) -> tuple[Path, Path]:
    ref = gnu_link(sources, tmp_path, base=base)
    mine = tmp_path / "vtrans.elf"
    assert vtrans_main(["asm", *map(str, sources), "-o", str(mine), "--base", hex(base)]) == 0
    return ref, mine


@pytest.mark.parametrize("name", ["directives", "two", "hello"])
def test_readelf_accepts(name, tmp_path, arm_as, arm_ld):
    sources = {"directives": [ASM_DIR / "directives.s"], "two": [ASM_DIR / "two_a.s", ASM_DIR / "two_b.s"],
               "hello": [SAMPLES / "arm" / "hello" / "hello.s"]}[name]
    _, mine = _build(tmp_path, sources, 0x10000)
    r = subprocess.run([tool("arm-none-eabi-readelf"), "-a", "-W", str(mine)], capture_output=True, text=True,
                       stdin=subprocess.DEVNULL, timeout=60)
    assert r.returncode == 0
    assert "Warning" not in r.stderr and "Error" not in r.stderr, r.stderr
    assert "Machine:                           ARM" in r.stdout
    assert "Version5 EABI" in r.stdout
    assert re.search(r"LOAD\s+0x[0-9a-f]+ 0x00010000", r.stdout)
    assert ".symtab" in r.stdout and "_start" in r.stdout


@pytest.mark.parametrize("name", ["directives", "system", "hello"])
def test_objdump_disassembles_like_gnu(name, tmp_path, arm_as, arm_ld):
    """Same words, same code/data split ($a/$d mapping symbols), same mnemonics."""
    src = {"directives": ASM_DIR / "directives.s", "system": ASM_DIR / "system.s",
           "hello": SAMPLES / "arm" / "hello" / "hello.s"}[name]
    ref, mine = _build(tmp_path, [src], 0x10000)
    assert _objdump_lines(mine) == _objdump_lines(ref)


def test_vtrans_disasm_lists_the_same_words(tmp_path, capsys, arm_as, arm_ld):
    ref, mine = _build(tmp_path, [ASM_DIR / "directives.s"], 0x10000)
    capsys.readouterr()
    assert vtrans_main(["disasm", str(mine)]) == 0
    listing = capsys.readouterr().out
    ours = {}
    for line in listing.splitlines():
        m = re.match(r"^\s*([0-9a-f]+):\t([0-9a-f]{8}) \t(\S+)", line)
        if m:
            ours[int(m.group(1), 16)] = (m.group(2), m.group(3))
    gnu = {int(a, 16): (w.replace(" ", ""), t.split()[0] if t else "") for a, w, t in _objdump_lines(ref)
           if len(w.replace(" ", "")) == 8}
    assert set(gnu) <= set(ours)
    for addr, (word, mnemonic) in gnu.items():
        assert ours[addr][0] == word, hex(addr)
        # data stays data (objdump ".word"), code stays code
        assert (ours[addr][1] == ".word") == (mnemonic == ".word"), (hex(addr), ours[addr], mnemonic)
    assert "<_start>:" in listing


def _samples_build_module():
    spec = importlib.util.spec_from_file_location("vtrans_samples_build_elf", SAMPLES / "arm" / "build.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it executes
    spec.loader.exec_module(module)
    return module


@pytest.mark.qemu
@pytest.mark.parametrize("name", ["hello", "syscalls", "timer_vic"])
def test_qemu_runs_vtrans_elf(name, tmp_path, qemu_arm):
    """qemu-system-arm -kernel on the vtrans-built ELF prints the recorded output."""
    build = _samples_build_module()
    sample = build.find(name)
    image = tmp_path / f"{name}.elf"
    assert vtrans_main(["asm", *map(str, sample.source_paths), "-o", str(image)]
                       + (["--base", hex(sample.base)] if sample.base is not None else [])
                       + (["-T", str(sample.directory / sample.script)] if sample.script else [])) == 0
    result = build.run_qemu(sample, image)
    assert result.returncode == sample.exit_code, result.stderr
    assert result.stdout == sample.expected_path.read_bytes()


def test_failed_build_keeps_previous_output(tmp_path, capsys):
    out = tmp_path / "kernel.elf"
    out.write_bytes(b"previous")
    bad = tmp_path / "bad.s"
    bad.write_text("\t.text\n_start:\n\tbl\tmissing\n")
    assert vtrans_main(["asm", str(bad), "-o", str(out)]) == 2
    assert out.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.s", "kernel.elf"]


def test_write_atomically_reports_unwritable_directory(tmp_path):
    with pytest.raises(OutputError, match="cannot write"):
        write_atomically(str(tmp_path / "no" / "such" / "dir" / "x.elf"), b"data")


def test_image_api(tmp_path):
    """The Image the runtime uses: segments carry .bss zeros; symbols, line map, stmt map."""
    image = assemble([str(ASM_DIR / "two_a.s"), str(ASM_DIR / "two_b.s")], base=0x10000)
    assert image.entry == image.symbols["_start"].value == 0x10000
    assert image.symbols["maybe"].binding == "global"  # the strong definition won
    vaddr, data, flags = image.segments[-1]
    bss = next(s for s in image.sections if s.name == ".bss")
    assert vaddr + len(data) >= bss.addr + bss.size and flags & 2
    insn_addrs = sorted(image.line_map)
    assert insn_addrs[0] == 0x10000 and image.line_map[0x10000].line > 0
    first_insn = next(i for i, s in enumerate(image.programs[0].statements) if type(s).__name__ == "Instruction")
    assert image.stmt_addrs[(0, first_insn)] == 0x10000
    raw = image.raw_bytes()
    text = next(s for s in image.sections if s.name == ".text")
    assert raw[:text.size] == image.segments[0][1][:text.size]

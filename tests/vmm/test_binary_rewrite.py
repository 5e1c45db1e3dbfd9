"""Pre-virtualization of linked ELF images (``vtrans rewrite IMAGE.elf``, translator/binary.py).

The newlib and picolibc programs link prebuilt C libraries (newlib's start-up code sets the
mode stacks with ``mrs cpsr`` / ``msr cpsr_c``), so they are rewritten after linking.  The
reference is native mode on the original image (nothing moves in a rewritten image) and the
console output QEMU recorded.  Every kernel sample is also rewritten from its GNU-built image,
which exercises the binary path on every sensitive form the samples use; the padded image must
still run unchanged on qemu-system-arm (the binary rewrite keeps bare-hardware runnability).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from tests.conftest import ROOT
from tests.vmm.test_modes import (KERNELS, LIBC, assert_same_run, built, native,  # noqa: F401 - fixtures
                                  run_image, samples_build)

from vtrans.cli.main import main as vtrans_main
from vtrans.isa.arm import hypercall as hc
from vtrans.runtime.modes.previrt import detect_strategy
from vtrans.translator.binary import find_binary_sites, rewrite_elf
from vtrans.assembler.elfedit import ElfEditor

STRATEGIES = ["hypercall", "stub", "pad"]


@pytest.fixture(scope="module")
def rewritten(built, tmp_path_factory):
    root = tmp_path_factory.mktemp("binary-rewrite")
    cache: dict = {}

    def get(sample, strategy: str) -> Path:
        key = (sample.name, strategy)
        if key not in cache:
            # the same file name as the original: semihosting's command line (argv[0]) is the image's name
            out = root / sample.name / strategy / built(sample).name
            out.parent.mkdir(parents=True)
            code = vtrans_main(["rewrite", "-q", "--strategy", strategy, "-o", str(out), str(built(sample))])
            assert code == 0, f"vtrans rewrite {sample.name} --strategy {strategy} failed"
            cache[key] = out
        return cache[key]
    return get


def _check_against_native_and_qemu(sample, strategy, rewritten, native):
    image = rewritten(sample, strategy)
    assert detect_strategy(str(image)) == strategy
    got = run_image(sample, image, "previrt", image_path=str(image), strategy=strategy)
    assert_same_run(native(sample), got, f"{sample.name} binary previrt/{strategy}")
    assert got.output == sample.expected_path.read_bytes(), "console output differs from QEMU's"
    if sample.semihost_path is not None:
        assert got.semihost == sample.semihost_path.read_bytes(), "semihosting console differs from QEMU's"
    return got


@pytest.mark.gnu
@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("sample", LIBC, ids=lambda s: s.name)
def test_libc_program_previrt_is_native(sample, strategy, rewritten, native, built):
    got = _check_against_native_and_qemu(sample, strategy, rewritten, native)
    sites, _ = find_binary_sites(ElfEditor(built(sample).read_bytes()), "arm")
    emulated = sum(got.stats.vmm.emulated.values())
    if sample.name == "newlib_hello":
        # newlib's _stack_init: one mrs cpsr and seven msr cpsr_c, each run once; a stub
        # emulates the mrs itself, and each msr (a mode change) is its site's hypercall
        assert len(sites) == 8
        assert emulated == (7 if strategy == "stub" else 8)
    else:
        assert sites == [] and emulated == 0


@pytest.mark.gnu
@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("sample", KERNELS, ids=lambda s: s.name)
def test_kernel_image_previrt_is_native(sample, strategy, rewritten, native):
    _check_against_native_and_qemu(sample, strategy, rewritten, native)


@pytest.mark.gnu
@pytest.mark.parametrize("sample", [s for s in LIBC if s.name == "newlib_hello"]
                         + [samples_build.find("sensitive"), samples_build.find("eret_forms")],
                         ids=lambda s: s.name)
def test_padded_image_runs_unchanged_on_qemu(sample, rewritten, qemu_arm):
    """A binary-padded image changes no loaded byte: qemu-system-arm prints what it recorded."""
    ref = samples_build.run_qemu(sample, rewritten(sample, "pad"))
    assert ref.stdout == sample.expected_path.read_bytes()
    assert ref.returncode == sample.exit_code


def _alloc_bytes(path: Path) -> dict[str, tuple[int, bytes]]:
    with open(path, "rb") as f:
        elf = ELFFile(f)
        return {s.name: (s["sh_addr"], s.data()) for s in elf.iter_sections()
                if s["sh_flags"] & 2 and s["sh_type"] != "SHT_NOBITS"}


@pytest.mark.gnu
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_rewritten_elf_is_valid_and_only_the_sites_change(strategy, rewritten, built, arm_ld):
    """GNU readelf reads the output without a complaint; every original loaded byte is unchanged
    except the site words, which are the hypercall / branch of their site (objdump agrees)."""
    sample = next(s for s in LIBC if s.name == "newlib_hello")
    original, out = built(sample), rewritten(sample, strategy)
    readelf = arm_ld.replace("-ld", "-readelf")
    proc = subprocess.run([readelf, "-a", "-W", str(out)], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    sites, _ = find_binary_sites(ElfEditor(original.read_bytes()), "arm")
    site_at = {s.address: i for i, s in enumerate(sites)}
    before, after = _alloc_bytes(original), _alloc_bytes(out)
    changed = {}
    for name, (addr, data) in before.items():
        new_addr, new_data = after[name]
        assert new_addr == addr and len(new_data) == len(data), name
        for off in range(0, len(data) - 3, 4):
            if data[off:off + 4] != new_data[off:off + 4]:
                changed[addr + off] = int.from_bytes(new_data[off:off + 4], "little")
    if strategy == "pad":
        assert changed == {}
        with open(out, "rb") as f:
            entries = hc.unpack_sites(ELFFile(f).get_section_by_name(hc.SECTION_SITES).data())
        assert [(e.address, e.original, e.length) for e in entries] == [(s.address, s.word, 4) for s in sites]
        return
    assert set(changed) == set(site_at)
    objdump = arm_ld.replace("-ld", "-objdump")
    dis = subprocess.run([objdump, "-d", str(out)], capture_output=True, text=True, check=True).stdout
    for addr, word in changed.items():
        line = next(ln for ln in dis.splitlines() if ln.strip().startswith(f"{addr:x}:"))
        if strategy == "hypercall":
            assert hc.decode_hypercall(word).payload == site_at[addr]
            assert "svc" in line, line
        else:
            assert "\tb\t" in line, line
    if strategy == "stub":
        # the stubs' own mapping symbols: objdump shows their save words and literals as data
        stubs = dis[dis.index("Disassembly of section .vtrans.stubs"):]
        assert "\t.word\t" in stubs and "\tmrs\t" in stubs
    with open(out, "rb") as f:
        elf = ELFFile(f)
        table = hc.unpack_hypercall_table(elf.get_section_by_name(hc.SECTION_HYPERCALLS).data())
        assert list(table) == [s.word for s in sites]


def test_cli_errors_name_the_file_and_write_nothing(tmp_path, capsys):
    from vtrans.assembler.api import assemble

    src = tmp_path / "k.s"
    src.write_text(".global _start\n_start:\n\tcpsid i\n\tmrs r0, cpsr\n\tb .\n")
    image = tmp_path / "k.elf"
    image.write_bytes(assemble([str(src)], base=0x10000).elf_bytes())
    out = tmp_path / "out.elf"

    def fails(*args: str, message: str) -> None:
        capsys.readouterr()
        assert vtrans_main(["rewrite", "-q", "-o", str(out), *args]) == 2
        err = capsys.readouterr().err
        assert message in err, err
        assert not out.exists()

    fails("--strategy", "stub", "--stub-base", "0x10000", str(image), message="overlaps .text")
    fails("--stub-base", "0x1000", str(image), message="--stub-base is for --strategy stub")
    fails("--strategy", "stub", "--stub-base", "0x10000", str(src), message="--stub-base is for a linked ELF")
    assert vtrans_main(["rewrite", "-q", "-o", str(out), str(image)]) == 0
    twice = tmp_path / "twice.elf"
    assert vtrans_main(["rewrite", "-q", "-o", str(twice), str(out)]) == 2
    assert "already rewritten" in capsys.readouterr().err and not twice.exists()
    out.unlink()
    stripped = tmp_path / "stripped.elf"
    data = bytearray(image.read_bytes())
    editor = ElfEditor(bytes(data))
    symtab = editor.section(".symtab")
    data[symtab.offset:symtab.offset + symtab.size] = bytes(symtab.size)   # no symbols at all
    stripped.write_bytes(bytes(data))
    fails(str(stripped), message="no mapping symbols")
    fails(str(tmp_path / "missing.elf"), message="no such file")


def test_stub_strategy_places_the_stubs_below_the_image(tmp_path):
    from vtrans.assembler.api import assemble

    src = tmp_path / "k.s"
    src.write_text(".global _start\n_start:\n\tcpsid i\n\tmrs r0, cpsr\n\tmsrne cpsr_c, r0\n\tb .\n")
    data = assemble([str(src)], base=0x10000).elf_bytes()
    result = rewrite_elf(data, "stub", name="k.elf")
    lo, hi = result.stub_region
    assert hi <= 0x10000 and lo % 0x1000 == 0
    editor = ElfEditor(result.image)
    assert editor.section(hc.SECTION_STUBS).addr == lo
    vcpu = editor.section(hc.SECTION_VCPU)
    assert [v for n, v, *_ in editor.symbols() if n == hc.VCPU_SYMBOL] == [vcpu.addr]
    # the conditional site keeps its condition: bne to its stub
    word = int.from_bytes(editor.section_data(editor.section(".text"))[8:12], "little")
    assert word >> 28 == 0x1 and (word >> 24) & 0xF == 0xA


@pytest.mark.gnu
def test_diff_rewrites_an_elf_image(built, capsys):
    """`vtrans diff IMAGE.elf`: every previrt strategy (the binary rewrite) agrees with native and
    trap mode shows newlib's `mrs cpsr` as the first divergence."""
    import json

    sample = next(s for s in LIBC if s.name == "newlib_hello")
    code = vtrans_main(["diff", "--board", sample.board, "--modes", "trap,previrt", "--json", str(built(sample))])
    out = json.loads(capsys.readouterr().out)
    assert code == 1
    verdicts = {m["mode"]: m for m in out["modes"]}
    for strategy in STRATEGIES:
        assert verdicts[f"previrt:{strategy}"]["equal"], verdicts[f"previrt:{strategy}"]
    trap = verdicts["trap"]
    assert not trap["equal"]
    assert "mrs" in json.dumps(trap["first_divergence"]).lower()


@pytest.fixture(scope="module")
def thumb_newlib(tmp_path_factory, arm_gcc):
    """A Thumb build of the newlib sample: Thumb code calling semihosting with ``svc 0xab``,
    newlib's ARM start-up code with its eight sites."""
    root = tmp_path_factory.mktemp("thumb-newlib")
    image = root / "native" / "image.elf"
    image.parent.mkdir()
    subprocess.run([arm_gcc, "-O2", "-mthumb", "--specs=rdimon.specs", "-o", str(image),
                    str(ROOT / "samples" / "arm" / "newlib_hello" / "hello.c")], check=True, capture_output=True)
    return image


@pytest.mark.gnu
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_thumb_libc_program_previrt_is_native(strategy, thumb_newlib):
    from types import SimpleNamespace

    sample = SimpleNamespace(board="versatilepb", icount_shift=None, stdin=None)
    out = thumb_newlib.parent.parent / strategy / thumb_newlib.name   # same name: same argv[0]
    out.parent.mkdir(exist_ok=True)
    result = rewrite_elf(thumb_newlib.read_bytes(), strategy, name=str(thumb_newlib))
    assert len(result.sites) == 8 and any("Thumb" in n for n in result.warnings)
    out.write_bytes(result.image)
    ref = run_image(sample, thumb_newlib)
    assert ref.stats.exit_code == 7 and b"qsort" in ref.output
    got = run_image(sample, out, "previrt", image_path=str(out), strategy=strategy)
    assert_same_run(ref, got, f"thumb newlib previrt/{strategy}")


@pytest.mark.gnu
def test_analyze_an_elf_image(built, rewritten, capsys):
    """`vtrans analyze IMAGE.elf`: newlib's eight sites and the verdict, before and after each
    rewrite (a padded image is virtualizable after load-time patching)."""
    import json

    sample = next(s for s in LIBC if s.name == "newlib_hello")
    verdicts = {}
    for what, image in [("original", built(sample))] + [(s, rewritten(sample, s)) for s in STRATEGIES]:
        capsys.readouterr()
        assert vtrans_main(["analyze", "--json", str(image)]) == 0
        out = json.loads(capsys.readouterr().out)
        verdicts[what] = out
    original = verdicts["original"]
    assert [i["text"] for i in original["instructions"]] == ["mrs r4, apsr"] + ["msr cpsr_c, r1"] * 6 + ["msr cpsr_c, r4"]
    assert {i["symbol"].split("+")[0] for i in original["instructions"]} == {"_stack_init"}
    assert not original["virtualizable"] and original["verdict"].startswith("not virtualizable")
    assert verdicts["hypercall"]["virtualizable"] and verdicts["hypercall"]["instructions"] == []
    assert verdicts["stub"]["virtualizable"] and verdicts["stub"]["instructions"] == []
    assert verdicts["pad"]["virtualizable"] and "load-time patching" in verdicts["pad"]["verdict"]
    capsys.readouterr()
    assert vtrans_main(["analyze", "--cfg", "x.svg", str(built(sample))]) == 2
    assert "--cfg and --entry need assembly sources" in capsys.readouterr().err

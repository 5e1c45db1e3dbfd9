"""Back-end errors of ``vtrans asm``: each is reported as ``file:line:col: error: ...``
with exit code 2, no traceback, and no output file (nor temporary file) left behind.
Where GNU as rejects the same source, the reported line must be the one gas names."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from vtrans.cli.main import main as vtrans_main

CASES = {
    "undefined_symbol": (
        "\t.text\n"
        "\t.global _start\n"
        "_start:\n"
        "\tbl\tnowhere\n",
        4, "undefined reference to 'nowhere'", False),
    "branch_out_of_range": (
        "\t.text\n"
        "_start:\n"
        "\tb\tfar_away\n"
        "\t.space\t0x2000004\n"
        "far_away:\n"
        "\tbx\tlr\n",
        3, "branch out of range", True),
    "immediate_out_of_range": (
        "\t.text\n"
        "_start:\n"
        "\tmov\tr0, #1\n"
        "\tadd\tr0, r0, #0x12345\n",
        4, "immediate 0x12345 out of range", True),
    "unknown_mnemonic": (
        "\t.text\n"
        "_start:\n"
        "\tfrobnicate\tr0, r1\n",
        3, "frobnicate", True),
    "literal_pool_out_of_reach": (
        "\t.text\n"
        "_start:\n"
        "\tldr\tr0, =0x12345678\n"
        "\tbx\tlr\n"
        "\t.space\t8192\n",
        3, "literal pool out of reach", True),
    "thumb": (
        "\t.text\n"
        "\t.thumb\n"
        "_start:\n"
        "\tmovs\tr0, #1\n",
        2, "Thumb", False),
    "adr_out_of_range": (
        "\t.text\n"
        "_start:\n"
        "\tadr\tr0, table\n"
        "\t.space\t0x10001\n"
        "table:\t.word 0\n",
        3, "adr target", True),
}


def _gas_error_line(src: Path, tmp: Path) -> int | None:
    r = subprocess.run(["arm-none-eabi-as", str(src), "-o", str(tmp / "gas.o")], capture_output=True, text=True,
                       stdin=subprocess.DEVNULL, timeout=60)
    m = re.search(rf"{re.escape(src.name)}:(\d+): Error:", r.stderr)
    return int(m.group(1)) if m else None


@pytest.mark.parametrize("name", sorted(CASES))
def test_error_reported_at_source_line(name, tmp_path, capsys, arm_as):
    text, line, needle, gas_rejects = CASES[name]
    src = tmp_path / f"{name}.s"
    src.write_text(text)
    out = tmp_path / "out" / "kernel.elf"
    out.parent.mkdir()
    rc = vtrans_main(["asm", str(src), "-o", str(out)])
    err = capsys.readouterr().err
    assert rc == 2, err
    first = err.splitlines()[0]
    m = re.match(rf"{re.escape(str(src))}:(\d+):(\d+): error: (.*)", first)
    assert m, f"not a file:line:col error: {first!r}"
    assert int(m.group(1)) == line, first
    assert needle in m.group(3), first
    assert "Traceback" not in err
    assert not out.exists()
    assert list(out.parent.iterdir()) == [], "temporary files left behind"
    if gas_rejects:
        assert _gas_error_line(src, tmp_path) == line, "GNU as names a different line"


def test_capstone_check_rejects_a_wrong_encoding(monkeypatch, tmp_path, capsys):
    """Simulate a keystone mis-encoding (``add`` comes back as ``sub``): the capstone
    check must catch it and name the source line."""
    from vtrans.assembler import encode

    real_asm_batch = encode.Encoder._batch

    def corrupting_batch(self, group, v8):
        ks = self.isa.ks
        original = ks.asm

        def asm(text, addr=0, as_bytes=False):
            blob = bytearray(original(text, addr, as_bytes=True)[0])
            for i, line in enumerate(text.split("\n")):
                if line.startswith("add"):
                    blob[4 * i:4 * i + 4] = bytes.fromhex("020041e0")  # sub r0, r1, r2
            return bytes(blob), len(text.split("\n"))
        monkeypatch.setattr(ks, "asm", asm)
        try:
            real_asm_batch(self, group, v8)
        finally:
            monkeypatch.setattr(ks, "asm", original)
    monkeypatch.setattr(encode.Encoder, "_batch", corrupting_batch)
    src = tmp_path / "k.s"
    src.write_text("\t.text\n_start:\n\tadd\tr0, r1, r2\n\tbx\tlr\n")
    out = tmp_path / "k.elf"
    rc = vtrans_main(["asm", str(src), "-o", str(out)])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.startswith(f"{src}:3:"), err
    assert "encoding check failed" in err and "sub r0, r1, r2" in err
    assert not out.exists()


def test_missing_input_is_a_usage_error(tmp_path, capsys):
    rc = vtrans_main(["asm", str(tmp_path / "nope.s"), "-o", str(tmp_path / "x.elf")])
    assert rc == 2
    assert "no such file" in capsys.readouterr().err


def test_multiple_definition_names_both_places(tmp_path, capsys):
    a = tmp_path / "a.s"
    b = tmp_path / "b.s"
    a.write_text("\t.global f\n\t.text\nf:\tbx\tlr\n")
    b.write_text("\t.text\n\tnop\n\t.global f\nf:\tbx\tlr\n")
    out = tmp_path / "k.elf"
    assert vtrans_main(["asm", str(a), str(b), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{b}:4:"), err  # the second definition, naming the first
    assert "multiple definition of 'f'" in err and f"{a}:3" in err
    assert not out.exists()


def test_linker_script_error_has_its_location(tmp_path, capsys):
    src = tmp_path / "k.s"
    src.write_text("\t.text\n_start:\tb\t_start\n")
    script = tmp_path / "bad.ld"
    script.write_text("SECTIONS\n{\n  .text 0x1000 : { *(.text) }\n  _x = ;\n}\n")
    out = tmp_path / "k.elf"
    assert vtrans_main(["asm", str(src), "-T", str(script), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert re.match(rf"{re.escape(str(script))}:4:\d+: error: ", err), err
    assert not out.exists()


def test_memory_region_overflow(tmp_path, capsys):
    src = tmp_path / "k.s"
    src.write_text("\t.text\n_start:\tb\t_start\n\t.space\t64\n")
    script = tmp_path / "small.ld"
    script.write_text("MEMORY { ROM (rx) : ORIGIN = 0x1000, LENGTH = 32 }\n"
                      "SECTIONS\n{\n  .text : { *(.text) } > ROM\n}\n")
    out = tmp_path / "k.elf"
    assert vtrans_main(["asm", str(src), "-T", str(script), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{script}:4:"), err
    assert "overflows memory region ROM by 36 bytes" in err
    assert not out.exists()

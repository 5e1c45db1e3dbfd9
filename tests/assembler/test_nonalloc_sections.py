"""Non-allocated sections (the translator's annotation tables) survive linking as with GNU ld."""

from __future__ import annotations

import subprocess

from vtrans.assembler.api import assemble

SOURCE = """\
        .text
        .global _start
_start: mov r0, #1
there:  b there
        .section .vtrans.sites, "", %progbits
        .word there, 0x11223344
        .word _start
        .section .notes.extra, "", %progbits
        .byte 1, 2, 3
"""


def _section(objcopy: str, elf: str, name: str, out) -> bytes:
    subprocess.run([objcopy, "-O", "binary", f"--only-section={name}", elf, str(out)], check=True)
    return out.read_bytes()


def test_nonalloc_sections_match_gnu_ld(tmp_path, arm_as, arm_ld):
    src = tmp_path / "k.s"
    src.write_text(SOURCE)
    ours = tmp_path / "ours.elf"
    ours.write_bytes(assemble([str(src)], base=0x10000).elf_bytes())
    obj, gnu = tmp_path / "k.o", tmp_path / "gnu.elf"
    subprocess.run([arm_as, "-o", str(obj), str(src)], check=True)
    subprocess.run([arm_ld, "-Ttext=0x10000", "-o", str(gnu), str(obj)], check=True)
    objcopy = arm_ld.replace("-ld", "-objcopy")
    for name in (".vtrans.sites", ".notes.extra"):
        assert _section(objcopy, str(ours), name, tmp_path / "a") == _section(objcopy, str(gnu), name, tmp_path / "b")
    headers = subprocess.run([arm_ld.replace("-ld", "-readelf"), "-S", "-W", str(ours)], capture_output=True,
                             text=True, check=True).stdout
    line = next(ln for ln in headers.splitlines() if ".vtrans.sites" in ln)
    assert " 00000000 " in line  # not loaded: address 0, no ALLOC flag

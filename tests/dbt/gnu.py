"""Assemble test programs with GNU as (the reference assembler)."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from elftools.elf.elffile import ELFFile


def assemble(arm_as: str, source: str, march: str = "armv7-a") -> bytes:
    """The .text bytes of ``source`` (position-independent: local labels only)."""
    with tempfile.TemporaryDirectory() as d:
        src = Path(d) / "t.s"
        obj = Path(d) / "t.o"
        src.write_text(".syntax unified\n.arm\n.text\n" + source + "\n.ltorg\n")
        r = subprocess.run([arm_as, f"-march={march}", "-o", str(obj), str(src)], capture_output=True, text=True)
        if r.returncode:
            raise AssertionError(f"GNU as failed:\n{r.stderr}\n{source}")
        with obj.open("rb") as f:
            return ELFFile(f).get_section_by_name(".text").data()

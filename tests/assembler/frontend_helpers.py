"""Helpers shared by the front-end tests: run GNU as on a text and describe the object."""

from __future__ import annotations

import subprocess
from pathlib import Path

#: options for GNU as: the architecture the corpus and samples use
AS_FLAGS = ("-march=armv7-a",)


def gas(arm_as: str, text: str, path: Path, *flags: str) -> subprocess.CompletedProcess:
    """Assemble ``text`` (written to ``path``) to ``path.o``."""
    path.write_text(text)
    return subprocess.run([arm_as, *AS_FLAGS, *flags, str(path), "-o", str(path.with_suffix(".o"))],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60)


def object_dump(obj: Path) -> str:
    """Contents, relocations and symbols of an object (everything but its file name)."""
    out = subprocess.run(["arm-none-eabi-objdump", "-s", "-r", "-t", str(obj)], capture_output=True, text=True,
                         check=True, stdin=subprocess.DEVNULL, timeout=60).stdout
    return out.split("\n", 2)[2]


def gas_dump(arm_as: str, text: str, path: Path, *flags: str) -> str:
    r = gas(arm_as, text, path, *flags)
    assert r.returncode == 0, f"GNU as rejected {path.name}:\n{r.stderr}"
    return object_dump(path.with_suffix(".o"))

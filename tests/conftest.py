"""Shared fixtures.  Reference tools are required, never skipped: a missing tool
is a failed test with a message saying what to install (the README's test
command installs them all)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

# The suite is reproducible: hypothesis draws the same examples on every run (a failure seen
# once is seen again).  HYPOTHESIS_PROFILE=explore draws fresh random examples, to look for
# new failures; its finds are replayed from the local example database.
settings.register_profile("repeatable", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"

#: bounded number of cases for long differential campaigns (hypothesis examples, corpus sizes)
CAMPAIGN_CASES = int(os.environ.get("VTRANS_CAMPAIGN_CASES", "60"))


def require_tool(name: str, package: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} not found: install the Debian package {package} (see the README's test command)")
    return path


@pytest.fixture(scope="session")
def arm_as() -> str:
    return require_tool("arm-none-eabi-as", "binutils-arm-none-eabi")


@pytest.fixture(scope="session")
def arm_ld() -> str:
    return require_tool("arm-none-eabi-ld", "binutils-arm-none-eabi")


@pytest.fixture(scope="session")
def arm_objdump() -> str:
    return require_tool("arm-none-eabi-objdump", "binutils-arm-none-eabi")


@pytest.fixture(scope="session")
def arm_gcc() -> str:
    return require_tool("arm-none-eabi-gcc", "gcc-arm-none-eabi")


@pytest.fixture(scope="session")
def qemu_arm() -> str:
    return require_tool("qemu-system-arm", "qemu-system-arm")

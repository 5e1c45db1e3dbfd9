"""Fixtures for the runtime tests (helpers in ``guestlib.py``)."""

from __future__ import annotations

import pytest

from guestlib import GuestBuilder


@pytest.fixture(scope="session")
def guest_builder(tmp_path_factory, arm_as, arm_ld) -> GuestBuilder:
    return GuestBuilder(tmp_path_factory.mktemp("guests"), arm_as, arm_ld)

"""keystone 0.9.2 handles whose syntax option is left uninitialised read ARM immediates as
hexadecimal (``#72`` assembled as 0x72): it depends on the heap, and it once broke every
encoding of a whole test run.  ``Isa.open_keystone`` checks each new handle with a decimal
immediate and sets a wrong one aside."""

from __future__ import annotations

import keystone

from vtrans.isa import base
from vtrans.isa import get


def test_a_handle_reading_hexadecimal_is_set_aside(monkeypatch) -> None:
    real = keystone.Ks
    opened: list[str] = []

    class Radix16Once(real):
        """The first handle behaves as a radix-16 one does: the probe's #10 comes out as #0x10."""

        def asm(self, text, addr=0, as_bytes=False):
            if not opened:
                opened.append("bad")
                return real.asm(self, text.replace("#10", "#0x10"), addr, as_bytes)
            opened.append("good")
            return real.asm(self, text, addr, as_bytes)

    monkeypatch.setattr(keystone, "Ks", Radix16Once)
    before = len(base._BAD_KEYSTONE_HANDLES)
    ks = get("arm").open_keystone()
    assert opened == ["bad", "good"]
    assert len(base._BAD_KEYSTONE_HANDLES) == before + 1
    # the handle returned encodes what GNU as does for a decimal immediate
    assert bytes(ks.asm("str r0, [pc, #72]", 0, as_bytes=True)[0]) == bytes.fromhex("48008fe5")


def test_engine_handles_read_decimal() -> None:
    isa = get("arm")
    for ks in (isa.ks, isa.open_keystone(keystone.KS_MODE_V8)):
        assert bytes(ks.asm("mov r0, #10", 0, as_bytes=True)[0]) == bytes.fromhex("0a00a0e3")

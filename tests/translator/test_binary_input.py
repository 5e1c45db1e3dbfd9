"""The binary rewriter and analyzer on damaged ELF files: a clear ``VtransError`` (which the CLI
prints as one line with exit status 2), never another exception."""

from __future__ import annotations

import struct

from hypothesis import given, settings
from hypothesis import strategies as st

from vtrans.assembler.api import assemble
from vtrans.errors import VtransError
from vtrans.translator.binary import analyze_elf, rewrite_elf

_SOURCE = ".global _start\n_start:\n\tcpsid i\n\tmrs r0, cpsr\n\tldr r1, =0x12345678\n\tb .\n\t.ltorg\n"
_IMAGE: bytes | None = None


def _image(tmp_path_factory=None) -> bytes:
    global _IMAGE
    if _IMAGE is None:
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as d:
            src = Path(d) / "k.s"
            src.write_text(_SOURCE)
            _IMAGE = assemble([str(src)], base=0x10000).elf_bytes()
    return _IMAGE


def test_the_undamaged_image_rewrites():
    data = _image()
    assert [s.text for s in analyze_elf(data).findings] == ["cpsid i", "mrs r0, apsr"]
    for strategy in ("hypercall", "stub", "pad"):
        assert len(rewrite_elf(data, strategy).sites) == 2


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_damaged_headers_give_a_clear_error(data):
    image = bytearray(_image())
    shoff, = struct.unpack_from("<I", image, 32)
    shnum, = struct.unpack_from("<H", image, 48)
    where = data.draw(st.sampled_from(["section", "ehdr", "truncate"]))
    if where == "section":
        i = data.draw(st.integers(0, shnum - 1))
        field = data.draw(st.integers(0, 9))
        value = data.draw(st.sampled_from([0, 1, 3, 0xFFFFFFFF, 0x7FFFFFFF, len(image), len(image) + 4]))
        struct.pack_into("<I", image, shoff + 40 * i + 4 * field, value)
    elif where == "ehdr":
        off = data.draw(st.sampled_from([4, 5, 16, 18, 28, 32, 44, 48, 50]))
        image[off] = data.draw(st.integers(0, 255))
    else:
        del image[data.draw(st.integers(0, len(image) - 1)):]
    for run in (lambda: analyze_elf(bytes(image)), lambda: rewrite_elf(bytes(image), "stub"),
                lambda: rewrite_elf(bytes(image), "hypercall")):
        try:
            run()
        except VtransError:
            pass

"""``vtrans run`` on damaged ELF files: a clear ``VtransError`` (one line, exit status 2), or a
run, never another exception.  The damage is drawn by hypothesis over the section and program
headers, the ELF header and the file's length; specific cases pin what was once missed."""

from __future__ import annotations

import struct
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vtrans.assembler.api import assemble
from vtrans.errors import ImageError, VtransError
from vtrans.isa.arm.semihosting import HostIO
from vtrans.runtime.boards import get_board
from vtrans.runtime.loader import read_image
from vtrans.runtime.machine import Machine

_SOURCE = ".global _start\n_start:\n\tldr r0, =msg\n\tb .\n\t.ltorg\n\t.data\nmsg:\t.asciz \"hi\"\n"
_IMAGE: bytes | None = None


def _image() -> bytes:
    global _IMAGE
    if _IMAGE is None:
        with tempfile.TemporaryDirectory() as d:
            src = Path(d) / "k.s"
            src.write_text(_SOURCE)
            _IMAGE = assemble([str(src)], base=0x10000).elf_bytes()
    return _IMAGE


def _load_and_run(data: bytes, tmp: Path) -> None:
    path = tmp / "damaged.elf"
    path.write_bytes(data)
    board = get_board("versatilepb")
    image = read_image(str(path), board)
    m = Machine(board, io=HostIO(console=lambda b: None, stdout=lambda b: None, stderr=lambda b: None))
    m.load(image)
    m.run(max_insns=500, timeout=5)


def _field(data: bytearray, table: int, entry: int, index: int, value: int) -> None:
    struct.pack_into("<I", data, table + entry + 4 * index, value)


@pytest.mark.parametrize("what,damage", [
    ("p_filesz > p_memsz", lambda d, ph, sh: _field(d, ph, 0, 4, 0xFFFFFFFF)),
    ("segment past the end of the file", lambda d, ph, sh: _field(d, ph, 0, 1, len(d) - 8)),
])
def test_damaged_segments_are_malformed_images(what, damage, tmp_path) -> None:
    data = bytearray(_image())
    phoff, = struct.unpack_from("<I", data, 28)
    shoff, = struct.unpack_from("<I", data, 32)
    damage(data, phoff, shoff)
    with pytest.raises(ImageError, match="malformed ELF image"):
        _load_and_run(bytes(data), tmp_path)


def test_stubs_outside_ram_are_refused_with_the_way_out(tmp_path) -> None:
    """An image pre-virtualized with the stub strategy whose stubs lie outside the board's RAM
    (the default places them right below the image): the error names the segment and
    ``--stub-base``."""
    from vtrans.translator.binary import rewrite_elf

    src = tmp_path / "k.s"
    src.write_text(".global _start\n_start:\n\tcpsid i\n\tb .\n")
    elf = assemble([str(src)], base=0x40010000).elf_bytes()
    path = tmp_path / "k.stub.elf"
    path.write_bytes(rewrite_elf(elf, "stub", name="k.elf", stub_base=0x3F000000).image)
    board = get_board("virt")
    m = Machine(board, io=HostIO(console=lambda b: None, stdout=lambda b: None, stderr=lambda b: None))
    with pytest.raises(ImageError, match=r"segment at 0x3f000000\+0x[0-9a-f]+ is outside the RAM of board "
                                         r"virt; .*--stub-base"):
        m.load(read_image(str(path), board))


def test_a_symtab_that_is_no_symbol_table_is_ignored(tmp_path) -> None:
    """(QEMU's loader reads program headers only; so does vtrans's, symbols aside.)"""
    data = bytearray(_image())
    shoff, = struct.unpack_from("<I", data, 32)
    shnum, = struct.unpack_from("<H", data, 48)
    for i in range(shnum):
        if struct.unpack_from("<I", data, shoff + 40 * i + 4)[0] == 2:    # SHT_SYMTAB
            _field(data, shoff, 40 * i, 1, 1)                            # -> SHT_PROGBITS
    _load_and_run(bytes(data), tmp_path)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_damaged_headers_give_a_clear_error(data) -> None:
    image = bytearray(_image())
    phoff, = struct.unpack_from("<I", image, 28)
    shoff, = struct.unpack_from("<I", image, 32)
    phnum, = struct.unpack_from("<H", image, 44)
    shnum, = struct.unpack_from("<H", image, 48)
    where = data.draw(st.sampled_from(["section", "segment", "ehdr", "truncate"]))
    value = data.draw(st.sampled_from([0, 1, 3, 0xFFFFFFFF, 0x7FFFFFFF, 0x80000000, len(image), len(image) + 4]))
    if where == "section":
        _field(image, shoff, 40 * data.draw(st.integers(0, shnum - 1)), data.draw(st.integers(0, 9)), value)
    elif where == "segment":
        _field(image, phoff, 32 * data.draw(st.integers(0, phnum - 1)), data.draw(st.integers(0, 7)), value)
    elif where == "ehdr":
        image[data.draw(st.integers(0, 51))] = data.draw(st.integers(0, 255))
    else:
        del image[data.draw(st.integers(1, len(image) - 1)):]
    with tempfile.TemporaryDirectory() as d:
        try:
            _load_and_run(bytes(image), Path(d))
        except VtransError:
            pass

"""Loading guest images the way ``qemu-system-arm -kernel`` does (hw/arm/boot.c, QEMU 7.2).

* An **ELF** image (GNU-built or vtrans-built) is loaded segment by segment at the
  segments' *physical* addresses (``p_paddr``, which is the load address, LMA); the
  CPU starts at ``e_entry`` straight out of reset: SVC mode, A/I/F masked, every
  other register zero.  QEMU assumes an ELF image is not Linux.
* A **raw** image is assumed to be a Linux kernel: it is loaded at ``loader_start +
  0x10000`` (``KERNEL_LOAD_ADDR``) or ``--base``; QEMU's boot stub at ``loader_start``
  sets r0 = 0, r1 = the board's machine id, r2 = the ATAG list at ``loader_start +
  0x100`` and jumps to it.  We load the same stub and the same ATAGs (CORE, MEM,
  NONE) and start at the stub, so the instruction count matches QEMU's too.
* On ``virt`` the kernel gets QEMU's **device tree** instead of ATAGs: r2 = its address,
  ``loader_start + min(RAM / 2, 128 MiB)`` (after the initrd QEMU would load there); an ELF
  image gets it at ``loader_start`` when it fits below the image.  The blob is QEMU 7.2's own
  (``runtime/data/virt.dtb``: ``qemu-system-arm -M virt,dtb-randomness=off,dumpdtb=FILE -cpu
  cortex-a15 -nic none -kernel IMAGE``, up to the end of its strings block; QEMU's is 1 MiB,
  the rest zeros), with the memory node's size set to the machine's RAM.  Without
  ``dtb-randomness=off`` QEMU puts fresh random ``rng-seed`` and ``kaslr-seed`` values in
  ``/chosen`` on every run; vtrans is deterministic, as QEMU is with it off.
  ``test_machine.py`` compares the whole blob with QEMU's dump.

The loader also computes SYS_HEAPINFO's answer as QEMU 7.2 does: the largest gap
between loaded blobs in the largest RAM region.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from elftools.common.exceptions import ELFError
from elftools.construct import ConstructError
from elftools.elf.constants import P_FLAGS
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from vtrans.errors import ImageError
from vtrans.isa.arm.semihosting import Layout

if TYPE_CHECKING:  # pragma: no cover
    from vtrans.assembler.api import Image
    from vtrans.runtime.boards import BoardSpec

log = logging.getLogger(__name__)

#: hw/arm/boot.c: ATAGs at loader_start + KERNEL_ARGS_ADDR
KERNEL_ARGS_OFFSET = 0x100
#: QEMU's 32-bit boot stub ("bootloader[]" in hw/arm/boot.c); entry after the board-setup
#: trampoline (BOOTLOADER_NO_BOARD_SETUP_OFFSET = 3 words)
_STUB = (0xE28FE004, 0xE51FF004, 0x00000000,  # add lr, pc, #4; ldr pc, [pc, #-4]; board setup
         0xE3A00000,  # mov r0, #0
         0xE59F1004,  # ldr r1, [pc, #4]
         0xE59F2004,  # ldr r2, [pc, #4]
         0xE59FF004)  # ldr pc, [pc, #4]
_STUB_ENTRY_WORD = 3
ATAG_CORE, ATAG_MEM, ATAG_NONE = 0x54410001, 0x54410002, 0


@dataclass(frozen=True)
class Segment:
    addr: int
    data: bytes
    executable: bool
    writable: bool = True
    #: what the loader added of its own ("dtb"), else the image's
    kind: str = ""


@dataclass
class LoadedImage:
    """What was put in memory and where the CPU starts."""

    name: str
    is_elf: bool
    #: PC after reset (the ELF entry, or the boot stub for a raw image)
    start_pc: int
    #: the kernel's own entry point
    entry: int
    segments: list[Segment]
    #: symbol name -> address, when the image has a symbol table
    symbols: dict[str, int] = field(default_factory=dict)
    #: the image contains Thumb code ($t mapping symbols, or an odd entry)
    has_thumb: bool = False
    #: where the image's Thumb code is, by its mapping symbols ($t up to the next $a/$d/$t):
    #: ``[lo, hi)`` ranges
    thumb_ranges: list[tuple[int, int]] = field(default_factory=list)

    def executable_ranges(self) -> list[tuple[int, int]]:
        return [(s.addr, s.addr + len(s.data)) for s in self.segments if s.executable]


def _elf_segments(path: str, data: bytes) \
        -> tuple[int, list[Segment], dict[str, int], list[tuple[int, int]]]:
    import io

    try:
        elf = ELFFile(io.BytesIO(data))
        if elf["e_machine"] != "EM_ARM":
            raise ImageError(f"{path}: not an ARM ELF image ({elf['e_machine']})")
        if elf.elfclass != 32 or not elf.little_endian:
            raise ImageError(f"{path}: only 32-bit little-endian ARM images are supported")
        segs = []
        for i, ph in enumerate(elf.iter_segments()):
            if ph["p_type"] != "PT_LOAD" or ph["p_memsz"] == 0:
                continue
            if ph["p_filesz"] > ph["p_memsz"]:
                raise ImageError(f"{path}: malformed ELF image: segment {i} has more bytes in the file "
                                 f"({ph['p_filesz']}) than in memory ({ph['p_memsz']})")
            body = ph.data()[: ph["p_filesz"]]
            if len(body) != ph["p_filesz"]:
                raise ImageError(f"{path}: malformed ELF image: segment {i} runs past the end of the file")
            body += bytes(ph["p_memsz"] - ph["p_filesz"])
            segs.append(Segment(ph["p_paddr"], body, bool(ph["p_flags"] & P_FLAGS.PF_X),
                                bool(ph["p_flags"] & P_FLAGS.PF_W)))
        symbols: dict[str, int] = {}
        marks: list[tuple[int, bool]] = []
        symtab = elf.get_section_by_name(".symtab")
        # (a .symtab that is no symbol table is ignored, as QEMU's loader ignores sections)
        if isinstance(symtab, SymbolTableSection):
            for sym in symtab.iter_symbols():
                kind = sym.name.split(".")[0]
                if kind in ("$a", "$t", "$d"):
                    marks.append((sym["st_value"], kind == "$t"))
                if kind == "$t":
                    symbols["$t"] = sym["st_value"]
                if sym.name and sym["st_info"]["type"] in ("STT_FUNC", "STT_NOTYPE", "STT_OBJECT") \
                        and not sym.name.startswith("$"):
                    symbols.setdefault(sym.name, sym["st_value"])
        return elf["e_entry"], segs, symbols, _thumb_ranges(marks, segs)
    except (ELFError, ConstructError, ValueError, OverflowError) as e:
        raise ImageError(f"{path}: malformed ELF image: {e}") from e


def _thumb_ranges(marks: list[tuple[int, bool]], segs: list[Segment]) -> list[tuple[int, int]]:
    """The Thumb code of executable segments: from each ``$t`` mapping symbol to the next mapping
    symbol or the end of its segment (ELF for the ARM Architecture, 5.5.5)."""
    marks = sorted(set(marks))
    ranges = []
    for i, (start, thumb) in enumerate(marks):
        seg = next((sg for sg in segs if sg.executable and sg.addr <= start < sg.addr + len(sg.data)), None)
        if not thumb or seg is None:
            continue
        end = seg.addr + len(seg.data)
        if i + 1 < len(marks):
            end = min(end, marks[i + 1][0])
        if start < end:
            ranges.append((start, end))
    return ranges


def read_image(path: str, board: "BoardSpec", base: int | None = None) -> LoadedImage:
    """Read an ELF or raw image file and decide where it goes (nothing is written yet)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise ImageError(f"{path}: cannot read image: {e.strerror}") from e
    if not data:
        raise ImageError(f"{path}: empty image")
    if data[:4] == b"\x7fELF":
        entry, segs, symbols, thumb = _elf_segments(path, data)
        if not segs:
            raise ImageError(f"{path}: ELF image has no loadable segment")
        return LoadedImage(os.path.basename(path), True, entry, entry, segs, symbols,
                           has_thumb="$t" in symbols or bool(entry & 1), thumb_ranges=thumb)
    return raw_image(path, data, board, base)


def raw_image(name: str, data: bytes, board: "BoardSpec", base: int | None = None,
              ram_size: int | None = None) -> LoadedImage:
    load = board.kernel_load_addr if base is None else base
    stub_base = board.loader_start
    ram_size = ram_size or board.ram_size
    args = dtb_address(board, ram_size) if board.dtb else stub_base + KERNEL_ARGS_OFFSET
    words = list(_STUB) + [board.board_id & 0xFFFFFFFF, args, load]
    stub = b"".join(w.to_bytes(4, "little") for w in words)
    segs = [Segment(stub_base, stub, True), Segment(load, data, True)]
    if board.dtb:
        segs.append(Segment(args, device_tree(board, ram_size), False, kind="dtb"))
    return LoadedImage(os.path.basename(name), False, stub_base + 4 * _STUB_ENTRY_WORD, load, segs)


def dtb_address(board: "BoardSpec", ram_size: int) -> int:
    """Where QEMU puts the device tree for a raw image (hw/arm/boot.c: after the initrd, which
    goes at loader_start + min(RAM / 2, 128 MiB); 4 KiB aligned, as that is)."""
    return board.loader_start + min(ram_size // 2, 128 << 20)


def device_tree(board: "BoardSpec", ram_size: int) -> bytes:
    """The board's device tree as QEMU loads it, its memory node sized ``ram_size``."""
    from importlib import resources

    blob = bytearray(resources.files("vtrans.runtime").joinpath("data", board.dtb).read_bytes())
    total = int.from_bytes(blob[4:8], "big")
    _set_memory_size(blob, board.ram_base, ram_size)
    return bytes(blob) + bytes(total - len(blob))


def _set_memory_size(fdt: bytearray, base: int, size: int) -> None:
    """Set the size cells of ``/memory@<base>``'s ``reg`` (two address and two size cells, as
    QEMU's virt writes it) in the flattened device tree ``fdt`` (DTSpec 5.4)."""
    off_struct = int.from_bytes(fdt[8:12], "big")
    off_strings = int.from_bytes(fdt[12:16], "big")
    want = f"memory@{base:x}".encode()
    p, path = off_struct, []
    while p + 4 <= len(fdt):
        token = int.from_bytes(fdt[p:p + 4], "big")
        p += 4
        if token == 1:        # FDT_BEGIN_NODE
            end = fdt.index(0, p)
            path.append(bytes(fdt[p:end]))
            p = (end + 4) & ~3
        elif token == 2:      # FDT_END_NODE
            path.pop()
        elif token == 3:      # FDT_PROP
            length = int.from_bytes(fdt[p:p + 4], "big")
            name_off = int.from_bytes(fdt[p + 4:p + 8], "big")
            p += 8
            name = fdt[off_strings + name_off:fdt.index(0, off_strings + name_off)]
            if path and path[-1] == want and name == b"reg" and length == 16:
                fdt[p + 8:p + 16] = size.to_bytes(8, "big")
                return
            p = (p + length + 3) & ~3
        elif token == 9:      # FDT_END
            break
    raise ImageError(f"device tree: no {want.decode()} reg property")


def elf_device_tree(segs: list[Segment], board: "BoardSpec", ram_size: int | None = None) -> Segment | None:
    """The device tree QEMU loads with an ELF image (hw/arm/boot.c): at loader_start, if the
    image lies wholly above it or below it, and the blob fits between loader_start and the
    image (QEMU silently loads none otherwise)."""
    if not board.dtb or not segs:
        return None
    lo = min(s.addr for s in segs)
    hi = max(s.addr + len(s.data) for s in segs)
    start = board.loader_start
    if not (lo > start or hi < start):
        return None
    blob = device_tree(board, ram_size or board.ram_size)
    if lo > start and len(blob) > lo - start:
        return None
    return Segment(start, blob, False, kind="dtb")


def image_from_assembler(image: "Image", name: str) -> LoadedImage:
    """An ``Image`` from ``vtrans.assembler.api.assemble``: loaded like the ELF it writes."""
    segs = [Segment(vaddr, bytes(body), bool(flags & 1), bool(flags & 2)) for vaddr, body, flags in image.segments]
    symbols = {n: s.value for n, s in image.symbols.items()}
    thumb = any(m[0].startswith("$t") for m in getattr(image, "_mapping", ())) or bool(image.entry & 1)
    return LoadedImage(name, True, image.entry, image.entry, segs, symbols, has_thumb=thumb)


def atags(board: "BoardSpec", ram_size: int) -> bytes:
    """The ATAG list QEMU writes for a raw image (hw/arm/boot.c set_kernel_args): CORE, MEM, NONE."""
    words = [5, ATAG_CORE, 1, 0x1000, 0,
             4, ATAG_MEM, ram_size, board.loader_start,
             0, ATAG_NONE]
    return b"".join(w.to_bytes(4, "little") for w in words)


def heap_layout(image: LoadedImage, ram_windows: list[tuple[int, int]]) -> Layout:
    """SYS_HEAPINFO (QEMU 7.2 ``common_semi_find_bases``): in the largest RAM region, the largest
    gap between the loaded blobs; heap = that gap, stack base = its end, stack limit = its start.
    Of RAM regions of the same size the lowest wins (QEMU walks the address space upwards and
    takes a larger one only): realview-pb-a8's alias at 0 over its RAM at 0x70000000, even for
    an image loaded at 0x70000000 -- whose blob then lies outside the region, so the heap is all
    of it, from 0 (and newlib's malloc fails there, as on QEMU)."""
    base, size = max(sorted(ram_windows), key=lambda w: w[1]) if ram_windows else (0, 0)
    end = base + size
    blobs = sorted((max(s.addr, base), min(s.addr + len(s.data), end)) for s in image.segments
                   if s.addr < end and s.addr + len(s.data) > base)
    best = (base, 0)
    cursor = base
    for lo, hi in blobs + [(end, end)]:
        if lo - cursor > best[1]:
            best = (cursor, lo - cursor)
        cursor = max(cursor, hi)
    heap_base, heap_size = best
    return Layout(heap_base, heap_base + heap_size, heap_base + heap_size, heap_base)

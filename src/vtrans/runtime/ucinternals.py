"""What the runtime changes inside libunicorn: the exit-check flag (fast exits), and the
translator's call at every block's start (the block-start check, at the end of this module).

Unicorn 2.1.4 emits a call to ``helper_check_exit_request`` after every guest load and store
it translates (``check_exit_request``, tcg/tcg-op.c), so that a hook's ``uc_emu_stop`` or PC
write takes effect right after the access.  QEMU has no such call; in A32 code that does
little but load and store, it is most of the difference between the two (see README,
Performance).  One flag turns the call off at translation time: ``uc->no_exit_request``,
which Unicorn's Thumb translator sets for the instructions of an IT block (a block that must
not be split) and clears for every other Thumb instruction.  The A32 translator never touches
it.

vtrans does not need those calls in A32 code when it counts per block: device accesses change
interrupt lines and deadlines, which take effect at the next block boundary (the counter's
limit), and the coprocessor accesses it intercepts in A32 code stop the CPU through Unicorn's
*exits* (the block ends before them, ``Machine._cp_exit``) rather than through a code hook.
So the block counter sets the flag at every block start (``vt_icount_block``), and A32 blocks
are translated without the calls; Thumb blocks keep them (the Thumb translator sets the flag
per instruction), and with them their code hooks.

The field is private: its offset is not part of Unicorn's API.  ``no_exit_offset`` finds it
by behaviour, once per process, on a scratch CPU -- the byte of the engine's state that a
Thumb IT block sets and the next plain Thumb instruction clears -- and returns None (vtrans
then keeps Unicorn's calls) if that does not single out exactly one byte, or if
``VTRANS_EXIT_CHECKS=all`` asks for the calls (to compare, and as a way out).
"""

from __future__ import annotations

import ctypes
import os
import threading

import unicorn

_SCAN = 4096          # bytes of struct uc_struct searched (the field lies at ~2 KB in 2.1.4)
_lock = threading.Lock()
_offset: int | None | bool = False   # False: not probed yet

# Thumb code at 0x1000: cmp r0, r0; it eq; beq 0x1010 (encoding T2, as in an IT block: a block ending in an IT slot);
# at 0x1010: nops (plain Thumb instructions)
_PROBE = bytes.fromhex("8042" "08bf" "04e0" "00bf" "00bf" "00bf" "00bf" "00bf") + b"\x00\xbf" * 8


def _state(uc: unicorn.Uc) -> bytes:
    return ctypes.string_at(ctypes.cast(uc._uch, ctypes.c_void_p).value, _SCAN)


def _probe() -> int | None:
    uc = unicorn.Uc(unicorn.UC_ARCH_ARM, unicorn.UC_MODE_THUMB)
    uc.mem_map(0x1000, 0x1000)
    uc.mem_write(0x1000, _PROBE)
    uc.emu_start(0x1001, 0x1002)          # cmp alone: a plain Thumb instruction translated
    before = _state(uc)
    uc.emu_start(0x1001, 0x1010)          # through the IT block; its slot ends the block
    inside = _state(uc)
    uc.emu_start(0x1011, 0x1014)          # plain Thumb instructions again
    after = _state(uc)
    found = [i for i in range(_SCAN) if before[i] == 0 and inside[i] == 1 and after[i] == 0]
    return found[0] if len(found) == 1 else None


def no_exit_offset() -> int | None:
    """The offset of ``no_exit_request`` in libunicorn's engine state, or None."""
    global _offset
    if os.environ.get("VTRANS_EXIT_CHECKS", "") == "all":
        return None
    with _lock:
        if _offset is False:
            try:
                _offset = _probe()
            except (unicorn.UcError, AttributeError, ValueError):
                _offset = None
        return _offset


def set_no_exit(uc: unicorn.Uc, value: bool) -> None:
    """Set the flag now (the next block translated follows it)."""
    off = no_exit_offset()
    if off is not None:
        ctypes.c_uint8.from_address(ctypes.cast(uc._uch, ctypes.c_void_p).value + off).value = int(value)


def no_exit_address(uc: unicorn.Uc) -> int | None:
    off = no_exit_offset()
    return None if off is None else ctypes.cast(uc._uch, ctypes.c_void_p).value + off


# ------------------------------------------------------------------ the block-start check
#
# Unicorn 2.1.4 starts every translated block with two helper calls: the block hook (the
# counter) and helper_check_exit_request (gen_tb_start, include/exec/gen-icount.h), which
# QEMU makes an inline test.  Two calls there cost ~20% of a CPU-bound A32 run over one.
# ``fold_block_start_check`` has the counter make that check itself, as its last act (a tail
# call to the same helper, with the same arguments Unicorn passes: the engine and a zero
# delay-slot flag, ARM having no delay slots), and libunicorn's translator leave out its own
# call in the blocks whose first call is the counter.  The translator emits every helper call
# through ``tcg_gen_callN``, which libunicorn calls through its procedure linkage table; the
# fold points that table's slot at ``vt_tcg_gen_callN`` (icount.py), which forwards every call
# but the one.  The decision is per block and made where the block is translated, so a block
# without the counter (a per-instruction count, several block hooks, another engine in the
# process) keeps Unicorn's call, and one with it always runs the check.

_fold_lock = threading.Lock()
_folded: bool | None = None
_ELF_JUMP_SLOT = {"EM_X86_64": 7, "EM_AARCH64": 1026}   # R_*_JUMP_SLOT


def _plt_slot(path: str, symbol: str) -> tuple[int, int] | None:
    """(the offset of the PLT slot through which the library at ``path`` calls ``symbol``,
    the symbol's value), both from the load address; None if the file is not a 64-bit
    little-endian ELF of a known machine or has no such slot."""
    with open(path, "rb") as f:
        return _elf_plt_slot(f, symbol)


def _elf_plt_slot(stream, symbol: str) -> tuple[int, int] | None:
    import struct

    from elftools.common.exceptions import ELFError
    from elftools.construct import ConstructError
    from elftools.elf.elffile import ELFFile

    try:
        elf = ELFFile(stream)
        jump_slot = _ELF_JUMP_SLOT.get(elf["e_machine"])
        if jump_slot is None or elf.elfclass != 64 or not elf.little_endian:
            return None
        dynsym = next((i for i, sh in enumerate(elf.iter_sections()) if sh["sh_type"] == "SHT_DYNSYM"), None)
        if dynsym is None:
            return None
        symbols = elf.get_section(dynsym)
        names = elf.get_section(symbols["sh_link"]).data()
        # (the tables themselves are read with struct: pyelftools' objects for ~30 000 symbols
        # and relocations take ~1.5 s)
        wanted, at = symbol.encode() + b"\0", set()
        i = names.find(wanted)
        while i >= 0:
            at.add(i)
            i = names.find(wanted, i + 1)
        index = value = None
        for k, (st_name, _info, _other, _shndx, st_value, _size) in enumerate(
                struct.iter_unpack("<IBBHQQ", symbols.data())):
            if st_name in at and st_value:
                index, value = k, st_value
                break
        if index is None:
            return None
        for sh in elf.iter_sections():
            if sh["sh_type"] == "SHT_RELA" and sh["sh_link"] == dynsym:   # against the dynamic symbols
                for r_offset, r_info, _addend in struct.iter_unpack("<QQq", sh.data()):
                    if r_info >> 32 == index and r_info & 0xFFFFFFFF == jump_slot:
                        return r_offset, value
    except (ELFError, ConstructError, struct.error, ValueError):
        return None
    return None


def fold_block_start_check(lib: ctypes.CDLL) -> bool:
    """Point libunicorn's ``tcg_gen_callN`` slot at the counter library's ``vt_tcg_gen_callN``
    (once per process); True if the block counters make Unicorn's block-start check from now
    on.  ``VTRANS_EXIT_CHECKS=all`` (or ``block-start``, which keeps only these) when the
    counter library is loaded keeps Unicorn's calls."""
    global _folded
    with _fold_lock:
        if _folded is None:
            _folded = False
            if os.environ.get("VTRANS_EXIT_CHECKS", "") not in ("all", "block-start"):
                try:
                    _folded = _fold(lib)
                except (OSError, AttributeError, ValueError):
                    _folded = False
        return _folded


def _fold(lib: ctypes.CDLL) -> bool:
    from unicorn.unicorn_py3.unicorn import uclib

    core = ctypes.CDLL(uclib._name)
    real = ctypes.cast(core.tcg_gen_callN_arm, ctypes.c_void_p).value
    helper = ctypes.cast(core.helper_check_exit_request_arm, ctypes.c_void_p).value
    facts = _libunicorn_facts(uclib._name, helper)
    if facts is None or not real or not helper:
        return False
    base = real - facts["callN"]
    slot = ctypes.c_uint64.from_address(base + facts["slot"])
    if not (slot.value == real or base <= slot.value < base + os.path.getsize(uclib._name)):
        return False   # (not a slot of this library's: the file is not the one loaded)
    page = os.sysconf("SC_PAGE_SIZE")
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    start = (base + facts["slot"]) & ~(page - 1)
    if libc.mprotect(start, page, 3) != 0:   # PROT_READ | PROT_WRITE (the slot may be read-only)
        return False
    flag = facts.get("flag") or (-1, 0)
    lib.vt_fold_init.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64]
    lib.vt_fold_init(real, helper, *flag)   # (the counters check from now on)
    slot.value = ctypes.cast(lib.vt_tcg_gen_callN, ctypes.c_void_p).value
    return True


def _libunicorn_facts(path: str, helper: int) -> dict | None:
    """What the fold needs to know of the libunicorn file at ``path``: its ``tcg_gen_callN_arm``
    slot and symbol value (``slot``, ``callN``), and where ``helper_check_exit_request`` looks
    for a requested stop (``flag``: two offsets, or None).  Worked out once per build of the
    library (its path, size and time) and kept in vtrans's cache directory; None if the slot
    is not found."""
    import hashlib
    import json

    from vtrans.runtime.icount import _cache_dir

    st = os.stat(path)
    key = hashlib.sha256(f"{os.path.realpath(path)}|{st.st_size}|{st.st_mtime_ns}|1".encode()).hexdigest()[:16]
    cache = _cache_dir() / f"libunicorn-{key}.json"
    try:
        return json.loads(cache.read_text())
    except (OSError, ValueError):
        pass
    found = _plt_slot(path, "tcg_gen_callN_arm")
    if found is None:
        return None
    flag = _exit_flag(helper)
    facts = {"slot": found[0], "callN": found[1], "flag": None if flag is None else list(flag)}
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(facts))
        os.replace(tmp, cache)   # (atomic: processes may race here)
    except OSError:
        pass
    return facts


def _exit_flag(helper: int) -> tuple[int, int] | None:
    """(offset of the CPU in the engine, offset of its exit-request word in the CPU): what the
    helper at ``helper`` loads first (x86-64 hosts: ``mov r, [rdi + a]; mov r32, [r + b];
    test r32, r32``, read with capstone), confirmed by behaviour: the word is not negative
    while the CPU runs, and is once a hook has asked it to stop.  None otherwise: the counters
    then call the helper at every block, which looks itself.  (The check reads the two
    pointers the helper reads itself at every call, so it reads nothing the helper does not.)"""
    import platform

    if platform.machine() not in ("x86_64", "AMD64"):
        return None
    import capstone
    from capstone import x86_const as X

    md = capstone.Cs(capstone.CS_ARCH_X86, capstone.CS_MODE_64)
    md.detail = True
    insns = list(md.disasm(ctypes.string_at(helper, 32), helper))[:3]
    if len(insns) < 3 or [i.mnemonic for i in insns] != ["mov", "mov", "test"]:
        return None
    (d0, s0), (d1, s1), (t0, t1) = (i.operands for i in insns)
    if not (d0.type == X.X86_OP_REG and d0.size == 8 and s0.type == X.X86_OP_MEM and s0.mem.base == X.X86_REG_RDI
            and s0.mem.index == 0 and d1.type == X.X86_OP_REG and d1.size == 4 and s1.type == X.X86_OP_MEM
            and s1.mem.base == d0.reg and s1.mem.index == 0 and s1.size == 4
            and t0.type == t1.type == X.X86_OP_REG and t0.reg == t1.reg == d1.reg):
        return None
    flag = (s0.mem.disp, s1.mem.disp)
    return flag if _exit_flag_behaves(flag) else None


def _exit_flag_behaves(flag: tuple[int, int]) -> bool:
    cpu_off, word_off = flag
    uc = unicorn.Uc(unicorn.UC_ARCH_ARM, unicorn.UC_MODE_ARM)
    uc.mem_map(0x1000, 0x1000)
    uc.mem_write(0x1000, bytes.fromhex("00f020e3" "00f020e3" "fdffffea"))   # nop; nop; b 0x1000
    engine = ctypes.cast(uc._uch, ctypes.c_void_p).value
    seen = []

    def word() -> int:
        cpu = ctypes.c_void_p.from_address(engine + cpu_off).value
        return ctypes.c_int32.from_address(cpu + word_off).value if cpu else 0

    def on_code(uc_, address, size, user):
        seen.append(word())
        uc_.emu_stop()
        seen.append(word())

    uc.hook_add(unicorn.UC_HOOK_CODE, on_code, begin=0x1004, end=0x1004)
    uc.emu_start(0x1000, 0xFFFFFFFF, timeout=5_000_000)
    return len(seen) == 2 and seen[0] >= 0 and seen[1] < 0


def block_start_folds() -> int:
    """Blocks translated so far without Unicorn's block-start call (the counter makes it)."""
    from vtrans.runtime import icount

    lib = icount._load_library()
    if lib is None:
        return 0
    lib.vt_fold_count.restype = ctypes.c_uint64
    return lib.vt_fold_count()

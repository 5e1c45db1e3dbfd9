"""One field inside libunicorn that the runtime sets directly: the exit-check flag.

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

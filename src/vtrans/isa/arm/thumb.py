"""Thumb (T32) code against the A32 sensitivity table.

vtrans rewrites A32 code only, but an image's Thumb code must still be *examined*: a Thumb
kernel's ``cpsid i`` is as sensitive as an A32 one, and an analysis that skipped it would
call the image virtualizable.  Every Thumb instruction that can be privileged, sensitive or
UNPREDICTABLE in User mode has an A32 counterpart with the same fields (ARM ARM A6/A8: CPS,
MRS/MSR and their banked forms, SRS, RFE, SUBS PC, LR, the hints, SVC/BKPT/UDF/SMC/HVC, the
coprocessor and VFP system-register moves, LDRT and its siblings); ``a32_equivalent`` builds
it, and ``classify`` asks the A32 table.  Everything else is innocuous.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from vtrans.isa.arm.mmu import is_unprivileged_access


def is_32bit(hw1: int) -> bool:
    """Is the halfword ``hw1`` the first of a 32-bit Thumb instruction (A6.1)?"""
    return (hw1 >> 11) in (0b11101, 0b11110, 0b11111)


def a32_equivalent(hw1: int, hw2: int | None = None) -> int | None:
    """The A32 word doing what Thumb ``hw1`` (, ``hw2``) does, for the forms the sensitivity
    table distinguishes; None for an instruction that is innocuous in every mode."""
    if hw2 is None:
        if (hw1 & 0xFFE8) == 0xB660:                       # CPS (T1, A8.8.30)
            im, a, i, f = (hw1 >> 4) & 1, (hw1 >> 2) & 1, (hw1 >> 1) & 1, hw1 & 1
            return 0xF1000000 | (0b10 | im) << 18 | a << 8 | i << 7 | f << 6
        if (hw1 & 0xFF0F) == 0xBF00:                       # hints: nop, yield, wfe, wfi, sev
            return 0xE320F000 | (hw1 >> 4) & 0xF
        if (hw1 & 0xFF00) == 0xDF00:                       # SVC
            return 0xEF000000 | hw1 & 0xFF
        if (hw1 & 0xFF00) == 0xDE00:                       # UDF
            return 0xE7F000F0
        if (hw1 & 0xFF00) == 0xBE00:                       # BKPT
            return 0xE1200070 | (hw1 & 0xF0) << 4 | hw1 & 0xF
        return None
    if (hw1 & 0xEC00) == 0xEC00 and (hw1 & 0xEF00) != 0xEF00:
        # coprocessor, VFP and VFP system-register moves: the A32 encoding with cond = AL (T1)
        # or 1111 (T2); 111x 1111 is Advanced SIMD data processing, not a coprocessor
        return hw1 << 16 | hw2
    r = (hw1 >> 4) & 1
    if (hw1 & 0xFFEF) == 0xF3EF and (hw2 & 0xF0FF) == 0x8000:          # MRS (A8.8.109)
        return 0xE10F0000 | r << 22 | (hw2 >> 8 & 0xF) << 12
    if (hw1 & 0xFFE0) == 0xF3E0 and (hw2 & 0xF0EF) == 0x8020:          # MRS banked (B9.3.9)
        return 0xE1000200 | r << 22 | (hw1 & 0xF) << 16 | (hw2 >> 8 & 0xF) << 12 | (hw2 >> 4 & 1) << 8
    if (hw1 & 0xFFE0) == 0xF380 and (hw2 & 0xF0FF) == 0x8000:          # MSR register (B9.3.12)
        return 0xE120F000 | r << 22 | (hw2 >> 8 & 0xF) << 16 | hw1 & 0xF
    if (hw1 & 0xFFE0) == 0xF380 and (hw2 & 0xF0EF) == 0x8020:          # MSR banked (B9.3.10)
        return 0xE120F200 | r << 22 | (hw2 >> 8 & 0xF) << 16 | (hw2 >> 4 & 1) << 8 | hw1 & 0xF
    if hw1 == 0xF3AF and (hw2 & 0xF800) == 0x8000:
        if hw2 & 0x0700 == 0:                                          # hints (T2)
            return 0xE320F000 | hw2 & 0xFF
        imod, m = (hw2 >> 9) & 3, (hw2 >> 8) & 1                       # CPS (T2)
        return 0xF1000000 | imod << 18 | m << 17 | (hw2 & 0xE0) << 1 | hw2 & 0x1F
    if hw1 == 0xF3DE and (hw2 & 0xFF00) == 0x8F00:                     # SUBS PC, LR, #imm8 (B9.3.19)
        return 0xE25EF000 | hw2 & 0xFF
    if (hw1 & 0xFFDF) in (0xE80D, 0xE98D) and (hw2 & 0xFFE0) == 0xC000:  # SRS (B9.3.16)
        p, u = (1, 0) if hw1 & 0x0100 == 0 else (0, 1)
        return 0xF84D0500 | p << 24 | u << 23 | (hw1 >> 5 & 1) << 21 | hw2 & 0x1F
    if (hw1 & 0xFFD0) in (0xE810, 0xE990) and hw2 == 0xC000:           # RFE (B9.3.13)
        p, u = (1, 0) if hw1 & 0x0100 == 0 else (0, 1)
        return 0xF8100A00 | p << 24 | u << 23 | (hw1 >> 5 & 1) << 21 | (hw1 & 0xF) << 16
    if (hw1 & 0xFFF0) == 0xF7F0 and hw2 == 0x8000:                     # SMC
        return 0xE1600070
    if (hw1 & 0xFFF0) == 0xF7E0 and (hw2 & 0xF000) == 0x8000:          # HVC
        return 0xE1400070
    if (hw1 & 0xFFF0) == 0xF7F0 and (hw2 & 0xF000) == 0xA000:          # UDF (T2)
        return 0xE7F000F0
    if is_unprivileged_access(hw1 | hw2 << 16, thumb=True):           # LDRT & co. (A8.8)
        size, signed, load = (hw1 >> 5) & 3, (hw1 >> 8) & 1, (hw1 >> 4) & 1
        if signed:                                                     # ldrsbt / ldrsht
            return 0xE0F000D0 if size == 0 else 0xE0F000F0
        base = {0: 0xE4E00000, 1: 0xE0E000B0, 2: 0xE4A00000}.get(size)
        return None if base is None else base | load << 20
    return None


def classify(hw1: int, hw2: int | None = None):
    """The A32 table's classification of a Thumb instruction, or None if innocuous."""
    word = a32_equivalent(hw1, hw2)
    if word is None:
        return None
    from vtrans.isa.arm.sensitivity import classify as classify_a32

    c = classify_a32(word)
    return c if c.is_sensitive else None


def instructions(data: bytes, address: int) -> Iterator[tuple[int, int, int, int | None]]:
    """``(address, size, hw1, hw2)`` of each Thumb instruction in ``data`` (loaded at the even
    ``address``); a 32-bit instruction cut off at the end is not returned."""
    off = 0
    while off + 2 <= len(data):
        hw1 = int.from_bytes(data[off:off + 2], "little")
        if is_32bit(hw1):
            if off + 4 > len(data):
                return
            yield address + off, 4, hw1, int.from_bytes(data[off + 2:off + 4], "little")
            off += 4
        else:
            yield address + off, 2, hw1, None
            off += 2


def it_blocks(data: bytes, address: int) -> Iterator[tuple[int, list[int], int]]:
    """``(address, slots, end)`` of each IT instruction (A8.8.54) in the Thumb code ``data`` at
    ``address``: the addresses of the 1-4 instructions of its block, and where the block ends."""
    insns = list(instructions(data, address))
    for i, (addr, size, hw1, _hw2) in enumerate(insns):
        if size != 2 or hw1 & 0xFF00 != 0xBF00 or not hw1 & 0xF:
            continue
        mask = hw1 & 0xF
        count = 4 - (mask & -mask).bit_length() + 1
        block = insns[i + 1:i + 1 + count]
        if len(block) == count:
            yield addr, [a for a, *_ in block], block[-1][0] + block[-1][1]


def it_block_at(data: bytes, offset: int, address: int) -> tuple[int, list[int], int] | None:
    """If the halfword at ``offset`` of ``data`` (loaded at ``address``) is an IT instruction,
    its block as ``it_blocks`` gives it (None if not, or if the block runs past ``data``)."""
    hw1 = int.from_bytes(data[offset:offset + 2], "little")
    if hw1 & 0xFF00 != 0xBF00 or not hw1 & 0xF:
        return None
    mask = hw1 & 0xF
    count = 4 - (mask & -mask).bit_length() + 1
    block = list(instructions(data[offset + 2:offset + 2 + 4 * count], address + offset + 2))[:count]
    if len(block) != count:
        return None
    return address + offset, [a for a, *_ in block], block[-1][0] + block[-1][1]


def it_block_candidates(data: bytes, address: int) -> Iterator[tuple[int, list[int], int]]:
    """``it_block_at`` for every halfword of ``data`` that reads as an IT instruction, whatever
    the instruction boundaries (code copied or generated at run time has no known start)."""
    for off in range(0, len(data) - 1, 2):
        if data[off + 1] == 0xBF and data[off] & 0xF:
            block = it_block_at(data, off, address)
            if block is not None:
                yield block


def coprocessor_candidates(data: bytes, address: int) -> Iterator[tuple[int, int, int]]:
    """``(address, word, offset)`` of every halfword of ``data`` (loaded at ``address``) that
    begins a 32-bit coprocessor instruction if Thumb code runs there, whatever the
    instruction boundaries (code copied or generated at run time has no known start);
    ``word`` is its A32 counterpart, as ``coprocessor_transfers`` gives it."""
    for off in range(0, len(data) - 3, 2):
        hw1 = data[off] | data[off + 1] << 8
        if hw1 & 0xEC00 == 0xEC00 and hw1 & 0xEF00 != 0xEF00:
            yield address + off, hw1 << 16 | data[off + 2] | data[off + 3] << 8, off


def coprocessor_transfers(data: bytes, address: int) -> Iterator[tuple[int, int, bool]]:
    """``(address, word, in an IT block)`` of each 32-bit coprocessor instruction in the Thumb
    code ``data`` at ``address``; ``word`` is its A32 counterpart (the same bits, cond AL)."""
    in_blocks = {a for _it, slots, _end in it_blocks(data, address) for a in slots}
    for addr, _size, hw1, hw2 in instructions(data, address):
        if hw2 is not None and hw1 & 0xEC00 == 0xEC00:
            yield addr, hw1 << 16 | hw2, addr in in_blocks


def self_branch_condition(hw1: int, hw2: int | None) -> int | None:
    """The condition of a Thumb branch to itself (``b .``, ``b<c> .``, ``b.w .``), else None."""
    if hw1 == 0xE7FE or (hw1, hw2) == (0xF7FF, 0xBFFE):
        return 0xE
    if hw2 is None and hw1 & 0xF0FF == 0xD0FE and (hw1 >> 8) & 0xF < 0xE:
        return (hw1 >> 8) & 0xF
    return None


#: capstone's names of the core registers -> their numbers
_REG_NUMBERS = {**{f"r{i}": i for i in range(16)}, "sb": 9, "sl": 10, "fp": 11, "ip": 12, "sp": 13,
                "lr": 14, "pc": 15}


def decode_block(data: bytes, address: int, n: int) -> list:
    """The first ``n`` Thumb instructions of ``data`` (at ``address``), decoded by capstone
    with operand details."""
    from vtrans.isa import get

    out = []
    for insn in get("arm").cs_thumb.disasm(data, address):
        out.append(insn)
        if len(out) == n:
            break
    return out


def access_range(insn, reg: Callable[[int], int]) -> tuple[int, int] | None:
    """The bytes ``[lo, hi)`` the Thumb load/store ``insn`` (a capstone instruction with
    details) accesses, with ``reg(n)`` giving the register values before it runs; None for an
    instruction that accesses no memory.  Single, dual and multiple loads and stores, PUSH and
    POP (A8.8: the address computation of each form, before any writeback)."""
    import capstone.arm as csa

    name = insn.mnemonic.split(".")[0]
    ops = insn.operands
    if name in ("push", "pop") or name.startswith(("ldm", "stm")):
        if name in ("push", "pop"):
            base, count, down = reg(13), len(ops), name == "push"
        else:
            base = reg(_REG_NUMBERS[insn.reg_name(ops[0].reg)])
            count, down = len(ops) - 1, name.endswith("db")
        lo = (base - 4 * count if down else base) & 0xFFFFFFFF
        return lo, lo + 4 * count
    for op in ops:
        if op.type != csa.ARM_OP_MEM:
            continue
        rn = _REG_NUMBERS.get(insn.reg_name(op.mem.base), 15)
        base = (insn.address + 4) & ~3 if rn == 15 else reg(rn)
        offset = op.mem.disp
        if op.mem.index:
            index = reg(_REG_NUMBERS[insn.reg_name(op.mem.index)]) << (op.shift.value if op.shift.type else 0)
            offset += -index if op.subtracted else index
        lo = (base + offset) & 0xFFFFFFFF
        width = 8 if name in ("ldrd", "strd", "ldrexd", "strexd") else 4
        return lo, lo + width
    return None

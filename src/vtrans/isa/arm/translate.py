"""ARM A32 translation rules for the dynamic binary translator (DynamoRIO's ``mangle_*``).

The generic translator (``vtrans.runtime.dbt``) owns the cache, the block map, the
dispatcher and invalidation; this module is the only part that knows A32.  It
turns one guest basic block into host code for a translation-cache address, and
supplies the cache's runtime routines (the exit gate and the in-cache indirect
branch lookup).

Translated code runs in the same register file as the guest, with no register
reserved.  The few words it needs (saved scratch registers, the instruction
budget, the indirect-branch target and the lookup table) live in one 4 KB *data
page* that the cache maps again just below every 4 KB *code page*.  An A32 load
or store reaches +-4095 bytes from PC+8 (A8.8.63 LDR (literal), A8.8.204 STR
(immediate) with Rn = PC), so every code page reaches the slots at the top of
the data page below it without a base register: saving a register costs one
store, and no guest register or flag is needed to find the slots.

Cache layout (``layout()``; ``CODE_LIMIT`` usable bytes of each code page)::

    TC_BASE + 0x0000  data page (alias 0)  | hash table 0x000-0x7FF, slots 0xF00-0xFFC
    TC_BASE + 0x1000  code page 0          | exit gate, indirect-branch lookup
    TC_BASE + 0x2000  data page (alias 1)
    TC_BASE + 0x3000  code page 1          | blocks ...

Block shape (``counter="memory"``; with ``counter="vfp"`` the budget is in s31 and r0 is
saved in s30, ``vmov`` instead of the loads and stores, same offsets)::

    E+0:  str  r0, [pc, #SAVE_P]                 instruction budget (QEMU icount):
    E+4:  ldr  r0, [pc, #BUDGET]                 BUDGET -= n, where n = guest
    E+8:  sub  r0, r0, #n                        instructions in the block
    E+12: str  r0, [pc, #BUDGET]
    E+16: mvn  r0, r0, asr #31                   -1 if BUDGET >= 0, else 0
    E+20: ldrb r0, [pc, r0, lsl #12]             the probe: reads the data page (BUDGET >= 0)
                                                 or the execute-only code page: a fault,
                                                 which the dispatcher takes as "budget out"
    E+24: sub  r0, pc, #32                       r0 = E: the block being executed,
    E+28: str  r0, [pc, #BLOCK]                  for device accesses (Unicorn's PC is stale)
    E+32: ldr  r0, [pc, #SAVE_P]
    E+36: body: guest instructions, copied or rewritten; block end -> exits
          exit stubs: str lr, [pc, #SAVE_LR]; bl EXIT   (lr identifies the stub)

The prologue touches no flag and has no branch: a block can be entered with live
condition flags, and Unicorn (QEMU) keeps prologue and body in one translation block.
Only the budget running out costs something (a fault, ~20 us), once per clock deadline.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Callable

from unicorn import arm_const

from vtrans.errors import GuestError, UnsupportedGuest
from vtrans.isa.arm.emulate import Form, decode
from vtrans.isa.arm.sensitivity import classify
from vtrans.isa.arm.ucfast import fast
from vtrans.isa.arm.vcpu import PSR_E
from vtrans.isa.base import SensitivityKind

log = logging.getLogger(__name__)

M32 = 0xFFFFFFFF
PC = 15
LR = 14
SP = 13
COND_AL = 0xE

# --------------------------------------------------------------------------- cache layout

#: where the cache lives in the guest-visible address space: no QEMU board we model
#: decodes anything in 0xE8000000-0xEFFFFFFF (versatilepb, realview-pb-a8, vexpress-a9, virt)
TC_BASE = 0xE8000000
PAGE = 0x1000
STRIDE = 2 * PAGE
#: usable bytes of a code page: code at offset x reaches the data page below it at
#: offsets >= x + 12 (PC+8, 12-bit immediate), so the slots from 0xF00 up are in reach
CODE_LIMIT = 0xEF0

# data page offsets
HASH_OFF = 0x000
HASH_ENTRIES = 256          # direct-mapped: {u32 guest pc, u32 host pc}
SLOT_BUDGET = 0xF00         # guest instructions left before the next deadline (signed)
SLOT_TARGET = 0xF04         # guest target of an indirect branch, for the lookup routine
SLOT_LR = 0xF08             # guest lr while an exit stub runs (``bl EXIT`` clobbers it)
SLOT_PRO = 0xF0C            # r0 while a block prologue runs
SLOT_S = 0xF10              # scratch register S of a rewritten instruction
SLOT_T = 0xF14              # scratch register T (target of a rewritten PC write)
SLOT_I0 = 0xF18             # lookup routine's r0-r2
SLOT_I1 = 0xF1C
SLOT_I2 = 0xF20
SLOT_JMP = 0xF24            # host address the lookup jumps to
SLOT_HITS = 0xF28           # lookups that stayed in the cache (statistics)
SLOT_BLOCK = 0xF2C          # entry of the block being executed (memory form of the counter)

# offsets of the runtime routines in code page 0
RT_IBL = 0x000              # indirect-branch lookup
#: the exit gate: emu_start(until=) stops here, never executed.  Not at a page start: when
#: PC reaches ``until`` Unicorn also looks up the 1 KB page before it, which must be code
RT_EXIT = 0x400

PROBE_OFFSET = 20           # offset of the budget probe from the block entry
#: ldrb r0, [pc, r0, lsl #12] (A8.8.70): with r0 = -1 it reads the data page alias below
#: (allowed), with r0 = 0 the code page itself (execute-only: faults)
PROBE = 0xE7DF0600
#: the VFP form of the counter (A8.8.343 VMOV between a core and a single-precision
#: register): budget in s31, r0 saved in s30 -- register moves instead of stores, which
#: cost Unicorn ~30-50 ns each.  Used while the guest has not enabled its VFP.
VMOV_S30_R0 = 0xEE0F0A10
VMOV_R0_S30 = 0xEE1F0A10
VMOV_S31_R0 = 0xEE0F0A90
VMOV_R0_S31 = 0xEE1F0A90
VMOV_S29_R0 = 0xEE0E0A90    # the entry of the block being executed
SPILL_S30 = -1              # a "slot" meaning s30 in the spill table
MAX_BLOCK_INSNS = 32        # guest instructions per block (<= 255: the prologue's sub #n)


@dataclass(frozen=True, slots=True)
class CacheGeometry:
    """How the generic cache maps the region (see the module docstring)."""

    base: int
    page: int
    stride: int
    code_offset: int        # offset of a code page within its stride
    code_limit: int         # usable bytes of a code page
    data_offset: int        # offset of the data-page alias within its stride
    runtime_pages: int      # code pages reserved for the runtime routines (page 0)


GEOMETRY = CacheGeometry(TC_BASE, PAGE, STRIDE, PAGE, CODE_LIMIT, 0, 1)


def code_page_base(index: int) -> int:
    return TC_BASE + index * STRIDE + PAGE


def exit_address() -> int:
    return code_page_base(0) + RT_EXIT


def ibl_address() -> int:
    return code_page_base(0) + RT_IBL


# --------------------------------------------------------------------------- encoders
# A5.2 (data-processing), A5.3 (load/store word and byte), A8.8.18 (B), A8.8.25 (BL)

class Op:
    AND, EOR, SUB, RSB, ADD = 0, 1, 2, 3, 4
    ORR, MOV, BIC, MVN = 12, 13, 14, 15


def encode_imm(value: int) -> int | None:
    """The imm12 (rotation, imm8) of a modified immediate, or None (A5.2.4)."""
    value &= M32
    for rot in range(16):
        v = ((value << (2 * rot)) | (value >> (32 - 2 * rot))) & M32 if rot else value
        if v < 0x100:
            return (rot << 8) | v
    return None


def dp_imm(op: int, rd: int, rn: int, imm12: int, cond: int = COND_AL, s: int = 0) -> int:
    return (cond << 28) | (1 << 25) | (op << 21) | (s << 20) | (rn << 16) | (rd << 12) | imm12


def dp_reg(op: int, rd: int, rn: int, rm: int, shift: int = 0, stype: int = 0, cond: int = COND_AL) -> int:
    return (cond << 28) | (op << 21) | (rn << 16) | (rd << 12) | (shift << 7) | (stype << 5) | rm


def ldst_imm(load: bool, rt: int, rn: int, offset: int, cond: int = COND_AL) -> int:
    """``ldr/str rt, [rn, #offset]`` (offset form, P=1 W=0)."""
    if not -0xFFF <= offset <= 0xFFF:
        raise ValueError(f"offset {offset} out of range")
    u = 1 if offset >= 0 else 0
    return (cond << 28) | (0b010 << 25) | (1 << 24) | (u << 23) | (int(load) << 20) | (rn << 16) | (rt << 12) | abs(offset)


def branch(src: int, dst: int, cond: int = COND_AL, link: bool = False) -> int:
    off = (dst - src - 8)
    if off & 3 or not -(1 << 25) <= off < (1 << 25):
        raise ValueError(f"branch 0x{src:08x} -> 0x{dst:08x} out of range")
    return (cond << 28) | (0b101 << 25) | (int(link) << 24) | ((off >> 2) & 0xFFFFFF)


def ldm_stm(load: bool, rn: int, regs: int, p: int, u: int, w: int, cond: int = COND_AL) -> int:
    return (cond << 28) | (0b100 << 25) | (p << 24) | (u << 23) | (w << 21) | (int(load) << 20) | (rn << 16) | regs


UDF = 0xE7F000F0            # permanently undefined (A8.8.247): fills words never executed
NOP = 0xE1A00000            # mov r0, r0


def materialize(rd: int, value: int, cond: int = COND_AL) -> list[int]:
    """Host words setting ``rd`` to a 32-bit constant with mov/orr (or mvn/bic); ARMv5-safe."""
    value &= M32

    def chunks(v: int) -> list[int]:
        out = []
        while v:
            i = (v & -v).bit_length() - 1
            i &= ~1
            out.append(v & (0xFF << i))
            v &= ~(0xFF << i) & M32
        return out or [0]

    pos, neg = chunks(value), chunks(~value & M32)
    if len(neg) < len(pos):
        words = [dp_imm(Op.MVN, rd, 0, encode_imm(neg[0]), cond)]
        words += [dp_imm(Op.BIC, rd, rd, encode_imm(c), cond) for c in neg[1:]]
    else:
        words = [dp_imm(Op.MOV, rd, 0, encode_imm(pos[0]), cond)]
        words += [dp_imm(Op.ORR, rd, rd, encode_imm(c), cond) for c in pos[1:]]
    return words


# --------------------------------------------------------------------------- analysis

class Kind(StrEnum):
    """How the translator treats a guest instruction."""

    COPY = "copy"               # innocuous and PC-free: copied unchanged
    PC_READ = "pc-read"         # reads the PC as an operand: substitute the guest value
    BRANCH = "branch"           # b / bl with an immediate target
    BX = "bx"                   # bx / blx / bxj with a register
    PC_WRITE = "pc-write"       # data processing or a single load into the PC
    LDM_PC = "ldm-pc"           # ldm with the PC in the list
    STM_PC = "stm-pc"           # stm with the PC in the list
    CALLOUT = "callout"         # sensitive, privileged, exception-raising or unknown: the VMM
    NOP_HINT = "nop-hint"       # pld/pli [pc, ...]: a hint, dropped


@dataclass(frozen=True, slots=True)
class InsnInfo:
    word: int
    kind: Kind
    #: bit positions of register fields that read r15 (substituted with a scratch)
    pc_reads: tuple[int, ...] = ()
    #: bit position of the register field written with the new PC (PC_WRITE)
    pc_write: int | None = None
    #: registers named by the instruction (bitmask), scratch registers avoid these
    regs: int = 0
    #: the PC-relative literal load fast path: (rt, address offset from PC+8, load kind bits)
    link: bool = False


def _fields(word: int, positions: tuple[int, ...]) -> int:
    mask = 0
    for p in positions:
        mask |= 1 << ((word >> p) & 0xF)
    return mask


def _is_callout(word: int) -> bool:
    c = classify(word)
    return c.is_sensitive or c.kind is SensitivityKind.EXCEPTION


def analyze(word: int) -> InsnInfo:
    """Decide how one A32 word is translated (A5.1 top-level encoding table)."""
    word &= M32
    cond = word >> 28
    if _is_callout(word):
        return InsnInfo(word, Kind.CALLOUT)
    op1 = (word >> 25) & 7
    if cond == 0xF:
        # unconditional space (A5.7): blx imm switches to Thumb (not supported: the
        # callout refuses it); setend is innocuous but changes the byte order of every later load and
        # store, the data page's too, which the dispatcher converts (``data_big_endian``): the
        # VMM's too; pld/pli with Rn = PC are hints; the rest (barriers, clrex, NEON) never use
        # the PC
        if op1 == 0b101 or decode(word) is Form.SETEND:
            return InsnInfo(word, Kind.CALLOUT)
        if (word & 0x0D70F000) == 0x0550F000 or (word & 0x0F70F000) == 0x0450F000:
            if (word >> 16) & 0xF == PC:
                return InsnInfo(word, Kind.NOP_HINT)
        return InsnInfo(word, Kind.COPY)
    if op1 == 0b101:
        return InsnInfo(word, Kind.BRANCH, link=bool(word & (1 << 24)))
    if (word & 0x0FFFFFC0) == 0x012FFF00 and (word & 0x30):
        # bx (0x10), bxj (0x20, acts as bx without Jazelle: A8.8.28), blx (0x30)
        rm = word & 0xF
        if rm == PC:
            return InsnInfo(word, Kind.CALLOUT)
        return InsnInfo(word, Kind.BX, regs=1 << rm, link=(word & 0xF0) == 0x30)
    if op1 == 0b100:
        rn = (word >> 16) & 0xF
        regs = word & 0xFFFF
        if rn == PC:
            return InsnInfo(word, Kind.CALLOUT)
        if regs & (1 << PC):
            return InsnInfo(word, Kind.LDM_PC if word & (1 << 20) else Kind.STM_PC, regs=regs | (1 << rn))
        return InsnInfo(word, Kind.COPY)
    if op1 in (0b010, 0b011):
        if op1 == 0b011 and word & 0x10:
            return InsnInfo(word, Kind.COPY)       # media instructions: the PC is UNPREDICTABLE
        fields = (16, 12, 0) if op1 == 0b011 else (16, 12)
        return _ldst(word, fields, load=bool(word & (1 << 20)))
    if op1 in (0b000, 0b001):
        if op1 == 0b000 and (word & 0x90) == 0x90:
            if (word & 0x60) == 0:
                return InsnInfo(word, Kind.COPY)   # multiply, swap, exclusives: PC UNPREDICTABLE
            # extra load/store (A5.2.8): halfword, signed byte, doubleword
            load = bool(word & (1 << 20)) or (word & 0x60) == 0x40    # ldrd is L=0, op2=10
            fields = (16, 12) if word & (1 << 22) else (16, 12, 0)
            info = _ldst(word, fields, load=load)
            if info.kind is Kind.PC_WRITE:         # ldrh pc etc.: UNPREDICTABLE, leave to the VMM
                return InsnInfo(word, Kind.CALLOUT)
            return info
        if op1 == 0b001 and (word & 0x01900000) == 0x01000000:
            return InsnInfo(word, Kind.COPY)       # movw/movt, msr imm and hints
        if op1 == 0b000 and (word & 0x01900000) == 0x01000000:
            return InsnInfo(word, Kind.COPY)       # miscellaneous (A5.2.12): clz, qadd, ...
        if op1 == 0b000 and word & 0x10:
            return InsnInfo(word, Kind.COPY)       # register-shifted register: PC UNPREDICTABLE
        opc = (word >> 21) & 0xF
        reads = []
        if opc not in (Op.MOV, Op.MVN):
            reads.append(16)
        if op1 == 0b000:
            reads.append(0)
        pc_reads = tuple(p for p in reads if (word >> p) & 0xF == PC)
        regs = _fields(word, tuple(reads) + (12,))
        writes_pc = (word >> 12) & 0xF == PC and not (8 <= opc <= 11)
        if writes_pc:
            return InsnInfo(word, Kind.PC_WRITE, pc_reads, 12, regs)
        if pc_reads:
            return InsnInfo(word, Kind.PC_READ, pc_reads, None, regs)
        return InsnInfo(word, Kind.COPY)
    if op1 == 0b110:
        # coprocessor load/store (vldr/ldc): a literal form reads the PC
        if (word >> 16) & 0xF == PC:
            if word & (1 << 21):
                return InsnInfo(word, Kind.CALLOUT)
            return InsnInfo(word, Kind.PC_READ, (16,), None, 1 << PC)
        return InsnInfo(word, Kind.COPY)
    # op1 == 0b111: cdp/mcr/mrc/svc; anything that matters was a callout above
    return InsnInfo(word, Kind.COPY)


def _ldst(word: int, fields: tuple[int, ...], *, load: bool) -> InsnInfo:
    """A load/store: Rn (16), Rt (12) and, for register offsets, Rm (0)."""
    rn, rt = (word >> 16) & 0xF, (word >> 12) & 0xF
    p, w = (word >> 24) & 1, (word >> 21) & 1
    regs = _fields(word, fields)
    if load and rt == PC:
        if rn == PC and (not p or w):
            return InsnInfo(word, Kind.CALLOUT)
        reads = tuple(f for f in fields if f != 12 and (word >> f) & 0xF == PC)
        return InsnInfo(word, Kind.PC_WRITE, reads, 12, regs)
    reads = tuple(f for f in fields if (word >> f) & 0xF == PC and (f != 12 or not load))
    if rn == PC and (not p or w):
        return InsnInfo(word, Kind.CALLOUT)        # writeback to the PC: UNPREDICTABLE
    if reads:
        return InsnInfo(word, Kind.PC_READ, reads, None, regs)
    return InsnInfo(word, Kind.COPY)


def is_vfp(word: int) -> bool:
    """A VFP or Advanced SIMD instruction (A7.1): coprocessors 10/11, or the unconditional
    Advanced SIMD data-processing and element load/store spaces."""
    if word >> 28 == 0xF:
        return (word & 0x0E000000) == 0x02000000 or (word & 0x0F100000) == 0x04000000
    return (word & 0x0C000000) == 0x0C000000 and (word >> 9) & 7 == 0b101 and (word & 0x0F000000) != 0x0F000000


def ends_block(info: InsnInfo) -> bool:
    return info.kind in (Kind.BRANCH, Kind.BX, Kind.PC_WRITE, Kind.LDM_PC, Kind.CALLOUT)


# --------------------------------------------------------------------------- translation output

class ExitKind(StrEnum):
    DIRECT = "direct"           # to a known guest address: chainable
    INDIRECT = "indirect"       # the lookup routine missed (target in SLOT_TARGET)
    CALLOUT = "callout"         # a sensitive instruction for the VMM


@dataclass(slots=True)
class ExitStub:
    kind: ExitKind
    stub: int                   # host address of the stub (``str lr``); lr = stub + 8 at the gate
    target: int | None = None   # guest address (DIRECT), or the callout's guest pc
    word: int = 0               # CALLOUT: the original instruction
    site: int | None = None     # host address of the patchable branch that reaches the stub
    cond: int = COND_AL         # condition of that branch
    unretired: int = 0          # guest instructions of the block not executed when it exits
    chained_to: object | None = None   # the block the site currently jumps to (generic code sets)
    block: object | None = None        # the block the stub belongs to (generic code sets)


@dataclass(slots=True)
class TranslatedCode:
    """One block's host code, positioned at ``start`` (the entry)."""

    guest_pc: int
    guest_count: int
    guest_end: int              # first guest address after the block
    start: int
    entry: int
    words: list[int]
    exits: list[ExitStub]
    #: (host offset from start, guest index) for each rewritten/copied guest instruction,
    #: in host order: recreate_app_pc looks up the last entry <= a host offset
    pc_map: list[tuple[int, int]]
    #: host ranges (start offset, end offset, slot, register) during which a guest register
    #: lives in a slot, for restoring guest state at a fault inside the range
    spills: list[tuple[int, int, int, int]] = field(default_factory=list)

    @property
    def size(self) -> int:
        return 4 * len(self.words)

    def code(self) -> bytes:
        return b"".join(w.to_bytes(4, "little") for w in self.words)


class _Emitter:
    def __init__(self, start: int):
        self.start = start
        self.words: list[int] = []

    @property
    def here(self) -> int:
        return self.start + 4 * len(self.words)

    def emit(self, *words: int) -> None:
        self.words.extend(w & M32 for w in words)

    def slot_addr(self, slot: int, at: int | None = None) -> int:
        at = self.here if at is None else at
        page_base = (at - TC_BASE) // STRIDE * STRIDE + TC_BASE
        return page_base + slot           # the data alias just below this code page

    def slot_access(self, load: bool, reg: int, slot: int, cond: int = COND_AL) -> None:
        here = self.here
        if (here - TC_BASE) % STRIDE - PAGE >= CODE_LIMIT:
            raise PageOverflow
        self.emit(ldst_imm(load, reg, PC, self.slot_addr(slot, here) - (here + 8), cond))

    def b(self, dst: int, cond: int = COND_AL, link: bool = False) -> int:
        site = self.here
        self.emit(branch(site, dst, cond, link))
        return site


# --------------------------------------------------------------------------- translator

class TranslationError(Exception):
    """A block that cannot be translated (the generic layer reports it at the guest pc)."""


class PageOverflow(Exception):
    """The block does not fit in the rest of the code page: retry at the next page."""


class ArmTranslator:
    """Per-ISA hooks for ``vtrans.runtime.dbt`` (QEMU's ``TranslatorOps`` shape)."""

    geometry = GEOMETRY
    page_overflow = PageOverflow

    def __init__(self, counter: str = "memory"):
        #: where the instruction budget lives: "memory" (data-page slot) or "vfp" (s31)
        self.counter = counter
    exit_address = staticmethod(exit_address)
    max_block_insns = MAX_BLOCK_INSNS
    word_size = 4
    slot_budget = SLOT_BUDGET
    slot_target = SLOT_TARGET
    slot_lr = SLOT_LR
    slot_hits = SLOT_HITS
    slot_prologue = SLOT_PRO
    probe_offset = PROBE_OFFSET
    hash_off = HASH_OFF
    hash_entries = HASH_ENTRIES
    #: Unicorn ids: the PC, the link register the exit gate clobbers, and r0..r15
    uc_pc = arm_const.UC_ARM_REG_PC
    uc_link = arm_const.UC_ARM_REG_LR
    uc_regs = tuple(getattr(arm_const, f"UC_ARM_REG_R{i}") for i in range(13)) + (
        arm_const.UC_ARM_REG_SP, arm_const.UC_ARM_REG_LR, arm_const.UC_ARM_REG_PC)

    # ---------------------------------------------------------------- counter access
    def read_budget(self, uc, cache) -> int:
        if self.counter == "vfp":
            v = uc.reg_read(arm_const.UC_ARM_REG_S31)
            return v - (1 << 32) if v & 0x80000000 else v
        return cache.read_signed(SLOT_BUDGET)

    def write_budget(self, uc, cache, value: int) -> None:
        if self.counter == "vfp":
            uc.reg_write(arm_const.UC_ARM_REG_S31, value & M32)
        else:
            cache.write_word(SLOT_BUDGET, value)

    def current_block(self, uc, cache) -> int:
        """Entry address of the block translated code is executing (its prologue records it)."""
        if self.counter == "vfp":
            return uc.reg_read(arm_const.UC_ARM_REG_S29)
        return cache.read_word(SLOT_BLOCK)

    @staticmethod
    def data_big_endian(uc) -> bool:
        """The guest's data endianness (CPSR.E, B1.3.3): the byte order translated code's loads
        and stores, the data page's included, use.  It changes only outside translated code:
        ``setend`` is a callout, and so is everything else that writes CPSR.E."""
        return bool(fast(uc).read(arm_const.UC_ARM_REG_CPSR) & PSR_E)

    def spill_value(self, uc, cache, slot: int) -> int:
        if slot == SPILL_S30:
            return uc.reg_read(arm_const.UC_ARM_REG_S30)
        return cache.read_word(slot)

    @staticmethod
    def enable_vfp(uc) -> None:
        """Let User mode execute the counter's VFP moves: CPACR cp10/cp11 full access
        (B4.1.40), FPEXC.EN (B6.1.7)."""
        uc.reg_write(arm_const.UC_ARM_REG_C1_C0_2, uc.reg_read(arm_const.UC_ARM_REG_C1_C0_2) | (0xF << 20))
        uc.reg_write(arm_const.UC_ARM_REG_FPEXC, uc.reg_read(arm_const.UC_ARM_REG_FPEXC) | (1 << 30))

    @staticmethod
    def hash_index(guest_pc: int) -> int:
        """The lookup table slot the in-cache routine probes for ``guest_pc``."""
        return (guest_pc >> 2) & (HASH_ENTRIES - 1)

    @staticmethod
    def bad_target(guest_pc: int) -> GuestError | None:
        """Why execution cannot continue at ``guest_pc`` in ARM state, or None."""
        if guest_pc & 1:
            return UnsupportedGuest("interworking branch to Thumb state (not supported by binary translation)",
                                    pc=guest_pc)
        if guest_pc & 2:
            return GuestError("branch to a misaligned ARM address (UNPREDICTABLE, A2.3.1)", pc=guest_pc)
        return None

    @staticmethod
    def icache_op(word: int, reg: Callable[[int], int]) -> tuple[str, int] | None:
        """Instruction-cache maintenance by an ``mcr p15, 0, rt, c7, ...`` (B4.2.1):
        ("all", 0) for ICIALLU/ICIALLUIS/BPIALL-less full invalidation, ("mva", address)
        for ICIMVAU, None for anything else.  ``reg(n)`` reads a guest register."""
        if (word & 0x0F100F10) != 0x0E000F10 or word >> 28 == 0xF:
            return None
        opc1, crn, crm, opc2 = (word >> 21) & 7, (word >> 16) & 0xF, word & 0xF, (word >> 5) & 7
        if opc1 != 0 or crn != 7:
            return None
        if (crm, opc2) in ((5, 0), (1, 0)):
            return "all", 0
        if (crm, opc2) == (5, 1):
            return "mva", reg((word >> 12) & 0xF)
        return None

    # ---------------------------------------------------------------- runtime routines
    def runtime_code(self) -> tuple[bytes, ExitStub, int]:
        """Code page 0: the exit gate and the indirect-branch lookup (DynamoRIO's IBL).

        The lookup hashes the guest target into a direct-mapped table of {guest pc,
        host pc}; on a hit it jumps to the host block without leaving the cache, on a
        miss it exits to the dispatcher, which translates the target and fills the entry.
        Equality is tested without touching the guest's flags: clz(entry - target) is
        32 only for equal values (A8.8.33 CLZ), and bit 5 of it selects the path."""
        base = code_page_base(0)
        e = _Emitter(base)
        e.slot_access(False, 0, SLOT_I0)
        e.slot_access(False, 1, SLOT_I1)
        e.slot_access(False, 2, SLOT_I2)
        e.slot_access(True, 0, SLOT_TARGET)
        e.emit(dp_imm(Op.AND, 1, 0, encode_imm((HASH_ENTRIES - 1) << 2)))   # index * 4
        e.emit(dp_reg(Op.ADD, 1, 1, 1))                                     # index * 8
        e.emit(dp_imm(Op.ADD, 1, 1, encode_imm(TC_BASE + HASH_OFF)))        # &entry (alias 0)
        e.emit(ldst_imm(True, 2, 1, 0))                                     # entry.guest
        e.emit(dp_reg(Op.SUB, 2, 2, 0))
        e.emit((COND_AL << 28) | 0x016F0F10 | (2 << 12) | 2)               # clz r2, r2
        e.emit(dp_imm(Op.AND, 2, 2, encode_imm(32)))
        e.emit(dp_reg(Op.ADD, PC, PC, 2, 2, 1))                             # add pc, pc, r2, lsr #2
        e.emit(UDF)
        miss_branch = e.here
        e.emit(0)                                                           # b miss (patched below)
        e.emit(UDF)
        e.emit(ldst_imm(True, 1, 1, 4))                                     # hit: entry.host
        e.slot_access(False, 1, SLOT_JMP)
        e.slot_access(True, 2, SLOT_HITS)
        e.emit(dp_imm(Op.ADD, 2, 2, 1))
        e.slot_access(False, 2, SLOT_HITS)
        e.slot_access(True, 0, SLOT_I0)
        e.slot_access(True, 1, SLOT_I1)
        e.slot_access(True, 2, SLOT_I2)
        e.slot_access(True, PC, SLOT_JMP)
        miss = self.ibl_miss = e.here
        e.words[(miss_branch - base) // 4] = branch(miss_branch, miss)
        e.slot_access(True, 0, SLOT_I0)
        e.slot_access(True, 1, SLOT_I1)
        e.slot_access(True, 2, SLOT_I2)
        stub = self._exit_stub(e, ExitKind.INDIRECT)
        while e.here < base + RT_EXIT + 16:
            e.emit(UDF)
        return b"".join(w.to_bytes(4, "little") for w in e.words), stub, miss

    def _exit_stub(self, e: _Emitter, kind: ExitKind, **kw) -> ExitStub:
        stub = ExitStub(kind, e.here, **kw)
        e.slot_access(False, LR, SLOT_LR)
        e.b(exit_address(), link=True)
        return stub

    # ---------------------------------------------------------------- blocks
    def scan(self, fetch: Callable[[int], int | None], guest_pc: int, limit: int) -> list[InsnInfo]:
        """The guest instructions of the block at ``guest_pc``: up to ``limit`` of them,
        ending at a control transfer, a callout, or the guest page's end (so that a block
        depends on one guest page only, as in QEMU)."""
        infos: list[InsnInfo] = []
        pc = guest_pc
        while len(infos) < limit:
            word = fetch(pc)
            if word is None:
                break
            info = analyze(word)
            if self.counter == "vfp" and info.kind is not Kind.CALLOUT and is_vfp(word):
                # the counter's VFP is on, the guest's is off: its VFP instructions must UNDEF
                # as on the hardware (B1.11.1, FPEXC.EN = 0), so the VMM sees them
                info = InsnInfo(word, Kind.CALLOUT)
            infos.append(info)
            pc = (pc + 4) & M32
            if ends_block(info) or pc & (PAGE - 1) == 0:
                break
        return infos

    def translate(self, infos: list[InsnInfo], guest_pc: int, start: int) -> TranslatedCode:
        """Host code for the scanned block, placed at ``start``."""
        n = len(infos)
        e = _Emitter(start)
        entry = e.here
        vfp = self.counter == "vfp"
        if vfp:
            e.emit(VMOV_S30_R0, VMOV_R0_S31)
        else:
            e.slot_access(False, 0, SLOT_PRO)
            e.slot_access(True, 0, SLOT_BUDGET)
        e.emit(dp_imm(Op.SUB, 0, 0, n))
        if vfp:
            e.emit(VMOV_S31_R0)
        else:
            e.slot_access(False, 0, SLOT_BUDGET)
        e.emit(dp_reg(Op.MVN, 0, 0, 0, 31, 2))                # mvn r0, r0, asr #31
        assert e.here - entry == PROBE_OFFSET
        e.emit(PROBE)                                         # ldrb r0, [pc, r0, lsl #12]
        # the current block, for a device access inside it: Unicorn's PC is not kept up to
        # date across chained blocks, so the dispatcher reads this instead
        e.emit(dp_imm(Op.SUB, 0, PC, e.here + 8 - entry))     # sub r0, pc, #k  -> r0 = entry
        if vfp:
            e.emit(VMOV_S29_R0, VMOV_R0_S30)
        else:
            e.slot_access(False, 0, SLOT_BLOCK)
            e.slot_access(True, 0, SLOT_PRO)
        exits: list[ExitStub] = []
        pending: list[tuple[int, ExitStub]] = []              # (site, stub) to patch once stubs exist
        pc_map: list[tuple[int, int]] = []
        spills: list[tuple[int, int, int, int]] = []
        ended = False
        for i, info in enumerate(infos):
            gpc = (guest_pc + 4 * i) & M32
            pc_map.append((e.here - start, i))
            ended = self._insn(e, info, gpc, i, n, exits, pending, spills)
        end_pc = (guest_pc + 4 * n) & M32
        if not ended:
            site = e.here
            e.emit(0)
            pending.append((site, ExitStub(ExitKind.DIRECT, 0, end_pc, site=site, cond=COND_AL)))
        pc_map.append((e.here - start, n))
        # exit stubs, after the body
        for site, proto in pending:
            stub = self._exit_stub(e, proto.kind, target=proto.target, word=proto.word, site=site,
                                   cond=proto.cond, unretired=proto.unretired)
            e.words[(site - start) // 4] = branch(site, stub.stub, proto.cond)
            exits.append(stub)
        # the prologue holds r0 in SLOT_PRO (or s30) until its last word
        spills.append((4, PROBE_OFFSET + 12, SPILL_S30 if vfp else SLOT_PRO, 0))
        return TranslatedCode(guest_pc, n, end_pc, start, entry, e.words, exits, pc_map, spills)

    # one guest instruction; returns True when it ended the block
    def _insn(self, e: _Emitter, info: InsnInfo, gpc: int, i: int, n: int, exits: list[ExitStub],
              pending: list[tuple[int, ExitStub]], spills: list) -> bool:
        word = info.word
        cond = word >> 28
        kind = info.kind
        pcval = (gpc + 8) & M32                                # the PC an instruction reads (A2.3)
        nxt = (gpc + 4) & M32
        if kind is Kind.COPY:
            e.emit(word)
            return False
        if kind is Kind.NOP_HINT:
            e.emit(NOP)
            return False
        if kind is Kind.CALLOUT:
            return self._callout(e, word, gpc, i, n, pending)
        if kind is Kind.BRANCH:
            off = ((word & 0xFFFFFF) ^ 0x800000) - 0x800000
            target = (pcval + (off << 2)) & M32
            if info.link:
                e.emit(*materialize(LR, nxt, cond))           # bl sets LR = next (A8.8.25)
            site = e.here
            e.emit(0)
            pending.append((site, ExitStub(ExitKind.DIRECT, 0, target, site=site, cond=cond)))
            if cond != COND_AL:
                site = e.here
                e.emit(0)
                pending.append((site, ExitStub(ExitKind.DIRECT, 0, nxt, site=site)))
            return True
        if kind is Kind.BX:
            rm = word & 0xF
            e.slot_access(False, rm, SLOT_TARGET)             # target first: blx lr reads old lr
            if info.link:
                e.emit(*materialize(LR, nxt, cond))
            return self._indirect(e, cond, nxt, pending)
        if kind is Kind.PC_READ:
            s = self._scratch(info.regs)
            if s is None:
                raise TranslationError("no scratch register free")
            rt = (word >> 12) & 0xF
            # fast path: ldr/ldrb rt, [pc, #imm] (A8.8.64): the address is a constant,
            # formed in rt itself, which the load then overwrites
            lit = self._literal(word)
            if lit is not None and rt != PC:
                e.emit(*materialize(rt, (pcval + lit) & M32, cond))
                e.emit((word & ~((0xF << 16) | 0xFFF)) | (rt << 16) | (1 << 23))
                return False
            begin = e.here
            e.slot_access(False, s, SLOT_S)
            e.emit(*materialize(s, pcval))
            e.emit(self._subst(word, info.pc_reads, s))
            e.slot_access(True, s, SLOT_S)
            spills.append((begin - e.start + 4, e.here - e.start - 4, SLOT_S, s))
            return False
        if kind is Kind.PC_WRITE:
            # compute the new PC into scratch T, hand it to the lookup routine
            t = self._scratch(info.regs)
            if t is None:
                raise TranslationError("no scratch register free")
            begin = e.here
            e.slot_access(False, t, SLOT_T)
            new = self._subst(word, (info.pc_write,), t) if info.pc_write is not None else word
            if info.pc_reads:
                s = self._scratch(info.regs | (1 << t))
                if s is None:
                    raise TranslationError("no scratch register free")
                e.slot_access(False, s, SLOT_S)
                e.emit(*materialize(s, pcval))
                e.emit(self._subst(new, info.pc_reads, s))
                e.slot_access(True, s, SLOT_S)
            else:
                e.emit(new)
            e.slot_access(False, t, SLOT_TARGET)
            e.slot_access(True, t, SLOT_T)
            spills.append((begin - e.start + 4, e.here - e.start - 4, SLOT_T, t))
            return self._indirect(e, cond, nxt, pending)
        if kind is Kind.LDM_PC:
            ended = self._ldm_pc(e, info, cond, nxt, pending, spills)
            # None: every register is named, none is free to hold the PC's word: the host
            # emulates the instruction
            return self._callout(e, word, gpc, i, n, pending) if ended is None else ended
        if kind is Kind.STM_PC:
            if not self._stm_pc(e, info, cond, pcval, spills):
                return self._callout(e, word, gpc, i, n, pending)
            return False
        raise TranslationError(f"unhandled instruction kind {kind}")

    @staticmethod
    def _callout(e: _Emitter, word: int, gpc: int, i: int, n: int, pending: list) -> bool:
        """End the block with a callout: the host executes ``word`` (sensitive, exception-raising,
        or a block transfer naming every register) and says where to go on."""
        site = e.here
        e.emit(0)
        pending.append((site, ExitStub(ExitKind.CALLOUT, 0, gpc, word=word, site=site, unretired=n - i)))
        return True

    def _indirect(self, e: _Emitter, cond: int, nxt: int, pending: list) -> bool:
        e.b(ibl_address(), cond)
        if cond != COND_AL:
            site = e.here
            e.emit(0)
            pending.append((site, ExitStub(ExitKind.DIRECT, 0, nxt, site=site)))
        return True

    @staticmethod
    def _scratch(used: int) -> int | None:
        for r in (12, 3, 2, 1, 0, 4, 5, 6, 7, 8, 9, 10, 11, 14):
            if not used & (1 << r):
                return r
        return None

    @staticmethod
    def _subst(word: int, positions: tuple[int, ...], reg: int) -> int:
        for p in positions:
            word = (word & ~(0xF << p)) | (reg << p)
        return word

    @staticmethod
    def _literal(word: int) -> int | None:
        """The signed offset of ``ldr/ldrb rt, [pc, #imm]`` (LDR literal, A8.8.64), else None."""
        if (word & 0x0E100000) == 0x04100000 and (word & 0x01200000) == 0x01000000 \
                and (word >> 16) & 0xF == PC:
            off = word & 0xFFF
            return off if word & (1 << 23) else -off
        return None

    def _ldm_pc(self, e: _Emitter, info: InsnInfo, cond: int, nxt: int, pending: list,
                spills: list) -> bool | None:
        """``ldm{mode} rn{!}, {..., pc}`` (pop {..., pc}): load the PC's word into T first,
        then the other registers with an ldm of one register fewer, then fix writeback."""
        word = info.word
        rn = (word >> 16) & 0xF
        regs = word & 0x7FFF
        count = bin(regs).count("1") + 1
        p, u, w = (word >> 24) & 1, (word >> 23) & 1, (word >> 21) & 1
        if w and regs & (1 << rn):
            return None
        t = self._scratch(info.regs)
        if t is None:
            return None
        # the decrementing forms address words one lower without the PC, from scratch S
        s = self._scratch(info.regs | (1 << t)) if regs and not u else None
        if regs and not u and s is None:
            return None
        # offset of the PC's word from rn (the highest address, A8.8.58-A8.8.61)
        pc_off = {(0, 1): 4 * (count - 1), (1, 1): 4 * count, (0, 0): 0, (1, 0): -4}[(p, u)]
        begin = e.here
        e.slot_access(False, t, SLOT_T)
        e.emit(ldst_imm(True, t, rn, pc_off, cond))
        if regs:
            if u:
                e.emit(ldm_stm(True, rn, regs, p, u, w, cond))
                if w:
                    e.emit(dp_imm(Op.ADD, rn, rn, 4, cond))
            else:
                e.slot_access(False, s, SLOT_S)
                e.emit(dp_imm(Op.SUB, s, rn, 4, cond))
                e.emit(ldm_stm(True, s, regs, p, u, 0, cond))
                e.slot_access(True, s, SLOT_S)
                if w:
                    e.emit(dp_imm(Op.SUB, rn, rn, encode_imm(4 * count), cond))
        elif w:
            e.emit(dp_imm(Op.ADD if u else Op.SUB, rn, rn, 4, cond))
        e.slot_access(False, t, SLOT_TARGET)
        e.slot_access(True, t, SLOT_T)
        spills.append((begin - e.start + 4, e.here - e.start - 4, SLOT_T, t))
        return self._indirect(e, cond, nxt, pending)

    def _stm_pc(self, e: _Emitter, info: InsnInfo, cond: int, pcval: int, spills: list) -> bool:
        """``stm{mode} rn{!}, {..., pc}`` stores PC+8 (A8.8.199, A2.3): store the other
        registers, then the guest PC value from scratch S to the highest address."""
        word = info.word
        rn = (word >> 16) & 0xF
        regs = word & 0x7FFF
        count = bin(regs).count("1") + 1
        p, u, w = (word >> 24) & 1, (word >> 23) & 1, (word >> 21) & 1
        s = self._scratch(info.regs)
        t = self._scratch(info.regs | (1 << (s if s is not None else 0)))
        if s is None or t is None or (w and regs & (1 << rn)):
            return False  # (nothing emitted yet)
        pc_off = {(0, 1): 4 * (count - 1), (1, 1): 4 * count, (0, 0): 0, (1, 0): -4}[(p, u)]
        begin = e.here
        e.slot_access(False, s, SLOT_S)
        e.emit(*materialize(s, pcval))
        e.emit(ldst_imm(False, s, rn, pc_off, cond))
        e.slot_access(True, s, SLOT_S)
        if regs:
            if u:
                e.emit(ldm_stm(False, rn, regs, p, u, w, cond))
                if w:
                    e.emit(dp_imm(Op.ADD, rn, rn, 4, cond))
            else:
                e.slot_access(False, t, SLOT_T)
                e.emit(dp_imm(Op.SUB, t, rn, 4, cond))
                e.emit(ldm_stm(False, t, regs, p, u, 0, cond))
                e.slot_access(True, t, SLOT_T)
                if w:
                    e.emit(dp_imm(Op.SUB, rn, rn, encode_imm(4 * count), cond))
        elif w:
            e.emit(dp_imm(Op.ADD if u else Op.SUB, rn, rn, 4, cond))
        spills.append((begin - e.start + 4, begin - e.start + 4 * 7, SLOT_S, s))
        return True

    # ---------------------------------------------------------------- chaining
    @staticmethod
    def link_word(site: int, cond: int, target: int) -> int:
        """The branch written at an exit site: to a block entry, or back to its stub."""
        return branch(site, target, cond)

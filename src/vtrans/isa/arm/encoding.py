"""ARM A32 encoding for the assembler back end (ARM ARM, DDI 0406C).

The generic encoder (``vtrans.assembler.encode``) asks this module to

* track the assembler state that changes encodings (``.arch``/``.cpu``: which NOP,
  ``.thumb``: refused; ``.eabi_attribute 28``: the float ABI in ``e_flags``);
* size instructions and find ``ldr rX, =expr`` literal loads for the layout;
* *prepare* each instruction once addresses are known: either keystone text with
  every symbol replaced by a number and every pc-relative operand turned into an
  explicit ``[pc, #offset]``/``add rd, pc, #imm`` (so the text does not depend on
  the address and can be cached), or a word encoded here from the ARM ARM
  (branches, the pre-v6K NOP), or an error with the source location;
* verify every word with capstone against the instruction it should be.

Keystone (0.9.2) needs ``KS_MODE_V8`` for ``smc``/``hvc``/``eret``/``sdiv``/``udiv``;
``prepare`` marks those, and the generic encoder retries any "missing CPU feature"
failure in V8 mode.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Callable

from vtrans.assembler.ir import Binary, Directive, Float, Instruction, Num, Str, Sym, Unary
from vtrans.errors import AsmError, EncodeError
from vtrans.isa.arm.mnemonics import split_mnemonic
from vtrans.isa.arm.operands import (Barrier, Coproc, CReg, ExprOperand, Iflags, Imm, Literal, Mem, Psr, Reg,
                                     RegList, ShiftedReg)

# --------------------------------------------------------------------------- assembler state


@dataclass(frozen=True, slots=True)
class ArmState:
    """What ``.arch``/``.cpu``/``.eabi_attribute`` have said so far in a file."""

    arch: str = ""  # "" = gas's default (no v6K: NOP is ``mov r0, r0``)
    cpu: str = ""
    hard_float: bool = False

    @property
    def has_v6k(self) -> bool:
        """ARMv6K and later have the NOP hint (ARM ARM A8.8.119); gas uses it when present."""
        a = self.arch.lower()
        if a:
            if a.startswith(("armv7", "armv8", "armv9")) or a in ("armv6k", "armv6kz", "armv6zk", "armv6t2"):
                return True
            return False
        c = self.cpu.lower()
        return c.startswith(("cortex-a", "cortex-r", "mpcore", "arm1176", "arm1156t2", "generic-armv7")) or c in (
            "arm11mpcore",)


def new_state() -> ArmState:
    return ArmState()


def _word(arg) -> str:
    if isinstance(arg, str):
        return arg.strip()
    if isinstance(arg, Sym):
        return arg.name
    if isinstance(arg, Str):
        return arg.value.decode("latin-1")
    if isinstance(arg, Num):
        return str(arg.value)
    return str(arg)


def state_directive(state: ArmState, d: Directive) -> ArmState | None:
    """The new state if ``d`` is an ARM state directive, else None.  Thumb is refused
    here, at the directive, with its location."""
    name = d.name.lower().lstrip(".")
    if name == "arch":
        return replace(state, arch=_word(d.args[0]) if d.args else "")
    if name == "cpu":
        return replace(state, cpu=_word(d.args[0]) if d.args else "", arch="")
    if name in ("arm", "syntax", "fpu", "object_arch", "arch_extension"):
        return state
    if name == "code":
        width = _word(d.args[0]) if d.args else "32"
        if width == "32":
            return state
        raise AsmError("Thumb code (.code 16) is not supported: vtrans assembles ARM (A32) state only", d.loc)
    if name in ("thumb", "thumb_func", "force_thumb", "thumb_set"):
        raise AsmError(f"Thumb code (.{name}) is not supported: vtrans assembles ARM (A32) state only", d.loc)
    if name == "eabi_attribute" and len(d.args) >= 2:
        tag = d.args[0]
        tag_num = tag.value if isinstance(tag, Num) else None
        if tag_num == 28 or _word(tag) == "Tag_ABI_VFP_args":
            val = d.args[1]
            return replace(state, hard_float=isinstance(val, Num) and val.value == 1)
        return state
    return None


# --------------------------------------------------------------------------- layout hooks


def check_instruction(state: ArmState, insn: Instruction) -> Instruction:
    if insn.width == ".n":
        raise AsmError(f"'{insn.mnemonic}.n' is a Thumb encoding: vtrans assembles ARM (A32) state only", insn.loc)
    return insn


def insn_size(insn: Instruction) -> int:
    """Every A32 instruction is one word; ``adrl`` is two (ARM ARM A5.1)."""
    return 8 if insn.mnemonic == "adrl" else 4


def literal_expr(insn: Instruction):
    """The expression of ``ldr rX, =expr`` (the literal-pool pseudo-instruction), else None."""
    if insn.mnemonic == "ldr" and len(insn.operands) == 2 and type(insn.operands[1]) is Literal:
        if insn.suffix:
            raise AsmError(f"'ldr{insn.suffix} rX, =expr' is not valid: only ldr takes a literal", insn.loc)
        return insn.operands[1].expr
    return None


@lru_cache(maxsize=4096)
def modified_immediate(value: int) -> int | None:
    """The 12-bit ARM modified-immediate field for ``value`` (ARM ARM A5.2.4), or None.
    Like gas, picks the smallest rotation."""
    value &= 0xFFFFFFFF
    for rot in range(16):
        v = ((value << (2 * rot)) | (value >> (32 - 2 * rot))) & 0xFFFFFFFF if rot else value
        if v < 256:
            return (rot << 8) | v
    return None


def literal_fits_move(insn: Instruction, value: int) -> bool:
    """gas turns ``ldr rX, =const`` into ``mov``/``mvn`` when the constant fits (as.info,
    ARM Opcodes: "ldr =")."""
    return modified_immediate(value) is not None or modified_immediate(~value) is not None


#: gas (tc-arm.c, ``arm_handle_align``) fills at most this many bytes of a code
#: alignment gap with NOPs; the rest of a larger gap stays zero
MAX_ALIGN_CODE_FILL = 63


def code_padding(state: ArmState, offset: int, pad: int) -> bytes:
    """Alignment padding in code as gas writes it: of the first ``pad & 63`` bytes, zero
    bytes up to a word boundary then NOPs; zeros for the rest of a larger gap."""
    filled = pad & MAX_ALIGN_CODE_FILL if pad > MAX_ALIGN_CODE_FILL else pad
    head = filled & 3
    nop = (0xE320F000 if state.has_v6k else 0xE1A00000).to_bytes(4, "little")
    return bytes(head) + nop * ((filled - head) // 4) + bytes(pad - filled)


def e_flags(states: list[ArmState]) -> int:
    """``e_flags`` ld writes: EABI version 5 plus the float ABI (ELF for the ARM Architecture, 4.3.1.1)."""
    return 0x05000400 if any(s.hard_float for s in states) else 0x05000200


# --------------------------------------------------------------------------- prepare


_BRANCHES = {"b": 0xA, "bl": 0xB}
_COND = {"eq": 0, "ne": 1, "cs": 2, "hs": 2, "cc": 3, "lo": 3, "mi": 4, "pl": 5, "vs": 6, "vc": 7, "hi": 8,
         "ls": 9, "ge": 10, "lt": 11, "gt": 12, "le": 13, "al": 14}
_COND_CANON = {"cs": "hs", "cc": "lo", "al": ""}
_PCREL_LOADS = {"ldr", "str", "pld", "pli", "vldr", "vstr", "ldc", "ldc2", "ldcl", "ldc2l"}
_V8_ONLY = {"smc", "hvc", "eret", "sdiv", "udiv", "smi"}
_UNPRIV_HALF = {"ht", "sht", "sbt"}


@dataclass(frozen=True, slots=True)
class Prepared:
    """One instruction ready to encode: ``words`` when encoded here, else ``text`` for
    keystone (address-independent).  ``expect`` is the text capstone must agree with."""

    text: str | None
    words: bytes | None
    expect: str
    v8: bool = False


Resolve = Callable[[object], int]


def _mnemonic(insn: Instruction) -> str:
    """Unified syntax: base, letter suffix, s, condition, then ``.dt`` data types."""
    cond = insn.cond or ""
    cond = _COND_CANON.get(cond, cond)
    s = "s" if insn.setflags else ""
    letters, dot, dtypes = (insn.suffix or "").partition(".")
    return f"{insn.mnemonic}{letters}{s}{cond}{dot}{dtypes}"


def _num(v: int) -> str:
    """Numbers as capstone prints them (decimal below 10, else hex), so that most
    encodings verify by plain string comparison."""
    if -10 < v < 10:
        return str(v)
    return f"{v:#x}" if v >= 0 else f"-{-v:#x}"


def _render_operand(op, resolve: Resolve) -> str:
    t = type(op)
    if t is Reg:
        return op.name + ("!" if op.writeback else "")
    if t is Imm:
        if type(op.expr) is Float:
            return f"#{float(op.expr.text):.6e}"  # VFP modified immediate (A7.5.1); capstone's spelling
        v = resolve(op.expr)
        if op.reloc == "lower16":
            v &= 0xFFFF
        elif op.reloc == "upper16":
            v = (v >> 16) & 0xFFFF
        elif op.reloc is not None:
            raise ValueError(f"relocation :{op.reloc}:")
        return "#" + _num(_signed32(v))
    if t is ShiftedReg:
        return f"{op.reg.name}, {_render_shift(op.shift, resolve)}"
    if t is Mem:
        return _render_mem(op, resolve)
    if t is RegList:
        return "{" + ", ".join(r.name for r in op.regs) + "}" + (" ^" if op.user_bank else "")
    if t is Psr:
        return op.name + (f"_{op.fields}" if op.fields and op.fields != "all" else "")
    if t is Coproc:
        return f"p{op.number}"
    if t is CReg:
        return f"c{op.number}"
    if t is Iflags:
        return op.flags
    if t is Barrier:
        return op.option
    if t is ExprOperand:
        return _num(_signed32(resolve(op.expr)))
    raise ValueError(f"operand {op!r}")


def _render_shift(shift, resolve: Resolve) -> str:
    if shift.op == "rrx":
        return "rrx"
    if type(shift.amount) is Reg:
        return f"{shift.op} {shift.amount.name}"
    return f"{shift.op} #{_num(resolve(shift.amount))}"


def _render_mem(m: Mem, resolve: Resolve) -> str:
    base = m.base.name
    if m.offset is None:
        inner = ""
        post = ""
    elif type(m.offset) is Reg:
        text = ("-" if m.subtract else "") + m.offset.name
        if m.shift is not None:
            text += ", " + _render_shift(m.shift, resolve)
        inner, post = (", " + text, "") if m.pre_index else ("", ", " + text)
    else:
        v = _signed32(resolve(m.offset))
        if m.subtract:
            v = -v
        # an offset of 0 written with a leading minus (#-0) is encoded subtracting (U = 0), as
        # gas does (tc-arm.c, parse_address_main: "find out if it's a +0 or -0")
        text = "#-0" if v == 0 and (m.subtract or _leading_minus(m.offset)) else "#" + _num(v)
        inner, post = (", " + text, "") if m.pre_index else ("", ", " + text)
    if m.option is not None:
        return f"[{base}], {{{resolve(m.option)}}}"
    s = f"[{base}{inner}]" if m.pre_index else f"[{base}]{post}"
    if m.pre_index and m.writeback:
        s += "!"
    return s


def _leading_minus(e) -> bool:
    """Does the expression's text start with a unary minus (``-0``, ``-(4-4)``, ``-4+4``)?"""
    while type(e) is Binary:
        e = e.left
    return type(e) is Unary and e.op == "-"


def _signed32(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v & 0x80000000 else v


def _cond_bits(insn: Instruction) -> int:
    return _COND[insn.cond] if insn.cond else 14


def prepare(insn: Instruction, addr: int, resolve: Resolve, literal_addr: int | None = None,
            move: int | None = None, state: ArmState | None = None) -> Prepared:
    """Turn ``insn`` at ``addr`` into keystone text or words (see the module doc).
    Errors (range, unsupported operands) are ``EncodeError`` at the instruction."""
    m = insn.mnemonic
    ops = insn.operands
    loc = insn.loc
    try:
        # B, BL (ARM ARM A8.8.18, A8.8.25): cond 101L imm24, target = PC + 8 + imm24:00
        if m in _BRANCHES and len(ops) == 1 and type(ops[0]) is ExprOperand and not insn.suffix:
            target = resolve(ops[0].expr) & 0xFFFFFFFF
            off = _signed32(target - (addr + 8))
            if off & 3:
                raise EncodeError(f"branch target {target:#x} is not word-aligned", loc)
            if not -(1 << 25) <= off < (1 << 25):
                raise EncodeError(f"branch out of range: target {target:#x} is {off:+#x} bytes away "
                                  f"(limit +-32 MiB)", loc)
            word = (_cond_bits(insn) << 28) | (_BRANCHES[m] << 24) | ((off >> 2) & 0xFFFFFF)
            return Prepared(None, word.to_bytes(4, "little"), f"{_mnemonic(insn)} #{target:#x}")
        if m == "blx" and len(ops) == 1 and type(ops[0]) is ExprOperand:
            # BLX (immediate) A8.8.25 encoding A2: 1111 101H imm24 — switches to Thumb
            raise EncodeError("blx to a label switches to Thumb state, which vtrans does not support", loc)
        # ldr rX, =expr
        if m == "ldr" and len(ops) == 2 and type(ops[1]) is Literal:
            rd = ops[0].name
            if move is not None:
                imm = modified_immediate(move)
                text = (f"mov{_mnemonic(insn)[3:]} {rd}, #{move & 0xFFFFFFFF:#x}" if imm is not None
                        else f"mvn{_mnemonic(insn)[3:]} {rd}, #{~move & 0xFFFFFFFF:#x}")
                return Prepared(text, None, text)
            if literal_addr is None:
                raise EncodeError("internal: literal without a pool slot", loc)
            off = literal_addr - (addr + 8)
            if not -4095 <= off <= 4095:
                raise EncodeError(f"literal pool out of reach: the literal is {off:+d} bytes away (limit +-4095); "
                                  f"add a .ltorg within reach", loc)
            text = f"{_mnemonic(insn)} {rd}, [pc, #{_pcrel_offset(off, '')}]"
            return Prepared(text, None, text)
        # adr rd, label  -> add/sub rd, pc, #imm (ARM ARM A8.8.12)
        if m in ("adr", "adrl") and len(ops) == 2 and type(ops[1]) is ExprOperand:
            target = resolve(ops[1].expr)
            off = _signed32(target - (addr + 8))
            op = "add" if off >= 0 else "sub"
            cond = _mnemonic(insn)[len(m):]
            if m == "adr":
                if modified_immediate(abs(off)) is None:
                    raise EncodeError(f"adr target {target & 0xFFFFFFFF:#x} out of range: offset {off:+#x} is not "
                                      f"an ARM immediate (use adrl or ldr =)", loc)
                text = f"{op}{cond} {ops[0].name}, pc, #{abs(off):#x}"
                return Prepared(text, None, text)
            lo, hi = _split_adrl(abs(off))
            if lo is None:
                raise EncodeError(f"adrl target out of range: offset {off:+#x}", loc)
            text = f"{op}{cond} {ops[0].name}, pc, #{lo:#x}\n{op}{cond} {ops[0].name}, {ops[0].name}, #{hi:#x}"
            return Prepared(text, None, text)
        # pc-relative loads/stores of a label: ldr r0, label (ARM ARM A8.8.64 literal form)
        if m in _PCREL_LOADS and ops and type(ops[-1]) is ExprOperand:
            target = resolve(ops[-1].expr)
            off = _signed32(target - (addr + 8))
            suffix = insn.suffix or ""
            limit = 4095
            if suffix in ("h", "sh", "sb", "d") or m in ("vldr", "vstr", "ldc", "ldc2", "ldcl", "ldc2l"):
                limit = 255 if suffix in ("h", "sh", "sb", "d") else 1020
            if abs(off) > limit:
                raise EncodeError(f"pc-relative target {target & 0xFFFFFFFF:#x} out of range: offset {off:+d} "
                                  f"(limit +-{limit})", loc)
            rest = ", ".join(_render_operand(o, resolve) for o in ops[:-1])
            text = f"{_mnemonic(insn)} {rest}, [pc, #{off}]"
            return Prepared(text, None, text)
        if m == "nop" and not ops and not (state.has_v6k if state else False):
            # pre-v6K gas NOP is MOV r0, r0 (ARM ARM A8.8.119 note)
            word = (_cond_bits(insn) << 28) | 0x01A00000
            return Prepared(None, word.to_bytes(4, "little"), "mov r0, r0" if not insn.cond else
                            f"mov{_mnemonic(insn)[3:]} r0, r0")
        if m in ("mrs", "msr") and len(ops) == 2:
            banked = _banked_operand(ops[1] if m == "mrs" else ops[0])
            if banked is not None:
                return _encode_banked(insn, banked)
        if m == "setend" and len(ops) == 1 and type(ops[0]) is ExprOperand and type(ops[0].expr) is Sym:
            text = f"setend {ops[0].expr.name.lower()}"  # SETEND BE/LE (A8.8.138): a word, not a symbol
            return Prepared(text, None, text)
        if m in _DP_IMM and ops and type(ops[-1]) is Imm and ops[-1].reloc is None:
            _check_dp_immediate(insn, resolve(ops[-1].expr))
        rendered = [_render_operand(o, resolve) for o in ops]
        if insn.suffix in _UNPRIV_HALF and len(ops) == 2 and type(ops[1]) is Mem and ops[1].offset is None:
            rendered[1] = f"[{ops[1].base.name}], #0"  # keystone needs the explicit post-index (notes)
        text = _mnemonic(insn) + (" " + ", ".join(rendered) if rendered else "")
        return Prepared(text, None, text, v8=m in _V8_ONLY)
    except EncodeError:
        raise
    except (ValueError, TypeError, AttributeError) as e:
        raise EncodeError(f"cannot encode '{insn.mnemonic}': unsupported operand ({e})", loc) from None


#: banked registers of MRS/MSR (banked register): name -> (R, SYSm) (ARM ARM B9.2.3, Table B9-2)
BANKED: dict[str, tuple[int, int]] = {
    **{f"r{n}_usr": (0, n - 8) for n in range(8, 13)}, "sp_usr": (0, 5), "lr_usr": (0, 6),
    **{f"r{n}_fiq": (0, n) for n in range(8, 13)}, "sp_fiq": (0, 13), "lr_fiq": (0, 14),
    "lr_irq": (0, 16), "sp_irq": (0, 17), "lr_svc": (0, 18), "sp_svc": (0, 19),
    "lr_abt": (0, 20), "sp_abt": (0, 21), "lr_und": (0, 22), "sp_und": (0, 23),
    "lr_mon": (0, 28), "sp_mon": (0, 29), "elr_hyp": (0, 30), "sp_hyp": (0, 31),
    "spsr_fiq": (1, 14), "spsr_irq": (1, 16), "spsr_svc": (1, 18), "spsr_abt": (1, 20),
    "spsr_und": (1, 22), "spsr_mon": (1, 28), "spsr_hyp": (1, 30),
}


def _banked_operand(op) -> str | None:
    if type(op) is ExprOperand and type(op.expr) is Sym and op.expr.name.lower() in BANKED:
        return op.expr.name.lower()
    if type(op) is Psr and f"{op.name}_{op.fields}".lower() in BANKED:
        return f"{op.name}_{op.fields}".lower()
    return None


def _encode_banked(insn: Instruction, name: str) -> Prepared:
    """MRS/MSR (banked register), ARM ARM B9.3.9 / B9.3.10 (virtualization extensions):
    MRS cccc 0001 0R00 M1 Rd 001M 0000 0000; MSR cccc 0001 0R10 M1 1111 001M 0000 Rn."""
    r, sysm = BANKED[name]
    reg = insn.operands[0] if insn.mnemonic == "mrs" else insn.operands[1]
    if type(reg) is not Reg or reg.number is None or reg.number == 15:
        raise EncodeError(f"{insn.mnemonic} with a banked register needs a core register r0-r14", insn.loc)
    word = (_cond_bits(insn) << 28) | 0x01000200 | (r << 22) | ((sysm & 15) << 16) | ((sysm >> 4) << 8)
    if insn.mnemonic == "mrs":
        word |= reg.number << 12
        expect = f"{_mnemonic(insn)} {reg.name}, {name}"
    else:
        word |= 0x0020F000 | reg.number
        expect = f"{_mnemonic(insn)} {name}, {reg.name}"
    return Prepared(None, word.to_bytes(4, "little"), expect)


def _pcrel_offset(off: int, suffix: str) -> str:
    """gas sets the U bit of a literal-pool load (``ldr rX, =expr``) only for a positive
    offset (measured: a literal right at PC+8 is encoded ``[pc, #-0]``), while a load
    of a label (``ldr rX, label``) at offset 0 keeps U=1."""
    if off == 0 and suffix in ("", "b"):
        return "-0"
    return str(off)


_DP_IMM = {"and", "eor", "sub", "rsb", "add", "adc", "sbc", "rsc", "orr", "mov", "bic", "mvn", "tst", "teq", "cmp",
           "cmn"}
_DP_NEGATE = {"mov": "~", "mvn": "~", "and": "~", "bic": "~", "adc": "~", "sbc": "~", "add": "-", "sub": "-",
              "cmp": "-", "cmn": "-"}


def _check_dp_immediate(insn: Instruction, value: int) -> None:
    """A data-processing immediate must be an 8-bit value rotated right by an even
    amount (ARM ARM A5.2.4), or its complement/negation for the instruction gas swaps
    in (mov/mvn, add/sub, cmp/cmn, and/bic, adc/sbc); ``mov`` may become MOVW."""
    v = value & 0xFFFFFFFF
    if modified_immediate(v) is not None:
        return
    alt = _DP_NEGATE.get(insn.mnemonic)
    if alt == "~" and modified_immediate(~v) is not None:
        return
    if alt == "-" and modified_immediate(-v) is not None:
        return
    if insn.mnemonic == "mov" and not insn.setflags and v <= 0xFFFF:
        return
    raise EncodeError(f"immediate {v:#x} out of range for '{insn.mnemonic}': not an 8-bit value rotated by an "
                      f"even amount (ARM ARM A5.2.4)", insn.loc)


def _split_adrl(value: int) -> tuple[int | None, int]:
    """Split ``value`` into two ARM immediates (gas's ``adrl``)."""
    for shift in range(0, 32, 2):
        lo = value & (0xFF << shift)
        hi = value - lo
        if modified_immediate(lo) is not None and modified_immediate(hi) is not None:
            return lo, hi
    return None, 0


# --------------------------------------------------------------------------- verification

_REG_ALIAS = {"sb": "r9", "sl": "r10", "fp": "r11", "ip": "r12", "sp": "r13", "lr": "r14", "pc": "r15",
              "a1": "r0", "a2": "r1", "a3": "r2", "a4": "r3", "v1": "r4", "v2": "r5", "v3": "r6", "v4": "r7",
              "v5": "r8", "v6": "r9", "v7": "r10", "v8": "r11", "asl": "lsl", "apsr": "cpsr", "apsr_nzcvq": "cpsr_f",
              "apsr_g": "cpsr_s", "apsr_nzcvqg": "cpsr_fs"}
_TOKEN = re.compile(r"[a-z_][a-z0-9_.]*|-?[0-9]+\.[0-9]*(?:e[-+]?[0-9]+)?|-?0x[0-9a-f]+|-?[0-9]+|[\[\]{}!^]")
_LDM_ALIAS = {"ldmia": "ldm", "ldmfd": "ldm", "stmia": "stm", "stmea": "stm", "stmfd": "stmdb", "ldmea": "ldmdb",
              "stmed": "stmda", "ldmed": "ldmib", "stmfa": "stmib", "ldmfa": "ldmda"}
_CONDS = tuple(c for c in _COND if c not in ("cs", "cc"))


@lru_cache(maxsize=4096)
def _split_cond(mnem: str) -> tuple[str, str]:
    """(mnemonic without condition, condition): by the mnemonic table, so that ``movs``
    is mov+s and ``teq`` stays whole; a plain suffix match for words it does not know."""
    try:
        sp = split_mnemonic(mnem)
    except ValueError:
        sp = None
    if sp is not None:
        letters, dot, dtypes = sp.suffix.partition(".")
        cond = sp.cond or ""
        return f"{sp.base}{letters}{'s' if sp.setflags else ''}{dot}{dtypes}", _COND_CANON.get(cond, cond)
    for c in _CONDS:
        if mnem.endswith(c) and len(mnem) > len(c):
            return mnem[:-len(c)], c
    return mnem, ""


def canonical(mnemonic: str, op_str: str) -> tuple:
    """A comparable form of one instruction's text, tolerant of the spelling
    differences between gas/keystone input and capstone output (register aliases,
    hex vs decimal, push/pop vs stm/ldm, UAL shift mnemonics, ``dmb`` = ``dmb sy``)."""
    m = mnemonic.strip().lower()
    tokens = []
    for tok in _TOKEN.findall(op_str.lower()):
        if "." in tok and (tok[0].isdigit() or tok[0] == "-"):
            tokens.append(float(tok))
        elif tok[0].isdigit() or tok[0] == "-":
            tokens.append(int(tok, 0) & 0xFFFFFFFF)
        else:
            tok = _REG_ALIAS.get(tok, tok)
            if tok.startswith(("cpsr_", "spsr_")):
                tok = tok[:5] + "".join(sorted(tok[5:]))
            tokens.append(tok)
    base, cond = _split_cond(m)
    if base.endswith("s") and base[:-1] in ("mov", "lsl", "lsr", "asr", "ror", "rrx"):
        base, sflag = base[:-1], "s"
    else:
        sflag = ""
    base = _LDM_ALIAS.get(base, base)
    # mov rd, rm, <shift> #n  ==  <shift> rd, rm, #n (UAL, ARM ARM A8.8.106)
    if base == "mov" and len(tokens) >= 3 and tokens[2] in ("lsl", "lsr", "asr", "ror", "rrx"):
        base = tokens[2]
        tokens = tokens[:2] + tokens[3:]
        if base == "lsl" and tokens[2:] == [0]:
            base, tokens = "mov", tokens[:2]
    if base in ("push", "pop"):
        regs = [t for t in tokens if t not in ("{", "}")]
        if len(regs) == 1:  # single register: STR/LDR encoding (A8.8.133 A2, A8.8.132 A2)
            tokens = [regs[0]] + (["[", "r13", -4 & 0xFFFFFFFF, "]", "!"] if base == "push"
                                  else ["[", "r13", "]", 4])
            base = "str" if base == "push" else "ldr"
        else:
            tokens = ["r13", "!"] + tokens
            base = "stmdb" if base == "push" else "ldm"
    # ldrd/strd rt, [..]: the second register is implicit (A8.8.72, A8.8.210)
    if base in ("ldrd", "strd") and len(tokens) >= 2 and tokens[1] == "[" and isinstance(tokens[0], str) \
            and tokens[0].startswith("r") and tokens[0][1:].isdigit():
        tokens = [tokens[0], f"r{int(tokens[0][1:]) + 1}"] + tokens[1:]
    if base in ("dmb", "dsb") and not tokens:
        tokens = ["sy"]
    if base == "isb" and not tokens:
        tokens = ["sy"]
    # unprivileged loads/stores only have the post-indexed form: [rn], #0 == [rn] (A8.8.70 ...)
    if base.endswith("t") and base[:3] in ("ldr", "str") and len(tokens) >= 2 and tokens[-2] == "]" \
            and tokens[-1] == 0:
        tokens = tokens[:-1]
    # a register shifted left by nothing is the register: rm, lsl #0 == rm (A8.4.1)
    if "lsl" in tokens:
        tokens = [t for i, t in enumerate(tokens)
                  if not (t == "lsl" and i + 1 < len(tokens) and tokens[i + 1] == 0)
                  and not (t == 0 and i > 0 and tokens[i - 1] == "lsl")]
    # drop a zero immediate offset: [rn, #0] == [rn]
    out = []
    for i, t in enumerate(tokens):
        if t == 0 and i + 1 < len(tokens) and tokens[i + 1] == "]" and i >= 2 and tokens[i - 2] == "[":
            continue
        out.append(t)
    return (base + sflag, cond, tuple(out))


_DP_ALIASES = {"mov": ("mvn", lambda v: ~v), "mvn": ("mov", lambda v: ~v), "cmp": ("cmn", lambda v: -v),
               "cmn": ("cmp", lambda v: -v), "add": ("sub", lambda v: -v), "sub": ("add", lambda v: -v),
               "and": ("bic", lambda v: ~v), "bic": ("and", lambda v: ~v), "adc": ("sbc", lambda v: ~v),
               "sbc": ("adc", lambda v: ~v)}


def _alternatives(c: tuple) -> list[tuple]:
    """Equivalent forms gas and keystone substitute when an immediate does not fit
    (as.info, ARM "Instruction Set Syntax"; ARM ARM A5.2.4)."""
    base, cond, ops = c
    alts = [c]
    plain = base[:-1] if base.endswith("s") and base[:-1] in _DP_ALIASES else base
    s = base[len(plain):]
    if plain in _DP_ALIASES and ops and isinstance(ops[-1], int):
        other, fn = _DP_ALIASES[plain]
        alts.append((other + s, cond, ops[:-1] + (fn(ops[-1]) & 0xFFFFFFFF,)))
        if base == "mov" and ops[-1] <= 0xFFFF:
            alts.append(("movw", cond, ops))  # gas and keystone pick MOVW (A8.8.102 A2) on v6T2+
    return alts


def verify(words: bytes, expect: str, addr: int, insn: Instruction, cs) -> None:
    """Decode ``words`` (one per line of ``expect``) with capstone and check each is the
    instruction that was meant."""
    lines = expect.split("\n")
    decoded = list(cs.disasm_lite(words, addr))
    if len(decoded) != len(lines):
        raise EncodeError(f"encoding check failed: {words.hex()} for '{expect}' does not decode", insn.loc)
    for (_, size, mnemonic, op_str), line, i in zip(decoded, lines, range(0, len(words), 4)):
        verify_decoded(mnemonic, op_str, words[i:i + 4], line, insn)


def verify_decoded(mnemonic: str, op_str: str, word: bytes, expect: str, insn: Instruction) -> None:
    if (f"{mnemonic} {op_str}" if op_str else mnemonic) == expect:
        return  # the common case: capstone prints exactly what was meant
    got = canonical(mnemonic, op_str)
    head, _, rest = expect.partition(" ")
    want = canonical(head, rest)
    if got == want or got in _alternatives(want):
        return
    if "." not in got[0] and "." in want[0]:
        # capstone omits a redundant size (vldr.32 -> vldr, vpush.64 -> vpush)
        stripped = (want[0].split(".")[0],) + want[1:]
        if got == stripped:
            return
    raise EncodeError(f"encoding check failed: '{expect}' was encoded as {int.from_bytes(word, 'little'):08x}, "
                      f"which is '{mnemonic} {op_str}'", insn.loc)

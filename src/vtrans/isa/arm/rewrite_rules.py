"""ARM rules for the pre-virtualizing rewrite (``vtrans.translator.rewrite`` drives them).

What the generic driver asks an ISA:

* which IR statements *may* encode to a non-innocuous word (``candidate``) — a
  cheap filter on the mnemonic, so that a 200k-line file is not encoded whole;
* the words of those statements (``encode``: the back end's own A32 encoder,
  keystone checked by capstone), which the sensitivity table then classifies;
* the replacement statements for each strategy: a hypercall ``svc{cond}``
  (``hypercall``), a NOP (``nop``), a branch to a stub (``branch``), the stub
  itself (``stubs.emit_stub``), and the table sections' directives.

For linked images (``vtrans.translator.binary``) it also answers: which mapping
symbols mark code it can rewrite (``code_mapping``), an IR statement for a site's
word (``decode``: capstone's text, kept only when the back end re-encodes it to
the same word), and the patched words themselves (``hypercall_word``, ``branch_word``).

The hypercall encoding and the table formats are in ``hypercall.py``.
"""

from __future__ import annotations

from vtrans.assembler.ir import Binary, Directive, Instruction, Num, Program, Statement, Str, Sym, Unary
from vtrans.errors import EncodeError
from vtrans.isa.arm import hypercall as hc
from vtrans.isa.arm.operands import ExprOperand, Imm, Reg, RegList
from vtrans.isa.base import Classification

#: mnemonics whose encoding can be in the sensitivity table (see sensitivity.py)
_ALWAYS = frozenset({
    "cps", "cpsie", "cpsid", "mrs", "msr", "srs", "rfe", "eret", "wfi", "wfe", "hint", "smc", "smi", "hvc",
    "vmrs", "vmsr", "fmrx", "fmxr", "mcr", "mrc", "mcrr", "mrrc", "ldc", "stc", "ldcl", "stcl",
})
#: data-processing mnemonics that are exception returns with S and Rd = pc (B9.3.20)
_DP = frozenset({"and", "eor", "sub", "rsb", "add", "adc", "sbc", "rsc", "orr", "mov", "bic", "mvn",
                 "lsl", "lsr", "asr", "ror", "rrx"})
_COND_CODES = ("eq", "ne", "cs", "cc", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le", "al")
_COND_ALIASES = {"hs": "cs", "lo": "cc"}


def cond_name(word: int) -> str | None:
    """The IR condition suffix of a word's condition field (None for AL / unconditional)."""
    c = word >> 28
    return None if c >= 0xE else _COND_CODES[c]


def cond_field(cond: str | None) -> int:
    if cond is None:
        return 0xE
    return _COND_CODES.index(_COND_ALIASES.get(cond, cond))


def _const(e, consts: dict[str, int]) -> int:
    if isinstance(e, Num):
        return e.value
    if isinstance(e, Sym) and e.name in consts:
        return consts[e.name]
    if isinstance(e, Unary):
        v = _const(e.operand, consts)
        return {"-": -v, "~": ~v, "+": v, "!": int(not v)}[e.op]
    if isinstance(e, Binary):
        a, b = _const(e.left, consts), _const(e.right, consts)
        ops = {"+": a + b, "-": a - b, "*": a * b, "<<": a << (b & 63), ">>": a >> (b & 63), "|": a | b,
               "&": a & b, "^": a ^ b}
        if e.op in ops:
            return ops[e.op]
        if e.op in ("/", "%") and b:
            return a // b if e.op == "/" else a % b
    raise ValueError(f"not a constant: {e!r}")


def constants(program: Program) -> dict[str, int]:
    """Absolute symbols defined with ``.equ``/``.set``/``=`` (for encoding operands)."""
    out: dict[str, int] = {}
    for st in program.statements:
        if isinstance(st, Directive) and st.name in ("equ", "set", "equiv", "eqv") and len(st.args) == 2:
            name = st.args[0].name if isinstance(st.args[0], Sym) else str(st.args[0])
            try:
                out[name] = _const(st.args[1], out)
            except (ValueError, KeyError):
                pass
    return out


class ArmRewriteRules:
    """The ARM answers to the generic rewrite driver's questions."""

    isa = "arm"
    word_size = 4
    pad_words = hc.PAD_SITE_WORDS
    #: the hypercall ABI module: section names, symbols, the vCPU block
    abi = hc

    # ------------------------------------------------------------------ finding sites

    def candidate(self, st: Statement) -> bool:
        """May ``st`` encode to a non-innocuous word?  (False => certainly innocuous.)"""
        if isinstance(st, Directive):
            return st.name == "inst"
        if not isinstance(st, Instruction):
            return False
        m, ops = st.mnemonic, st.operands
        if m in _ALWAYS:
            return True
        if m in ("ldm", "stm") and len(ops) == 2 and isinstance(ops[1], RegList) and ops[1].user_bank:
            return True
        if m in ("ldr", "str") and "t" in st.suffix:
            return True
        if m in _DP and st.setflags and ops and isinstance(ops[0], Reg) and ops[0].name == "pc":
            return True
        return False

    def encode(self, program: Program, indexes: list[int], consts: dict[str, int] | None = None) -> list[int]:
        """Words of the candidate statements ``indexes`` of ``program`` (one word each)."""
        from vtrans import isa as isa_registry
        from vtrans.assembler.encode import Encoder, Job
        from vtrans.isa.arm import encoding

        consts = constants(program) if consts is None else consts
        plugin = isa_registry.get("arm")

        def resolve(e):
            try:
                return _const(e, consts)
            except (ValueError, KeyError):
                raise EncodeError("operand is not a constant the rewriter can evaluate "
                                  "(a sensitive instruction needs constant operands)") from None

        words: dict[int, int] = {}
        jobs: list[Job] = []
        job_index: list[int] = []
        for i in indexes:
            st = program.statements[i]
            if isinstance(st, Directive):           # .inst: the word is given
                if len(st.args) != 1:
                    raise EncodeError(".inst with several words is not supported by the rewriter", st.loc)
                try:
                    words[i] = resolve(st.args[0]) & 0xFFFFFFFF
                except EncodeError as e:
                    raise EncodeError(e.message, st.loc) from None
                continue
            try:
                prepared = encoding.prepare(st, 0, resolve)
            except EncodeError as e:
                raise EncodeError(e.message, e.loc or st.loc) from None
            jobs.append(Job(prepared, 0, st, 4))
            job_index.append(i)
        if jobs:
            out = Encoder(plugin, encoding).encode(jobs)
            for i, b in zip(job_index, out):
                words[i] = int.from_bytes(b[:4], "little")
        return [words[i] for i in indexes]

    # ------------------------------------------------------------------ replacements

    def hypercall(self, original: Statement, word: int, index: int) -> Statement:
        """The class-0 hypercall replacing ``original`` (its condition kept)."""
        imm = hc.hypercall_imm(hc.HypercallClass.EMULATE, index)
        if isinstance(original, Directive):
            cond = (word >> 28) if (word >> 28) < 0xF else 0xE
            return Directive("inst", (Num(hc.encode_hypercall(hc.HypercallClass.EMULATE, index, cond)),),
                             original.loc)
        return Instruction("svc", (Imm(Num(imm)),), cond=cond_name(word), loc=original.loc)

    def service(self, op: hc.ServiceOp, loc) -> Instruction:
        return Instruction("svc", (Imm(Num(hc.hypercall_imm(hc.HypercallClass.SERVICE, op))),), loc=loc)

    def nop(self, loc) -> Instruction:
        # mov r0, r0: a NOP on every architecture version (the NOP hint needs ARMv6K)
        return Instruction("mov", (Reg("r0"), Reg("r0")), loc=loc)

    def branch(self, label: str, word: int, loc) -> Instruction:
        return Instruction("b", (ExprOperand(Sym(label)),), cond=cond_name(word), loc=loc)

    def site_kind(self, c: Classification) -> int:
        return hc.site_kind_byte(c.cls.value, c.kind.value)

    def site_flags(self, c: Classification) -> int:
        f = 0
        if c.cond is not None and c.cond != 0xE:
            f |= hc.SiteFlags.CONDITIONAL
        if c.writes_pc:
            f |= hc.SiteFlags.WRITES_PC
        if c.is_exception_return:
            f |= hc.SiteFlags.EXCEPTION_RETURN
        return f

    # ------------------------------------------------------------------ sections

    def section(self, name: str, flags: str, loc) -> Directive:
        return Directive("section", (name, Str(flags.encode()), "%progbits"), loc)

    def words(self, values: list, loc) -> list[Statement]:
        return [Directive("word", (v if not isinstance(v, int) else Num(v),), loc) for v in values]

    def stub(self, site_word: int, insn: Statement, index: int, stub_label: str, ret_label: str, loc):
        from vtrans.isa.arm.stubs import emit_stub

        return emit_stub(site_word, insn, index, stub_label, ret_label, loc)

    def stubs(self, items: list[tuple]) -> tuple[list[Statement], list[str]]:
        """Many stubs, parsed at once: items of ``(word, insn, index, stub_label, ret_label, loc)``."""
        from vtrans.isa.arm.stubs import emit_stubs

        return emit_stubs(items)


    #: what the stub strategy cannot do (``stub_hazard``): its stubs read the vCPU block and
    #: their literals with the guest's own loads, which assume little-endian data
    STUB_HAZARD = ("setend be: a stub entered with big-endian data (CPSR.E) stops the run; keep "
                   "sensitive instructions out of big-endian stretches, or rewrite with --strategy "
                   "hypercall or pad")

    def stub_hazard(self, st: Statement) -> str | None:
        """Why the stub strategy may fail at run time on this statement, or None (``setend be``:
        the stubs need little-endian data).  Warned about, not refused: code that switches to
        big-endian data and back around plain loads is fine."""
        if (isinstance(st, Instruction) and st.mnemonic == "setend" and len(st.operands) == 1
                and isinstance(st.operands[0], ExprOperand) and isinstance(st.operands[0].expr, Sym)
                and st.operands[0].expr.name.lower() == "be"):
            return self.STUB_HAZARD
        if isinstance(st, Directive) and st.name == "inst" and len(st.args) == 1 and isinstance(st.args[0], Num):
            return self.stub_hazard_word(st.args[0].value)
        return None

    def stub_hazard_word(self, word: int) -> str | None:
        """``stub_hazard`` for an A32 word of a linked image (SETEND BE, A8.8.138)."""
        return self.STUB_HAZARD if word & 0xFFFFFFFF == 0xF1010200 else None

    # ------------------------------------------------------------------ linked images

    #: ELF e_machine of this ISA's images (EM_ARM)
    elf_machine = 40

    def code_mapping(self, name: str) -> str | None:
        """What an ELF mapping symbol marks: ``"code"`` (A32, rewritable), ``"data"``, or
        ``"other"`` (Thumb: not rewritten, see ``vtrans.translator.binary``); None if ``name``
        is no mapping symbol (ELF for the ARM Architecture, 5.5.5)."""
        if name[:2] not in ("$a", "$d", "$t") or (len(name) > 2 and name[2] != "."):
            return None
        return {"a": "code", "d": "data", "t": "other"}[name[1]]

    @property
    def _cs_thumb(self):
        from vtrans.isa import get

        return get("arm").cs_thumb

    def other_code_sites(self, data: bytes, address: int) -> list[tuple[int, int, object, str]]:
        """The non-innocuous instructions of ``"other"`` code (Thumb) at ``address``:
        ``(address, encoding, classification, text)``; they are examined, not rewritten
        (``isa/arm/thumb.py``)."""
        from vtrans.isa.arm import thumb

        cs = self._cs_thumb
        out = []
        for at, size, hw1, hw2 in thumb.instructions(data, address):
            c = thumb.classify(hw1, hw2)
            if c is None:
                continue
            raw = data[at - address:at - address + size]
            decoded = next(cs.disasm_lite(raw, at), None)
            text = f"{decoded[2]} {decoded[3]}".strip() if decoded else f".inst.{'w' if size == 4 else 'n'} 0x{raw.hex()}"
            out.append((at, hw1 if hw2 is None else hw1 << 16 | hw2, c, text))
        return out

    def decode(self, word: int, address: int, loc) -> Statement:
        """The IR of an A32 ``word`` (for a stub to work on its operands).

        Capstone's text, parsed by the front end, is used only if the back end encodes it back
        to ``word``; otherwise (an encoding capstone spells differently) the word is kept as
        ``.inst``, for which the stub generator makes the site's class-0 hypercall."""
        from dataclasses import replace

        from vtrans import isa as isa_registry
        from vtrans.assembler.parser import parse_text
        from vtrans.errors import VtransError

        fallback = Directive("inst", (Num(word),), loc)
        decoded = next(isa_registry.get("arm").cs_fast.disasm_lite(word.to_bytes(4, "little"), address), None)
        if decoded is None:
            return fallback
        _, _, mnemonic, op_str = decoded
        if mnemonic.startswith("mrs") and op_str.endswith("apsr"):
            op_str = op_str[:-4] + "cpsr"     # one encoding: MRS Rd, CPSR (A8.8.109)
        try:
            prog = parse_text(f"\t{mnemonic} {op_str}\n", str(loc))
            if len(prog.statements) != 1 or not isinstance(prog.statements[0], Instruction):
                return fallback
            if self.encode(prog, [0]) != [word]:
                return fallback
        except VtransError:
            return fallback
        return replace(prog.statements[0], loc=loc)

    def hypercall_word(self, word: int, index: int) -> int:
        """The class-0 hypercall replacing ``word`` in place (its condition kept; the
        unconditional space (cond 0b1111) becomes AL)."""
        cond = (word >> 28) if (word >> 28) < 0xF else hc.COND_AL
        return hc.encode_hypercall(hc.HypercallClass.EMULATE, index, cond)

    def branch_word(self, word: int, at: int, target: int) -> int:
        """``b{cond} target`` at ``at`` (condition of ``word``; A8.8.18 encoding A1)."""
        cond = (word >> 28) if (word >> 28) < 0xF else hc.COND_AL
        offset = target - (at + 8)
        if offset % 4 or not -(1 << 25) <= offset < (1 << 25):
            raise EncodeError(f"branch from 0x{at:08x} to 0x{target:08x} is out of range (+-32 MB)")
        return (cond << 28) | 0x0A000000 | ((offset >> 2) & 0xFFFFFF)


RULES = ArmRewriteRules()

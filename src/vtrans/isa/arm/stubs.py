"""Per-site emulation stubs for the ``stub`` rewrite strategy (ARM A32).

A site becomes ``b{cond} .Lvtrans_stub_N``; the stub (in ``.vtrans.stubs``)
emulates the original against the vCPU block ``__vtrans_vcpu`` (layout in
``hypercall.py``) and branches back to ``.Lvtrans_ret_N``.  Rules every stub keeps:

* every guest register is preserved (temporaries are saved in per-stub words
  next to the stub, addressed pc-relatively — there is no free register to hold
  a base address, and the guest's SP may not be valid yet at early boot; so the
  stub section is writable), and the flags are never touched: tests are done
  without flags (``clz``, then a computed ``add pc``), the flag fields of an
  ``msr`` go to the real APSR with ``msr apsr_*`` (innocuous);
* the only read of the real CPSR is ``mrs Rd, apsr`` in the ``mrs cpsr`` stub,
  of which only bits [31:9] (flags, GE, E) are kept — the mode and mask bits
  come from the vCPU block (``vtrans analyze`` lists it as audited stub code);
* in virtual User mode ``cps`` is a NOP and ``msr cpsr`` writes the flags only
  (B9.3.2, B9.3.12), as on hardware;
* what a stub cannot do alone — a mode change (banked registers), exception
  returns, cp15, wfi … — is the class-0 hypercall of that site, made with every
  register restored; unmasking a virtual interrupt that is pending makes a
  ``SYNC`` service hypercall, also with every register restored.

The VMM must not deliver a virtual interrupt asynchronously while the guest PC
is inside ``.vtrans.stubs`` (the save words are per stub, not per nesting
level); it delivers it at the ``SYNC`` hypercall or when the stub has returned.
Sections of DDI 0406C: MRS B9.3.8, MSR B9.3.11/B9.3.12, CPS B9.3.2, CLZ A8.8.33.
"""

from __future__ import annotations

from vtrans.assembler.ir import Instruction, Statement
from vtrans.isa.arm import hypercall as hc
from vtrans.isa.arm.operands import Iflags, Psr, Reg

_TEMPS = ("r0", "r1", "r2", "r3", "r4", "r5")
_FIELD_MASK = {"f": 0xFF000000, "s": 0x00FF0000, "x": 0x0000FF00, "c": 0x000000FF}
_AIF = {"a": hc.CPSR_A, "i": hc.CPSR_I, "f": hc.CPSR_F}
#: CPSR.M & 0xF -> offset of that mode's SPSR in the vCPU block (spare for modes without one)
_SPSR_BY_MODE = [hc.OFF_SPSR_SPARE] * 16
for _mode, _off in hc.SPSR_OFFSET.items():
    _SPSR_BY_MODE[_mode & 0xF] = _off


def _regs_used(insn: Statement) -> set[str]:
    out: set[str] = set()
    for op in getattr(insn, "operands", ()):
        if isinstance(op, Reg):
            out.add(op.name)
    return out


def _temps(insn: Statement, n: int) -> list[str]:
    used = _regs_used(insn)
    return [r for r in _TEMPS if r not in used][:n]


def _parse(text: str, loc) -> list[Statement]:
    from dataclasses import replace

    from vtrans.assembler.parser import parse_text

    prog = parse_text(text, f"<vtrans stub for {loc}>")
    return [replace(st, loc=loc) if hasattr(st, "loc") else st for st in prog.statements]


def _nonzero_goto(reg: str, target: str) -> str:
    """Branch to ``target`` if ``reg`` != 0, without touching the flags (``reg`` is clobbered)."""
    return (f"\tclz {reg}, {reg}\n"            # 32 iff reg was 0
            f"\tlsr {reg}, {reg}, #5\n"        # 1 iff reg was 0
            f"\tadd pc, pc, {reg}, lsl #2\n"   # pc reads as this insn + 8
            "\tmov r0, r0\n"                   # (skipped)
            f"\tb {target}\n")                 # reg was nonzero


def _zero_goto(reg: str, target: str, n: int, k: int) -> str:
    """Branch to ``target`` if ``reg`` == 0, without touching the flags (``reg`` is clobbered)."""
    cont = f".Lvtrans_cont_{n}_{k}"
    return (f"\tclz {reg}, {reg}\n\tlsr {reg}, {reg}, #5\n"
            f"\tadd pc, pc, {reg}, lsl #2\n"
            "\tmov r0, r0\n"                   # (skipped)
            f"\tb {cont}\n"                    # reg was nonzero
            f"\tb {target}\n"                  # reg was zero
            f"{cont}:\n")


def _if_virtual_user_goto(t: str, u: str, target: str, n: int) -> str:
    """In virtual User mode the control fields are not written (B9.3.2, B9.3.12): skip."""
    return (f"\tldr {u}, [{t}, #{hc.OFF_VCPSR}]\n\tand {u}, {u}, #0x1f\n\teor {u}, {u}, #{hc.Mode.USR:#x}\n"
            + _zero_goto(u, target, n, 0))


class _Stub:
    def __init__(self, n: int, stub_label: str, ret_label: str, temps: list[str]):
        self.n, self.stub_label, self.ret, self.temps = n, stub_label, ret_label, temps
        self.saves = [f".Lvtrans_save_{n}_{k}" for k in range(len(temps))]

    def save(self) -> str:
        return "".join(f"\tstr {t}, {s}\n" for t, s in zip(self.temps, self.saves))

    def restore(self) -> str:
        return "".join(f"\tldr {t}, {s}\n" for t, s in zip(self.temps, self.saves))

    def tail(self, body: str, index: int, need_hyp: bool, need_sync: bool) -> str:
        text = (f"{self.stub_label}:\n" + self.save() + body + f".Lvtrans_done_{self.n}:\n" + self.restore()
                + f"\tb {self.ret}\n")
        if need_hyp:
            text += (f".Lvtrans_hyp_{self.n}:\n" + self.restore()
                     + f"\tsvc #{hc.hypercall_imm(hc.HypercallClass.EMULATE, index):#x}\n\tb {self.ret}\n")
        if need_sync:
            text += (f".Lvtrans_sync_{self.n}:\n" + self.restore()
                     + f"\tsvc #{hc.hypercall_imm(hc.HypercallClass.SERVICE, hc.ServiceOp.SYNC):#x}\n"
                     + f"\tb {self.ret}\n")
        text += "".join(f"{s}:\n\t.word 0\n" for s in self.saves)
        return text + "\t.ltorg\n"


def _pending_check(st: _Stub, t: str, u: str, w: str) -> str:
    """With ``u`` = new vcpsr and ``t`` = vCPU block: SYNC if an unmasked virtual interrupt is pending."""
    return (f"\tmvn {w}, {u}\n"
            f"\tlsr {u}, {w}, #7\n\tand {u}, {u}, #1\n"          # IRQ enabled -> bit 0
            f"\tlsr {w}, {w}, #6\n\tand {w}, {w}, #1\n"
            f"\torr {u}, {u}, {w}, lsl #1\n"                      # FIQ enabled -> bit 1
            f"\tldr {w}, [{t}, #{hc.OFF_PENDING}]\n"
            f"\tand {u}, {u}, {w}\n"
            + _nonzero_goto(u, f".Lvtrans_sync_{st.n}"))


def _is_psr(op, name: str) -> bool:
    return isinstance(op, Psr) and op.name in ((name,) if name == "spsr" else ("cpsr", "apsr"))


def _fields(psr: Psr) -> str:
    f = psr.fields.lower()
    if psr.name == "apsr":
        return {"nzcvq": "f", "g": "s", "nzcvqg": "fs"}.get(f, "f")
    if f in ("", "all"):
        return "fsxc" if f == "all" else "fc"
    return f


def emit_stub(word: int, insn: Statement, index: int, stub_label: str, ret_label: str,
              loc) -> tuple[list[Statement], str]:
    """The stub's statements and a one-line description of what it does."""
    text, how = _stub_text(word, insn, index, stub_label, ret_label)
    return _parse(text, loc), how


def emit_stubs(items: list[tuple]) -> tuple[list[Statement], list[str]]:
    """Several stubs at once (one parse): ``items`` are ``emit_stub``'s arguments.  Every
    statement carries the location of the site its stub serves."""
    import bisect
    from dataclasses import replace

    from vtrans.assembler.parser import parse_text

    texts, hows, starts, locs = [], [], [], []
    line = 1
    for word, insn, index, stub_label, ret_label, loc in items:
        text, how = _stub_text(word, insn, index, stub_label, ret_label)
        texts.append(text)
        hows.append(how)
        starts.append(line)
        locs.append(loc)
        line += text.count("\n")
    if not texts:
        return [], []
    prog = parse_text("".join(texts), "<vtrans stubs>")
    out = []
    for st in prog.statements:
        loc = getattr(st, "loc", None)
        if loc is not None:
            st = replace(st, loc=locs[bisect.bisect_right(starts, loc.line) - 1])
        out.append(st)
    return out, hows


def _stub_text(word: int, insn: Statement, index: int, stub_label: str, ret_label: str) -> tuple[str, str]:
    n = index
    hyp = (f"{stub_label}:\n\tsvc #{hc.hypercall_imm(hc.HypercallClass.EMULATE, index):#x}\n"
           f"\tb {ret_label}\n", "class-0 hypercall")
    if not isinstance(insn, Instruction):
        return hyp
    m, ops = insn.mnemonic, insn.operands
    V = hc.VCPU_SYMBOL
    # mrs Rd, cpsr -------------------------------------------------------------------
    if m == "mrs" and len(ops) == 2 and isinstance(ops[0], Reg) and _is_psr(ops[1], "cpsr") \
            and ops[0].name not in ("pc", "sp"):
        rd = ops[0].name
        st = _Stub(n, stub_label, ret_label, _temps(insn, 1))
        (t,) = st.temps
        body = (f"\tldr {t}, ={V}\n\tldr {t}, [{t}, #{hc.OFF_VCPSR}]\n"
                f"\tlsl {t}, {t}, #23\n\tlsr {t}, {t}, #23\n"        # virtual M, T, F, I, A
                f"\tmrs {rd}, apsr\n"                               # real flags, GE, E (audited)
                f"\tlsr {rd}, {rd}, #9\n\tlsl {rd}, {rd}, #9\n"
                f"\torr {rd}, {rd}, {t}\n")
        return st.tail(body, index, False, False), "emulated (virtual CPSR from the vCPU block)"
    # mrs Rd, spsr --------------------------------------------------------------------
    if m == "mrs" and len(ops) == 2 and isinstance(ops[0], Reg) and _is_psr(ops[1], "spsr") \
            and ops[0].name not in ("pc", "sp"):
        rd = ops[0].name
        st = _Stub(n, stub_label, ret_label, _temps(insn, 2))
        t, u = st.temps
        body = (f"\tldr {t}, ={V}\n\tadr {u}, .Lvtrans_spsr_off_{n}\n"
                f"\tldr {rd}, [{t}, #{hc.OFF_VCPSR}]\n\tand {rd}, {rd}, #15\n"
                f"\tldrb {rd}, [{u}, {rd}]\n\tldr {rd}, [{t}, {rd}]\n")
        return (st.tail(body, index, False, False) + _offsets_table(n),
                "emulated (SPSR of the virtual mode from the vCPU block)")
    # msr spsr_<fields>, Rn|#imm ------------------------------------------------------
    if m == "msr" and len(ops) == 2 and _is_psr(ops[0], "spsr") and ops[1] is not None:
        mask = 0
        for ch in _fields(ops[0]):
            mask |= _FIELD_MASK.get(ch, 0)
        st = _Stub(n, stub_label, ret_label, _temps(insn, 3))
        t, u, w = st.temps
        body = (f"\tldr {t}, ={V}\n\tadr {u}, .Lvtrans_spsr_off_{n}\n"
                f"\tldr {w}, [{t}, #{hc.OFF_VCPSR}]\n\tand {w}, {w}, #15\n"
                f"\tldrb {w}, [{u}, {w}]\n\tadd {t}, {t}, {w}\n"       # t = &SPSR of the virtual mode
                f"\tldr {w}, [{t}]\n\tldr {u}, ={~mask & 0xFFFFFFFF:#x}\n\tand {w}, {w}, {u}\n")
        body += _value_bits(ops[1], mask, u)
        body += f"\torr {w}, {w}, {u}\n\tstr {w}, [{t}]\n"
        return (st.tail(body, index, False, False) + _offsets_table(n),
                "emulated (SPSR of the virtual mode in the vCPU block)")
    # msr cpsr_<fields>, Rn|#imm (control fields) --------------------------------------
    if m == "msr" and len(ops) == 2 and _is_psr(ops[0], "cpsr"):
        fields = _fields(ops[0])
        src = ops[1]
        st = _Stub(n, stub_label, ret_label, _temps(insn, 3))
        t, u, w = st.temps
        body = ""
        flag_fields = "".join(ch for ch in fields if ch in "fs")
        if flag_fields:
            apsr = {"f": "nzcvq", "s": "g", "fs": "nzcvqg"}[flag_fields]
            operand = src.name if isinstance(src, Reg) else f"#{_imm_text(src)}"
            body += f"\tmsr apsr_{apsr}, {operand}\n"                 # flags: innocuous
        cm = (0xDF if "c" in fields else 0) | (hc.CPSR_A if "x" in fields else 0)
        body += f"\tldr {t}, ={V}\n"
        body += _if_virtual_user_goto(t, u, f".Lvtrans_done_{n}", n)
        if "c" in fields:
            # a mode change swaps banked registers: the VMM does it (class-0 hypercall)
            body += _value_bits(src, 0x1F, w)
            body += (f"\tldr {u}, [{t}, #{hc.OFF_VCPSR}]\n\tand {u}, {u}, #0x1f\n\teor {u}, {u}, {w}\n"
                     + _nonzero_goto(u, f".Lvtrans_hyp_{n}"))
        body += (f"\tldr {u}, [{t}, #{hc.OFF_VCPSR}]\n\tldr {w}, ={cm:#x}\n\tbic {u}, {u}, {w}\n")
        body += _value_bits(src, cm, w)          # M too: it equals the current mode here
        body += f"\torr {u}, {u}, {w}\n\tstr {u}, [{t}, #{hc.OFF_VCPSR}]\n"
        body += _pending_check(st, t, u, w)
        return (st.tail(body, index, "c" in fields, True),
                "emulated (virtual A/I/F in the vCPU block; a mode change is a hypercall)")
    # cps / cpsie / cpsid without a mode ----------------------------------------------
    if m in ("cpsie", "cpsid") and len(ops) == 1 and isinstance(ops[0], Iflags):
        bits = 0
        for ch in ops[0].flags.lower():
            bits |= _AIF[ch]
        st = _Stub(n, stub_label, ret_label, _temps(insn, 3))
        t, u, w = st.temps
        op = "orr" if m == "cpsid" else "bic"
        body = (f"\tldr {t}, ={V}\n" + _if_virtual_user_goto(t, u, f".Lvtrans_done_{n}", n)
                + f"\tldr {u}, [{t}, #{hc.OFF_VCPSR}]\n\t{op} {u}, {u}, #{bits:#x}\n"
                f"\tstr {u}, [{t}, #{hc.OFF_VCPSR}]\n")
        if m == "cpsie":
            body += _pending_check(st, t, u, w)
        return (st.tail(body, index, False, m == "cpsie"),
                f"emulated ({'unmask' if m == 'cpsie' else 'mask'} virtual {ops[0].flags} in the vCPU block)")
    # cps with a mode: a NOP in virtual User mode, else the VMM switches the banks
    if m in ("cps", "cpsie", "cpsid"):
        st = _Stub(n, stub_label, ret_label, _temps(insn, 2))
        t, u = st.temps
        body = (f"\tldr {t}, ={V}\n" + _if_virtual_user_goto(t, u, f".Lvtrans_done_{n}", n)
                + f"\tb .Lvtrans_hyp_{n}\n")
        return st.tail(body, index, True, False), "NOP in virtual User mode, else a class-0 hypercall"
    return hyp


def _imm_text(op) -> str:
    from vtrans.assembler.printer import format_expr

    return format_expr(op.expr)


def _value_bits(src, mask: int, dst: str) -> str:
    """``dst = value(src) & mask`` (src: a register or an immediate)."""
    if isinstance(src, Reg):
        return f"\tldr {dst}, ={mask:#x}\n\tand {dst}, {src.name}, {dst}\n"
    return f"\tldr {dst}, =({_imm_text(src)}) & {mask:#x}\n"


def _offsets_table(n: int) -> str:
    return f".Lvtrans_spsr_off_{n}:\n\t.byte " + ", ".join(f"{o:#x}" for o in _SPSR_BY_MODE) + "\n"

"""Random A32 integer programs for the native-vs-QEMU differential campaign.

A program is a list of *snippets*.  Each snippet sets the flags (NZCVQ, GE) and r0-r11 to
random values, points r12 into a 4 KiB data buffer, runs a dozen random instructions
(data processing with every shifter form, the multiply and multiply-accumulate family,
saturating and SIMD-within-a-register arithmetic, bit-field and extend instructions,
loads and stores of every size with offsets and write-back, block transfers, exclusives,
forward conditional branches), and then prints one line on the semihosting console:
r0-r12, the APSR flags and a hash of the buffer.  An undefined instruction (an ARMv6/v7
instruction on the ARM926 of versatilepb) prints where it was and is skipped.

Only architecturally defined behaviour is generated (no PC or SP operands, RdLo != RdHi,
ldrd/strd register pairs, aligned addresses), so any difference between two machines
running the same image is a difference of the machines.

    python tests/runtime/a32random.py --board virt --seed 1 > prog.s
"""

from __future__ import annotations

import argparse
import random
import sys

from guestasm import CONSOLE, install_vectors, vector_table

#: architecture level of each board's CPU model (QEMU's defaults; virt runs a Cortex-A15)
BOARD_ARCH = {"versatilepb": 5, "realview-pb-a8": 7, "vexpress-a9": 7, "virt": 7}
#: the Cortex-A15 has SDIV/UDIV in ARM state; the A8 and A9 do not
BOARD_IDIV = {"virt"}

DATA = [f"r{i}" for i in range(12)]
SOURCES = DATA + ["r12"]
CONDS = ["", "eq", "ne", "cs", "cc", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le", "al"]
DP3 = ["and", "eor", "sub", "rsb", "add", "adc", "sbc", "rsc", "orr", "bic"]
DP_CMP = ["tst", "teq", "cmp", "cmn"]
DP_MOV = ["mov", "mvn"]
PARALLEL = [p + op for p in ("s", "q", "sh", "u", "uq", "uh")
            for op in ("add16", "asx", "sax", "sub16", "add8", "sub8")]
INTERESTING = [0, 1, 2, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000,
               0x80000001, 0xFFFFFFFF, 0xFFFFFFFE, 0x7FFF8000, 0x80007FFF, 0x00FF00FF, 0xFF00FF00, 31, 32, 33]

#: multiplies and saturating arithmetic of ARMv5TE; those ARMv6 and ARMv7 added (``Generator._pick``)
_MULTIPLY_V5 = [
    "mul{s}{c} {rd}, {rn}, {rm}", "mla{s}{c} {rd}, {rn}, {rm}, {ra}",
    "umull{s}{c} {lo}, {hi}, {rn}, {rm}", "umlal{s}{c} {lo}, {hi}, {rn}, {rm}",
    "smull{s}{c} {lo}, {hi}, {rn}, {rm}", "smlal{s}{c} {lo}, {hi}, {rn}, {rm}",
    "smul{xy}{c} {rd}, {rn}, {rm}", "smla{xy}{c} {rd}, {rn}, {rm}, {ra}",
    "smulw{xy[0]}{c} {rd}, {rn}, {rm}", "smlaw{xy[0]}{c} {rd}, {rn}, {rm}, {ra}",
    "smlal{xy}{c} {lo}, {hi}, {rn}, {rm}",
    "qadd{c} {rd}, {rm}, {rn}", "qsub{c} {rd}, {rm}, {rn}", "qdadd{c} {rd}, {rm}, {rn}", "qdsub{c} {rd}, {rm}, {rn}",
]
_MULTIPLY_V6 = [
    "smuad{x}{c} {rd}, {rn}, {rm}", "smusd{x}{c} {rd}, {rn}, {rm}",
    "smlad{x}{c} {rd}, {rn}, {rm}, {ra}", "smlsd{x}{c} {rd}, {rn}, {rm}, {ra}",
    "smlald{x}{c} {lo}, {hi}, {rn}, {rm}", "smlsld{x}{c} {lo}, {hi}, {rn}, {rm}",
    "smmul{r}{c} {rd}, {rn}, {rm}", "smmla{r}{c} {rd}, {rn}, {rm}, {ra}", "smmls{r}{c} {rd}, {rn}, {rm}, {ra}",
    "umaal{c} {lo}, {hi}, {rn}, {rm}", "mls{c} {rd}, {rn}, {rm}, {ra}",
]
_DIVIDE = ["sdiv{c} {rd}, {rn}, {rm}", "udiv{c} {rd}, {rn}, {rm}"]

#: buffer layout: BUF_WORDS words, r12 starts in the middle
BUF_WORDS = 1024


#: privileged modes a snippet visits (Hyp and Monitor are not entered from SVC)
MODES = {"fiq": 0x11, "irq": 0x12, "abt": 0x17, "und": 0x1B, "sys": 0x1F}


class Generator:
    """``system``: also generate what only privileged code does (mode changes with ``cps`` and
    ``msr cpsr_c``, SPSR accesses, interrupt-mask changes, a trip to User mode ended by a system
    call), and print the whole CPSR but T; without it a program is user-level code and prints
    the APSR and the E bit only.  ``big_endian_data=False``: no ``setend be``.

    ``deprivileged``: system code that a trap-and-emulate VMM can run -- every sensitive
    instruction also privileged: modes change only by exception returns (``msr spsr_fsxc, #imm``
    then ``movs pc, lr``), never by ``cps``/``msr cpsr_c``, and no ``mrs cpsr`` reveals the
    mode (the dump prints the flags, GE and E of the CPSR; the mode and masks show in the SPSRs
    the system-call handler and ``mrs spsr`` print, and in the banked registers)."""

    def __init__(self, seed: int, board: str, system: bool = True, big_endian_data: bool = True,
                 deprivileged: bool = False):
        self.rng = random.Random(seed)
        self.arch = BOARD_ARCH[board]
        self.idiv = board in BOARD_IDIV
        self.system = system
        #: also generate ``setend be`` (ARMv6 and later)
        self.big_endian_data = big_endian_data
        self.deprivileged = deprivileged
        self.labels = 0

    @property
    def spsr_mask(self) -> int:
        """What the system-call handler prints of the SPSR."""
        flags = 0xF80F0200 if self.arch >= 6 else 0xF8000000   # NZCVQ, GE, E
        return flags | (0x1DF if self.system else 0)          # A, I, F, M

    @property
    def cpsr_mask(self) -> int:
        """What the dump prints of the CPSR (its ``mrs cpsr`` must not reveal the mode to a
        deprivileged program)."""
        return self.spsr_mask & ~(0x1DF if self.deprivileged else 0)

    # -- operands -------------------------------------------------------------------------
    def reg(self) -> str:
        return self.rng.choice(DATA)

    def src(self) -> str:
        return self.rng.choice(SOURCES)

    def cond(self) -> str:
        return self.rng.choice(CONDS) if self.rng.random() < 0.4 else ""

    def value(self) -> int:
        r = self.rng.random()
        if r < 0.4:
            return self.rng.choice(INTERESTING)
        if r < 0.6:
            return self.rng.randrange(0, 64)
        return self.rng.getrandbits(32)

    def modified_imm(self) -> int:
        byte, rot = self.rng.randrange(256), 2 * self.rng.randrange(16)
        return ((byte >> rot) | (byte << (32 - rot))) & 0xFFFFFFFF if rot else byte

    def operand2(self) -> str:
        k = self.rng.randrange(6)
        rm = self.src()
        if k == 0:
            return f"#{self.modified_imm()}"
        if k == 1:
            return rm
        if k == 2:
            return f"{rm}, lsl #{self.rng.randrange(0, 32)}"
        if k == 3:
            shift = self.rng.choice(["lsr", "asr"])
            return f"{rm}, {shift} #{self.rng.randrange(1, 33)}"
        if k == 4:
            return f"{rm}, ror #{self.rng.randrange(1, 32)}" if self.rng.random() < 0.7 else f"{rm}, rrx"
        return f"{rm}, {self.rng.choice(['lsl', 'lsr', 'asr', 'ror'])} {self.src()}"

    def two(self) -> tuple[str, str]:
        lo = self.reg()
        hi = self.rng.choice([r for r in DATA if r != lo])
        return lo, hi

    # -- instruction classes --------------------------------------------------------------
    def data_processing(self) -> str:
        k = self.rng.random()
        s = self.rng.choice(["", "s"])
        c = self.cond()
        if k < 0.6:
            return f"{self.rng.choice(DP3)}{s}{c} {self.reg()}, {self.src()}, {self.operand2()}"
        if k < 0.8:
            return f"{self.rng.choice(DP_CMP)}{c} {self.src()}, {self.operand2()}"
        if k < 0.9 or self.arch < 7:
            return f"{self.rng.choice(DP_MOV)}{s}{c} {self.reg()}, {self.operand2()}"
        return f"{self.rng.choice(['movw', 'movt'])}{c} {self.reg()}, #{self.rng.randrange(0x10000)}"

    def _pick(self, forms: list[str]) -> str:
        """One of ``forms`` with its operands drawn: {c} condition, {s} S bit, {rd} {rn} {rm}
        {ra} registers, {lo} {hi} a distinct pair, {xy} halves, {x} exchange, {r} rounding."""
        lo, hi = self.two()
        return self.rng.choice(forms).format(
            c=self.cond(), s=self.rng.choice(["", "s"]), rd=self.reg(), rn=self.reg(), rm=self.reg(),
            ra=self.reg(), lo=lo, hi=hi, xy=self.rng.choice(["bb", "bt", "tb", "tt"]),
            x=self.rng.choice(["", "x"]), r=self.rng.choice(["", "r"]))

    def multiply_v5(self) -> str:
        return self._pick(_MULTIPLY_V5)

    def multiply_v6(self) -> str:
        return self._pick(_MULTIPLY_V6 + (_DIVIDE if self.idiv else ["usada8{c} {rd}, {rn}, {rm}, {ra}"]))

    def media(self) -> str:
        c = self.cond()
        rd, rn, rm = self.reg(), self.src(), self.src()
        k = self.rng.randrange(12)
        if k == 0:
            return f"{self.rng.choice(PARALLEL)}{c} {rd}, {rn}, {rm}"
        if k == 1:
            return f"sel{c} {rd}, {rn}, {rm}"
        if k == 2:
            sh = self.rng.choice(["", f", lsl #{self.rng.randrange(1, 32)}", f", asr #{self.rng.randrange(1, 32)}"])
            if self.rng.random() < 0.5:
                return f"ssat{c} {rd}, #{self.rng.randrange(1, 33)}, {rn}{sh}"
            return f"usat{c} {rd}, #{self.rng.randrange(0, 32)}, {rn}{sh}"
        if k == 3:
            if self.rng.random() < 0.5:
                return f"ssat16{c} {rd}, #{self.rng.randrange(1, 17)}, {rn}"
            return f"usat16{c} {rd}, #{self.rng.randrange(0, 16)}, {rn}"
        if k == 4:
            return f"{self.rng.choice(['rev', 'rev16', 'revsh'])}{c} {rd}, {rm}"
        if k == 5:
            ror = self.rng.choice(["", ", ror #8", ", ror #16", ", ror #24"])
            return f"{self.rng.choice(['sxtb', 'sxth', 'uxtb', 'uxth', 'sxtb16', 'uxtb16'])}{c} {rd}, {rm}{ror}"
        if k == 6:
            ror = self.rng.choice(["", ", ror #8", ", ror #16", ", ror #24"])
            op = self.rng.choice(["sxtab", "sxtah", "uxtab", "uxtah", "sxtab16", "uxtab16"])
            return f"{op}{c} {rd}, {rn}, {rm}{ror}"
        if k == 7:
            if self.rng.random() < 0.5:
                return f"pkhbt{c} {rd}, {rn}, {rm}, lsl #{self.rng.randrange(0, 32)}"
            return f"pkhtb{c} {rd}, {rn}, {rm}, asr #{self.rng.randrange(1, 33)}"
        if k == 8:
            op = self.rng.choice(["usad8", "usada8"])
            return f"{op}{c} {rd}, {rn}, {rm}" + (f", {self.src()}" if op == "usada8" else "")
        lsb = self.rng.randrange(32)
        width = self.rng.randrange(1, 33 - lsb)
        if k == 9:
            return f"{self.rng.choice(['ubfx', 'sbfx'])}{c} {rd}, {rn}, #{lsb}, #{width}"
        if k == 10:
            return f"bfi{c} {rd}, {rn}, #{lsb}, #{width}" if self.rng.random() < 0.7 else f"bfc{c} {rd}, #{lsb}, #{width}"
        return f"{self.rng.choice(['clz', 'rbit'])}{c} {rd}, {rm}"

    def memory(self) -> str:
        c = self.cond()
        k = self.rng.randrange(6 if self.arch >= 6 else 5)
        rt = self.reg()
        sign = self.rng.choice(["", "-"])
        mode = self.rng.randrange(3)   # offset, pre-indexed with write-back, post-indexed

        def address(off: int) -> str:
            if mode != 0:
                off &= ~3   # write-back keeps r12 word-aligned, for the word-aligned forms after it
            if mode == 0 or off == 0:
                return f"[r12, #{sign}{off}]"
            return f"[r12, #{sign}{off}]!" if mode == 1 else f"[r12], #{sign}{off}"

        if k == 0:
            return f"{self.rng.choice(['ldr', 'str'])}{c} {rt}, {address(4 * self.rng.randrange(0, 16))}"
        if k == 1:
            return f"{self.rng.choice(['ldrb', 'strb'])}{c} {rt}, {address(self.rng.randrange(0, 64))}"
        if k == 2:
            op = self.rng.choice(["ldrh", "strh", "ldrsh", "ldrsb"])
            off = self.rng.randrange(0, 64)
            return f"{op}{c} {rt}, {address(off if op == 'ldrsb' else off & ~1)}"
        if k == 3:
            first = 2 * self.rng.randrange(6)
            return f"{self.rng.choice(['ldrd', 'strd'])}{c} r{first}, r{first + 1}, {address(4 * self.rng.randrange(0, 16))}"
        if k == 4:
            regs = sorted(self.rng.sample(range(12), self.rng.randrange(1, 7)))
            wb = self.rng.choice(["", "!"])
            return f"{self.rng.choice(['ldm', 'stm'])}{self.rng.choice(['ia', 'ib', 'da', 'db'])}{c} r12{wb}, " \
                   f"{{{', '.join(f'r{r}' for r in regs)}}}"
        rd = self.rng.choice([r for r in DATA if r != rt])
        return self.rng.choice([f"ldrex{c} {rt}, [r12]", f"strex{c} {rd}, {rt}, [r12]", "clrex"])

    def exceptional(self) -> list[str]:
        """A system call (printed by the handler), a permanently undefined instruction, or
        (ARMv6 and later) an endianness change."""
        r = self.rng.random()
        if r < 0.4:
            return [f"svc{self.cond()} #{self.rng.randrange(0xFF)}"]
        if r < 0.7 or self.arch < 6 or not self.big_endian_data:
            # the permanently undefined space (A5.4), with a random payload
            imm = self.rng.getrandbits(16)
            return [f".inst 0xe7f000f0 | 0x{(imm >> 4) << 8 | (imm & 0xF):x}"]
        return [f"setend {self.rng.choice(['be', 'le'])}"]

    def _exception_return(self, spsr: int, mode: int = 0x13) -> list[str]:
        """To the next instruction in the mode (and with the masks and flags) of ``spsr``, by an
        exception return -- the trap-and-emulate way to change modes -- from ``mode``: ``movs
        pc, lr``; ``ldm sp!, {pc}^``; ``rfe`` of a frame pushed on the stack; on ARMv6 and later
        also ``srs`` of LR and SPSR to the mode's own stack, then ``rfe``."""
        self.labels += 1
        label = f".Leret{self.labels}"
        # every field written: the body may have put IT bits in the SPSR with ``msr spsr_x``,
        # which an exception return to ARM state must not restore (UNPREDICTABLE)
        form = self.rng.choice(["movs", "ldm"] + (["rfe", "srs"] if self.arch >= 6 else []))
        if form == "rfe":
            return self._psr_to_lr(spsr) + ["str lr, [sp, #-4]!", f"adr lr, {label}", "str lr, [sp, #-4]!",
                                            "rfeia sp!", f"{label}:"]
        head = self._psr_to_lr(spsr) + ["msr spsr_fsxc, lr", f"adr lr, {label}"]
        if form == "movs":
            return head + ["movs pc, lr", f"{label}:"]
        if form == "ldm":
            return head + ["str lr, [sp, #-4]!", "ldm sp!, {pc}^", f"{label}:"]
        return head + [f"srsdb sp!, #0x{mode:x}", "rfeia sp!", f"{label}:"]

    @staticmethod
    def _psr_to_lr(value: int) -> list[str]:
        """``value`` into LR by immediates (a literal load would read it byte-reversed after a
        ``setend be``; the frames rfe and srs use go through memory in either order alike)."""
        parts = [value & 0xFF000000, value & 0x00FF0000, value & 0x0000FF00, value & 0x000000FF]
        parts = [v for v in parts if v] or [0]
        return [f"mov lr, #0x{parts[0]:x}"] + [f"orr lr, lr, #0x{v:x}" for v in parts[1:]]

    def _psr(self, mode: int) -> int:
        """A CPSR to return with: ``mode``, random flags, GE, I, F (and A on ARMv6 and later)."""
        value = self.rng.getrandbits(5) << 27 | self.rng.choice([0xC0, 0x80, 0x40, 0x00]) | mode
        if self.arch >= 6:
            value |= self.rng.getrandbits(4) << 16 | self.rng.choice([0, 0x100])
        return value

    def excursion(self) -> list[str]:
        """Some instructions in another privileged mode (banked r8-r12 in FIQ, the mode's SPSR),
        back in SVC mode; or in User mode, back by ``svc #0xff``; or an interrupt-mask change."""
        r = self.rng.random()
        name = self.rng.choice(sorted(MODES))
        mode = MODES[name]
        if self.deprivileged:
            return self._deprivileged_excursion(r, name, mode)
        if r < 0.15 and self.arch >= 6:
            iflags = "".join(sorted(self.rng.sample("aif", self.rng.randrange(1, 4))))
            return [f"cps{self.rng.choice(['ie', 'id'])} {iflags}"]
        if r < 0.3:
            enter, leave, banked = ["        cps #0x10" if self.arch >= 6 else "        msr cpsr_c, #0xd0"], ["svc #0xff"], False
        elif self.arch >= 6 and r < 0.55:
            enter, leave, banked = [f"cps #0x{mode:x}"], ["cps #0x13"], True
        elif r < 0.75 and name != "sys":   # (System mode has no SPSR and no stack of its own)
            enter = self._exception_return(self._psr(mode))
            leave, banked = self._exception_return(self._psr(0x13), mode), True
        else:
            bits = self.rng.choice([0xC0, 0x80, 0x40, 0x00])   # the I and F masks change too
            enter, leave, banked = [f"msr cpsr_c, #0x{bits | mode:x}"], ["msr cpsr_c, #0xd3"], True
        body: list[str] = []
        for _ in range(self.rng.randrange(1, 5)):
            k = self.rng.random()
            if banked and name != "sys" and k < 0.3:
                fields = self.rng.choice(["fsxc", "f", "c", "fc", "sx"])
                body.append(self.rng.choice([f"mrs {self.reg()}, spsr", f"msr spsr_{fields}, {self.reg()}"]))
            elif k < 0.4:
                body.append(f"mrs {self.reg()}, cpsr")
            elif k < 0.7 or self.arch < 6:
                body.append(self.data_processing())
            else:
                body.append(self.media())
        return [line.strip() for line in enter] + body + leave

    def _deprivileged_excursion(self, r: float, name: str, mode: int) -> list[str]:
        """``excursion`` by exception returns (System mode, which has no SPSR to return with, is
        not visited); no ``mrs cpsr`` in the body."""
        if r < 0.3:
            enter, leave, banked = self._exception_return(self._psr(0x10)), ["svc #0xff"], False
        else:
            if name == "sys":
                name, mode = "fiq", MODES["fiq"]
            enter = self._exception_return(self._psr(mode))
            leave, banked = self._exception_return(self._psr(0x13), mode), True
        body: list[str] = []
        for _ in range(self.rng.randrange(1, 5)):
            k = self.rng.random()
            if banked and k < 0.3:
                fields = self.rng.choice(["fsxc", "f", "c", "fc", "sx"])
                body.append(self.rng.choice([f"mrs {self.reg()}, spsr", f"msr spsr_{fields}, {self.reg()}"]))
            elif k < 0.7 or self.arch < 6:
                body.append(self.data_processing())
            else:
                body.append(self.media())
        return enter + body + leave

    def instruction(self) -> str | list[str]:
        r = self.rng.random()
        if r < 0.04:
            return self.exceptional()
        if self.system and r < 0.1:
            return self.excursion()
        r = self.rng.random()
        if self.arch < 6:
            if r < 0.55:
                return self.data_processing()
            if r < 0.75:
                return self.multiply_v5()
            if r < 0.95:
                return self.memory()
            # an ARMv6/v7 instruction: undefined on this CPU
            return self.media() if r < 0.98 else self.multiply_v6()
        if r < 0.35:
            return self.data_processing()
        if r < 0.5:
            return self.multiply_v5()
        if r < 0.6:
            return self.multiply_v6()
        if r < 0.8:
            return self.media()
        return self.memory()

    def snippet(self, index: int, length: int) -> list[str]:
        flags = (self.rng.getrandbits(5) << 27) | (self.rng.getrandbits(4) << 16 if self.arch >= 6 else 0)
        body: list[str] = []
        pending: list[tuple[int, str]] = []   # (instructions left before the label, label)
        for _ in range(length):
            if self.rng.random() < 0.08:
                self.labels += 1
                label = f".Lskip{self.labels}"
                body.append(f"b{self.cond()} {label}")
                pending.append((self.rng.randrange(1, 4), label))
            item = self.instruction()
            body += [item] if isinstance(item, str) else item
            still = []
            for left, label in pending:
                if left <= 1:
                    body.append(f"{label}:")
                else:
                    still.append((left - 1, label))
            pending = still
        body += [f"{label}:" for _, label in pending]
        regs = [self.value() for _ in range(12)]
        return [
            f"@ snippet {index}",
            f"snip{index}:",
            *(["        setend le"] if self.arch >= 6 else []),
            f"        ldr r0, =0x{flags:08x}",
            "        msr cpsr_fs, r0" if self.arch >= 6 else "        msr cpsr_f, r0",
            f"        adr r12, regs{index}",
            "        ldm r12, {r0-r11}",
            "        ldr r12, =buf + BUF_BYTES / 2",
            *[line if line.endswith(":") else f"        {line}" for line in body],
            "        bl dump",
            f"        b snip{index}_end",
            "        .ltorg",
            f"regs{index}: .word {', '.join(f'0x{v:08x}' for v in regs)}",
            f"snip{index}_end:",
        ]

    def program(self, snippets: int, length: int = 12) -> tuple[str, list[list[str]]]:
        parts = [self.snippet(i, length) for i in range(snippets)]
        buf = [self.rng.getrandbits(32) for _ in range(BUF_WORDS)]
        source = _PRELUDE.format(vbar=1 if self.arch >= 7 else 0, cpsr_mask=self.cpsr_mask, spsr_mask=self.spsr_mask,
                                 v6=int(self.arch >= 6), install_vectors=install_vectors("HAVE_VBAR"))
        source += "\n".join(line for part in parts for line in part) + "\n" + _EPILOGUE
        source += "        .data\n        .balign 8\nbuf:\n" + "".join(
            f"        .word {', '.join(f'0x{w:08x}' for w in buf[i:i + 8])}\n" for i in range(0, BUF_WORDS, 8))
        return source, parts


_PRELUDE = """\
@ generated by tests/runtime/a32random.py
        .syntax unified
        .arch armv7-a
        .arch_extension idiv
        .arm
        .equ BUF_BYTES, {buf_bytes}
        .equ HAVE_VBAR, {vbar}
        .equ CPSR_MASK, 0x{cpsr_mask:08x}
        .equ SPSR_MASK, 0x{spsr_mask:08x}
        .equ V6, {v6}
        .global _start
@ the mode changes of the start-up are exception returns, which trap when the kernel runs
@ deprivileged: the programs run under trap-and-emulate too (an msr cpsr_c would not trap)
_start: mov r1, #0xdb                   @ Undefined, FIQ, IRQ, Abort mode (interrupts masked): stacks
        ldr r2, =SCRATCH + 0x20000
        bl 1f
        mov r1, #0xd1
        ldr r2, =SCRATCH + 0x30000
        bl 1f
        mov r1, #0xd2
        ldr r2, =SCRATCH + 0x40000
        bl 1f
        mov r1, #0xd7
        ldr r2, =SCRATCH + 0x50000
        bl 1f
        mov r1, #0xd3                   @ SVC mode, interrupts masked
        ldr r2, =SCRATCH + 0x10000
        bl 1f
        b 3f
@ (from SVC mode) sp of mode r1 := r2, then back in SVC mode with lr intact
1:      mov r3, lr
        adr lr, 2f
        msr spsr_cxsf, r1
        movs pc, lr
2:      mov sp, r2
        adr lr, 4f
        mov r0, #0xd3
        msr spsr_cxsf, r0
        movs pc, lr
4:      bx r3
3:
{install_vectors}        b snip0
""".replace("{buf_bytes}", str(BUF_WORDS * 4))

_EPILOGUE = """\
        mov r0, #0x18                   @ SYS_EXIT, ADP_Stopped_ApplicationExit
        ldr r1, =0x20026
        svc 0x123456

@ dump: print r0-r12, the APSR flags and a hash of the buffer on one line
dump:   push {r0-r12, lr}
        mrs r4, cpsr
        .if V6
        tst r4, #0x200                  @ big-endian data: the registers were pushed byte-reversed
        setend le
        beq 4f
        mov r11, sp
        mov r7, #14
5:      ldr r0, [r11]
        rev r0, r0
        str r0, [r11], #4
        subs r7, r7, #1
        bne 5b
4:
        .endif
        ldr r5, =CPSR_MASK
        and r4, r4, r5
        ldr r6, =buf
        mov r7, #BUF_BYTES / 4
        mov r8, #0
1:      ldr r9, [r6], #4
        eor r8, r9, r8, ror #27
        add r8, r8, #1
        subs r7, r7, #1
        bne 1b
        ldr r10, =line
        mov r11, sp
        mov r7, #13
2:      ldr r0, [r11], #4
        bl hex8
        subs r7, r7, #1
        bne 2b
        mov r0, r4
        bl hex8
        mov r0, r8
        bl hex8
        bl emit
        pop {r0-r12, pc}

@ und: an undefined instruction prints "undef <address>" and is skipped
und:    push {r0-r12, lr}
        ldr r10, =line
        ldr r0, =0x65646e75             @ "unde"
        str r0, [r10], #4
        mov r0, #'f'
        strb r0, [r10], #1
        mov r0, #' '
        strb r0, [r10], #1
        sub r0, lr, #4
        bl hex8
        bl emit
        pop {r0-r12, lr}
        movs pc, lr

@ exc_svc: "svc <number> <spsr>", back to the caller; svc #0xff ends a trip to User mode: back
@ in SVC mode after the svc, with the caller's flags and GE (E stays as exception entry set it)
exc_svc: push {r0-r12, lr}
        ldr r4, [lr, #-4]
        bic r4, r4, #0xff000000
        mrs r5, spsr
        cmp r4, #0xff
        beq 6f
        ldr r10, =line
        ldr r0, =0x20637673             @ "svc "
        str r0, [r10], #4
        mov r0, r4
        bl hex8
        ldr r1, =SPSR_MASK
        and r0, r5, r1
        bl hex8
        bl emit
        pop {r0-r12, lr}
        movs pc, lr
6:      ldr r1, =0xf80f0000 & CPSR_MASK      @ (not E: the pop below reads the stack)
        and r5, r5, r1
        mrs r0, cpsr
        bic r0, r0, r1
        orr r0, r0, r5
        msr cpsr_fsxc, r0
        pop {r0-r12, lr}
        bx lr
        .ltorg
""" + CONSOLE + vector_table(und="und", svc="exc_svc") + """
        .bss
line:   .space 160
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--board", default="virt", choices=sorted(BOARD_ARCH))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--snippets", type=int, default=50)
    args = ap.parse_args(argv)
    source, _ = Generator(args.seed, args.board).program(args.snippets)
    sys.stdout.write(source)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""ARM A32 instruction operands as immutable IR nodes.

The front end (``vtrans.isa.arm.syntax``) builds these from GNU-as syntax; the
printer renders them back; the back end encodes them.  Expressions inside the
operands are the ISA-neutral ``vtrans.assembler.ir`` expression nodes.

Register names are canonical: ``r0``..``r10``, ``fp``, ``ip``, ``sp``, ``lr``,
``pc`` for the core registers (``sb``/``sl``/``r11``/``r12``/``r13``... are
normalised), ``s0``..``s31``, ``d0``..``d31``, ``q0``..``q15`` and the VFP
system registers (``fpscr``, ``fpexc``, ...) in lower case.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Union

from vtrans.assembler.ir import Expr

#: core register number -> canonical name (the names gcc prints)
CORE_NAMES: tuple[str, ...] = (
    "r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "fp", "ip", "sp", "lr", "pc",
)


class ShiftOp(StrEnum):
    """Shift types of shifted-register operands (ARM ARM A8.4.1; gas's ``asl`` is ``lsl``)."""

    LSL = "lsl"
    LSR = "lsr"
    ASR = "asr"
    ROR = "ror"
    RRX = "rrx"


class Reloc(StrEnum):
    """``#:lower16:x`` / ``#:upper16:x`` relocation operators (movw/movt, ARM ARM A8.8.102)."""

    LOWER16 = "lower16"
    UPPER16 = "upper16"


@dataclass(frozen=True, slots=True)
class Reg:
    """A register.  ``writeback`` marks ``rN!`` (ldm/stm/srs/rfe/vldm base)."""

    name: str
    writeback: bool = False

    @property
    def number(self) -> int | None:
        """The core register number (0-15), or None for a VFP/system register."""
        try:
            return CORE_NAMES.index(self.name)
        except ValueError:
            return None


@dataclass(frozen=True, slots=True)
class Imm:
    """``#expr``; ``reloc`` is ``"lower16"``/``"upper16"`` for ``#:lower16:expr``."""

    expr: Expr
    reloc: Reloc | None = None


@dataclass(frozen=True, slots=True)
class Shift:
    """A shift: ``op`` is lsl/lsr/asr/ror/rrx; ``amount`` an expression (``#n``), a Reg, or None (rrx)."""

    op: ShiftOp
    amount: Union[Expr, Reg, None] = None


@dataclass(frozen=True, slots=True)
class ShiftedReg:
    """``rm, lsl #n`` / ``rm, asr rs`` / ``rm, rrx`` as one operand (ARM ARM A5.1.2, A8.4.1)."""

    reg: Reg
    shift: Shift


@dataclass(frozen=True, slots=True)
class Mem:
    """A memory operand (ARM ARM A5.2, A5.3).

    ``offset`` is None, an expression (immediate, printed ``#expr``) or a Reg
    (``subtract`` for ``-rm``, ``shift`` for ``rm, lsl #2``).  ``pre_index``
    is False for the post-indexed form ``[rn], offset``; ``writeback`` is the
    ``!`` of the pre-indexed form (post-indexed always writes back).
    ``option`` is the coprocessor ``{imm}`` option (ldc/stc unindexed form).
    """

    base: Reg
    offset: Union[Expr, Reg, None] = None
    pre_index: bool = True
    writeback: bool = False
    subtract: bool = False
    shift: Shift | None = None
    option: Expr | None = None


@dataclass(frozen=True, slots=True)
class RegList:
    """``{r4-r7, lr}``: registers in source order, ranges expanded; ``user_bank`` is ``^``."""

    regs: tuple[Reg, ...]
    user_bank: bool = False


@dataclass(frozen=True, slots=True)
class Psr:
    """``cpsr``/``spsr``/``apsr`` with a field mask (``"c"``, ``"fsxc"``, ``"nzcvq"``, ``"all"``, or ``""``)."""

    name: str
    fields: str = ""


@dataclass(frozen=True, slots=True)
class Coproc:
    """A coprocessor ``p0``..``p15`` (ARM ARM A8.8.98 MCR...)."""

    number: int


@dataclass(frozen=True, slots=True)
class CReg:
    """A coprocessor register ``c0``..``c15``."""

    number: int


@dataclass(frozen=True, slots=True)
class Iflags:
    """The ``aif`` interrupt-mask letters of ``cpsie``/``cpsid`` (ARM ARM B9.3.1)."""

    flags: str


@dataclass(frozen=True, slots=True)
class Barrier:
    """A barrier option of ``dmb``/``dsb``/``isb`` (``sy``, ``ish``, ... ARM ARM A8.8.43)."""

    option: str


@dataclass(frozen=True, slots=True)
class ExprOperand:
    """A bare expression: branch target, pc-relative label, coprocessor opcode, ``svc 0``."""

    expr: Expr


@dataclass(frozen=True, slots=True)
class Literal:
    """``=expr`` — the ``ldr rX, =expr`` pseudo-instruction's literal-pool constant."""

    expr: Expr


Operand = Union[Reg, Imm, ShiftedReg, Mem, RegList, Psr, Coproc, CReg, Iflags, Barrier, ExprOperand, Literal]

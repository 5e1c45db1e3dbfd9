"""The ARM hypercall ABI, the vCPU block and the translator's table sections.

This module is the contract between the translator (which writes hypercalls,
stubs and annotation tables into a guest) and the VMM (which reads them back).
Both sides import the constants and the pack/unpack helpers from here; nothing
else should hard-code an offset or an immediate.  ARCHITECTURE.md, section
"Hypercall ABI", is the prose version of this file.

Hypercall encoding
    ``svc{cond} #imm24`` with bit 23 of imm24 set.  Guest system calls and
    semihosting (``svc 0x123456``) use imm24 < 0x800000 and stay guest business.
    imm24[22:20] is the class (``HypercallClass``), imm24[19:0] the payload:
    the table index for ``EMULATE``, the operation for ``SERVICE``.
    (Unicorn reports only imm16 in ESR: decode the word at PC-4 with
    ``decode_hypercall``.)  SVC encoding: DDI 0406C A8.8.228, cond 1111 imm24.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum, IntFlag

from vtrans.isa.arm.modes import Mode  # noqa: F401 - part of this module's vocabulary
# --------------------------------------------------------------------------- svc encoding

COND_AL = 0xE
_SVC_OPCODE = 0x0F000000        # bits[27:24] = 1111 (A8.8.228 encoding A1)
_SVC_MASK = 0x0F000000
HYPERCALL_BIT = 0x800000        # imm24 bit 23
CLASS_SHIFT = 20
CLASS_MASK = 0x7                # imm24[22:20]
PAYLOAD_MASK = 0xFFFFF          # imm24[19:0]
MAX_TABLE_INDEX = PAYLOAD_MASK


class HypercallClass(IntEnum):
    """imm24[22:20] of a hypercall."""

    EMULATE = 0   # emulate the original word stored at .vtrans.hypercalls[index]
    SERVICE = 1   # a VMM service requested by an emulation stub (``ServiceOp``)
    MESSAGE = 2   # reserved: inter-VM messaging


class ServiceOp(IntEnum):
    """Payload of a class-1 (``SERVICE``) hypercall."""

    #: the stub changed the vCPU block (e.g. unmasked virtual IRQs): reload it
    #: and deliver a pending virtual interrupt if it is now allowed
    SYNC = 0


class MessageOp(IntEnum):
    """Payload of a class-2 (``MESSAGE``) hypercall: the inter-VM channel of the
    multi-guest hypervisor (``runtime/hypervisor``; ARCHITECTURE.md, "Hypervisor").

    Arguments in r0-r2, results in r0 (and r1); only the guest's (virtual)
    privileged modes may call them — from guest User mode the ``svc`` is an
    ordinary guest SVC.  Negative r0 values are ``MessageError`` codes.

    * ``SELF``   -> r0 = this VM's id, r1 = number of VMs.
    * ``LOOKUP`` r0 = address of a NUL-terminated VM name -> r0 = its id.
    * ``SEND``   r0 = destination id, r1 = buffer address, r2 = length
      (at most ``MESSAGE_MAX`` bytes) -> r0 = 0.  The bytes are copied at once;
      the sender never blocks (a full mailbox is ``FULL``).
    * ``RECV``   r0 = buffer address, r1 = capacity -> r0 = length, r1 = sender id.
      Blocks while the mailbox is empty: the VM is descheduled and the call
      returns when a message arrives (its virtual clock stands still meanwhile).
    * ``POLL``   as ``RECV`` but never blocks (``EMPTY``).
    * ``DOORBELL`` r0 = 1 (enable) or 0 (disable) -> r0 = the interrupt number of the VM's
      message doorbell on its own board's interrupt controller (``doorbell_irq``).  While
      enabled, the hypervisor holds that level-sensitive input asserted as long as the
      mailbox is non-empty; it drops when ``RECV``/``POLL`` drain it.  Off at reset.
    """

    SELF = 0
    LOOKUP = 1
    SEND = 2
    RECV = 3
    POLL = 4
    DOORBELL = 5


#: the message doorbell's input on the versatilepb PL190 VIC: not wired by QEMU 7.2's board
#: (nor ours), below the SIC pass-through inputs 21..30 and the SIC cascade on 31
DOORBELL_VIC_INPUT = 20


def doorbell_irq(controller: str, num_irq: int = 0) -> int:
    """The doorbell's interrupt number: the VIC input on a PL190 board (``controller`` = "vic"),
    else the GIC's last SPI (interrupt ID ``num_irq - 1``: no QEMU 7.2 board we model wires it)."""
    return DOORBELL_VIC_INPUT if controller == "vic" else num_irq - 1


class MessageError(IntEnum):
    """Negative results of class-2 hypercalls (returned in r0 as two's complement)."""

    NO_SUCH_VM = -1
    TOO_LONG = -2
    FULL = -3
    FAULT = -4        # a buffer address the guest cannot access
    EMPTY = -5        # POLL with no message
    DEADLOCK = -6     # RECV while every other VM is blocked or gone: no message can ever come


#: longest message, and messages a mailbox holds
MESSAGE_MAX = 256
MAILBOX_DEPTH = 16


@dataclass(frozen=True, slots=True)
class Hypercall:
    """A decoded hypercall: ``svc{cond} #(0x800000 | cls << 20 | payload)``."""

    cls: HypercallClass | int    # an int only for classes this ABI version does not define
    payload: int
    cond: int = COND_AL

    @property
    def imm24(self) -> int:
        return HYPERCALL_BIT | (int(self.cls) << CLASS_SHIFT) | self.payload

    @property
    def word(self) -> int:
        return (self.cond << 28) | _SVC_OPCODE | self.imm24


def hypercall_imm(cls: HypercallClass, payload: int) -> int:
    """The imm24 of a hypercall of class ``cls`` carrying ``payload``."""
    if not 0 <= payload <= PAYLOAD_MASK:
        raise ValueError(f"hypercall payload {payload:#x} does not fit in 20 bits")
    return HYPERCALL_BIT | (int(cls) << CLASS_SHIFT) | payload


def encode_hypercall(cls: HypercallClass, payload: int, cond: int = COND_AL) -> int:
    """The 32-bit instruction word of a hypercall (``cond`` = the original's condition field)."""
    if not 0 <= cond <= 0xE:
        raise ValueError(f"condition {cond:#x} is not a valid A32 condition for svc")
    return (cond << 28) | _SVC_OPCODE | hypercall_imm(cls, payload)


def emulate(index: int, cond: int = COND_AL) -> int:
    """Word of the class-0 hypercall for table entry ``index``."""
    return encode_hypercall(HypercallClass.EMULATE, index, cond)


def is_svc(word: int) -> bool:
    """True for an A32 SVC word (any condition but the unconditional space)."""
    return (word & _SVC_MASK) == _SVC_OPCODE and (word >> 28) != 0xF


def is_hypercall_imm(imm24: int) -> bool:
    return bool(imm24 & HYPERCALL_BIT)


def decode_hypercall(word: int) -> Hypercall | None:
    """The hypercall a word encodes, or ``None`` for any other instruction
    (including guest system calls, svc with imm24 < 0x800000)."""
    if not is_svc(word):
        return None
    imm24 = word & 0xFFFFFF
    if not is_hypercall_imm(imm24):
        return None
    raw_cls = (imm24 >> CLASS_SHIFT) & CLASS_MASK
    try:
        cls: HypercallClass | int = HypercallClass(raw_cls)
    except ValueError:
        cls = raw_cls
    return Hypercall(cls, imm24 & PAYLOAD_MASK, word >> 28)


# --------------------------------------------------------------------------- sections

SECTION_HYPERCALLS = ".vtrans.hypercalls"   # u32 LE original words, index order (not loaded)
SECTION_STUBS = ".vtrans.stubs"             # emulation stubs (code, "ax")
SECTION_VCPU = ".vtrans.vcpu"               # the vCPU block ("aw", aligned 64)
SECTION_SITES = ".vtrans.sites"             # pad-strategy annotation table (not loaded)

#: symbols the rewriter defines so that tools can find the tables in an image
SYM_HYPERCALLS = "__vtrans_hypercalls"
SYM_SITES = "__vtrans_sites"
VCPU_SYMBOL = "__vtrans_vcpu"


def pack_hypercall_table(words: Iterable[int]) -> bytes:
    """Contents of ``.vtrans.hypercalls``: little-endian u32 words in index order."""
    words = list(words)
    return struct.pack(f"<{len(words)}I", *words)


def unpack_hypercall_table(data: bytes) -> tuple[int, ...]:
    if len(data) % 4:
        raise ValueError(f"{SECTION_HYPERCALLS} size {len(data)} is not a multiple of 4")
    return struct.unpack(f"<{len(data) // 4}I", data)


# --------------------------------------------------------------------------- vCPU block

VCPU_MAGIC = 0x43565456     # 'VTVC' as a little-endian u32
VCPU_VERSION = 1
VCPU_ALIGN = 64

OFF_MAGIC = 0x00
OFF_VERSION = 0x04
OFF_VCPSR = 0x08
OFF_PENDING = 0x0C
OFF_SPSR_SVC = 0x10
OFF_SPSR_ABT = 0x14
OFF_SPSR_UND = 0x18
OFF_SPSR_IRQ = 0x1C
OFF_SPSR_FIQ = 0x20
OFF_SPSR_SPARE = 0x24
OFF_SCRATCH = 0x28
SCRATCH_WORDS = 10
VCPU_SIZE = OFF_SCRATCH + 4 * SCRATCH_WORDS   # 0x50

#: the CPSR bits the vCPU block holds (B1.3.3): M[4:0], T, F, I, A.  The
#: condition flags, Q, GE and E always live in the real CPSR.
VCPSR_MASK = 0x1FF
CPSR_M = 0x1F
CPSR_T = 1 << 5
CPSR_F = 1 << 6
CPSR_I = 1 << 7
CPSR_A = 1 << 8


class Pending(IntFlag):
    """Bits of the ``pending`` word (written by the VMM)."""

    IRQ = 1
    FIQ = 2


#: where the vCPU block keeps each mode's SPSR (User and System have none)
SPSR_OFFSET: dict[Mode, int] = {
    Mode.SVC: OFF_SPSR_SVC,
    Mode.ABT: OFF_SPSR_ABT,
    Mode.UND: OFF_SPSR_UND,
    Mode.IRQ: OFF_SPSR_IRQ,
    Mode.FIQ: OFF_SPSR_FIQ,
}

_VCPU_FMT = "<4I6I10I"


@dataclass(frozen=True, slots=True)
class VcpuBlock:
    """A snapshot of the guest's vCPU block (what the VMM loads on each entry)."""

    vcpsr: int = Mode.SVC | CPSR_I | CPSR_F | CPSR_A
    pending: int = 0
    spsr_svc: int = 0
    spsr_abt: int = 0
    spsr_und: int = 0
    spsr_irq: int = 0
    spsr_fiq: int = 0
    spsr_spare: int = 0
    scratch: tuple[int, ...] = (0,) * SCRATCH_WORDS
    magic: int = VCPU_MAGIC
    version: int = VCPU_VERSION

    @classmethod
    def unpack(cls, data: bytes) -> "VcpuBlock":
        if len(data) < VCPU_SIZE:
            raise ValueError(f"vCPU block needs {VCPU_SIZE} bytes, got {len(data)}")
        v = struct.unpack_from(_VCPU_FMT, data)
        return cls(vcpsr=v[2], pending=v[3], spsr_svc=v[4], spsr_abt=v[5], spsr_und=v[6],
                   spsr_irq=v[7], spsr_fiq=v[8], spsr_spare=v[9], scratch=tuple(v[10:20]),
                   magic=v[0], version=v[1])

    def pack(self) -> bytes:
        return struct.pack(_VCPU_FMT, self.magic, self.version, self.vcpsr, self.pending,
                           self.spsr_svc, self.spsr_abt, self.spsr_und, self.spsr_irq,
                           self.spsr_fiq, self.spsr_spare, *self.scratch)

    @property
    def valid(self) -> bool:
        return self.magic == VCPU_MAGIC and self.version == VCPU_VERSION

    @property
    def mode(self) -> int:
        return self.vcpsr & CPSR_M

    def spsr(self, mode: int) -> int | None:
        """The SPSR of ``mode`` held in the block (``None`` for modes without one)."""
        try:
            off = SPSR_OFFSET[Mode(mode)]
        except (ValueError, KeyError):
            return None
        return struct.unpack_from("<I", self.pack(), off)[0]


# --------------------------------------------------------------------------- pad sites

SITE_ENTRY_SIZE = 16
_SITE_FMT = "<IIHBBI"

#: words of one padded site (original + NOPs): the largest in-place patch any
#: backend uses.  hypercall: 1 word (svc); near stub: 1 word (b); far stub:
#: 2 words (``ldr pc, [pc, #-4]`` + the stub address) for stubs placed beyond
#: the +-32 MB reach of ``b`` (A8.8.18).
PAD_SITE_WORDS = 2
PAD_NOP = "mov r0, r0"          # valid on every ARM architecture version (ARMv4 up)
PAD_NOP_WORD = 0xE1A00000


class SiteClass(IntEnum):
    """Low nibble of a site's ``kind`` byte: the InsnClass."""

    INNOCUOUS = 0
    PRIVILEGED = 1
    SENSITIVE = 2
    UNPREDICTABLE = 3


class SiteKind(IntEnum):
    """High nibble of a site's ``kind`` byte: the SensitivityKind."""

    NONE = 0
    CONTROL = 1
    BEHAVIOUR = 2
    EXCEPTION = 3


class SiteFlags(IntFlag):
    CONDITIONAL = 1         # the original has a condition other than AL
    WRITES_PC = 2           # the original may write the PC
    EXCEPTION_RETURN = 4    # the original is an exception return (restores CPSR from SPSR)


def site_kind_byte(cls: str, kind: str) -> int:
    """The ``kind`` byte from an InsnClass and a SensitivityKind value (their string values)."""
    return SiteClass[cls.upper()] | (SiteKind[kind.upper()] << 4)


@dataclass(frozen=True, slots=True)
class SiteEntry:
    """One 16-byte entry of ``.vtrans.sites``."""

    address: int
    original: int
    length: int = PAD_SITE_WORDS * 4
    kind: int = 0
    flags: int = 0
    reserved: int = 0

    @property
    def site_class(self) -> SiteClass:
        return SiteClass(self.kind & 0xF)

    @property
    def site_kind(self) -> SiteKind:
        return SiteKind(self.kind >> 4)

    def pack(self) -> bytes:
        return struct.pack(_SITE_FMT, self.address, self.original, self.length, self.kind,
                           self.flags, self.reserved)


def pack_sites(entries: Sequence[SiteEntry]) -> bytes:
    return b"".join(e.pack() for e in entries)


def unpack_sites(data: bytes) -> tuple[SiteEntry, ...]:
    if len(data) % SITE_ENTRY_SIZE:
        raise ValueError(f"{SECTION_SITES} size {len(data)} is not a multiple of {SITE_ENTRY_SIZE}")
    return tuple(SiteEntry(*struct.unpack_from(_SITE_FMT, data, off))
                 for off in range(0, len(data), SITE_ENTRY_SIZE))

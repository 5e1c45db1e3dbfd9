"""The interface every ISA plugin implements, and the vocabulary shared by all ISAs."""

from __future__ import annotations

import importlib
import threading
from dataclasses import dataclass
from enum import StrEnum


#: keystone handles that read immediates in the wrong radix, kept open (``Isa.open_keystone``)
_BAD_KEYSTONE_HANDLES: list = []


class per_thread:
    """A cached property with one value per thread, for engine handles.

    A keystone or capstone handle keeps state between calls (keystone its LLVM MC objects,
    capstone the ARM IT-block state and the last error), so two threads must never share
    one: the runtime and the tests run machines on several threads at once.
    """

    def __init__(self, make):
        self._make = make
        self._name = make.__name__
        self.__doc__ = make.__doc__

    def __set_name__(self, owner, name):
        self._name = name

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        local = obj.__dict__.get("_per_thread")
        if local is None:
            local = obj.__dict__.setdefault("_per_thread", threading.local())
        try:
            return getattr(local, self._name)
        except AttributeError:
            value = self._make(obj)
            setattr(local, self._name, value)
            return value


class InsnClass(StrEnum):
    """Popek–Goldberg class of an instruction form, as executed in the least-privileged mode."""

    PRIVILEGED = "privileged"        # traps (UNDEFINED) outside kernel mode
    SENSITIVE = "sensitive"          # runs outside kernel mode with a different effect: no trap
    UNPREDICTABLE = "unpredictable"  # UNPREDICTABLE outside kernel mode: treated as sensitive
    INNOCUOUS = "innocuous"


class SensitivityKind(StrEnum):
    """Why an instruction is not innocuous (Popek & Goldberg's terms, refined)."""

    CONTROL = "control"        # changes privileged state (mode, masks, MMU, vectors)
    BEHAVIOUR = "behaviour"    # its effect depends on privileged state (reveals or uses it)
    EXCEPTION = "exception"    # raises an exception on purpose (svc, bkpt, udf, smc, hvc)
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Classification:
    """What an ISA's sensitivity table says about one instruction word."""

    word: int
    form: str                   # the table row's name, e.g. "mrs cpsr", "mcr p15"
    cls: InsnClass
    kind: SensitivityKind
    section: str                # architecture manual section
    user_effect: str            # what the form does in the least-privileged mode
    detail: str = ""            # operand detail, e.g. a system register name
    cond: int | None = None     # condition field (None: unconditional)
    is_exception_return: bool = False
    writes_pc: bool = False

    @property
    def is_sensitive(self) -> bool:
        """True when the form must be rewritten for a deprivileged kernel."""
        return self.cls is not InsnClass.INNOCUOUS

    @property
    def name(self) -> str:
        return f"{self.form} {self.detail}" if self.detail else self.form


class FlowKind(StrEnum):
    """How an instruction passes control on (control-flow facts for the CFG)."""

    NEXT = "next"                    # falls through only
    BRANCH = "branch"                # direct jump to ``target``
    CALL = "call"                    # direct call of ``target``; returns to the next instruction
    INDIRECT_CALL = "indirect-call"  # call of a computed address
    RETURN = "return"                # function return
    INDIRECT = "indirect"            # jump to a computed address (or a pc-relative literal)
    EXCEPTION_RETURN = "exception-return"
    HALT = "halt"                    # never continues (udf, a branch to itself)


@dataclass(frozen=True, slots=True)
class Flow:
    """Control-flow facts about one IR instruction.

    ``target``: the branch/call target expression (IR ``Expr``) when direct.
    ``literal_offset``: for a jump through a pc-relative literal (ARM ``ldr pc,
    [pc, #x]``), the byte offset from the instruction to the word holding the
    target; ``literal_label`` the same when the literal is named (``ldr pc, label``).  ``conditional``: the instruction may also fall through.
    """

    kind: FlowKind
    conditional: bool = False
    target: object = None
    literal_offset: int | None = None
    literal_label: object = None     # ``ldr pc, label``: the label of the word holding the target
    table_offset: int | None = None  # a jump through a table of target words starting here (bytes)

    @property
    def falls_through(self) -> bool:
        if self.kind in (FlowKind.NEXT, FlowKind.CALL, FlowKind.INDIRECT_CALL):
            return True
        return self.conditional


@dataclass(frozen=True)
class EngineIds:
    """The numeric ids the three engines use for one ISA/mode."""

    arch: int
    mode: int


class lazy:
    """A class attribute computed on first use and then stored on the class: ``make`` is a
    ``(module, name, ...)`` recipe (see ``engine_ids``, ``function``), so that importing a plugin
    does not import what only some commands need (running a guest needs neither keystone nor
    capstone nor the assembler's IR: ~25 ms of every ``vtrans run``'s start)."""

    def __init__(self, make, static: bool = False):
        self._make = make
        self._static = static
        self._name = ""

    def __set_name__(self, owner, name):
        self._name = name

    def __get__(self, obj, owner=None):
        owner = owner if owner is not None else type(obj)
        value = self._make()
        setattr(owner, self._name, staticmethod(value) if self._static else value)
        return value

    @classmethod
    def engine_ids(cls, module: str, arch: str, mode: str) -> "lazy":
        """An engine's ``EngineIds``, read from its module (``keystone``, ``capstone``)."""
        def make():
            m = importlib.import_module(module)
            return EngineIds(getattr(m, arch), getattr(m, mode))
        return cls(make)

    @classmethod
    def function(cls, module: str, name: str) -> "lazy":
        """A function of another module, as a static method."""
        return cls(lambda: getattr(importlib.import_module(module), name), static=True)


class Isa:
    """An ISA plugin.  Subclasses fill the class attributes and the methods.

    Engine handles are created lazily and cached (one keystone, one capstone
    per plugin instance).
    """

    name: str = ""
    word_size: int = 4
    keystone_ids: EngineIds
    capstone_ids: EngineIds
    unicorn_ids: EngineIds
    elf_machine: str = ""
    #: an instruction with a decimal immediate, and its bytes (see ``open_keystone``)
    keystone_probe: tuple[str, bytes] | None = None

    @per_thread
    def ks(self):
        return self.open_keystone()

    def open_keystone(self, extra_mode: int = 0):
        """A new keystone handle for this ISA (mode | ``extra_mode``), checked.

        keystone 0.9.2 leaves a new handle's syntax option uninitialised (only x86 may set it,
        through ks_option), and its ARM parser reads every immediate as hexadecimal when that
        memory happens to have the RADIX16 bit set: ``#72`` becomes 0x72.  Whether it does
        depends on the heap, so a handle is checked with ``keystone_probe``; a handle that
        fails is kept open (its memory must not be handed out again) and another one opened."""
        import keystone

        for _ in range(16):
            ks = keystone.Ks(self.keystone_ids.arch, self.keystone_ids.mode | extra_mode)
            probe = self.keystone_probe
            if probe is None or bytes(ks.asm(probe[0], 0, as_bytes=True)[0] or b"") == probe[1]:
                return ks
            _BAD_KEYSTONE_HANDLES.append(ks)
        raise RuntimeError(f"keystone: no {self.name} handle reads immediates in decimal")

    @per_thread
    def cs(self):
        import capstone

        md = capstone.Cs(self.capstone_ids.arch, self.capstone_ids.mode)
        md.detail = True
        return md

    @per_thread
    def cs_fast(self):
        """A capstone handle without detail (3x faster) for plain decoding."""
        import capstone

        return capstone.Cs(self.capstone_ids.arch, self.capstone_ids.mode)

    # ---- translator hooks (see vtrans.translator) ------------------------------

    def classify(self, word: int) -> Classification:
        """Classify one instruction word with the ISA's sensitivity table."""
        raise NotImplementedError(f"ISA {self.name} has no sensitivity table")

    def flow(self, insn) -> Flow:
        """Control-flow facts about an IR ``Instruction``."""
        raise NotImplementedError(f"ISA {self.name} has no control-flow facts")

    def vector_base_write(self, insn) -> str | None:
        """The register an instruction writes to the exception vector base (ARM: VBAR), if any."""
        return None

    def address_load(self, insn) -> tuple[str, object] | None:
        """``(register, symbol expression)`` when ``insn`` loads a symbol's address into a register."""
        return None

    #: entries of an exception vector table (0 = the ISA has none)
    vector_entries: int = 0
    vector_names: tuple[str, ...] = ()

    @property
    def translator(self):
        """The ISA's rewrite rules (an object with the methods ``vtrans.translator.rewrite`` calls)."""
        raise NotImplementedError(f"ISA {self.name} has no rewrite rules")

    # ---- runtime vocabulary (for traces and reports) ------------------------------

    def mode_name(self, status: int | None) -> str:
        """The privilege mode a status register value (ARM: CPSR) is in, for explanations."""
        return "?" if status is None else f"{status:#x}"

    def status_fields(self, status: int) -> tuple[int, str]:
        """The privileged parts of a status register value: (mode, interrupt masks in words)."""
        return status, ""

"""The interface every ISA plugin implements, and the vocabulary shared by all ISAs."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property


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


@dataclass(frozen=True)
class EngineIds:
    """The numeric ids the three engines use for one ISA/mode."""

    arch: int
    mode: int


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

    @cached_property
    def ks(self):
        import keystone

        return keystone.Ks(self.keystone_ids.arch, self.keystone_ids.mode)

    @cached_property
    def cs(self):
        import capstone

        md = capstone.Cs(self.capstone_ids.arch, self.capstone_ids.mode)
        md.detail = True
        return md

    @cached_property
    def cs_fast(self):
        """A capstone handle without detail (3x faster) for plain decoding."""
        import capstone

        return capstone.Cs(self.capstone_ids.arch, self.capstone_ids.mode)

    # ---- translator hooks (see vtrans.translator) ------------------------------

    def classify(self, word: int) -> Classification:
        """Classify one instruction word with the ISA's sensitivity table."""
        raise NotImplementedError(f"ISA {self.name} has no sensitivity table")

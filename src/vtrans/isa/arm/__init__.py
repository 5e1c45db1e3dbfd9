"""ARM A32 (ARMv7-A, ARM state).  References are to the ARM Architecture Reference
Manual ARMv7-A/R edition, DDI 0406C ("ARM ARM")."""

from __future__ import annotations

import unicorn

from vtrans.isa.base import EngineIds, Isa, lazy, per_thread


class ArmIsa(Isa):
    name = "arm"
    word_size = 4
    elf_machine = "EM_ARM"
    keystone_ids = lazy.engine_ids("keystone", "KS_ARCH_ARM", "KS_MODE_ARM")
    keystone_probe = ("mov r0, #10", bytes.fromhex("0a00a0e3"))
    capstone_ids = lazy.engine_ids("capstone", "CS_ARCH_ARM", "CS_MODE_ARM")
    unicorn_ids = EngineIds(unicorn.UC_ARCH_ARM, unicorn.UC_MODE_ARM)

    @per_thread
    def cs_thumb(self):
        """A capstone handle for Thumb code, with operand details."""
        import capstone

        md = capstone.Cs(capstone.CS_ARCH_ARM, capstone.CS_MODE_THUMB)
        md.detail = True
        return md

    def classify(self, word: int):
        from vtrans.isa.arm.sensitivity import classify

        return classify(word)

    vector_entries = 8      # B1.8.1: reset, undef, svc, pabt, dabt, (reserved), irq, fiq

    @property
    def vector_names(self) -> tuple[str, ...]:
        from vtrans.isa.arm.control_flow import VECTOR_NAMES

        return VECTOR_NAMES

    # control-flow facts (bound once: the CFG calls these for every instruction)
    flow = lazy.function("vtrans.isa.arm.control_flow", "flow")
    vector_base_write = lazy.function("vtrans.isa.arm.control_flow", "vector_base_write")
    address_load = lazy.function("vtrans.isa.arm.control_flow", "address_load")

    @property
    def translator(self):
        from vtrans.isa.arm import rewrite_rules

        return rewrite_rules.RULES

    def mode_name(self, status: int | None) -> str:
        """CPSR.M in words (B1.3.1, table B1-1)."""
        from vtrans.isa.arm.modes import MODE_NAMES

        if status is None:
            return "?"
        return MODE_NAMES.get(status & 0x1F, f"mode {status & 0x1F:#x}")

    def status_fields(self, status: int) -> tuple[int, str]:
        """CPSR.M and the A/I/F masks (B1.3.3)."""
        masks = "".join(f for f, bit in (("A", 0x100), ("I", 0x80), ("F", 0x40)) if status & bit)
        return status & 0x1F, masks or "none"


ISA = ArmIsa()

"""ARM A32 (ARMv7-A, ARM state).  References are to the ARM Architecture Reference
Manual ARMv7-A/R edition, DDI 0406C ("ARM ARM")."""

from __future__ import annotations

import capstone
import keystone
import unicorn

from vtrans.isa.base import EngineIds, Isa


class ArmIsa(Isa):
    name = "arm"
    word_size = 4
    elf_machine = "EM_ARM"
    keystone_ids = EngineIds(keystone.KS_ARCH_ARM, keystone.KS_MODE_ARM)
    capstone_ids = EngineIds(capstone.CS_ARCH_ARM, capstone.CS_MODE_ARM)
    unicorn_ids = EngineIds(unicorn.UC_ARCH_ARM, unicorn.UC_MODE_ARM)

    def classify(self, word: int):
        from vtrans.isa.arm.sensitivity import classify

        return classify(word)

    vector_entries = 8      # B1.8.1: reset, undef, svc, pabt, dabt, (reserved), irq, fiq

    @property
    def vector_names(self) -> tuple[str, ...]:
        from vtrans.isa.arm.control_flow import VECTOR_NAMES

        return VECTOR_NAMES

    def flow(self, insn):
        from vtrans.isa.arm.control_flow import flow

        return flow(insn)

    def vector_base_write(self, insn):
        from vtrans.isa.arm.control_flow import vector_base_write

        return vector_base_write(insn)

    def address_load(self, insn):
        from vtrans.isa.arm.control_flow import address_load

        return address_load(insn)

    @property
    def translator(self):
        from vtrans.isa.arm import rewrite_rules

        return rewrite_rules.RULES


ISA = ArmIsa()

"""The processor modes of ARMv7-A: CPSR.M encodings and their names (B1.3.1, table B1-1)."""

from __future__ import annotations

from enum import IntEnum


class Mode(IntEnum):
    """CPSR.M encodings (ARM ARM B1.3.1, table B1-1)."""

    USR = 0x10
    FIQ = 0x11
    IRQ = 0x12
    SVC = 0x13
    MON = 0x16
    ABT = 0x17
    HYP = 0x1A
    UND = 0x1B
    SYS = 0x1F


#: the names the ARM ARM gives the modes, for explanations
MODE_NAMES = {Mode.USR: "User", Mode.FIQ: "FIQ", Mode.IRQ: "IRQ", Mode.SVC: "Supervisor",
              Mode.MON: "Monitor", Mode.ABT: "Abort", Mode.HYP: "Hyp", Mode.UND: "Undefined",
              Mode.SYS: "System"}

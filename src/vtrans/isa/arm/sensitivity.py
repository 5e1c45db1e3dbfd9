"""The A32 sensitive-instruction table: which instruction forms break trap-and-emulate.

Each row describes one instruction *form* by its bit pattern over the 32-bit A32
encoding (most significant bit first, pyvex "spotter" style): ``0``/``1`` are
fixed bits, ``-`` is a don't-care (should-be-zero/one bits included, so that
binary code with odd SBZ bits is still recognised), and each letter names a
field; all bits with the same letter, in order, form the field's value.  A row
may add a predicate over the fields where the class depends on operands (MSR's
field mask, the CP15 register of an MCR/MRC).  The first matching row wins, so
specific rows come before general ones.  Words that match no row are innocuous.

The class is that of the form executed in User mode, the mode a deprivileged
guest kernel runs in (Popek & Goldberg):

- ``privileged``: UNDEFINED in User mode, so it traps — trap-and-emulate works;
- ``sensitive``: runs in User mode *without trapping* but with another effect
  than in the guest's (virtual) privileged mode — the culprits;
- ``unpredictable``: UNPREDICTABLE in User mode (QEMU and Unicorn mostly UNDEF,
  hardware need not) — must be rewritten like a sensitive one;
- ``innocuous``: the same in every mode (svc/bkpt/udf included: they raise the
  same exception everywhere; the VMM reflects it to the guest).

Section numbers refer to the ARM Architecture Reference Manual ARMv7-A/R,
DDI 0406C.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from vtrans.isa.base import Classification, InsnClass, SensitivityKind

PRIV = InsnClass.PRIVILEGED
SENS = InsnClass.SENSITIVE
UNPR = InsnClass.UNPREDICTABLE
INNO = InsnClass.INNOCUOUS
CTRL = SensitivityKind.CONTROL
BEHV = SensitivityKind.BEHAVIOUR
EXCP = SensitivityKind.EXCEPTION
NONE = SensitivityKind.NONE

Fields = Mapping[str, int]


@dataclass(frozen=True)
class Form:
    """One row of the table."""

    name: str
    pattern: str
    cls: InsnClass
    kind: SensitivityKind
    section: str
    user_effect: str
    where: Callable[[Fields], bool] | None = None
    exception_return: bool | Callable[[Fields], bool] = False
    writes_pc: bool | Callable[[Fields], bool] = False
    #: refines a matching word (e.g. names the CP15 register and picks its class)
    refine: Callable[[Fields], "Refinement"] | None = None
    mask: int = field(init=False, repr=False)
    value: int = field(init=False, repr=False)
    fields: tuple[tuple[str, tuple[int, ...]], ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.pattern) != 32:
            raise ValueError(f"pattern of {self.name!r} has {len(self.pattern)} bits, not 32")
        mask = value = 0
        positions: dict[str, list[int]] = {}
        for i, ch in enumerate(self.pattern):
            bit = 31 - i
            if ch in "01":
                mask |= 1 << bit
                value |= int(ch) << bit
            elif ch != "-":
                positions.setdefault(ch, []).append(bit)
        object.__setattr__(self, "mask", mask)
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "fields", tuple((k, tuple(v)) for k, v in positions.items()))

    def extract(self, word: int) -> dict[str, int]:
        out = {}
        for name, bits in self.fields:
            v = 0
            for b in bits:
                v = (v << 1) | ((word >> b) & 1)
            out[name] = v
        return out

    def match(self, word: int) -> dict[str, int] | None:
        if word & self.mask != self.value:
            return None
        f = self.extract(word)
        if self.where is not None and not self.where(f):
            return None
        return f


@dataclass(frozen=True, slots=True)
class Refinement:
    cls: InsnClass
    kind: SensitivityKind
    detail: str
    user_effect: str
    section: str | None = None


# --------------------------------------------------------------------------- CP15 registers
#
# (CRn, opc1, CRm, opc2) -> (name, section, PL0 access).  PL0 access is "" (none:
# UNDEFINED in User mode), "r", "w" or "rw" — B3.17 "Organization of the CP15
# registers in a VMSA implementation" and each register's B4.1 description.
# Unlisted encodings in c7/c8 are cache/TLB maintenance, in c9 performance
# monitors, in c15 IMPLEMENTATION DEFINED: all PL1-only.

_CP15: dict[tuple[int, int, int, int], tuple[str, str, str]] = {
    (0, 0, 0, 0): ("MIDR", "B4.1.105", ""),
    (0, 0, 0, 1): ("CTR", "B4.1.42", ""),
    (0, 0, 0, 2): ("TCMTR", "B4.1.132", ""),
    (0, 0, 0, 3): ("TLBTR", "B4.1.149", ""),
    (0, 0, 0, 5): ("MPIDR", "B4.1.106", ""),
    (0, 0, 0, 6): ("REVIDR", "B4.1.128", ""),
    (0, 0, 1, 0): ("ID_PFR0", "B4.1.93", ""),
    (0, 0, 1, 1): ("ID_PFR1", "B4.1.94", ""),
    (0, 0, 1, 2): ("ID_DFR0", "B4.1.82", ""),
    (0, 0, 1, 3): ("ID_AFR0", "B4.1.81", ""),
    (0, 0, 1, 4): ("ID_MMFR0", "B4.1.89", ""),
    (0, 0, 1, 5): ("ID_MMFR1", "B4.1.90", ""),
    (0, 0, 1, 6): ("ID_MMFR2", "B4.1.91", ""),
    (0, 0, 1, 7): ("ID_MMFR3", "B4.1.92", ""),
    (0, 0, 2, 0): ("ID_ISAR0", "B4.1.83", ""),
    (0, 0, 2, 1): ("ID_ISAR1", "B4.1.84", ""),
    (0, 0, 2, 2): ("ID_ISAR2", "B4.1.85", ""),
    (0, 0, 2, 3): ("ID_ISAR3", "B4.1.86", ""),
    (0, 0, 2, 4): ("ID_ISAR4", "B4.1.87", ""),
    (0, 0, 2, 5): ("ID_ISAR5", "B4.1.88", ""),
    (0, 1, 0, 0): ("CCSIDR", "B4.1.19", ""),
    (0, 1, 0, 1): ("CLIDR", "B4.1.20", ""),
    (0, 1, 0, 7): ("AIDR", "B4.1.3", ""),
    (0, 2, 0, 0): ("CSSELR", "B4.1.41", ""),
    (1, 0, 0, 0): ("SCTLR", "B4.1.130", ""),
    (1, 0, 0, 1): ("ACTLR", "B4.1.1", ""),
    (1, 0, 0, 2): ("CPACR", "B4.1.40", ""),
    (1, 0, 1, 0): ("SCR", "B4.1.129", ""),
    (1, 0, 1, 1): ("SDER", "B4.1.131", ""),
    (1, 0, 1, 2): ("NSACR", "B4.1.111", ""),
    (2, 0, 0, 0): ("TTBR0", "B4.1.154", ""),
    (2, 0, 0, 1): ("TTBR1", "B4.1.155", ""),
    (2, 0, 0, 2): ("TTBCR", "B4.1.153", ""),
    (3, 0, 0, 0): ("DACR", "B4.1.43", ""),
    (5, 0, 0, 0): ("DFSR", "B4.1.52", ""),
    (5, 0, 0, 1): ("IFSR", "B4.1.96", ""),
    (5, 0, 1, 0): ("ADFSR", "B4.1.2", ""),
    (5, 0, 1, 1): ("AIFSR", "B4.1.4", ""),
    (6, 0, 0, 0): ("DFAR", "B4.1.51", ""),
    (6, 0, 0, 2): ("IFAR", "B4.1.95", ""),
    (7, 0, 0, 4): ("CP15WFI", "B3.17", ""),          # ARMv6 wait-for-interrupt operation (D12)
    (7, 0, 1, 0): ("ICIALLUIS", "B4.1.79", ""),
    (7, 0, 1, 6): ("BPIALLIS", "B4.1.17", ""),
    (7, 0, 4, 0): ("PAR", "B4.1.112", ""),
    (7, 0, 5, 0): ("ICIALLU", "B4.1.78", ""),
    (7, 0, 5, 1): ("ICIMVAU", "B4.1.80", ""),
    (7, 0, 5, 4): ("CP15ISB", "B4.1.39", "w"),       # barrier operations are PL0-accessible
    (7, 0, 5, 6): ("BPIALL", "B4.1.16", ""),
    (7, 0, 5, 7): ("BPIMVA", "B4.1.18", ""),
    (7, 0, 6, 1): ("DCIMVAC", "B4.1.49", ""),
    (7, 0, 6, 2): ("DCISW", "B4.1.50", ""),
    (7, 0, 8, 0): ("ATS1CPR", "B4.1.10", ""),
    (7, 0, 8, 1): ("ATS1CPW", "B4.1.11", ""),
    (7, 0, 8, 2): ("ATS1CUR", "B4.1.12", ""),
    (7, 0, 8, 3): ("ATS1CUW", "B4.1.13", ""),
    (7, 0, 10, 1): ("DCCMVAC", "B4.1.46", ""),
    (7, 0, 10, 2): ("DCCSW", "B4.1.48", ""),
    (7, 0, 10, 4): ("CP15DSB", "B4.1.38", "w"),
    (7, 0, 10, 5): ("CP15DMB", "B4.1.37", "w"),
    (7, 0, 11, 1): ("DCCMVAU", "B4.1.47", ""),
    (7, 0, 14, 1): ("DCCIMVAC", "B4.1.44", ""),
    (7, 0, 14, 2): ("DCCISW", "B4.1.45", ""),
    (8, 0, 3, 0): ("TLBIALLIS", "B4.1.138", ""),
    (8, 0, 3, 1): ("TLBIMVAIS", "B4.1.148", ""),
    (8, 0, 3, 2): ("TLBIASIDIS", "B4.1.142", ""),
    (8, 0, 3, 3): ("TLBIMVAAIS", "B4.1.145", ""),
    (8, 0, 5, 0): ("ITLBIALL", "B4.1.98", ""),
    (8, 0, 5, 1): ("ITLBIMVA", "B4.1.100", ""),
    (8, 0, 5, 2): ("ITLBIASID", "B4.1.99", ""),
    (8, 0, 6, 0): ("DTLBIALL", "B4.1.53", ""),
    (8, 0, 6, 1): ("DTLBIMVA", "B4.1.55", ""),
    (8, 0, 6, 2): ("DTLBIASID", "B4.1.54", ""),
    (8, 0, 7, 0): ("TLBIALL", "B4.1.135", ""),
    (8, 0, 7, 1): ("TLBIMVA", "B4.1.143", ""),
    (8, 0, 7, 2): ("TLBIASID", "B4.1.141", ""),
    (8, 0, 7, 3): ("TLBIMVAA", "B4.1.144", ""),
    (9, 0, 12, 0): ("PMCR", "B4.1.117", ""),
    (9, 0, 13, 0): ("PMCCNTR", "B4.1.113", ""),
    (9, 0, 14, 0): ("PMUSERENR", "B4.1.124", "r"),      # always readable at PL0
    (10, 0, 2, 0): ("PRRR", "B4.1.127", ""),
    (10, 0, 2, 1): ("NMRR", "B4.1.110", ""),
    (12, 0, 0, 0): ("VBAR", "B4.1.156", ""),
    (12, 0, 0, 1): ("MVBAR", "B4.1.107", ""),
    (12, 0, 1, 0): ("ISR", "B4.1.97", ""),
    (13, 0, 0, 0): ("FCSEIDR", "B4.1.56", ""),
    (13, 0, 0, 1): ("CONTEXTIDR", "B4.1.36", ""),
    (13, 0, 0, 2): ("TPIDRURW", "B4.1.152", "rw"),
    (13, 0, 0, 3): ("TPIDRURO", "B4.1.151", "r"),
    (13, 0, 0, 4): ("TPIDRPRW", "B4.1.150", ""),
    (14, 0, 0, 0): ("CNTFRQ", "B4.1.21", ""),        # PL0 access only if CNTKCTL allows
    (14, 0, 1, 0): ("CNTKCTL", "B4.1.26", ""),
    (14, 0, 2, 0): ("CNTP_TVAL", "B4.1.29", ""),
    (14, 0, 2, 1): ("CNTP_CTL", "B4.1.27", ""),
    (14, 0, 3, 0): ("CNTV_TVAL", "B4.1.33", ""),
    (14, 0, 3, 1): ("CNTV_CTL", "B4.1.31", ""),
}

#: 64-bit CP15 registers for MCRR/MRRC: (opc1, CRm) -> name, section
_CP15_64: dict[tuple[int, int], tuple[str, str]] = {
    (0, 2): ("TTBR0", "B4.1.154"),
    (1, 2): ("TTBR1", "B4.1.155"),
    (0, 7): ("PAR", "B4.1.112"),
    (0, 14): ("CNTPCT", "B4.1.30"),     # PL0 access only if CNTKCTL allows (reset: no)
    (1, 14): ("CNTVCT", "B4.1.34"),
    (2, 14): ("CNTP_CVAL", "B4.1.28"),
    (3, 14): ("CNTV_CVAL", "B4.1.32"),
    (4, 14): ("CNTVOFF", "B4.1.35"),
}

_CP15_GROUP = {
    0: "identification register", 1: "system control register", 2: "translation table register",
    3: "domain access control", 5: "fault status register", 6: "fault address register",
    7: "cache maintenance / address translation", 8: "TLB maintenance", 9: "performance monitor",
    10: "memory attribute register", 11: "TCM/DMA control", 12: "vector base register",
    13: "process / thread id register", 14: "generic timer register", 15: "IMPLEMENTATION DEFINED register",
}


def _cp15_refine(f: Fields) -> Refinement:
    read = bool(f["l"])
    key = (f["n"], f["o"], f["m"], f["p"])
    name, section, pl0 = _CP15.get(key, ("", "B3.17", ""))
    if not name:
        name = f"c{f['n']}, {f['o']}, c{f['m']}, {f['p']}"
    group = _CP15_GROUP.get(f["n"], "register")
    if ("r" if read else "w") in pl0:
        return Refinement(INNO, NONE, name, f"allowed in User mode: same {'read' if read else 'operation'}",
                          section)
    if read:
        return Refinement(PRIV, BEHV, name, f"UNDEFINED (reads the {group} {name})", section)
    return Refinement(PRIV, CTRL, name, f"UNDEFINED (writes the {group} {name})", section)


def _cp15_64_refine(f: Fields) -> Refinement:
    read = bool(f["l"])
    name, section = _CP15_64.get((f["o"], f["m"]), (f"{f['o']}, c{f['m']}", "B3.17"))
    return Refinement(PRIV, BEHV if read else CTRL, name,
                      f"UNDEFINED (64-bit {'read of' if read else 'write to'} {name})", section)


_DBG_PL0_READ = {(0, 0, 0): "DBGDIDR", (1, 0, 0): "DBGDRAR", (2, 0, 0): "DBGDSAR"}


def _cp14_refine(f: Fields) -> Refinement:
    """p14: debug (opc1 0), ThumbEE (opc1 6), Jazelle (opc1 7)."""
    read = bool(f["l"])
    opc1, crn = f["o"], f["n"]
    if opc1 == 6 and crn == 1:
        return Refinement(INNO, NONE, "TEEHBR", "allowed in User mode (ThumbEE handler base)", "B4.1.134")
    if opc1 == 0 and read and (crn, f["m"], f["p"]) in _DBG_PL0_READ:
        # the baseline CP14 identification registers are PL0-readable (C6.4.1)
        return Refinement(INNO, NONE, _DBG_PL0_READ[(crn, f["m"], f["p"])],
                          "allowed in User mode (debug identification)", "C6.4.1")
    if opc1 == 7 and crn == 0 and read:
        return Refinement(INNO, NONE, "JIDR", "allowed in User mode (Jazelle ID)", "B4.1.101")
    what = {0: "debug register", 6: "ThumbEE control register", 7: "Jazelle control register"}.get(
        opc1, "p14 register")
    detail = f"{opc1}, c{crn}, c{f['m']}, {f['p']}"
    if read:
        return Refinement(PRIV, BEHV, detail, f"UNDEFINED (reads a {what})", "C11")
    return Refinement(PRIV, CTRL, detail, f"UNDEFINED (writes a {what})", "C11")


_VFP_SYSREG = {0: "FPSID", 1: "FPSCR", 6: "MVFR1", 7: "MVFR0", 8: "FPEXC", 9: "FPINST", 10: "FPINST2"}


def _vmrs_refine(f: Fields) -> Refinement:
    name = _VFP_SYSREG.get(f["r"], f"fpreg{f['r']}")
    if f["r"] == 1:
        return Refinement(INNO, NONE, name, "allowed in User mode (FPSCR)", "B9.3.21")
    return Refinement(PRIV, BEHV, name, f"UNDEFINED (reads {name}: reveals the physical FPU)", "B9.3.21")


def _vmsr_refine(f: Fields) -> Refinement:
    name = _VFP_SYSREG.get(f["r"], f"fpreg{f['r']}")
    if f["r"] == 1:
        return Refinement(INNO, NONE, name, "allowed in User mode (FPSCR)", "B9.3.22")
    return Refinement(PRIV, CTRL, name, f"UNDEFINED (writes {name}: FPU enable/control)", "B9.3.22")


# MSR field mask bits (B9.3.11/B9.3.12): mask<3> f = CPSR[31:24], mask<2> s = [23:16],
# mask<1> x = [15:8], mask<0> c = [7:0].  In User mode only the APSR bits (N Z C V Q
# in f, GE[3:0] in s) are written; the x (E is user-writable, A is not) and c
# (I, F, M) bytes are privileged.  ARMv7 CPSR[23:20] is reserved, so ``cpsr_s``
# (the same encoding as ``apsr_g``) writes GE only and is innocuous.
_MASK_CONTROL = 0b0011


def _msr_control(f: Fields) -> bool:
    return bool(f["k"] & _MASK_CONTROL)


def _msr_flags_only(f: Fields) -> bool:
    return f["k"] != 0 and not f["k"] & _MASK_CONTROL


def _not_hint(f: Fields) -> bool:
    return f["k"] != 0


_DP_WRITES_RESULT = {0b0000, 0b0001, 0b0010, 0b0011, 0b0100, 0b0101, 0b0110, 0b0111,
                     0b1100, 0b1101, 0b1110, 0b1111}   # not TST/TEQ/CMP/CMN
_DP_NAMES = ("and", "eor", "sub", "rsb", "add", "adc", "sbc", "rsc",
             "tst", "teq", "cmp", "cmn", "orr", "mov", "bic", "mvn")


def _dp_to_pc(f: Fields) -> bool:
    return f["o"] in _DP_WRITES_RESULT


def _half_t_load(f: Fields) -> bool:
    return f["h"] in (0b01, 0b10, 0b11)


def _half_t_store(f: Fields) -> bool:
    return f["h"] == 0b01


_T_LOADSTORE_EFFECT = ("an access with User permissions, as in the guest kernel; but a deprivileged "
                       "kernel's own pages must be User-accessible, so it no longer faults where "
                       "the kernel expects a User-mode fault")

# --------------------------------------------------------------------------- the table
#
# Order matters: hints before MSR (immediate), banked MRS/MSR before plain ones,
# exception-return LDM before LDM (User registers), VMRS/VMSR before MRC/MCR p10.

TABLE: tuple[Form, ...] = (
    # --- processor state --------------------------------------------------------
    Form("cps", "111100010000ooM0-------aif0mmmmm", SENS, CTRL, "B9.3.2",
         "NOP: the mode and the A/I/F masks are not changed"),
    Form("mrs banked", "cccc00010r00mmmmdddd--1M0000----", UNPR, BEHV, "B9.3.9",
         "UNPREDICTABLE (reads another mode's banked register)"),
    Form("msr banked", "cccc00010r10mmmm----"+"--1M0000nnnn", UNPR, CTRL, "B9.3.10",
         "UNPREDICTABLE (writes another mode's banked register)"),
    Form("mrs cpsr", "cccc000100001111dddd--0-0000----", SENS, BEHV, "B9.3.8",
         "reads the real CPSR: shows User mode and the real A/I/F masks"),
    Form("mrs spsr", "cccc000101001111dddd--0-0000----", UNPR, BEHV, "B9.3.8",
         "UNPREDICTABLE (User mode has no SPSR)"),
    Form("msr cpsr (control)", "cccc00010010kkkk----"+"--0-0000nnnn", SENS, CTRL, "B9.3.12",
         "writes the flags only: mode, A/I/F changes are silently ignored", where=_msr_control),
    Form("msr cpsr (flags)", "cccc00010010kkkk----"+"--0-0000nnnn", INNO, NONE, "B9.3.12",
         "writes the APSR flags, as in every mode", where=_msr_flags_only),
    Form("msr spsr", "cccc00010110kkkk----"+"--0-0000nnnn", UNPR, CTRL, "B9.3.12",
         "UNPREDICTABLE (User mode has no SPSR)"),
    # hints: MSR (immediate) space with mask 0 (A5.2.11)
    Form("wfi", "cccc001100100000--------00000011", SENS, CTRL, "A8.8.425",
         "waits for an interrupt on the physical CPU; the VMM never sees the guest idle"),
    Form("wfe", "cccc001100100000--------00000010", SENS, CTRL, "A8.8.424",
         "waits for an event on the physical CPU; the VMM never sees the guest wait"),
    Form("hint", "cccc001100100000--------hhhhhhhh", INNO, NONE, "A5.2.11",
         "nop/yield/sev/dbg: the same in every mode"),
    Form("msr cpsr (control)", "cccc00110010kkkk----iiiiiiiiiiii", SENS, CTRL, "B9.3.11",
         "writes the flags only: mode, A/I/F changes are silently ignored", where=_msr_control),
    Form("msr cpsr (flags)", "cccc00110010kkkk----iiiiiiiiiiii", INNO, NONE, "B9.3.11",
         "writes the APSR flags, as in every mode", where=_msr_flags_only),
    Form("msr spsr", "cccc00110110kkkk----iiiiiiiiiiii", UNPR, CTRL, "B9.3.11",
         "UNPREDICTABLE (User mode has no SPSR)"),
    Form("srs", "1111100pu1w0110100000101000mmmmm", UNPR, BEHV, "B9.3.16",
         "UNPREDICTABLE (stores LR and SPSR to another mode's stack)"),
    Form("rfe", "1111100pu0w1nnnn0000101000000000", UNPR, CTRL, "B9.3.13",
         "UNPREDICTABLE (loads PC and CPSR: exception return)", exception_return=True, writes_pc=True),
    # --- exception returns and User-register transfers --------------------------
    Form("ldm exception return", "cccc100pu1w1nnnn1---------------", UNPR, CTRL, "B9.3.5",
         "UNPREDICTABLE (loads PC and copies SPSR to CPSR: exception return)",
         exception_return=True, writes_pc=True),
    Form("ldm user registers", "cccc100pu1w1nnnn0---------------", UNPR, BEHV, "B9.3.6",
         "UNPREDICTABLE (loads the User-mode bank, which is the current one)"),
    Form("stm user registers", "cccc100pu1w0nnnn----------------", UNPR, BEHV, "B9.3.17",
         "UNPREDICTABLE (stores the User-mode bank, which is the current one)"),
    Form("eret", "cccc0001011000000000000001101110", PRIV, CTRL, "B9.3.3",
         "UNDEFINED (exception return)", exception_return=True, writes_pc=True),
    Form("dp exception return", "cccc001oooo1nnnn1111------------", UNPR, CTRL, "B9.3.20",
         "UNPREDICTABLE (writes PC and copies SPSR to CPSR: exception return)",
         where=_dp_to_pc, exception_return=True, writes_pc=True),
    Form("dp exception return", "cccc000oooo1nnnn1111-------0----", UNPR, CTRL, "B9.3.20",
         "UNPREDICTABLE (writes PC and copies SPSR to CPSR: exception return)",
         where=_dp_to_pc, exception_return=True, writes_pc=True),
    # --- unprivileged loads and stores (A8.8: LDRT A8.8.92 and its siblings) ----
    Form("ldrt", "cccc0100u011nnnntttt------------", SENS, BEHV, "A8.8.92", _T_LOADSTORE_EFFECT),
    Form("ldrt", "cccc0110u011nnnntttt-------0----", SENS, BEHV, "A8.8.92", _T_LOADSTORE_EFFECT),
    Form("ldrbt", "cccc0100u111nnnntttt------------", SENS, BEHV, "A8.8 LDRBT", _T_LOADSTORE_EFFECT),
    Form("ldrbt", "cccc0110u111nnnntttt-------0----", SENS, BEHV, "A8.8 LDRBT", _T_LOADSTORE_EFFECT),
    Form("strt", "cccc0100u010nnnntttt------------", SENS, BEHV, "A8.8 STRT", _T_LOADSTORE_EFFECT),
    Form("strt", "cccc0110u010nnnntttt-------0----", SENS, BEHV, "A8.8 STRT", _T_LOADSTORE_EFFECT),
    Form("strbt", "cccc0100u110nnnntttt------------", SENS, BEHV, "A8.8 STRBT", _T_LOADSTORE_EFFECT),
    Form("strbt", "cccc0110u110nnnntttt-------0----", SENS, BEHV, "A8.8 STRBT", _T_LOADSTORE_EFFECT),
    Form("ldrht/ldrsbt/ldrsht", "cccc0000u-11nnnntttt----1hh1----", SENS, BEHV, "A8.8 LDRHT/LDRSBT/LDRSHT",
         _T_LOADSTORE_EFFECT, where=_half_t_load),
    Form("strht", "cccc0000u-10nnnntttt----1hh1----", SENS, BEHV, "A8.8 STRHT",
         _T_LOADSTORE_EFFECT, where=_half_t_store),
    # --- exception-generating ---------------------------------------------------
    Form("smc", "cccc00010110------------0111iiii", PRIV, EXCP, "B9.3.14",
         "UNDEFINED (secure monitor call)"),
    Form("hvc", "cccc00010100iiiiiiiiiiii0111iiii", PRIV, EXCP, "B9.3.4",
         "UNDEFINED (hypervisor call)"),
    Form("bkpt", "cccc00010010iiiiiiiiiiii0111iiii", INNO, EXCP, "A8.8.24",
         "prefetch abort (debug event), as in every mode"),
    Form("udf", "111001111111iiiiiiiiiiii1111iiii", INNO, EXCP, "A8.8 UDF",
         "undefined instruction exception, as in every mode"),
    Form("svc", "cccc1111iiiiiiiiiiiiiiiiiiiiiiii", INNO, EXCP, "A8.8.228",
         "supervisor call exception, as in every mode (the VMM reflects it to the guest)"),
    # --- coprocessor and floating-point system registers ------------------------
    Form("vmrs", "cccc11101111rrrrtttt1010---1----", PRIV, BEHV, "B9.3.21", "", refine=_vmrs_refine),
    Form("vmsr", "cccc11101110rrrrtttt1010---1----", PRIV, CTRL, "B9.3.22", "", refine=_vmsr_refine),
    Form("mcr/mrc p15", "cccc1110ooolnnnntttt1111ppp1mmmm", PRIV, CTRL, "A8.8.98", "",
         refine=_cp15_refine),
    Form("mcrr/mrrc p15", "cccc1100010lttttssss1111oooommmm", PRIV, CTRL, "A8.8.99", "",
         refine=_cp15_64_refine),
    Form("mcr/mrc p14", "cccc1110ooolnnnntttt1110ppp1mmmm", PRIV, CTRL, "A8.8.98", "",
         refine=_cp14_refine),
    Form("stc/ldc p14", "cccc110puDwlnnnndddd1110iiiiiiii", PRIV, CTRL, "A8.8.57",
         "UNDEFINED (debug register transfer)",
         where=lambda f: not (f["p"] == 0 and f["u"] == 0 and f["w"] == 0)),
)


def _cond(word: int) -> int | None:
    c = word >> 28
    return None if c == 0xF else c


def _resolve(flag: bool | Callable[[Fields], bool], f: Fields) -> bool:
    return flag(f) if callable(flag) else flag


_INNOCUOUS_FORM = "other"


@lru_cache(maxsize=65536)
def classify(word: int) -> Classification:
    """Classify one A32 instruction word (works on binary code: no source needed)."""
    word &= 0xFFFFFFFF
    cond = _cond(word)
    for form in TABLE:
        f = form.match(word)
        if f is None:
            continue
        # the conditional forms' cond field may not be 1111 (unconditional space, A5.7)
        if "c" in f and f["c"] == 0xF:
            continue
        cls, kind, user_effect, section, detail = form.cls, form.kind, form.user_effect, form.section, ""
        if form.refine is not None:
            r = form.refine(f)
            cls, kind, user_effect, detail = r.cls, r.kind, r.user_effect, r.detail
            section = r.section or section
        name = form.name
        if "/" in name and "l" in f and name.startswith(("mcr", "stc")):
            # "mcr/mrc p15" -> "mrc p15" for a read (L=1)
            head, _, tail = name.partition(" ")
            name = f"{head.split('/')[f['l']]} {tail}"
        if form.name == "dp exception return":
            detail = _DP_NAMES[f["o"]] + "s pc"
        return Classification(word=word, form=name, cls=cls, kind=kind, section=section,
                              user_effect=user_effect, detail=detail, cond=cond,
                              is_exception_return=_resolve(form.exception_return, f),
                              writes_pc=_resolve(form.writes_pc, f))
    return Classification(word=word, form=_INNOCUOUS_FORM, cls=INNO, kind=NONE, section="",
                          user_effect="the same in every mode", cond=cond)


def rows() -> tuple[Form, ...]:
    """The table (for documentation and tests)."""
    return TABLE

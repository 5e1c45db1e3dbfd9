"""Every emulated instruction form against the reference: Unicorn's CPU running it natively in a
privileged mode.

Each case builds two identical CPUs with hypothesis-chosen register values, banks and SPSRs.
The reference executes the word natively (privileged); the other is deprivileged into a ``VCpu``
(real User mode) and the word is emulated.  The guest-visible architectural state (registers of
every mode, virtual CPSR, SPSRs, r8-r12 banks, cp15) and memory must be identical.
"""

from __future__ import annotations

import keystone
import pytest
import unicorn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from unicorn import arm_const as A

from tests.conftest import CAMPAIGN_CASES
from vtrans.isa import get as get_isa
from vtrans.isa.arm.emulate import Emulator, Event, Form, decode
from vtrans.isa.arm.ucfast import fast, reset_security_state
from vtrans.isa.arm.vcpu import Cp15, ExceptionKind, Mode, VCpu, native_arch_state

CODE = 0x1000
DATA = 0x8000  # 4 KiB of data/stack memory the memory forms use
DATA_SIZE = 0x1000
#: the CPU models of the boards vtrans runs (ARM926, Cortex-A8, -A9, -A15): the emulation must
#: follow each model (ARM926 has no cps/srs/rfe; Unicorn's A8/A9 cannot write CPSR.A/F at PL1)
MODELS = (A.UC_CPU_ARM_CORTEX_A15, A.UC_CPU_ARM_926, A.UC_CPU_ARM_CORTEX_A8, A.UC_CPU_ARM_CORTEX_A9)
MODES = (Mode.USR, Mode.FIQ, Mode.IRQ, Mode.SVC, Mode.ABT, Mode.UND)
EXC_MODES = (Mode.FIQ, Mode.IRQ, Mode.SVC, Mode.ABT, Mode.UND)

_ks = get_isa("arm").open_keystone()

SETTINGS = settings(max_examples=max(5, CAMPAIGN_CASES // 3), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def asm(text: str) -> int:
    encoding, _ = _ks.asm(text, CODE)
    assert encoding is not None and len(encoding) == 4, text
    return int.from_bytes(bytes(encoding), "little")


def coproc(load: bool, cp: int, opc1: int, rt: int, crn: int, crm: int, opc2: int) -> int:
    """MRC/MCR encoding A1 (A8.8.98/A8.8.107) — keystone crashes on some cp15 operations."""
    return (0xE << 28) | (0xE << 24) | (opc1 << 21) | (int(load) << 20) | (crn << 16) | (rt << 12) | (cp << 8) \
        | (opc2 << 5) | (1 << 4) | crm


def cp15(load: bool, rt: int, coords: str) -> int:
    crn, crm, opc2 = coords.replace("c", "").split(", ")
    return coproc(load, 15, 0, rt, int(crn), int(crm), int(opc2))


class IdentityMemory:
    """Guest memory with the MMU off: guest addresses are physical (B3.2)."""

    def __init__(self, uc: unicorn.Uc):
        self.uc = uc

    def read(self, va: int, size: int, *, privileged: bool) -> int:
        return int.from_bytes(self.uc.mem_read(va, size), "little")

    def write(self, va: int, size: int, value: int, *, privileged: bool) -> None:
        self.uc.mem_write(va, value.to_bytes(size, "little"))


u32 = st.integers(0, 0xFFFFFFFF)
flags = st.integers(0, 0x1F).map(lambda f: f << 27) | st.just(0)
ge = st.integers(0, 15).map(lambda g: g << 16)
masks = st.sampled_from([0, 0x40, 0x80, 0xC0, 0x100, 0x1C0])


@st.composite
def psr(draw, modes=MODES) -> int:
    """A CPSR/SPSR value the vCPU virtualizes: ARM state, little-endian, no IT bits."""
    return draw(flags) | draw(ge) | draw(masks) | int(draw(st.sampled_from(modes)))


def _data(seed: int) -> bytes:
    """Deterministic non-trivial memory contents from a small seed (short hypothesis reports)."""
    return bytes((i * 131 + seed * 17 + (i >> 8)) & 0xFF for i in range(DATA_SIZE))


@st.composite
def cpu_state(draw, mode=None):
    return {
        "model": draw(st.sampled_from(MODELS)),
        "regs": [draw(u32) for _ in range(15)],
        "cpsr": draw(psr(EXC_MODES if mode is None else (mode,))),
        "banks": {m: (DATA + 0x400 + 0x40 * i, draw(u32), draw(psr())) for i, m in enumerate(MODES)},
        "fiq_hi": [draw(u32) for _ in range(5)],
        "data": _data(draw(st.integers(0, 255))),
    }


def make_cpu(state, word: int, overrides: dict[int, int] | None = None) -> unicorn.Uc:
    uc = unicorn.Uc(unicorn.UC_ARCH_ARM, unicorn.UC_MODE_ARM)
    model = state.get("model", unicorn.arm_const.UC_CPU_ARM_CORTEX_A15)
    uc.ctl_set_cpu_model(model)
    reset_security_state(uc, model)   # as the machine resets it
    uc.mem_map(0, 0x10000)
    uc.mem_write(CODE, word.to_bytes(4, "little") + bytes.fromhex("feffffea"))
    uc.mem_write(DATA, state["data"])
    for m in MODES:
        sp, lr, spsr = state["banks"][m]
        uc.reg_write(A.UC_ARM_REG_CPSR, m | 0x1C0)
        uc.reg_write(A.UC_ARM_REG_SP, sp)
        uc.reg_write(A.UC_ARM_REG_LR, lr)
        if m != Mode.USR:
            uc.reg_write(A.UC_ARM_REG_SPSR, spsr)
        if m == Mode.FIQ:
            for i, v in enumerate(state["fiq_hi"]):
                uc.reg_write(A.UC_ARM_REG_R8 + i, v)
    uc.reg_write(A.UC_ARM_REG_CPSR, state["cpsr"] if state.get("model") != A.UC_CPU_ARM_926 else state["cpsr"] & ~0xF0000)
    overrides = overrides or {}
    for i in range(13):
        if not (8 <= i <= 12 and state["cpsr"] & 0x1F == Mode.FIQ):
            uc.reg_write(A.UC_ARM_REG_R0 + i, overrides.get(i, state["regs"][i]))
        elif i in overrides:
            uc.reg_write(A.UC_ARM_REG_R0 + i, overrides[i])
    if 13 in overrides:
        uc.reg_write(A.UC_ARM_REG_SP, overrides[13])
    if 14 in overrides:
        uc.reg_write(A.UC_ARM_REG_LR, overrides[14])
    uc.reg_write(A.UC_ARM_REG_PC, CODE)
    return uc


def run_native(uc: unicorn.Uc) -> bool:
    """Execute the one instruction at CODE; False if the model finds it UNDEFINED.

    A branch to unmapped memory is not the instruction's fault."""
    try:
        uc.emu_start(CODE, CODE + 0x100, count=1)
    except unicorn.UcError as e:
        if e.errno == unicorn.UC_ERR_INSN_INVALID:
            return False
        if e.errno != unicorn.UC_ERR_FETCH_UNMAPPED:
            raise
    return True


def run_both(state, word: int, overrides: dict[int, int] | None = None, as_form: Form | None = None):
    """Native (reference) and emulated execution of ``word``; returns both CPUs and the result."""
    native = make_cpu(state, word, overrides)
    defined = run_native(native)
    emu = make_cpu(state, word, overrides)
    vcpu = VCpu.deprivilege(emu)
    result = Emulator(vcpu, IdentityMemory(emu)).emulate(word, CODE, form=as_form)
    assert emu.reg_read(A.UC_ARM_REG_CPSR) & 0x1F == Mode.USR, "the real CPU must stay in User mode"
    return native if defined else None, emu, vcpu, result


def assert_same(state, word: int, overrides: dict[int, int] | None = None, form: Form | None = None,
                as_form: Form | None = None):
    native, emu, vcpu, result = run_both(state, word, overrides, as_form)
    if form is not None:
        assert result.form is form
    if native is None:  # the model has no such instruction: the guest must take an UNDEFINED exception
        assert result.exception is ExceptionKind.UNDEF, f"word 0x{word:08x} is UNDEFINED on this CPU model"
        return result
    ref = native_arch_state(native)
    got = vcpu.arch_state()
    assert got.diff(ref) == [], f"word 0x{word:08x}: emulated != native"
    assert emu.mem_read(DATA, DATA_SIZE) == native.mem_read(DATA, DATA_SIZE), "memory differs"
    return result


# ----------------------------------------------------------------------- status registers


@SETTINGS
@given(state=cpu_state(), data=st.data())
def test_cps(state, data):
    text = data.draw(st.sampled_from([
        "cpsie i", "cpsid i", "cpsie f", "cpsid f", "cpsie a", "cpsid aif", "cpsie aif",
        "cpsid if", "cps #0x13", "cps #0x12", "cps #0x11", "cps #0x17", "cps #0x1b", "cps #0x1f",
        "cpsid i, #0x12", "cpsie if, #0x13", "cpsid aif, #0x11"]))
    assert_same(state, asm(text), form=Form.CPS)


@SETTINGS
@given(state=cpu_state(), big=st.booleans())
def test_setend(state, big):
    """setend is innocuous (it runs natively in User mode) but bt hands it to the VMM."""
    assert_same(state, asm(f"setend {'be' if big else 'le'}"), form=Form.SETEND)


@SETTINGS
@given(state=cpu_state(), rd=st.integers(0, 12), spsr=st.booleans())
def test_mrs(state, rd, spsr):
    assert_same(state, asm(f"mrs r{rd}, {'spsr' if spsr else 'cpsr'}"), form=Form.MRS)


_MSR_FIELDS = ["c", "x", "s", "f", "fc", "fs", "fsxc", "cx", "sx", "fsx"]


@SETTINGS
@given(state=cpu_state(), data=st.data(), rn=st.integers(0, 12))
def test_msr_reg(state, data, rn):
    target = data.draw(st.sampled_from(["cpsr", "spsr"]))
    fields = data.draw(st.sampled_from(_MSR_FIELDS))
    value = data.draw(psr(EXC_MODES)) if target == "cpsr" else data.draw(psr())
    assert_same(state, asm(f"msr {target}_{fields}, r{rn}"), {rn: value}, form=Form.MSR_REG)


@SETTINGS
@given(state=cpu_state(), data=st.data())
def test_msr_imm(state, data):
    target = data.draw(st.sampled_from(["cpsr", "spsr"]))
    fields = data.draw(st.sampled_from(_MSR_FIELDS))
    imm = data.draw(st.sampled_from([0x13, 0xD3, 0x1F, 0x12, 0x92, 0x1C0, 0xF0000000, 0x80000000,
                                     0x10, 0x11, 0x1B, 0x40, 0x80]))
    assert_same(state, asm(f"msr {target}_{fields}, #{imm}"), form=Form.MSR_IMM)


# ----------------------------------------------------------------------- exception state


@SETTINGS
@given(state=cpu_state(), data=st.data())
def test_srs(state, data):
    am = data.draw(st.sampled_from(["ia", "ib", "da", "db"]))
    wb = data.draw(st.sampled_from(["", "!"]))
    mode = data.draw(st.sampled_from([0x13, 0x12, 0x11, 0x17, 0x1B, 0x1F]))
    assert_same(state, asm(f"srs{am} sp{wb}, #{mode}"), form=Form.SRS)


@SETTINGS
@given(state=cpu_state(), data=st.data(), rn=st.integers(0, 12))
def test_rfe(state, data, rn):
    am = data.draw(st.sampled_from(["ia", "ib", "da", "db"]))
    wb = data.draw(st.sampled_from(["", "!"]))
    base = DATA + 0x100
    frame = data.draw(st.integers(0, 0x3FF)).to_bytes(4, "little")  # target PC (word aligned below)
    cpsr = data.draw(psr()).to_bytes(4, "little")
    state = dict(state)
    mem = bytearray(state["data"])
    # put the return frame where each addressing mode reads it (B9.3.13)
    for off in (-8, -4, 0, 4):
        mem[0x100 + off:0x100 + off + 8] = bytes(4) + cpsr
    start = {"ia": 0, "ib": 4, "da": -4, "db": -8}[am]
    mem[0x100 + start:0x100 + start + 8] = (CODE + 4 * int.from_bytes(frame, "little")).to_bytes(4, "little") + cpsr
    state["data"] = bytes(mem)
    assert_same(state, asm(f"rfe{am} r{rn}{wb}"), {rn: base}, form=Form.RFE)


@SETTINGS
@given(state=cpu_state(), data=st.data())
def test_ldm_user(state, data):
    regs = data.draw(st.sets(st.integers(1, 14), min_size=1))
    am = data.draw(st.sampled_from(["ia", "ib", "da", "db"]))
    text = f"ldm{am} r0, {{{', '.join(f'r{r}' for r in sorted(regs))}}}^"
    assert_same(state, asm(text), {0: DATA + 0x200}, form=Form.LDM_USER)


@SETTINGS
@given(state=cpu_state(), data=st.data())
def test_stm_user(state, data):
    regs = data.draw(st.sets(st.integers(0, 15), min_size=1))
    am = data.draw(st.sampled_from(["ia", "ib", "da", "db"]))
    text = f"stm{am} r0, {{{', '.join(f'r{r}' for r in sorted(regs))}}}^"
    assert_same(state, asm(text), {0: DATA + 0x200}, form=Form.STM_USER)


@SETTINGS
@given(state=cpu_state(), data=st.data())
def test_plain_ldm_stm(state, data):
    """Plain LDM/STM (the binary translator hands over those naming every register)."""
    load = data.draw(st.booleans())
    regs = data.draw(st.sets(st.integers(0, 15), min_size=1))
    am = data.draw(st.sampled_from(["ia", "ib", "da", "db"]))
    wb = data.draw(st.sampled_from(["", "!"])) if 0 not in regs else ""
    mem = bytearray(state["data"])
    for off in range(0x100, 0x300, 4):   # a word loaded into the PC is a code address
        mem[off:off + 4] = (CODE + (off & 0xFC)).to_bytes(4, "little")
    state = dict(state, data=bytes(mem))
    # encoded by hand (A8.8.57-A8.8.60; keystone 0.9.2 crashes on some of these lists)
    p, u = {"ia": (0, 1), "ib": (1, 1), "da": (0, 0), "db": (1, 0)}[am]
    word = 0xE8000000 | p << 24 | u << 23 | (wb == "!") << 21 | load << 20 | sum(1 << r for r in regs)
    form = Form.LDM if load else Form.STM
    assert_same(state, word, {0: DATA + 0x200}, form=form, as_form=form)


@SETTINGS
@given(state=cpu_state(), data=st.data())
def test_ldm_exception_return(state, data):
    regs = data.draw(st.sets(st.integers(1, 12)))
    am = data.draw(st.sampled_from(["ia", "ib", "da", "db"]))
    wb = data.draw(st.sampled_from(["", "!"]))
    mem = bytearray(state["data"])
    # every word the list may load as the PC is a code address
    for off in range(0x100, 0x300, 4):
        mem[off:off + 4] = (CODE + (off & 0xFC)).to_bytes(4, "little")
    state = dict(state, data=bytes(mem))
    text = f"ldm{am} r0{wb}, {{{', '.join([f'r{r}' for r in sorted(regs)] + ['pc'])}}}^"
    assert_same(state, asm(text), {0: DATA + 0x200}, form=Form.LDM_ERET)


@SETTINGS
@given(state=cpu_state(), data=st.data())
def test_subs_movs_pc(state, data):
    # Unicorn treats only subs/movs as exception returns (UNICORN-NOTES), so they are the
    # forms the native reference can check; the others are tested below by composition
    text = data.draw(st.sampled_from(["subs pc, lr, #4", "subs pc, lr, #8", "movs pc, lr", "subs pc, lr, #0",
                                      "movs pc, r3", "subs pc, r3, r4, lsl #2", "subs pc, r3, r4",
                                      "movs pc, r3, lsr #1"]))
    assert_same(state, asm(text), {3: CODE + 0x40, 4: 4, 14: CODE + 0x80}, form=Form.DP_ERET)


@SETTINGS
@given(state=cpu_state(), data=st.data(), a=u32, b=u32)
def test_other_dp_exception_returns(state, data, a, b):
    """``adds/ands/eors/... pc`` (B9.3.20): the result must equal what the same operation computes
    natively into an ordinary register, and CPSR must become the SPSR, as ``movs pc`` does."""
    op = data.draw(st.sampled_from(["and", "eor", "sub", "rsb", "add", "adc", "sbc", "rsc", "orr", "bic"]))
    shift = data.draw(st.sampled_from(["", ", lsl #3", ", ror #7", ", asr #1", ", rrx"]))
    word = asm(f"{op}s pc, r3, r4{shift}")
    ref_word = asm(f"{op} r5, r3, r4{shift}")
    native = make_cpu(state, ref_word, {3: a, 4: b})
    run_native(native)
    expected_pc = native.reg_read(A.UC_ARM_REG_R5) & ~3
    emu = make_cpu(state, word, {3: a, 4: b})
    vcpu = VCpu.deprivilege(emu)
    result = Emulator(vcpu, IdentityMemory(emu)).emulate(word, CODE)
    assert result.form is Form.DP_ERET and result.event is Event.EXCEPTION_RETURN
    assert result.next_pc == expected_pc
    # CPSR <- SPSR: the same as `movs pc, r5` executed natively
    ref = make_cpu(state, asm("movs pc, r5"), {3: a, 4: b, 5: expected_pc})
    run_native(ref)
    got = vcpu.arch_state()
    want = native_arch_state(ref)
    diff = [d for d in got.diff(want) if not d.startswith("r5:")]
    assert diff == []


# ----------------------------------------------------------------------- unprivileged accesses


@SETTINGS
@given(state=cpu_state(), data=st.data(), off=st.integers(0, 0xFF))
def test_ldrt_strt(state, data, off):
    text = data.draw(st.sampled_from([
        "ldrt r1, [r0], #{o}", "ldrt r1, [r0], #-{o}", "strt r1, [r0], #{o}", "ldrbt r1, [r0], #{o}",
        "strbt r1, [r0], #-{o}", "ldrht r1, [r0], #{o}", "strht r1, [r0], #{o}", "ldrsbt r1, [r0], #{o}",
        "ldrsht r1, [r0], #-{o}", "ldrt r1, [r0], r2", "strt r1, [r0], -r2", "ldrbt r1, [r0], r2, lsl #2",
        "ldrht r1, [r0], r2", "strht r1, [r0], -r2", "ldrsbt r1, [r0], r2"]))
    word = asm(text.format(o=off))
    assert_same(state, word, {0: DATA + 0x200 + (off & ~1), 2: off & ~1}, form=decode(word))
    assert decode(word) in (Form.LDR_T, Form.STR_T)


# ----------------------------------------------------------------------- coprocessors

_CP15_RW = {
    Cp15.SCTLR: "c1, c0, 0", Cp15.TTBR0: "c2, c0, 0", Cp15.TTBR1: "c2, c0, 1", Cp15.TTBCR: "c2, c0, 2",
    Cp15.DACR: "c3, c0, 0", Cp15.DFSR: "c5, c0, 0", Cp15.IFSR: "c5, c0, 1", Cp15.DFAR: "c6, c0, 0",
    Cp15.IFAR: "c6, c0, 2", Cp15.VBAR: "c12, c0, 0", Cp15.CONTEXTIDR: "c13, c0, 1",
    Cp15.TPIDRURW: "c13, c0, 2", Cp15.TPIDRURO: "c13, c0, 3", Cp15.TPIDRPRW: "c13, c0, 4",
    Cp15.CPACR: "c1, c0, 2", Cp15.ACTLR: "c1, c0, 1",
}
_CP15_RO = {Cp15.MIDR: "c0, c0, 0", Cp15.CTR: "c0, c0, 1", Cp15.MPIDR: "c0, c0, 5", Cp15.ID_PFR0: "c1, c0, 0",
            Cp15.ID_MMFR0: "c1, c0, 4", Cp15.ID_ISAR0: "c2, c0, 0", Cp15.CLIDR: "c0, c0, 1"}


@SETTINGS
@given(state=cpu_state(), data=st.data(), rt=st.integers(0, 12))
def test_mrc_p15(state, data, rt):
    reg = data.draw(st.sampled_from(sorted(_CP15_RW) + [Cp15.MIDR, Cp15.CTR, Cp15.MPIDR]))
    coords = _CP15_RW.get(reg) or _CP15_RO[reg]
    assert_same(state, cp15(True, rt, coords), form=Form.MRC)


@SETTINGS
@given(state=cpu_state(), data=st.data(), rt=st.integers(0, 12), value=u32)
def test_mcr_p15(state, data, rt, value):
    reg = data.draw(st.sampled_from(sorted(_CP15_RW)))
    if reg == Cp15.SCTLR:
        value &= ~0x2001  # keep the MMU off and low vectors: the native reference runs on
    assert_same(state, cp15(False, rt, _CP15_RW[reg]), {rt: value}, form=Form.MCR)


@SETTINGS
@given(state=cpu_state(), data=st.data(), rt=st.integers(0, 12))
def test_cp15_operations(state, data, rt):
    """Cache, TLB and barrier operations change no architectural state (B4.2)."""
    op = data.draw(st.sampled_from(["c7, c5, 0", "c7, c10, 4", "c7, c10, 5", "c7, c5, 4", "c8, c7, 0",
                                    "c7, c14, 0", "c8, c7, 1", "c7, c6, 1", "c7, c10, 1"]))
    assert_same(state, cp15(False, rt, op), form=Form.MCR)


@SETTINGS
@given(state=cpu_state(), rt=st.integers(0, 12), value=u32)
def test_vmsr_vmrs_fpexc(state, rt, value):
    value &= 0x40000000  # EN is the only FPEXC bit the model keeps writable
    assert_same(state, asm(f"vmsr fpexc, r{rt}"), {rt: value}, form=Form.VMSR)
    assert_same(state, asm(f"vmrs r{rt}, fpexc"), form=Form.VMRS)


# ----------------------------------------------------------------------- exceptions

_EXCEPTIONS = [
    ("udf #0x12", Form.UDF, ExceptionKind.UNDEF, 0x04, Mode.UND, 4),
    ("svc #0x42", Form.SVC, ExceptionKind.SVC, 0x08, Mode.SVC, 4),
    ("bkpt #3", Form.BKPT, ExceptionKind.PREFETCH_ABORT, 0x0C, Mode.ABT, 4),
    ("smc #0", Form.SMC, ExceptionKind.UNDEF, 0x04, Mode.UND, 4),
    ("hvc #0", Form.HVC, ExceptionKind.UNDEF, 0x04, Mode.UND, 4),
]


@pytest.mark.parametrize("text,form,kind,vector,mode,lr_off", _EXCEPTIONS)
@SETTINGS
@given(state=cpu_state(), vbar=st.integers(0, 0x7FF).map(lambda v: v << 5))
def test_exceptions_enter_virtual_vectors(text, form, kind, vector, mode, lr_off, state, vbar):
    """The reference CPU does not vector exceptions (Unicorn stops); the reference for exception
    entry is the native CPU's own state moved by the ARM ARM's rules (B1.8.3): SPSR_mode = old CPSR,
    LR_mode = address + offset, mode and masks set, PC = VBAR + vector offset."""
    ks = get_isa("arm").open_keystone(keystone.KS_MODE_V8)
    word = int.from_bytes(bytes(ks.asm(text, CODE)[0]), "little")
    native = make_cpu(state, word)
    fast(native).cp_write(15, 0, 12, 0, 0, vbar)
    with pytest.raises(unicorn.UcError):  # native privileged execution: the CPU raises it
        native.emu_start(CODE, CODE + 0x100, count=1)
    emu = make_cpu(state, word)
    fast(emu).cp_write(15, 0, 12, 0, 0, vbar)
    vcpu = VCpu.deprivilege(emu)
    old_cpsr = vcpu.cpsr
    result = Emulator(vcpu, IdentityMemory(emu)).emulate(word, CODE)
    assert result.form is form and result.exception is kind
    base = vbar if vcpu.model.implements(Cp15.VBAR) else 0  # ARM926 has no VBAR
    assert emu.reg_read(A.UC_ARM_REG_PC) == base + vector
    assert vcpu.mode == mode and vcpu.spsr == old_cpsr
    assert vcpu.reg(14) == CODE + lr_off
    assert vcpu.cpsr & 0x80
    if kind is ExceptionKind.PREFETCH_ABORT:
        assert vcpu.cpsr & 0x100 and vcpu.read_cp15(int(Cp15.IFSR)) == 0x2


@SETTINGS
@given(state=cpu_state(mode=Mode.USR), data=st.data())
def test_privileged_forms_from_virtual_user_mode_are_undefined(state, data):
    """In virtual User mode the privileged forms are UNDEFINED, exactly as Unicorn reports them
    for real User mode (the reference: its invalid-instruction exit)."""
    text = data.draw(st.sampled_from(["mrs r1, spsr", "msr spsr_fsxc, r1", "srsdb sp!, #0x13", "rfeia r0",
                                      "ldmia r0, {r1, r2}^", "stmia r0, {r1, r2}^", "subs pc, lr, #4",
                                      "movs pc, lr", ""]))
    word = asm(text) if text else cp15(data.draw(st.booleans()), 1, "c1, c0, 0")
    native = make_cpu(state, word, {0: DATA + 0x100})
    with pytest.raises(unicorn.UcError) as e:
        native.emu_start(CODE, CODE + 0x100, count=1)
    assert e.value.errno == unicorn.UC_ERR_INSN_INVALID
    emu = make_cpu(state, word, {0: DATA + 0x100})
    vcpu = VCpu.deprivilege(emu)
    result = Emulator(vcpu, IdentityMemory(emu)).emulate(word, CODE)
    assert result.exception is ExceptionKind.UNDEF and vcpu.mode == Mode.UND


@SETTINGS
@given(state=cpu_state(mode=Mode.USR), data=st.data())
def test_sensitive_forms_in_virtual_user_mode_match_real_user_mode(state, data):
    """cps, mrs cpsr and msr cpsr in (virtual) User mode: what real User mode does."""
    text = data.draw(st.sampled_from(["cpsid i", "cps #0x13", "mrs r1, cpsr", "msr cpsr_fsxc, r1",
                                      "msr cpsr_c, #0xd3"]))
    assert_same(state, asm(text), {1: data.draw(psr(EXC_MODES))})


def test_conditional_forms_do_nothing_when_the_condition_fails():
    state = {"regs": [7] * 15, "cpsr": 0x600001D3, "banks": {m: (DATA + 0x400, 0, 0x1D3) for m in MODES},
             "fiq_hi": [1] * 5, "data": bytes(DATA_SIZE)}
    for text in ("msrne cpsr_c, r2", "subsne pc, lr, #4", "svcne #1",
                 "ldmne r0, {r1}^"):
        result = assert_same(state, asm(text), {0: DATA})
        assert result.next_pc == CODE + 4 and result.event is Event.NONE
    result = assert_same(state, cp15(True, 1, "c1, c0, 0") & 0x0FFFFFFF | 0x10000000)  # mrcne
    assert result.next_pc == CODE + 4 and result.event is Event.NONE


def test_decode_rejects_innocuous_instructions():
    for text in ("add r0, r1, r2", "ldr r0, [r1]", "ldm r0, {r1, r2}", "mov pc, lr", "adds r0, r1, r2",
                 "cmp pc, r1", "tst r0, #1", "str r1, [r0], #4", "ldr r1, [r0], #4", "bx lr"):
        assert decode(asm(text)) is None, text


def _banked_word(msr: bool, r: int, m: int, m1: int, reg: int) -> int:
    """MRS/MSR (banked register) encoding A1 (B9.3.9, B9.3.10); SYSm = R:M:m1."""
    if msr:
        return 0xE120F200 | (r << 22) | (m1 << 16) | (m << 8) | reg
    return 0xE1000200 | (r << 22) | (m1 << 16) | (reg << 12) | (m << 8)


_SYSM = [(0, 0, i) for i in range(7)] + [(0, 0, 8 + i) for i in range(7)] + [(0, 1, i) for i in range(8)] \
    + [(1, 0, 14), (1, 1, 0), (1, 1, 2), (1, 1, 4), (1, 1, 6)]


@SETTINGS
@given(state=cpu_state(), data=st.data(), rt=st.integers(0, 7), value=u32)
def test_banked_register_access(state, data, rt, value):
    """mrs/msr of another mode's banked register (Virtualization Extensions: the A15 has them,
    the other models UNDEF; accesses to the current mode's own registers are UNPREDICTABLE)."""
    r, m, m1 = data.draw(st.sampled_from(_SYSM))
    msr = data.draw(st.booleans())
    word = _banked_word(msr, r, m, m1, rt)
    native, emu, vcpu, result = run_both(state, word, {rt: value})
    if native is None:
        assert result.exception is ExceptionKind.UNDEF
        return
    if result.exception is ExceptionKind.UNDEF:
        return  # the current mode's own register: UNPREDICTABLE, the vCPU refuses it
    assert result.form is (Form.MSR_BANKED if msr else Form.MRS_BANKED)
    assert vcpu.arch_state().diff(native_arch_state(native)) == []

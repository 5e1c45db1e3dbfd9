"""The table of ARM A32 base mnemonics, and the splitter that drives mnemonic parsing.

A GNU-as mnemonic word is a base mnemonic plus optional parts: a letter
suffix (``ia``, ``b``, ``sh``, ``bt``, ``l`` ...), the ``s`` (set flags)
suffix and a condition code (ARM ARM A8.3).  Unified syntax writes them as
``base suffix s cond`` (``ldmiaeq``, ``addseq``, ``ldrbeq``); the older
divided syntax as ``base cond suffix``/``base cond s`` (``ldmeqia``,
``addeqs``, ``ldreqb``).  VFP/Advanced SIMD mnemonics add ``.dt`` data-type
parts (``vcvt.s32.f64``); Thumb-2 widths ``.w``/``.n`` are accepted and kept.

Splitting is driven entirely by :data:`MNEMONICS`: every split of a word into
a known base and a rest that the base's spec accepts is a candidate.  The
table is built so that exactly one candidate exists for every valid word
(``bls`` = b+ls because ``bl`` takes no ``s``; ``teq`` is a base, not t+eq).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

#: condition codes (ARM ARM A8.3, table A8-1); hs/lo are the gas aliases of cs/cc
CONDITIONS: frozenset[str] = frozenset(
    "eq ne cs hs cc lo mi pl vs vc hi ls ge lt gt le al".split()
)


@dataclass(frozen=True, slots=True)
class MnemonicSpec:
    """What may follow one base mnemonic."""

    base: str
    suffixes: frozenset[str] = frozenset({""})  # letter suffixes ("" = none)
    setflags: bool = False                      # accepts the s suffix
    conditional: bool = True                    # accepts a condition code
    datatypes: bool = False                     # VFP/NEON ".f32"-style parts


def _specs() -> dict[str, MnemonicSpec]:
    t: dict[str, MnemonicSpec] = {}

    def add(names: str, **kw) -> None:
        for n in names.split():
            t[n] = MnemonicSpec(n, **{k: (frozenset(v) if k == "suffixes" else v) for k, v in kw.items()})

    # A5.2 data-processing: s suffix (compare/test set flags implicitly, no s)
    add("and eor sub rsb add adc sbc rsc orr mov bic mvn", setflags=True)
    add("lsl lsr asr ror rrx", setflags=True)  # A8.8.94 ... shifts as instructions (unified)
    add("tst teq cmp cmn")
    add("movw movt adr")
    # A5.2.5 multiply
    add("mul mla umull umlal smull smlal", setflags=True)
    add("mls umaal")
    add("smulbb smulbt smultb smultt smulwb smulwt smlabb smlabt smlatb smlatt smlawb smlawt "
        "smlalbb smlalbt smlaltb smlaltt smuad smuadx smusd smusdx smlad smladx smlsd smlsdx "
        "smlald smlaldx smlsld smlsldx smmul smmulr smmla smmlar smmls smmlsr sdiv udiv")
    # A5.2.4/A5.4 misc, saturating, parallel, packing, extension, bit-field
    add("clz rev rev16 revsh rbit qadd qsub qdadd qdsub ssat usat ssat16 usat16 sel "
        "pkhbt pkhtb usad8 usada8 ubfx sbfx bfi bfc "
        "sxtb sxth sxtb16 uxtb uxth uxtb16 sxtab sxtah sxtab16 uxtab uxtah uxtab16")
    for pre in ("s", "q", "sh", "u", "uq", "uh"):
        add(" ".join(f"{pre}{op}" for op in ("add16", "asx", "sax", "sub16", "add8", "sub8")))
    # A5.3 load/store: ldr/str take the size/unprivileged/dual letters as suffix
    add("ldr", suffixes=("", "b", "h", "sb", "sh", "d", "t", "bt", "ht", "sbt", "sht"))
    add("str", suffixes=("", "b", "h", "d", "t", "bt", "ht"))
    add("ldrex ldrexb ldrexh ldrexd strex strexb strexh strexd")
    add("swp", suffixes=("", "b"))
    # A5.5 load/store multiple (gas stack aliases fd/ed/fa/ea)
    add("ldm stm", suffixes=("", "ia", "ib", "da", "db", "fd", "fa", "ed", "ea"))
    add("push pop")
    # A5.6 branches, exception generation, hints
    add("b bl bx bxj blx")
    add("svc swi smc eret")
    add("bkpt hvc udf", conditional=False)
    add("nop yield wfe wfi sev dbg")
    add("mrs msr")
    add("cps cpsie cpsid setend clrex dmb dsb isb pld pldw pli", conditional=False)
    add("srs rfe", suffixes=("", "ia", "ib", "da", "db", "fd", "fa", "ed", "ea"), conditional=False)
    # A5.7 coprocessor
    add("mcr mrc mcrr mrrc cdp")
    add("mcr2 mrc2 mcrr2 mrrc2 cdp2", conditional=False)
    add("ldc stc", suffixes=("", "l"))
    add("ldc2 stc2", suffixes=("", "l"), conditional=False)
    # VFP / Advanced SIMD (A7): generic forms, data types kept verbatim
    add("vmrs vmsr vmov vadd vsub vmul vnmul vmla vmls vnmla vnmls vfma vfms vfnma vfnms "
        "vdiv vabs vneg vsqrt vcmp vcmpe vcvt vcvtr vcvtb vcvtt vldr vstr vpush vpop "
        "vdup vand vorr veor vbic vmvn vmax vmin vshl vshr vext vzip vuzp vtrn vrev16 vrev32 vrev64 "
        "vld1 vld2 vld3 vld4 vst1 vst2 vst3 vst4 vceq vcge vcgt vcle vclt vtst vpadd vmull vmlal",
        datatypes=True)
    add("vldm vstm", suffixes=("", "ia", "db"), datatypes=True)
    return t


MNEMONICS: dict[str, MnemonicSpec] = _specs()
_MAX_BASE = max(map(len, MNEMONICS))


@dataclass(frozen=True, slots=True)
class SplitMnemonic:
    base: str
    suffix: str          # letter suffix, then ".dt" data types if any ("ia", "b", ".f32", "ia.64")
    setflags: bool
    cond: str | None
    width: str | None


def _rest_forms(spec: MnemonicSpec, rest: str) -> list[tuple[str, bool, str | None]]:
    """Every (suffix, setflags, cond) reading of ``rest`` that ``spec`` accepts."""
    out: list[tuple[str, bool, str | None]] = []
    conds: list[str | None] = [None] + (sorted(CONDITIONS) if spec.conditional else [])
    flags = (False, True) if spec.setflags else (False,)
    for suf in spec.suffixes:
        for s in flags:
            for c in conds:
                sf = "s" if s else ""
                cc = c or ""
                # unified: base suffix s cond; divided: base cond suffix / base cond s
                if rest == suf + sf + cc or (c and rest == cc + suf + sf):
                    out.append((suf, s, c))
    return out


@lru_cache(maxsize=8192)
def split_mnemonic(word: str) -> SplitMnemonic | None:
    """Split a mnemonic word (any case) by the table; None if no reading exists.

    Raises ``ValueError`` with a message when the word is ambiguous or uses a
    condition on an unconditional instruction (callers turn it into AsmError).
    """
    w = word.lower()
    width: str | None = None
    if w.endswith((".w", ".n")):
        w, width = w[:-2], w[-2:]
    dtypes = ""
    if "." in w:
        w, dot, rest = w.partition(".")
        dtypes = dot + rest
    found: list[SplitMnemonic] = []
    for n in range(min(len(w), _MAX_BASE), 0, -1):
        spec = MNEMONICS.get(w[:n])
        if spec is None:
            continue
        if dtypes and not spec.datatypes:
            continue
        for suf, s, c in _rest_forms(spec, w[n:]):
            found.append(SplitMnemonic(spec.base, suf + dtypes, s, None if c == "al" else c, width))
    if not found:
        return None
    if len(found) > 1:
        # "al" and "none" both mean always; the same split twice is not ambiguity
        uniq = set(found)
        if len(uniq) > 1:
            raise ValueError(f"ambiguous mnemonic '{word}': " + ", ".join(sorted(f.base + f.suffix for f in uniq)))
    return found[0]


def conditional(base: str) -> bool:
    spec = MNEMONICS.get(base)
    return bool(spec and spec.conditional)

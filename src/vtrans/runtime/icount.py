"""Exact guest instruction counting at C speed.

The virtual clock needs the number of instructions the guest has executed at
any moment: when emulation stops early (WFI, a semihosting exit, a fault) and in
the middle of a run, when a device reads its counter or a semihosting call asks
for the time.  Unicorn's own ``count`` argument stops after N instructions but
does not expose how many ran before an early stop, and a Python per-instruction
hook costs ~0.4 µs per instruction (UNICORN-NOTES).

So the counter is a tiny C ``UC_HOOK_CODE`` callback, compiled once with the
system C compiler and cached (keyed by the source's hash).  It does what
Unicorn's internal count hook does — count, and stop the CPU *before* the
instruction that would exceed the limit — and additionally stops as soon as
the CPU leaves a watched interrupt-mask state (so an interrupt that was pending
while masked is taken right after the unmasking instruction, as on hardware).
The state lives in a ctypes structure the machine reads and writes directly.

Without a C compiler the machine falls back to the same semantics with a Python
hook (exact, ~20x slower); ``IcountHook.native`` tells which one is in use.
"""

from __future__ import annotations

import ctypes
import hashlib
import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import unicorn
from unicorn import arm_const

log = logging.getLogger(__name__)

#: why the hook stopped the CPU (``STOP_UNREAD``: counting per block, the code of a Thumb
#: block could not be read back -- the machine counts instruction by instruction from there;
#: ``STOP_IT_LATCH``: an A32 block is new while Unicorn may still believe it translates an IT
#: block -- see ``Machine._clear_it_latch``)
STOP_NONE, STOP_LIMIT, STOP_UNMASK, STOP_UNREAD, STOP_IT_LATCH = 0, 1, 2, 3, 4

_C_SOURCE = r"""
#include <stddef.h>
#include <stdint.h>
typedef int (*uc_stop_fn)(void *uc);
typedef int (*uc_reg_read_fn)(void *uc, int regid, void *value);
typedef int (*uc_vmem_read_fn)(void *uc, uint64_t address, int prot, void *bytes, size_t size);
struct vt_icount {
    uint64_t count;        /* instructions executed (a block is counted when entered) */
    uint64_t limit;        /* never enter a block that would take count past limit */
    uint64_t block_start;  /* address of the block being executed */
    uint64_t block_base;   /* count before that block */
    uint32_t watch_mask;   /* if non-zero: stop once (cpsr & watch_mask) != watch_value */
    uint32_t reason;       /* why we stopped: 1 limit, 2 unmask */
    int32_t cpsr_reg;      /* unicorn's id of CPSR */
    uint32_t partial;      /* 1: enter the next block whatever its size (a run bounded by `until`) */
    uc_stop_fn emu_stop;
    uc_reg_read_fn reg_read;
    uint64_t it_lo, it_hi;     /* slots of an IT block counted already: [it_lo, it_hi) */
    const uint32_t *it_table;  /* the image's IT instructions: (address | 1, end of the block,
                                  slots) triples, open addressing by (address >> 1) & it_mask */
    uint32_t it_mask;
    /* slots of an IT block left in the middle, not run yet (an interrupt taken inside it, an
       exception of a slot): counted when the code comes back to them, [pend_lo, pend_hi], or
       dropped when the block's IT instruction pend_it runs again */
    uint64_t pend_lo, pend_hi, pend_it;
    uint32_t pend_n;
    uint32_t thumb_seen;   /* per-block counting met a block of Thumb code (its address | 1) */
    uint32_t watch_value;  /* see watch_mask */
    /* per-block counting of A32 and Thumb code (vt_icount_mixed): the blocks seen, direct-mapped
       by (address >> 1) & blk_mask, 4 words each: (address | 1, size, instructions, Thumb) */
    uint32_t *blk_table;
    uint32_t blk_mask;
    uint32_t block_thumb;  /* the block being executed is Thumb code */
    uc_vmem_read_fn vmem_read;
    uint32_t blk_unread;   /* a Thumb block whose code could not be read (its address | 1) */
    uint32_t it_latch;     /* a Thumb block ending inside an IT block ran (its address | 1) since
                              the machine last cleared Unicorn's IT flag (Machine._clear_it_latch) */
    uint8_t *no_exit;      /* if set: Unicorn's translation-time flag that leaves out the exit
                              check after each load and store (ucinternals.py).  Only Unicorn's
                              Thumb translator changes it, so it is set again after Thumb code:
                              at every block by the counter of A32 and Thumb blocks
                              (vt_icount_mixed); by the A32 counter when a Thumb block appears
                              (vt_icount_edge) and on its slow path (each run slice) -- not on
                              its fast path, where the test alone cost ~5% of bench_cpu
                              (bench_unicorn_floor.py, noexit_vtrans_like_noslice: 1.72 s ->
                              1.63 s) */
};

struct vt_uc_tb { uint64_t pc; uint16_t icount; uint16_t size; };

/* Unicorn's exit check at the start of every translated block, made by the block counters
   (ucinternals.fold_block_start_check): Unicorn 2.1.4 emits a call to its
   helper_check_exit_request at every block start, right after the call to the block hook.
   When the fold is on, every tcg_gen_callN of libunicorn's translator comes here; a block
   whose first call is one of the counters below does not get the second call, and the
   counter makes the same check itself, last (a tail call to the same helper: an exit it
   takes restores the state from the same translated block, before its first instruction). */
typedef void (*vt_callN_fn)(void *s, void *func, void *ret, int nargs, void **args);
typedef void (*vt_exit_fn)(void *uc, int32_t delay_slot);
static vt_callN_fn vt_real_callN;   /* libunicorn's tcg_gen_callN */
static void *vt_exit_helper;        /* libunicorn's helper_check_exit_request */
static vt_exit_fn vt_exit_check;    /* the same, once the fold is on: the counters call it */
static uint64_t vt_folds;           /* blocks translated without the call */
static __thread int vt_counter_emitted;   /* the last call emitted was a block counter */
/* where the helper looks first: the engine's CPU (uc + vt_cpu_off) and its exit-request word
   (cpu + vt_decr_off, negative once a stop is requested); the helper is called only then.
   vt_cpu_off < 0: not known, the helper is always called (it looks itself) */
static int64_t vt_cpu_off = -1, vt_decr_off;

/* before the slot is changed: from now on the counters check */
void vt_fold_init(vt_callN_fn real, void *helper, int64_t cpu_off, int64_t decr_off)
{
    vt_real_callN = real;
    vt_exit_helper = helper;
    vt_cpu_off = cpu_off;
    vt_decr_off = decr_off;
    vt_exit_check = (vt_exit_fn)helper;
}

/* Unicorn's block-start check, as the counters' last act (a tail call when a stop is due) */
static inline __attribute__((always_inline)) void vt_block_start_check(void *uc)
{
    if (vt_exit_check && (vt_cpu_off < 0 ||
                          *(volatile int32_t *)(*(char **)((char *)uc + vt_cpu_off) + vt_decr_off) < 0))
        vt_exit_check(uc, 0);
}

uint64_t vt_fold_count(void)
{
    return vt_folds;
}

static const uint32_t *vt_it_block(const struct vt_icount *s, uint32_t address)
{
    uint32_t i = (address >> 1) & s->it_mask;
    for (;;) {
        const uint32_t *e = s->it_table + 3 * i;
        if (e[0] == (address | 1))
            return e;
        if (e[0] == 0)
            return 0;
        i = (i + 1) & s->it_mask;
    }
}

static int vt_unmasked(void *uc, struct vt_icount *s)
{
    uint32_t cpsr = 0;
    s->reg_read(uc, s->cpsr_reg, &cpsr);
    return (cpsr & s->watch_mask) != s->watch_value;
}

/* UC_HOOK_CODE: one call per instruction (exact for ARM and Thumb code).
   IT blocks (Thumb): a slot whose condition fails never reaches this hook, yet it is an
   instruction (QEMU's -icount counts it).  So an IT instruction counts its whole block and the
   slots count nothing; a block that would pass the limit is not entered (the machine runs
   exactly up to the limit with an `until` address inside it, `partial` set, and leaves the
   rest of the block pending); pending slots count when the code comes back to them (a hook
   never sees the IT state: Unicorn clears it when a translated block starts). */
void vt_icount_insn(void *uc, uint64_t address, uint32_t size, struct vt_icount *s)
{
    const uint32_t *e = 0;
    if (s->it_hi) {
        if (address >= s->it_lo && address < s->it_hi)
            return;
        s->it_hi = 0;
    }
    if (s->pend_hi) {
        if (address >= s->pend_lo && address <= s->pend_hi) {
            uint64_t end = s->pend_hi;
            s->count += s->pend_n;
            s->pend_hi = 0;
            if (address < end) {
                /* a slot: counted with the rest of the block */
                s->it_lo = address;
                s->it_hi = end;
                return;
            }
            /* the instruction after the block: the slots left all failed their condition */
        } else if (address == s->pend_it) {
            s->pend_hi = 0;
        }
    }
    if (s->count >= s->limit) {
        s->reason = 1;
        s->emu_stop(uc);
        return;
    }
    if (s->watch_mask && vt_unmasked(uc, s)) {
        s->reason = 2;
        s->emu_stop(uc);
        return;
    }
    if (size == 2 && s->it_table && (e = vt_it_block(s, (uint32_t)address))) {
        /* an IT instruction: the block is counted now */
        if (!s->partial && s->count + 1 + e[2] > s->limit) {
            s->reason = 1;
            s->emu_stop(uc);
            return;
        }
        s->partial = 0;
        s->count += e[2];
        s->it_lo = address + 2;
        s->it_hi = e[1];
    }
    s->block_start = address;
    s->block_base = s->count;
    s->count++;
}

/* the whole rule of vt_icount_block, out of line */
__attribute__((noinline, cold))
static void vt_icount_block_slow(void *uc, uint64_t address, uint64_t n, uint32_t thumb, struct vt_icount *s)
{
    if (s->no_exit)
        *s->no_exit = 1;
    if (s->watch_mask && vt_unmasked(uc, s)) {
        s->reason = 2;
        s->emu_stop(uc);
        return;
    }
    if (!s->partial && s->count + n > s->limit) {
        s->reason = 1;
        s->emu_stop(uc);
        return;
    }
    s->partial = 0;
    s->block_start = address;
    s->block_base = s->count;
    s->block_thumb = thumb;
    s->count += n;
}

/* UC_HOOK_BLOCK: one call per translated block of A32 code (4-byte instructions); a stop
   requested here happens before the block runs.  Called for every block the guest runs:
   the common case (no watch, limit not reached) is kept free of calls, so that it needs no
   stack frame; everything else goes to the out-of-line copy of the full rule. */
void vt_icount_block(void *uc, uint64_t address, uint32_t size, struct vt_icount *s)
{
    uint64_t n = size / 4;
    uint64_t base = s->count;
    if (__builtin_expect(s->watch_mask != 0 || base + n > s->limit, 0)) {
        vt_icount_block_slow(uc, address, n, 0, s);
    } else {
        s->partial = 0;
        s->block_start = address;
        s->block_base = base;
        s->count = base + n;
    }
    vt_block_start_check(uc);
}

/* Thumb instruction lengths: a halfword whose top five bits are 0b11101, 0b11110 or 0b11111
   starts a 32-bit instruction (A6.1; on Thumb-2 CPUs, QEMU's thumb_insn_is_16bit), any other
   is a 16-bit instruction.  The instructions in [start, end) of Thumb code, read through the
   MMU, starting in IT state `it` (CPSR.IT); -1 if unreadable.  *last_slot (if given): the last
   one is a slot of an IT block (QEMU's condexec_mask, advanced as thumb_tr_translate_insn does). */
static int64_t vt_thumb_scan(void *uc, struct vt_icount *s, uint64_t start, uint64_t end, uint32_t it,
                             uint32_t *last_slot)
{
    uint8_t buf[4096];
    int64_t n = 0;
    uint32_t mask = (it & 0xf) << 1, slot = 0;
    while (start < end) {
        uint32_t len = end - start > sizeof buf ? sizeof buf : (uint32_t)(end - start), off = 0;
        if (s->vmem_read(uc, start, 4 /* UC_PROT_EXEC */, buf, len) != 0)
            return -1;
        while (off < len) {   /* (a 32-bit instruction may end past the chunk: off moves past it) */
            uint32_t hw = buf[off] | (uint32_t)buf[off + 1] << 8;
            slot = mask != 0;
            if (!slot && (hw & 0xff00) == 0xbf00 && (hw & 0xf))
                mask = hw & 0x1f;   /* IT */
            if (mask)
                mask = (mask << 1) & 0x1f;
            off += (hw >> 11) >= 0x1d ? 4 : 2;
            n++;
        }
        start += off;
    }
    if (last_slot)
        *last_slot = slot;
    return n;
}

int64_t vt_thumb_count(void *uc, struct vt_icount *s, uint64_t start, uint64_t end)
{
    return vt_thumb_scan(uc, s, start, end, 0, 0);
}

/* forget the blocks the table has at addresses in [lo, hi) (their code may change) */
void vt_forget_range(struct vt_icount *s, uint64_t lo, uint64_t hi)
{
    uint64_t a;
    if (hi - lo >= 2 * (uint64_t)(s->blk_mask + 1)) {
        for (a = 0; a <= s->blk_mask; a++)
            s->blk_table[4 * a] = 0;
        return;
    }
    for (a = lo & ~(uint64_t)1; a < hi; a += 2) {
        uint32_t *e = s->blk_table + 4 * (((uint32_t)a >> 1) & s->blk_mask);
        if (e[0] == ((uint32_t)a | 1))
            e[0] = 0;
    }
}

/* a block not in the table: ask the CPU for its state (A32 or Thumb), and for Thumb read its
   code back to count its instructions.  -1: unreadable; -2: a new A32 block while it_latch is
   set (the machine clears Unicorn's IT flag and has it translated again) */
__attribute__((noinline, cold))
static int vt_block_learn(void *uc, uint64_t address, uint32_t size, struct vt_icount *s, uint32_t *e)
{
    uint32_t cpsr = 0, n, slot = 0;
    int64_t k;
    s->reg_read(uc, s->cpsr_reg, &cpsr);
    if (cpsr & 0x20) {
        k = vt_thumb_scan(uc, s, address, address + size, ((cpsr >> 25) & 3) | ((cpsr >> 8) & 0xfc), &slot);
        if (k < 0)
            return -1;
        n = (uint32_t)k;
    } else {
        if (s->it_latch)
            return -2;
        n = size / 4;
    }
    e[0] = (uint32_t)address | 1;
    e[1] = size;
    e[2] = n;
    e[3] = ((cpsr >> 5) & 1) | slot << 1;
    return 0;
}

/* UC_HOOK_BLOCK for code with Thumb in it (CPUs with Thumb-2): the rule of vt_icount_block,
   with each block's instruction count from the table (learnt the first time a block runs).
   Every instruction of a Thumb block counts, the slots of an IT block whose condition fails
   included, as QEMU's -icount counts a translated block. */
void vt_icount_mixed(void *uc, uint64_t address, uint32_t size, struct vt_icount *s)
{
    uint32_t *e = s->blk_table + 4 * (((uint32_t)address >> 1) & s->blk_mask);
    uint64_t n, base = s->count;
    if (s->no_exit)
        *s->no_exit = 1;
    if (__builtin_expect(e[0] != ((uint32_t)address | 1) || e[1] != size, 0)) {
        int r = vt_block_learn(uc, address, size, s, e);
        if (r < 0) {
            if (r == -1)
                s->blk_unread = (uint32_t)address | 1;
            s->reason = r == -1 ? 3 : 4;
            s->emu_stop(uc);
            goto check;
        }
    }
    n = e[2];
    if ((e[3] & 2) && !s->no_exit)
        s->it_latch = (uint32_t)address | 1;
    if (__builtin_expect(s->watch_mask != 0 || base + n > s->limit, 0)) {
        vt_icount_block_slow(uc, address, n, e[3] & 1, s);
        goto check;
    }
    s->partial = 0;
    s->block_start = address;
    s->block_base = base;
    s->block_thumb = e[3] & 1;
    s->count = base + n;
check:
    vt_block_start_check(uc);
}

/* UC_HOOK_BLOCK that makes the block-start check and nothing else: the floor of a counter with
   the check folded into it (bench/bench_unicorn_floor.py, cfold) */
void vt_exit_only(void *uc, uint64_t address, uint32_t size, void *user)
{
    (void)address;
    (void)size;
    (void)user;
    vt_block_start_check(uc);
}

void vt_tcg_gen_callN(void *s, void *func, void *ret, int nargs, void **args)
{
    if (vt_counter_emitted) {
        vt_counter_emitted = 0;
        if (func == vt_exit_helper) {
            vt_folds++;
            return;   /* the counter just emitted makes this check */
        }
    }
    if (func == (void *)vt_icount_block || func == (void *)vt_icount_mixed || func == (void *)vt_exit_only)
        vt_counter_emitted = 1;
    vt_real_callN(s, func, ret, nargs, args);
}

/* UC_HOOK_EDGE_GENERATED, with per-block counting (which takes a block's size / 4 as its
   instruction count): Unicorn links block ``prev`` to block ``cur`` and is about to run ``cur``.
   A block whose instructions are not all 4 bytes long is Thumb code the loader did not see
   (a raw image, code loaded at run time): stop before it runs, so that the machine counts
   instruction by instruction from there (``Machine.run``). */
void vt_icount_edge(void *uc, const struct vt_uc_tb *cur, const struct vt_uc_tb *prev, struct vt_icount *s)
{
    (void)prev;
    if ((uint32_t)cur->icount * 4 != cur->size) {
        if (s->no_exit)
            *s->no_exit = 1;   /* (the Thumb translator changed it) */
        if (!s->thumb_seen) {
            s->thumb_seen = (uint32_t)cur->pc | 1;
            if (s->limit > s->count)
                s->limit = s->count;
        }
    }
}
"""


class IcountState(ctypes.Structure):
    _fields_ = [
        ("count", ctypes.c_uint64),
        ("limit", ctypes.c_uint64),
        ("block_start", ctypes.c_uint64),
        ("block_base", ctypes.c_uint64),
        ("watch_mask", ctypes.c_uint32),
        ("reason", ctypes.c_uint32),
        ("cpsr_reg", ctypes.c_int32),
        ("partial", ctypes.c_uint32),
        ("emu_stop", ctypes.c_void_p),
        ("reg_read", ctypes.c_void_p),
        ("it_lo", ctypes.c_uint64),
        ("it_hi", ctypes.c_uint64),
        ("it_table", ctypes.c_void_p),
        ("it_mask", ctypes.c_uint32),
        ("pend_lo", ctypes.c_uint64),
        ("pend_hi", ctypes.c_uint64),
        ("pend_it", ctypes.c_uint64),
        ("pend_n", ctypes.c_uint32),
        ("thumb_seen", ctypes.c_uint32),
        ("watch_value", ctypes.c_uint32),
        ("blk_table", ctypes.c_void_p),
        ("blk_mask", ctypes.c_uint32),
        ("block_thumb", ctypes.c_uint32),
        ("vmem_read", ctypes.c_void_p),
        ("blk_unread", ctypes.c_uint32),
        ("it_latch", ctypes.c_uint32),
        ("no_exit", ctypes.c_void_p),
    ]


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "vtrans"


_lib: ctypes.CDLL | None = None
_lib_failed = False


def _load_library() -> ctypes.CDLL | None:
    """Compile (once) and load the C hook; None if no C compiler is available."""
    global _lib, _lib_failed
    if _lib is not None or _lib_failed:
        return _lib
    digest = hashlib.sha256(_C_SOURCE.encode()).hexdigest()[:16]
    target = _cache_dir() / f"icount-{digest}.so"
    if not target.exists():
        cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
        if cc is None:
            log.warning("no C compiler: counting instructions with a Python hook (slow)")
            _lib_failed = True
            return None
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory() as tmp:
                src = Path(tmp) / "icount.c"
                src.write_text(_C_SOURCE)
                out = Path(tmp) / "icount.so"
                subprocess.run([cc, "-O2", "-shared", "-fPIC", "-o", str(out), str(src)],
                               check=True, capture_output=True, timeout=60)
                # atomic: concurrent processes may build the same file
                fd, tmpname = tempfile.mkstemp(dir=target.parent, suffix=".so")
                os.close(fd)
                shutil.copyfile(out, tmpname)
                os.replace(tmpname, target)
        except (OSError, subprocess.SubprocessError) as e:
            log.warning("could not build the instruction-count hook (%s): using a Python hook (slow)", e)
            _lib_failed = True
            return None
    _lib = ctypes.CDLL(str(target))
    from vtrans.runtime import ucinternals

    ucinternals.fold_block_start_check(_lib)
    return _lib


class IcountHook:
    """The instruction counter of one Unicorn instance.

    Two granularities, same numbers:

    * ``per_block=True`` (A32 code): a block hook adds the block's instruction
      count when the block is entered and refuses to enter a block that would pass
      ``limit`` (the machine then runs exactly the remaining instructions with an
      ``until`` address and ``partial`` set).  One C call per block: cheap.
    * ``per_block=False`` (images with Thumb code, whose blocks do not tell their
      instruction count): a code hook counts each instruction.

    When something leaves a block early (an exception, a hook that redirects PC)
    the machine calls ``retire_through(pc)``; mid-block readers use ``now_at(pc)``.
    An instruction that raises an exception counts as executed.
    """

    #: blocks the per-block Thumb counter remembers (direct-mapped: a collision costs a re-learn)
    BLOCK_TABLE = 1 << 16

    def __init__(self, uc: unicorn.Uc, per_block: bool = True, thumb_blocks: bool = False):
        self.uc = uc
        self.state = IcountState()
        self.state.limit = 0
        self.state.cpsr_reg = arm_const.UC_ARM_REG_CPSR
        self._handle = ctypes.c_size_t()  # uc_hook
        self._it_blocks: dict[int, tuple[int, int]] = {}
        self._slots: dict[int, tuple[int, int, int, int]] = {}
        lib = _load_library()
        self.native = lib is not None
        self.per_block = per_block and self.native
        #: counting per block in Thumb code too (``vt_icount_mixed``; CPUs with Thumb-2 only:
        #: a Thumb-1 CPU may run a BL pair as two instructions)
        self.thumb_blocks = thumb_blocks and self.per_block
        self._lib = lib
        if self.native:
            # a second handle on the already-loaded libunicorn, so that our
            # declarations do not touch the bindings' own function prototypes
            from unicorn.unicorn_py3.unicorn import uclib

            core = ctypes.CDLL(uclib._name)
            self._core = core
            self.state.emu_stop = ctypes.cast(core.uc_emu_stop, ctypes.c_void_p).value
            self.state.reg_read = ctypes.cast(core.uc_reg_read, ctypes.c_void_p).value
            core.uc_hook_add.restype = ctypes.c_int
            self._edge_handle = ctypes.c_size_t()
            if self.thumb_blocks:
                self._blocks = (ctypes.c_uint32 * (4 * self.BLOCK_TABLE))()
                self.state.blk_table = ctypes.cast(self._blocks, ctypes.c_void_p)
                self.state.blk_mask = self.BLOCK_TABLE - 1
                self.state.vmem_read = ctypes.cast(core.uc_vmem_read, ctypes.c_void_p).value
                lib.vt_thumb_count.restype = ctypes.c_int64
                lib.vt_thumb_count.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint64]
            self.install(uc._uch)
        else:
            self._py_handle = uc.hook_add(unicorn.UC_HOOK_CODE, self._py_hook)

    def set_it_blocks(self, blocks: list[tuple[int, list[int], int]]) -> None:
        """The image's IT blocks, ``(IT address, its slots' addresses, end of the last slot)``
        (per-instruction counting only: see the C hook)."""
        self._known_its = {b[0]: b for b in blocks}
        self._found_its: dict[int, tuple[int, list[int], int]] = {}
        self._build_it_table()

    def add_it_blocks(self, blocks: list[tuple[int, list[int], int]]) -> None:
        """IT blocks found in code as the CPU fetched it (``Machine._scan_code_page``): any
        halfword that reads as an IT instruction, since an IT candidate that is not one (part
        of a 32-bit instruction, data) is never executed as a 16-bit instruction at its address,
        the only place the counter looks it up.  The image's own blocks keep precedence."""
        found = getattr(self, "_found_its", None)
        if found is None:
            self._known_its, found = {}, {}
            self._found_its = found
        new = [b for b in blocks if b[0] not in self._known_its and found.get(b[0]) != b]
        if new:
            found.update((b[0], b) for b in new)
            self._build_it_table()

    def _build_it_table(self) -> None:
        blocks = list(self._known_its.values()) + list(self._found_its.values())
        if not blocks:
            return
        size = 1 << max(4, (2 * len(blocks) - 1).bit_length())
        table = (ctypes.c_uint32 * (3 * size))()
        for address, slots, end in blocks:
            i = (address >> 1) & (size - 1)
            while table[3 * i]:
                i = (i + 1) & (size - 1)
            table[3 * i:3 * i + 3] = [address | 1, end, len(slots)]
        self._it_table = table        # (kept alive: the C hook reads it)
        self._it_blocks = {a: (end, len(slots)) for a, slots, end in blocks}
        # slot -> (IT address, end of the block, slots from it to the end, the next slot or end)
        self._slots = {}
        for it, slots, end in blocks:   # (the image's blocks first: they win a shared slot)
            for i, a in enumerate(slots):
                self._slots.setdefault(a, (it, end, len(slots) - i, (slots + [end])[i + 1]))
        self.state.it_table = ctypes.cast(table, ctypes.c_void_p)
        self.state.it_mask = size - 1

    def _py_hook(self, uc: unicorn.Uc, address: int, size: int, _user) -> None:
        """The C hook's rule (``vt_icount_insn``), in Python."""
        s = self.state
        if s.it_hi:
            if s.it_lo <= address < s.it_hi:
                return
            s.it_hi = 0
        if s.pend_hi:
            if s.pend_lo <= address <= s.pend_hi:
                end = s.pend_hi
                s.count += s.pend_n
                s.pend_hi = 0
                if address < end:
                    s.it_lo, s.it_hi = address, end
                    return
            elif address == s.pend_it:
                s.pend_hi = 0
        if s.count >= s.limit:
            s.reason = STOP_LIMIT
            uc.emu_stop()
            return
        if s.watch_mask:
            if (uc.reg_read(arm_const.UC_ARM_REG_CPSR) & s.watch_mask) != s.watch_value:
                s.reason = STOP_UNMASK
                uc.emu_stop()
                return
        block = self._it_blocks.get(address) if size == 2 else None
        if block is not None:
            if not s.partial and s.count + 1 + block[1] > s.limit:
                s.reason = STOP_LIMIT
                uc.emu_stop()
                return
            s.partial = 0
            s.count += block[1]
            s.it_lo, s.it_hi = address + 2, block[0]
        s.block_start = address
        s.block_base = s.count
        s.count += 1

    def _slots_from(self, pc: int) -> int:
        """Slots of the IT block being run, counted already, from ``pc`` on (0 outside one)."""
        s = self.state
        slot = self._slots.get(pc)
        if not s.it_hi or not s.it_lo <= pc < s.it_hi or slot is None:
            return 0
        return slot[2]

    def stop_in_it_block(self, pc: int) -> None:
        """The CPU stopped at ``pc`` inside an IT block it counted, before running the slot there
        (a run bounded by ``until``, an instruction that will run again): the slots from ``pc``
        on are pending, counted when the code comes back to them."""
        s = self.state
        n = self._slots_from(pc)
        s.it_hi = 0
        if n:
            it, end, _, _ = self._slots[pc]
            s.count -= n
            s.pend_lo, s.pend_hi, s.pend_it, s.pend_n = pc, end, it, n

    def leave_it_block(self, pc: int) -> None:
        """The instruction at ``pc`` was the last to run for now (an exception leaves the code
        there): the slots after it in its IT block, if any, are pending."""
        s = self.state
        n = self._slots_from(pc)
        if n > 1:
            self.stop_in_it_block(self._slots[pc][3])
        else:
            s.it_hi = 0

    def install(self, uch) -> None:
        """Install the C counting hook on the Unicorn handle ``uch`` (and, counting per block,
        the edge hook that notices Thumb blocks: ``vt_icount_edge``)."""
        lib, core = self._lib, self._core
        user = ctypes.cast(ctypes.byref(self.state), ctypes.c_void_p)
        if self.thumb_blocks:
            hooks = [(self._handle, unicorn.UC_HOOK_BLOCK, lib.vt_icount_mixed)]
        elif self.per_block:
            hooks = [(self._handle, unicorn.UC_HOOK_BLOCK, lib.vt_icount_block)]
        else:
            hooks = [(self._handle, unicorn.UC_HOOK_CODE, lib.vt_icount_insn)]
        if self.per_block and not self.thumb_blocks:
            hooks.append((self._edge_handle, unicorn.UC_HOOK_EDGE_GENERATED, lib.vt_icount_edge))
        for handle, kind, fn in hooks:
            # uc_hook_add(uc, &hh, type, callback, user_data, begin, end): variadic in C, so
            # declare nothing and pass correctly sized ctypes values
            err = core.uc_hook_add(uch, ctypes.byref(handle), ctypes.c_int(kind), ctypes.cast(fn, ctypes.c_void_p),
                                   user, ctypes.c_uint64(1), ctypes.c_uint64(0))
            if err != 0:
                raise unicorn.UcError(err)

    def remove(self, uch=None) -> None:
        """Uninstall the counting hooks (the machine replaces them with the other granularity;
        a hypervisor's world switch takes a VM's off the shared CPU)."""
        if self.native:
            uch = self.uc._uch if uch is None else uch
            self._core.uc_hook_del(uch, self._handle)
            if self.per_block and not self.thumb_blocks:
                self._core.uc_hook_del(uch, self._edge_handle)
        else:
            self.uc.hook_del(self._py_handle)

    @property
    def count(self) -> int:
        return self.state.count

    def set_fast_exits(self, on: bool) -> bool:
        """Counting per block, have A32 blocks translated without Unicorn's exit check after
        each load and store (``ucinternals``); True if they are from now on.  Off: the flag
        is cleared, for blocks translated from now on (the caller drops those translated
        before)."""
        from vtrans.runtime import ucinternals

        address = ucinternals.no_exit_address(self.uc) if on and self.per_block else None
        self.state.no_exit = address
        ucinternals.set_no_exit(self.uc, address is not None)
        return address is not None

    @property
    def fast_exits(self) -> bool:
        return bool(self.state.no_exit)

    def forget_blocks(self, lo: int = 0, hi: int = 1 << 32) -> None:
        """Translated blocks at [lo, hi) were dropped (their code may have changed, a page was
        scanned again): the per-block Thumb counter learns them again when they run (and so
        sees an A32 one translated anew: ``STOP_IT_LATCH``)."""
        if self.thumb_blocks:
            self._lib.vt_forget_range(ctypes.byref(self.state), ctypes.c_uint64(lo), ctypes.c_uint64(hi))

    def _index_in_block(self, pc: int) -> int | None:
        """How many instructions of the current block come before ``pc`` (None if ``pc`` is
        not in it)."""
        s = self.state
        off = pc - s.block_start
        if off < 0:
            return None
        if s.block_thumb:
            if off > 4 * (s.count - s.block_base):
                return None
            index = self._lib.vt_thumb_count(self.uc._uch, ctypes.byref(s), s.block_start, pc)
            if index < 0:
                return None
        else:
            index = off >> 2
        return index if s.block_base + index < s.count else None

    def now_at(self, pc: int) -> int:
        """Instructions executed once the instruction at ``pc`` (in the current block) has run."""
        s = self.state
        if not self.per_block:
            return s.count - max(self._slots_from(pc) - 1, 0)
        index = self._index_in_block(pc)
        return s.count if index is None else s.block_base + index + 1

    def retire_through(self, pc: int) -> None:
        """The block is left after the instruction at ``pc``: forget the rest of it."""
        s = self.state
        if self.per_block:
            s.count = self.now_at(pc)
            s.block_base = s.count
            s.block_start = 0xFFFFFFFFFFFFFFFF
        else:
            self.leave_it_block(pc)

    def retire_before(self, pc: int) -> None:
        """The instruction at ``pc`` stopped before any of its effects and will run again: count
        only the instructions before it."""
        s = self.state
        if self.per_block:
            index = self._index_in_block(pc)
            if index is not None:
                s.count = s.block_base + index
            s.block_base = s.count
            s.block_start = 0xFFFFFFFFFFFFFFFF
        elif self._slots_from(pc):
            self.stop_in_it_block(pc)   # (its IT counted it: it is pending with the rest)
        else:
            s.count -= 1  # the per-instruction hook counted it as it began

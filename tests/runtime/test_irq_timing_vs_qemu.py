"""Timer interrupts land on QEMU's instruction: random timers interrupting a busy loop.

Each program (random per seed) programs the board's first SP804 timer -- load, prescaler,
periodic / free-running / one-shot, 16 or 32 bits -- or, on ``virt``, the Cortex-A15's generic
timer (re-armed by the handler), routes its interrupt through the board's
interrupt controller (the PL190 VIC, or the GIC), unmasks IRQs and runs a loop of random
arithmetic, memory accesses and reads of the timer's counter.  The IRQ handler records, for
each interrupt, the address of the instruction it interrupted, the loop's iteration count and
the timer's counter; the program prints them at the end.  QEMU runs with ``-icount shift=3``
(vtrans's clock); natively, under trap-and-emulate, in bt and pre-virtualized vtrans must interrupt the same
instruction of the same iteration, every time.
"""

from __future__ import annotations

import random

import pytest

from guestlib import guest_console, qemu_reference, vtrans_run_in
from tests.conftest import CAMPAIGN_CASES

#: board: (SP804 base, interrupt controller, its interrupt number / VIC line, GIC distributor,
#: GIC CPU interface, priority mask that lets everything through)
BOARDS = {
    "versatilepb": (0x101E2000, "vic", 4, None, None, 0),
    "realview-pb-a8": (0x10011000, "gic", 32 + 4, 0x1E001000, 0x1E000000, 0xFF),
    "vexpress-a9": (0x10011000, "gic", 32 + 2, 0x1E001000, 0x1E000100, 0xF8),
    # the Cortex-A15's generic timer (cp15: CNTP_TVAL/CTL, CNTPCT), PPI 30 of the GICv2
    "virt": (None, "gic", 30, 0x08000000, 0x08010000, 0xFF),
}
VIC = 0x10140000
TICKS = 12
ITERATIONS = 30000


def _eret(cpsr: int, label: str) -> list[str]:
    """To the next instruction with CPSR = ``cpsr``, by an exception return."""
    return [f"        msr spsr_cxsf, #0x{cpsr:x}", f"        adr lr, {label}f", "        movs pc, lr", f"{label}:"]


def _eret_thumb(cpsr: int, label: str) -> list[str]:
    """``_eret`` from Thumb code, to ARM code at ``label`` (Thumb has no ``msr`` immediate)."""
    return ["        .thumb", f"        mov r0, #0x{cpsr:x}", "        msr spsr_cxsf, r0", f"        adr lr, {label}f",
            "        subs pc, lr, #0", "        .arm", f"{label}:"]


def program(board: str, seed: int, thumb: bool = False) -> tuple[str, bool]:
    """The program's source, and whether its timer is periodic (a free-running or one-shot one
    may not interrupt the loop at all: free-running, it starts from 0xffff(ffff)).  ``thumb``:
    the loop is Thumb code (entered and left by exception returns) with IT blocks, and ``wfi``
    when the timer is periodic."""
    rng = random.Random(seed)
    timer, kind, irq, gicd, gicc, pmr = BOARDS[board]
    mode = rng.choice(["periodic", "periodic", "free", "oneshot"])
    control = 0x80 | 0x20 | {"periodic": 0x40, "free": 0, "oneshot": 1}[mode]
    control |= rng.choice([0x02, 0x02, 0x00])                  # 32 or 16 bits
    prescale = rng.choice([0, 0, 1])                            # 1 or 16
    control |= prescale << 2
    load = rng.randrange(10, 200) if prescale == 0 else rng.randrange(2, 20)
    generic = timer is None
    if generic:   # 62.5 MHz (16 ns) against 8 ns an instruction; re-armed by the handler
        mode, load = "periodic", rng.randrange(500, 20000)
    counter = "mrrc p15, 0, r6, r7, c14" if generic else "ldr r6, [r9, #4]"   # CNTPCT / TimerValue
    body = []
    for _ in range(rng.randrange(3, 12)):
        k = rng.random()
        if k < 0.5:
            body.append(rng.choice(["add r5, r5, r4", "eor r6, r6, r5, ror #3", "mul r7, r5, r6",
                                    "sub r5, r5, #7", "orr r6, r6, r4, lsl #2", "mov r7, r6, lsr #1"]))
        elif k < 0.8:
            body.append(rng.choice(["ldr r7, [r10, #8]", "str r5, [r10, #12]", "ldrb r6, [r10, #3]",
                                    "strh r7, [r10, #6]"]))
        else:
            body.append(counter)                                # the timer's counter
        if thumb and rng.random() < 0.3:
            # an IT block: an interrupt may land inside it (SPSR.IT keeps the rest of the block),
            # and slots whose condition fails are instructions all the same
            body.append(rng.choice(["cmp r5, r6\n        ite hi\n        addhi r5, r5, #3\n        subls r6, r6, #1",
                                    "tst r4, #1\n        itt ne\n        eorne r7, r7, r5\n        addne r5, r5, #1",
                                    "cmp r7, r5\n        it lo\n        movlo r7, r4",
                                    "tst r4, #2\n        itete eq\n        addeq r5, r5, #1\n        subne r5, r5, #1"
                                    "\n        eoreq r6, r6, r4\n        movne r6, r5"]))
        if thumb and mode == "periodic" and rng.random() < 0.1:
            body.append("wfi")                                  # idle until the next tick
    v7 = board != "versatilepb"
    if kind == "vic":
        setup = [f"ldr r0, =0x{VIC:08x}", "mov r1, #0", "str r1, [r0, #0x0c]", f"mov r1, #1 << {irq}",
                 "str r1, [r0, #0x10]"]
        ack = []
    else:
        setup = [f"ldr r0, =0x{gicd:08x}", "mov r1, #1", "str r1, [r0]",
                 f"ldr r1, =0x{1 << (irq % 32):08x}", f"str r1, [r0, #0x100 + {4 * (irq // 32)}]",
                 f"ldr r0, =0x{gicc:08x}", f"mov r1, #0x{pmr:x}", "str r1, [r0, #4]", "mov r1, #1", "str r1, [r0]"]
        ack = [f"ldr r0, =0x{gicc:08x}", "ldr r1, [r0, #0x0c]", "str r1, [r0, #0x10]"]   # IAR, then EOIR
    lines = [
        "        .syntax unified",
        *(["        .arch armv7-a"] if thumb else []),
        "        .arm",
        "        .global _start",
        # (modes and masks change by exception returns, which trap when the kernel runs
        # deprivileged: the program runs under trap-and-emulate too)
        "_start: ldr sp, =SCRATCH + 0x10000",
        *_eret(0xD2, "0"),
        "        ldr sp, =SCRATCH + 0x20000",
        *_eret(0xD3, "1"),
        "        ldr r0, =vectors",
    ]
    if v7:
        lines += ["        mcr p15, 0, r0, c12, c0, 0"]
    else:
        lines += ["        mov r1, #0", "        ldm r0!, {r2-r8, r10}", "        stm r1!, {r2-r8, r10}",
                  "        ldm r0!, {r2-r8, r10}", "        stm r1!, {r2-r8, r10}"]
    lines += [f"        {x}" for x in setup]
    lines += [
        *([f"        ldr r1, ={load}",
           "        mcr p15, 0, r1, c14, c2, 0",                 # CNTP_TVAL
           "        mov r1, #1",
           "        mcr p15, 0, r1, c14, c2, 1"]                 # CNTP_CTL: enabled, not masked
          if generic else
          [f"        ldr r9, =0x{timer:08x}",
           f"        ldr r1, ={load}",
           "        str r1, [r9]",                               # Load
           f"        mov r1, #0x{control:x}",
           "        str r1, [r9, #8]"]),                         # Control: start
        "        ldr r10, =scratch",
        "        mov r4, #0",
        "        mov r5, #1",
        "        mov r6, #2",
        *(_eret(0x53, "2") if not thumb else                    # IRQs on
          ["        msr spsr_cxsf, #0x73", "        adr lr, 2f + 1", "        movs pc, lr", "        .thumb", "2:"]),
        "loop:",
        *[f"        {x}" for x in body],
        "        add r4, r4, #1",
        "        ldr r0, =ticks",
        "        ldr r0, [r0]",
        f"        cmp r0, #{TICKS}",
        "        bhs done",
        f"        ldr r0, ={ITERATIONS}",
        "        cmp r4, r0",
        "        blo loop",
        "done:",
        *(_eret(0xD3, "3") if not thumb else _eret_thumb(0xD3, "3")),
        "        mov r1, #0",
        "        mcr p15, 0, r1, c14, c2, 1" if generic else "        str r1, [r9, #8]",   # stop the timer
        "        ldr r8, =ticks",
        "        ldr r8, [r8]",
        "        mov r0, r8",
        "        bl puthex",
        "        ldr r7, =records",
        "1:      cmp r8, #0",
        "        beq 2f",
        "        ldr r0, [r7], #4",
        "        bl puthex",
        "        ldr r0, [r7], #4",
        "        bl puthex",
        "        ldr r0, [r7], #4",
        "        bl puthex",
        "        sub r8, r8, #1",
        "        b 1b",
        "2:      mov r0, r4",
        "        bl puthex",
        "        mov r0, #0x18",
        "        ldr r1, =0x20026",
        "        svc 0x123456",
        "irq:    sub lr, lr, #4",
        "        push {r0-r3, lr}",
        "        ldr r0, =ticks",
        "        ldr r1, [r0]",
        f"        cmp r1, #{TICKS}",
        "        bhs 3f",
        "        ldr r2, =records",
        "        add r2, r2, r1, lsl #3",
        "        add r2, r2, r1, lsl #2",
        "        str lr, [r2]",                                  # the interrupted instruction
        "        str r4, [r2, #4]",                              # the iteration
        "        mrc p15, 0, r3, c14, c2, 0" if generic else "        ldr r3, [r9, #4]",
        "        str r3, [r2, #8]",                              # the timer's counter (CNTP_TVAL)
        "3:      add r1, r1, #1",
        "        str r1, [r0]",
        *([f"        ldr r1, ={load}", "        mcr p15, 0, r1, c14, c2, 0"] if generic   # re-armed
          else ["        mov r1, #1", "        str r1, [r9, #0x0c]"]),                   # IntClr
        *[f"        {x}" for x in ack],
        "        ldm sp!, {r0-r3, pc}^",
        "        .ltorg",
        '        .include "puthex.inc"',
        '        .include "vectors.inc"',
        "        vector_table irq=irq",
        "        .data",
        "ticks:  .word 0",
        f"records: .space {12 * TICKS}",
        "scratch: .space 64",
    ]
    return "\n".join(lines) + "\n", mode == "periodic"


PROGRAMS = max(1, CAMPAIGN_CASES // 15)


def _lands_where_qemu_takes_them(board: str, seed: int, mode: str, thumb: bool, guest_builder, qemu_arm) -> None:
    text, periodic = program(board, seed, thumb=thumb)
    image = guest_builder.build_text(text, board, f"irq_timing_{'thumb_' if thumb else ''}{board}_{seed}")
    ref = qemu_reference(qemu_arm, image, board, icount_shift=3)
    expected = ref.semihost.decode()
    # (a periodic timer interrupts the loop; a free-running one reloads 0xffff(ffff) and may not)
    assert int(expected.split()[0], 16) >= 1 or not periodic
    got = vtrans_run_in(image, board, mode)
    assert got.returncode == 0, got.stderr.decode()[-500:]
    assert guest_console(got) == expected, (f"{board} seed {seed}, {mode}{', Thumb loop' if thumb else ''} (ticks, "
                                            f"then per interrupt: interrupted instruction, iteration, timer "
                                            f"counter; then the iterations run)\nqemu:\n{expected}\n"
                                            f"vtrans:\n{guest_console(got)}")


@pytest.mark.campaign
@pytest.mark.qemu
@pytest.mark.gnu
@pytest.mark.parametrize("mode", ["native", "trap"])
@pytest.mark.parametrize("seed", range(1, PROGRAMS + 1))
@pytest.mark.parametrize("board", sorted(b for b in BOARDS if b != "versatilepb"))
def test_timer_interrupts_land_in_thumb_code_where_qemu_takes_them(board: str, seed: int, mode: str,
                                                                   guest_builder, qemu_arm) -> None:
    """The loop in Thumb state, with IT blocks and WFI (ARMv7 boards: the ARM926 has no
    Thumb-2): interrupts taken from Thumb state, inside IT blocks, and returned from by
    ``ldm ^`` into Thumb state, natively and under trap-and-emulate."""
    _lands_where_qemu_takes_them(board, seed, mode, True, guest_builder, qemu_arm)


@pytest.mark.campaign
@pytest.mark.qemu
@pytest.mark.gnu
@pytest.mark.parametrize("mode", ["native", "bt", "trap", "previrt:hypercall"])
@pytest.mark.parametrize("seed", range(1, PROGRAMS + 1))
@pytest.mark.parametrize("board", sorted(BOARDS))
def test_timer_interrupts_land_where_qemu_takes_them(board: str, seed: int, mode: str, guest_builder,
                                                     qemu_arm) -> None:
    _lands_where_qemu_takes_them(board, seed, mode, False, guest_builder, qemu_arm)


@pytest.mark.qemu
@pytest.mark.gnu
@pytest.mark.parametrize("mode", ["native", "trap"])
def test_interrupt_right_after_an_it_block_enters_working_a32_code(mode: str, guest_builder, qemu_arm) -> None:
    """Seed 20 on virt: the first timer deadline falls right after the last slot of an IT block,
    so the run to it ends there.  Unicorn 2.1.4 then still believed it was translating an IT
    block, and the A32 vector and handler it translated next had no exit checks: the handler's
    intercepted ``mrc`` of the generic timer ran on the CPU's own register (a host-clock value),
    and the interrupts after it landed late.  ``Machine._clear_it_latch`` resets that belief."""
    _lands_where_qemu_takes_them("virt", 20, mode, True, guest_builder, qemu_arm)

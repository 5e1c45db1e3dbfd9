"""Boards against qemu-system-arm: memory maps, load addresses, reset register values,
unassigned-access behaviour.

Every expectation here is produced by QEMU in the same test run: a small guest
(assembled with GNU as/ld, loaded as a raw image at the board's kernel load
address, as ``-kernel`` does) reads a table of registers and prints them on
UART0; the same registers are then read from a freshly built vtrans board and
must be equal.  The memory map is checked against QEMU's own ``info mtree``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from vtrans.errors import UsageError
from vtrans.runtime.boards import KERNEL_LOAD_OFFSET, BoardInstance, Unassigned, board_names, get_board
from vtrans.runtime.clock import VirtualClock

BOARDS = ["versatilepb", "realview-pb-a8", "vexpress-a9", "virt"]

# -- guest-building helpers (shared with test_boards_e2e.py through import) ------------------

PROBE_RUNTIME = r"""
        .syntax unified
        .arm
        .text
        .global _start
_start:
        ldr     sp, =stack_top
        mrs     r0, cpsr                @ give abort and IRQ mode a stack each
        bic     r1, r0, #0x1f
        orr     r2, r1, #0xd7
        msr     cpsr_c, r2
        ldr     sp, =abt_stack_top
        orr     r2, r1, #0xd2
        msr     cpsr_c, r2
        ldr     sp, =irq_stack_top
        msr     cpsr_c, r0
.if HAS_VBAR
        ldr     r0, =vectors            @ ARMv7: VBAR (B4.1.156)
        mcr     p15, 0, r0, c12, c0, 0
.else
        ldr     r0, =vectors            @ ARMv5: exceptions vector at 0, which is RAM
        mov     r1, #0
        ldmia   r0!, {r2-r9}
        stmia   r1!, {r2-r9}
        ldmia   r0!, {r2-r9}
        stmia   r1!, {r2-r9}
.endif
        bl      main
        ldr     r0, =msg_end
        bl      puts
        mov     r0, #0x18               @ semihosting SYS_EXIT, ADP_Stopped_ApplicationExit
        ldr     r1, =0x20026
        svc     0x123456
1:      b       1b

        .balign 32
vectors:
        ldr     pc, v_reset
        ldr     pc, v_undef
        ldr     pc, v_svc
        ldr     pc, v_pabt
        ldr     pc, v_dabt
        nop
        ldr     pc, v_irq
        ldr     pc, v_fiq
v_reset: .word  _start
v_undef: .word  hang
v_svc:   .word  hang
v_pabt:  .word  hang
v_dabt:  .word  dabt
         .word  0
v_irq:   .word  irq_entry
.if HAS_FIQ
v_fiq:   .word  fiq_entry
.else
v_fiq:   .word  hang
.endif
hang:   b       hang

dabt:   @ note the abort and skip the faulting load
        push    {r0, r1}
        ldr     r0, =abort_flag
        mov     r1, #1
        str     r1, [r0]
        pop     {r0, r1}
        subs    pc, lr, #4

irq_entry:
        sub     lr, lr, #4
        push    {r0-r12, lr}
        bl      irq_handler
        ldm     sp!, {r0-r12, pc}^

putc:   @ r0: character (polls UARTFR.TXFF)
        ldr     r1, =UART0
1:      ldr     r2, [r1, #0x18]
        tst     r2, #0x20
        bne     1b
        str     r0, [r1]
        bx      lr

puts:   @ r0: NUL-terminated string
        push    {r4, lr}
        mov     r4, r0
1:      ldrb    r0, [r4], #1
        cmp     r0, #0
        popeq   {r4, pc}
        bl      putc
        b       1b

puthex: @ r0: value, printed as 8 hex digits
        push    {r4, r5, lr}
        mov     r4, r0
        mov     r5, #28
1:      lsr     r0, r4, r5
        and     r0, r0, #15
        cmp     r0, #10
        addlt   r0, r0, #'0'
        addge   r0, r0, #'a' - 10
        bl      putc
        subs    r5, r5, #4
        bge     1b
        pop     {r4, r5, pc}

putkv:  @ r0: string, r1: value -> "string=value\n"
        push    {r4, lr}
        mov     r4, r1
        bl      puts
        mov     r0, #'='
        bl      putc
        mov     r0, r4
        bl      puthex
        mov     r0, #'\n'
        bl      putc
        pop     {r4, pc}
        .ltorg
        .section .rodata
msg_end: .asciz "END\n"
        .text
"""

STACKS = r"""
        .bss
        .balign 8
        .space  4096
stack_top:
        .space  1024
abt_stack_top:
        .space  1024
irq_stack_top:
        .data
        .balign 4
abort_flag: .word 0
"""

DUMP_MAIN = r"""
main:   @ print "address=value" for every word address in the table; '!' marks a data abort
        push    {r4, r5, r6, lr}
        ldr     r4, =table
        ldr     r5, =table_end
        ldr     r6, =abort_flag
2:      cmp     r4, r5
        popeq   {r4, r5, r6, pc}
        ldr     r0, [r4]
        bl      puthex
        mov     r0, #'='
        bl      putc
        mov     r0, #0
        str     r0, [r6]
        ldr     r1, [r4], #4
        ldr     r0, =0x5a5a5a5a
        ldr     r0, [r1]
        bl      puthex
        ldr     r0, [r6]
        cmp     r0, #0
        movne   r0, #'!'
        blne    putc
        mov     r0, #'\n'
        bl      putc
        b       2b
irq_handler:
        bx      lr
        .ltorg
        .data
table:
{table}
table_end:
"""


def require(tool: str, package: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} not found: install the Debian package {package} (see the README's test command)")
    return path


def build_guest(tmp: Path, board: str, body: str, *, symbols: dict[str, int] | None = None) -> tuple[Path, Path]:
    """Assemble and link a probe for ``board``; returns (ELF, raw image for ``-kernel``)."""
    spec = get_board(board)
    uart0 = next(base for base, dev in spec.build(VirtualClock()).devices if dev.name == "uart0")
    defs = {"UART0": uart0, "HAS_VBAR": int(spec.cpu_name != "arm926"), "HAS_FIQ": 0, **(symbols or {})}
    src = "".join(f"        .equ {k}, 0x{v:x}\n" for k, v in defs.items()) + PROBE_RUNTIME + body + STACKS
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "probe.s").write_text(src)
    run = dict(capture_output=True, check=True, cwd=tmp)
    subprocess.run([require("arm-none-eabi-as", "binutils-arm-none-eabi"), "-o", "probe.o", "probe.s"], **run)
    subprocess.run([require("arm-none-eabi-ld", "binutils-arm-none-eabi"), "-Ttext", hex(spec.kernel_load_addr),
                    "-o", "probe.elf", "probe.o"], **run)
    subprocess.run([require("arm-none-eabi-objcopy", "binutils-arm-none-eabi"), "-O", "binary",
                    "probe.elf", "probe.bin"], **run)
    return tmp / "probe.elf", tmp / "probe.bin"


def run_qemu(board: str, image: Path, *, icount_shift: int = 3, timeout: float = 20.0, stdin: bytes = b"",
             extra: tuple[str, ...] = ()) -> str:
    """Run a raw image on qemu-system-arm (deterministic icount, no sleep) and return UART0's output."""
    cmd = [require("qemu-system-arm", "qemu-system-arm"), "-M", board, "-kernel", str(image),
           "-display", "none", "-serial", "stdio", "-monitor", "none",
           "-semihosting-config", "enable=on,target=native",
           "-icount", f"shift={icount_shift},sleep=off"]
    if board == "virt":
        cmd += ["-nic", "none"]
    cmd += extra
    proc = subprocess.run(cmd, capture_output=True, timeout=timeout, input=stdin,
                          env={**os.environ, "QEMU_AUDIO_DRV": "none"})
    out = proc.stdout.decode(errors="replace")
    assert proc.returncode == 0 and out.endswith("END\n"), f"qemu failed ({proc.returncode}): {out!r} {proc.stderr!r}"
    return out[: -len("END\n")]


def dump_table(addrs: list[int]) -> str:
    return DUMP_MAIN.replace("{table}", "".join(f"        .word 0x{a:08x}\n" for a in addrs))


def model_read(board: BoardInstance, addr: int) -> str:
    """What the dump guest prints for ``addr`` on the vtrans board (no CPU involved)."""
    hit = board.device_at(addr)
    if hit is not None:
        base, dev = hit
        return f"{addr:08x}={dev.read(addr - base, 4):08x}"
    if any(r.base <= addr < r.end for r in board.ram):
        pytest.fail(f"0x{addr:08x} is RAM; the dump table is for device registers")
    if board.unassigned == Unassigned.ABORT:
        return f"{addr:08x}=5a5a5a5a!"
    return f"{addr:08x}=00000000"


# -- registry ---------------------------------------------------------------------------------

def test_registry_names_and_lookup():
    assert board_names() == sorted(BOARDS)
    for name in BOARDS:
        spec = get_board(name)
        assert spec.name == name
        assert spec.kernel_load_addr == spec.loader_start + KERNEL_LOAD_OFFSET
        board = spec.build(VirtualClock())
        assert board.console is board.uarts[0]
        assert board.ram[0].base == spec.ram_base and board.ram[0].size == spec.ram_size


def test_ram_size_limits_are_usage_errors():
    with pytest.raises(UsageError, match="must not exceed 256 MiB"):
        get_board("versatilepb").build(VirtualClock(), 512 << 20)
    with pytest.raises(UsageError, match="whole number of MiB"):
        get_board("virt").build(VirtualClock(), (128 << 20) + 4096)


def test_unknown_board_is_a_usage_error():
    with pytest.raises(UsageError, match="known boards: realview-pb-a8, versatilepb"):
        get_board("integratorcp")


# -- memory map against QEMU's own ------------------------------------------------------------

def qemu_mtree(board: str, ram_mib: int | None = None) -> list[tuple[int, int, str, str]]:
    cmd = [require("qemu-system-arm", "qemu-system-arm"), "-M", board, "-display", "none", "-S",
           "-monitor", "stdio", "-serial", "null", "-nic", "none"]
    if ram_mib is not None:
        cmd += ["-m", str(ram_mib)]
    proc = subprocess.run(cmd, input=b"info mtree -f\nquit\n", capture_output=True, timeout=30,
                          env={**os.environ, "QEMU_AUDIO_DRV": "none"})
    out = proc.stdout.decode(errors="replace")
    # the flat view of the CPU's address space (its number varies between boards)
    flat = next(block for block in out.split("FlatView #") if 'AS "memory"' in block)
    regions = []
    for m in re.finditer(r"^\s+([0-9a-f]{16})-([0-9a-f]{16}) \(prio \d+, ([a-z/]+)\): (\S+)", flat, re.M):
        regions.append((int(m[1], 16), int(m[2], 16) + 1, m[3], m[4]))
    assert regions, out
    return regions


@pytest.mark.qemu
@pytest.mark.parametrize("ram_mib", [None, 256], ids=["default-ram", "256MiB"])
@pytest.mark.parametrize("name", BOARDS)
def test_memory_map_matches_qemu(name, ram_mib):
    regions = qemu_mtree(name, ram_mib)
    board = get_board(name).build(VirtualClock(), ram_mib and ram_mib << 20)
    for base, dev in board.devices:
        # QEMU splits some devices into several regions (virtio, the GIC CPU window);
        # every vtrans device must start exactly on a QEMU I/O region (or ROM device: virt's
        # flash) and not overrun it.
        match = [r for r in regions if r[0] == base and r[2] in ("i/o", "romd")]
        assert match, f"{name}: {dev.name} at 0x{base:08x} is not a device in QEMU's map"
        assert base + dev.size <= match[0][1], f"{name}: {dev.name} is larger than QEMU's {match[0][3]}"
    for region in board.ram:
        assert any(r[0] == region.base and r[1] == region.end and r[2] == "ram" for r in regions), \
            f"{name}: RAM window {region.name} [0x{region.base:08x}, 0x{region.end:08x}) differs from QEMU's"


# -- reset values and ID registers ------------------------------------------------------------

DUMPS: dict[str, list[int]] = {
    "versatilepb": [
        *(0x101F1000 + o for o in (0x18, 0x24, 0x28, 0x2C, 0x30, 0x34, 0x38, *range(0xFE0, 0x1000, 4))),
        *(0x101E2000 + o for o in (0x00, 0x04, 0x08, 0x10, 0x14, 0x18, 0x20, 0x24, 0x28, *range(0xFE0, 0x1000, 4))),
        *(0x101E3000 + o for o in (0x08, 0x28, 0xFE0)),
        *(0x10140000 + o for o in (0x00, 0x04, 0x08, 0x0C, 0x10, 0x18, 0x20, 0x30, 0x34, 0x100, 0x200,
                                   *range(0xFE0, 0x1000, 4))),
        *(0x10003000 + o for o in (0x00, 0x04, 0x08, 0x10, 0x20)),
        *(0x10000000 + o for o in (0x00, 0x04, 0x08, 0x20, 0x28, 0x30, 0x40, 0x44, 0x48, 0x50, 0x84, 0x88)),
        *(0x101E8000 + o for o in (0x04, 0x08, 0x0C, 0x10, 0x14, 0xFE0, 0xFE4, 0xFF0)),
        *(0x101E4000 + o for o in (0x3FC, 0x400, 0x414, 0xFD0, 0xFE0)), 0x101E5FE0, 0x101E6FE4, 0x101E7400,
        0x10009FE0, 0x101F2FE0, 0x101F3030,
    ],
    "realview-pb-a8": [
        *(0x1E001000 + o for o in (0x000, 0x004, 0x008, 0x080, 0x100, 0x104, 0x180, 0x200, 0x280, 0x300, 0x400, 0x420,
                                   0x800, 0x820, 0xC00, 0xC04, 0xC08, 0xF10, 0xF20, *range(0xFD0, 0x1000, 4))),
        *(0x1E000000 + o for o in (0x00, 0x04, 0x08, 0x14, 0x18, 0x1C, 0xD0, 0xFC)),
        *(0x10000000 + o for o in (0x00, 0x20, 0x40, 0x44, 0x50, 0x84, 0x88)),
        *(0x10011000 + o for o in (0x00, 0x04, 0x08, 0x28, 0xFE0)), 0x10012008,
        *(0x1000A000 + o for o in (0x18, 0x30, 0xFE0)), 0x10017FE0,
    ],
    "vexpress-a9": [
        *(0x1E001000 + o for o in (0x000, 0x004, 0x008, 0x080, 0x084, 0x100, 0x104, 0x180, 0x200, 0x300, 0x400,
                                   0x800, 0xC00, 0xC04, 0xC08, *range(0xFD0, 0x1000, 4))),
        *(0x1E000000 + o for o in (0x00, 0x04, 0x08, 0x0C, 0x40,
                                   0x100, 0x104, 0x108, 0x114, 0x118, 0x11C, 0x1D0, 0x1FC,
                                   0x208, 0x20C, 0x210, 0x218,
                                   0x600, 0x604, 0x608, 0x60C, 0x620, 0x628)),
        *(0x10000000 + o for o in (0x00, 0x40, 0x44, 0x50, 0x84, 0x88, 0xA0, 0xA4, 0xA8)),
        *(0x10011000 + o for o in (0x08, 0xFE0)), *(0x100E4000 + o for o in (0x08, 0xFE0)),
        0x1000A018, 0x1000CFE0, 0x10017FE0,
        *(0x1E00A000 + o for o in (0x000, 0x004, 0x100, 0x104, 0x108, 0x10C, 0x730, 0x7F0, 0xC00, 0xF40)),
    ],
    "virt": [
        *(0x08000000 + o for o in (0x000, 0x004, 0x008, 0x080, 0x100, 0x104, 0x180, 0x200, 0x300, 0x400, 0x41C,
                                   0x800, 0xC00, 0xC04, 0xC08, 0xF10, *range(0xFD0, 0x1000, 4))),
        *(0x08010000 + o for o in (0x00, 0x04, 0x08, 0x14, 0x18, 0x1C, 0xD0, 0xE0, 0xFC)),
        *(0x09010000 + o for o in (0x04, 0x0C, 0x10, 0xFE0, 0xFE4, 0xFF0)),
        *(0x09000000 + o for o in (0x30, 0x34, 0xFE0)),
    ],
}

#: addresses no device decodes (holes in QEMU's map, and inside the A9 private region)
UNASSIGNED: dict[str, list[int]] = {
    "versatilepb": [0x10008000, 0x20000000, 0x101E1000],
    "realview-pb-a8": [0x10001000, 0x1E002000, 0x20000000],
    "vexpress-a9": [0x10001000, 0x1E000300, 0x1E000640, 0x1E002000, 0x20000000],
    "virt": [0x09050000, 0x08030000, 0x50000000],
}


@pytest.mark.qemu
@pytest.mark.parametrize("name", BOARDS)
def test_reset_registers_match_qemu(name, tmp_path):
    addrs = DUMPS[name] + UNASSIGNED[name]
    _elf, image = build_guest(tmp_path, name, dump_table(addrs))
    expected = run_qemu(name, image).splitlines()
    board = get_board(name).build(VirtualClock())
    got = [model_read(board, a) for a in addrs]
    assert got == expected


# -- end to end: tiny device-focused guests on QEMU and on the vtrans machine ----------------------
#
# Each guest programs a timer and the board's interrupt controller, takes interrupts,
# and prints what it saw (interrupt ids, counter values read in the handler, how many
# polling-loop iterations passed before each interrupt) on UART0.  Under
# ``-icount shift=N,sleep=off`` QEMU is deterministic, and so is vtrans with the same
# shift: the outputs must be identical, down to the instruction an interrupt lands on.

TIMER_MAIN = r"""
        .equ    NTICKS, 4
main:
        push    {r4-r8, lr}
        bl      ic_init
        ldr     r0, =TIMER
        ldr     r1, =LOAD
        str     r1, [r0]
        mov     r1, #0xe2               @ enable, periodic, IE, 32-bit
        str     r1, [r0, #8]
        ldr     r1, [r0, #4]
        ldr     r0, =msg_v0
        bl      putkv
        bl      irq_on
        mov     r4, #0
        ldr     r5, =iters
        ldr     r6, =ticks
1:      add     r4, r4, #1
        str     r4, [r5]
        ldr     r0, [r6]
        cmp     r0, #NTICKS
        blt     1b
        bl      irq_off
        ldr     r0, =TIMER
        mov     r1, #0
        str     r1, [r0, #8]
        mov     r1, r4
        ldr     r0, =msg_iters
        bl      putkv
        @ the tick log: 4 words per tick
        ldr     r7, =log
        mov     r8, #0
2:      ldr     r0, =msg_id
        ldr     r1, [r7], #4
        bl      putkv
        ldr     r0, =msg_val
        ldr     r1, [r7], #4
        bl      putkv
        ldr     r0, =msg_mis
        ldr     r1, [r7], #4
        bl      putkv
        ldr     r0, =msg_at
        ldr     r1, [r7], #4
        bl      putkv
        add     r8, r8, #1
        cmp     r8, #NTICKS
        blt     2b
        @ one-shot on the block's second timer, polled without interrupts
        ldr     r0, =TIMER
        mov     r1, #30
        str     r1, [r0, #0x20]
        mov     r1, #0x83               @ enable, one-shot, 32-bit, IE off
        str     r1, [r0, #0x28]
        mov     r4, #0
3:      add     r4, r4, #1
        ldr     r1, [r0, #0x30]         @ RIS
        cmp     r1, #0
        beq     3b
        ldr     r1, [r0, #0x34]         @ MIS (IE off: 0)
        ldr     r0, =msg_mis2
        bl      putkv
        mov     r1, r4
        ldr     r0, =msg_polls
        bl      putkv
        ldr     r0, =TIMER
        ldr     r1, [r0, #0x24]
        ldr     r0, =msg_v1
        bl      putkv
        bl      extra
.if HAS_A9
        bl      extra2
.endif
        pop     {r4-r8, pc}

irq_handler:
        push    {r4, lr}
        bl      ic_ack                  @ r0 = vector / interrupt id
        mov     r4, r0
        ldr     r3, =ticks
        ldr     r2, [r3]
        ldr     r1, =log
        add     r1, r1, r2, lsl #4
        str     r0, [r1]
        ldr     r0, =TIMER
        ldr     r12, [r0, #4]
        str     r12, [r1, #4]
        ldr     r12, [r0, #0x14]
        str     r12, [r1, #8]
        ldr     r12, =iters
        ldr     r12, [r12]
        str     r12, [r1, #12]
        str     r0, [r0, #0x0c]         @ IntClr
        add     r2, r2, #1
        str     r2, [r3]
        mov     r0, r4
        bl      ic_eoi
        pop     {r4, pc}
        .ltorg
        .section .rodata
msg_v0:   .asciz "value_after_enable"
msg_iters: .asciz "loop_iterations"
msg_id:   .asciz "tick.id"
msg_val:  .asciz "tick.value"
msg_mis:  .asciz "tick.mis"
msg_at:   .asciz "tick.at_iteration"
msg_mis2: .asciz "oneshot.mis"
msg_polls: .asciz "oneshot.polls"
msg_v1:   .asciz "oneshot.value"
        .data
        .balign 4
ticks:  .word 0
iters:  .word 0
log:    .space 16 * 8
        .text
"""

IRQ_V5 = r"""
irq_on: mrs r0, cpsr
        bic r0, r0, #0x80
        msr cpsr_c, r0
        bx lr
irq_off: mrs r0, cpsr
        orr r0, r0, #0x80
        msr cpsr_c, r0
        bx lr
"""

IRQ_V7 = r"""
irq_on: cpsie i
        bx lr
irq_off: cpsid i
        bx lr
"""

VIC_DRIVER = r"""
ic_init:
        ldr     r0, =VIC
        mov     r1, #0x20 | TIMER_LINE
        str     r1, [r0, #0x200]        @ VectCntl0
        ldr     r1, =0xcafe0000
        str     r1, [r0, #0x100]        @ VectAddr0
        ldr     r1, =0xdef00000
        str     r1, [r0, #0x34]         @ DefVectAddr
        mov     r1, #1 << TIMER_LINE
        str     r1, [r0, #0x10]         @ IntEnable
        bx      lr
ic_ack: ldr     r0, =VIC
        ldr     r0, [r0, #0x30]         @ VectAddr: enter the ISR
        bx      lr
ic_eoi: ldr     r1, =VIC
        str     r0, [r1, #0x30]
        bx      lr
extra:  @ software interrupt through the VIC, unvectored line 1
        push    {lr}
        ldr     r0, =VIC
        mov     r1, #2
        str     r1, [r0, #0x10]
        str     r1, [r0, #0x18]         @ SoftInt
        ldr     r1, [r0, #0x00]
        ldr     r0, =msg_soft
        bl      putkv
        ldr     r0, =VIC
        ldr     r1, [r0, #0x30]
        ldr     r0, =msg_vect
        bl      putkv
        ldr     r0, =VIC
        mov     r1, #2
        str     r1, [r0, #0x1c]         @ SoftIntClear
        str     r1, [r0, #0x30]
        ldr     r1, [r0, #0x08]
        ldr     r0, =msg_raw
        bl      putkv
        pop     {pc}
        .section .rodata
msg_soft: .asciz "soft.irqstatus"
msg_vect: .asciz "soft.vectaddr"
msg_raw:  .asciz "soft.raw_after_clear"
        .text
"""

GIC_DRIVER = r"""
ic_init:
        ldr     r0, =GICD
        mov     r1, #1
        str     r1, [r0]                @ GICD_CTLR
        ldr     r1, =TIMER_IRQ
        add     r2, r0, #0x400
        mov     r3, #0xa0
        strb    r3, [r2, r1]            @ priority
        lsr     r2, r1, #5
        and     r3, r1, #31
        mov     r12, #1
        lsl     r3, r12, r3
        add     r2, r0, r2, lsl #2
        str     r3, [r2, #0x100]        @ ISENABLER
        ldr     r0, =GICC
        mov     r1, #0xf0
        str     r1, [r0, #4]            @ PMR
        mov     r1, #1
        str     r1, [r0]                @ GICC_CTLR
        bx      lr
ic_ack: ldr     r0, =GICC
        ldr     r0, [r0, #0x0c]         @ IAR
        bx      lr
ic_eoi: ldr     r1, =GICC
        str     r0, [r1, #0x10]         @ EOIR
        bx      lr
extra:  @ an SGI to ourselves, acknowledged by polling with IRQs masked
        push    {lr}
        ldr     r0, =GICD
        ldr     r1, =0x02000005
        str     r1, [r0, #0xf00]        @ SGIR: self, SGI 5
        ldr     r1, [r0, #0x200]
        ldr     r0, =msg_spend
        bl      putkv
        ldr     r0, =GICC
        ldr     r1, [r0, #0x18]
        ldr     r0, =msg_hppir
        bl      putkv
        ldr     r0, =GICC
        ldr     r1, [r0, #0x0c]
        push    {r1}
        ldr     r0, =msg_iar
        bl      putkv
        ldr     r0, =GICC
        ldr     r1, [r0, #0x14]
        ldr     r0, =msg_rpr
        bl      putkv
        pop     {r1}
        ldr     r0, =GICC
        str     r1, [r0, #0x10]
        ldr     r1, [r0, #0x14]
        ldr     r0, =msg_rpr2
        bl      putkv
        pop     {pc}
        .section .rodata
msg_spend: .asciz "sgi.pending"
msg_hppir: .asciz "sgi.hppir"
msg_iar:   .asciz "sgi.iar"
msg_rpr:   .asciz "sgi.rpr"
msg_rpr2:  .asciz "sgi.rpr_after_eoi"
        .text
"""

A9_PRIVATE = r"""
extra2: @ Cortex-A9 private timer (PPI 29) and global timer
        push    {r4, lr}
        ldr     r0, =0x1E000600
        ldr     r1, =1000
        str     r1, [r0]                @ Load
        mov     r1, #5                  @ enable, one-shot, IRQ enable
        str     r1, [r0, #8]
        ldr     r2, =0x1E001000
        mov     r4, #0
1:      add     r4, r4, #1
        ldr     r1, [r2, #0x200]        @ ISPENDR0
        tst     r1, #1 << 29
        beq     1b
        mov     r1, r4
        ldr     r0, =msg_pt_polls
        bl      putkv
        ldr     r0, =0x1E000600
        ldr     r1, [r0, #0x0c]
        ldr     r0, =msg_pt_isr
        bl      putkv
        ldr     r0, =0x1E000600
        mov     r1, #1
        str     r1, [r0, #0x0c]
        ldr     r2, =0x1E001000
        ldr     r1, [r2, #0x200]
        ldr     r0, =msg_pt_pend
        bl      putkv
        @ private timer, auto-reload with prescaler 1: read the counter after a fixed delay
        ldr     r0, =0x1E000600
        ldr     r1, =5000
        str     r1, [r0]
        ldr     r1, =0x103              @ prescaler 1, auto-reload, enable
        str     r1, [r0, #8]
        mov     r3, #50
2:      subs    r3, r3, #1
        bne     2b
        ldr     r1, [r0, #4]
        ldr     r0, =msg_pt_count
        bl      putkv
        @ global timer: enable, comparator 300 ticks ahead, poll the event flag
        ldr     r0, =0x1E000200
        mov     r1, #1
        str     r1, [r0, #8]
        ldr     r1, [r0]
        add     r1, r1, #300
        str     r1, [r0, #0x10]
        mov     r1, #0
        str     r1, [r0, #0x14]
        mov     r1, #3                  @ enable, comparator enable
        str     r1, [r0, #8]
        mov     r4, #0
3:      add     r4, r4, #1
        ldr     r1, [r0, #0x0c]
        cmp     r1, #0
        beq     3b
        mov     r1, r4
        ldr     r0, =msg_gt_polls
        bl      putkv
        ldr     r0, =0x10000000
        ldr     r1, [r0, #0x5c]         @ SYS_24MHZ
        mov     r3, #100
4:      subs    r3, r3, #1
        bne     4b
        ldr     r2, [r0, #0x5c]
        sub     r1, r2, r1
        ldr     r0, =msg_24mhz
        bl      putkv
        pop     {r4, pc}
        .section .rodata
msg_pt_polls: .asciz "ptimer.polls"
msg_pt_isr:   .asciz "ptimer.isr"
msg_pt_pend:  .asciz "ptimer.pending_after_clear"
msg_pt_count: .asciz "ptimer.counter"
msg_gt_polls: .asciz "gtimer.polls"
msg_24mhz:    .asciz "sys24mhz.delta"
        .text
"""

VIRT_GENERIC_TIMER = r"""
main:
        push    {r4, lr}
        ldr     r0, =0x08000000
        mov     r1, #1
        str     r1, [r0]
        mov     r1, #1 << 30
        str     r1, [r0, #0x100]        @ ISENABLER0: PPI 30 (physical timer)
        ldr     r0, =0x08010000
        mov     r1, #0xf0
        str     r1, [r0, #4]
        mov     r1, #1
        str     r1, [r0]
        mrc     p15, 0, r1, c14, c0, 0  @ CNTFRQ
        ldr     r0, =msg_frq
        bl      putkv
        mov     r0, #500
        mcr     p15, 0, r0, c14, c2, 0  @ CNTP_TVAL
        mov     r0, #1
        mcr     p15, 0, r0, c14, c2, 1  @ CNTP_CTL: enable
        ldr     r2, =0x08000000
        mov     r4, #0
1:      add     r4, r4, #1
        ldr     r1, [r2, #0x200]
        tst     r1, #1 << 30
        beq     1b
        mov     r1, r4
        ldr     r0, =msg_polls
        bl      putkv
        mrc     p15, 0, r1, c14, c2, 1
        ldr     r0, =msg_ctl
        bl      putkv
        ldr     r0, =0x08010000
        ldr     r1, [r0, #0x0c]
        push    {r1}
        ldr     r0, =msg_iar
        bl      putkv
        mov     r0, #3
        mcr     p15, 0, r0, c14, c2, 1  @ IMASK
        pop     {r1}
        ldr     r0, =0x08010000
        str     r1, [r0, #0x10]
        ldr     r2, =0x08000000
        ldr     r1, [r2, #0x200]
        ldr     r0, =msg_pend
        bl      putkv
        mrrc    p15, 0, r2, r3, c14     @ CNTPCT
        mov     r3, #100
2:      subs    r3, r3, #1
        bne     2b
        mrrc    p15, 0, r1, r3, c14
        sub     r1, r1, r2
        ldr     r0, =msg_delta
        bl      putkv
        pop     {r4, pc}
irq_handler:
        bx      lr
        .ltorg
        .section .rodata
msg_frq:   .asciz "cntfrq"
msg_polls: .asciz "cntp.polls"
msg_ctl:   .asciz "cntp.ctl"
msg_iar:   .asciz "cntp.iar"
msg_pend:  .asciz "cntp.pending_after_mask"
msg_delta: .asciz "cntpct.delta"
        .text
"""

UART_RX = r"""
        .equ    RX_N, 5
main:   @ receive RX_N bytes by interrupt, print them upper-cased
        push    {r4, lr}
        bl      ic_init
        ldr     r0, =UART0
        mov     r1, #LCR_H
        str     r1, [r0, #0x2c]         @ UARTLCR_H: 8 bits, FIFOs on or off
        mov     r1, #0x10
        str     r1, [r0, #0x38]         @ UARTIMSC: RX
        bl      irq_on
        ldr     r4, =rx_count
1:      ldr     r0, [r4]
        cmp     r0, #RX_N
        blt     1b
        bl      irq_off
        ldr     r0, =msg_rx
        bl      puts
        ldr     r0, =rx_buf
        bl      puts
        mov     r0, #'\n'
        bl      putc
        ldr     r0, =msg_mis
        ldr     r1, =rx_mis
        ldr     r1, [r1]
        bl      putkv
        ldr     r0, =UART0
        ldr     r1, [r0, #0x18]
        ldr     r0, =msg_fr
        bl      putkv
        ldr     r0, =UART0
        ldr     r1, [r0, #0x3c]
        ldr     r0, =msg_ris
        bl      putkv
        pop     {r4, pc}

irq_handler:
        push    {r4, r5, lr}
        bl      ic_ack
        mov     r5, r0
        ldr     r0, =UART0
        ldr     r1, [r0, #0x40]         @ UARTMIS on entry
        ldr     r2, =rx_mis
        str     r1, [r2]
        ldr     r4, =rx_count
2:      ldr     r1, [r0, #0x18]
        tst     r1, #0x10               @ RXFE
        bne     3f
        ldr     r1, [r0]
        ldr     r2, [r4]
        cmp     r2, #RX_N
        bge     2b
        ldr     r3, =rx_buf
        sub     r1, r1, #0x20
        strb    r1, [r3, r2]
        add     r2, r2, #1
        str     r2, [r4]
        b       2b
3:      mov     r0, r5
        bl      ic_eoi
        pop     {r4, r5, pc}
        .ltorg
        .section .rodata
msg_rx:  .asciz "rx="
msg_mis: .asciz "rx.mis_on_entry"
msg_fr:  .asciz "uart.fr"
msg_ris: .asciz "uart.ris"
        .data
        .balign 4
rx_count: .word 0
rx_mis:   .word 0
rx_buf:   .space 16
        .text
"""

VEXPRESS_POWER_OFF = r"""
main:   @ power the board off through the motherboard configuration interface
        ldr     r0, =msg_end
        bl      puts
        ldr     r0, =0x10000000
        ldr     r1, =0xC0800000         @ SYS_CFGCTRL: start, write, function 8 (SHUTDOWN), site 0
        str     r1, [r0, #0xa4]
1:      b       1b
irq_handler:
        bx      lr
        .ltorg
"""


def run_vtrans(board: str, image: Path, *, icount_shift: int = 3, stdin: bytes = b"") -> tuple[str, object]:
    """Run a raw image on the vtrans machine (native mode); returns UART0's output and the run's statistics."""
    from vtrans.runtime.loader import read_image
    from vtrans.runtime.machine import Machine

    spec = get_board(board)
    out = bytearray()
    machine = Machine(spec, icount_shift=icount_shift, uart_output=out.extend)
    machine.load(read_image(str(image), spec))
    if stdin:
        machine.board.console.receive(stdin)
    stats = machine.run(max_insns=20_000_000, timeout=120)
    return out.decode(errors="replace"), stats


def _timer_case(board: str) -> tuple[str, dict[str, int]]:
    common = TIMER_MAIN
    if board == "versatilepb":
        return common + IRQ_V5 + VIC_DRIVER, dict(TIMER=0x101E2000, LOAD=200, VIC=0x10140000, TIMER_LINE=4, HAS_A9=0)
    if board == "realview-pb-a8":
        return common + IRQ_V7 + GIC_DRIVER, dict(TIMER=0x10011000, LOAD=200, GICD=0x1E001000, GICC=0x1E000000,
                                                  TIMER_IRQ=36, HAS_A9=0)
    if board == "vexpress-a9":
        return common + IRQ_V7 + GIC_DRIVER + A9_PRIVATE, dict(TIMER=0x10011000, LOAD=200, GICD=0x1E001000,
                                                               GICC=0x1E000100, TIMER_IRQ=34, HAS_A9=1)
    return VIRT_GENERIC_TIMER, {}


def _compare(board: str, image: Path, shift: int, stdin: bytes = b"") -> None:
    expected = run_qemu(board, image, icount_shift=shift, stdin=stdin)
    got, stats = run_vtrans(board, image, icount_shift=shift, stdin=stdin)
    assert got.endswith("END\n"), f"vtrans stopped early ({stats.exit_reason}: {stats.message}): {got!r}"
    assert got[: -len("END\n")] == expected


@pytest.mark.qemu
@pytest.mark.parametrize("shift", [1, 3, 6])
@pytest.mark.parametrize("board", BOARDS)
def test_timer_and_interrupt_controller_match_qemu(board, shift, tmp_path):
    """SP804 periodic + one-shot through the VIC or GIC, SGIs / soft interrupts, the A9
    private and global timers, the 24 MHz counter, the virt generic timer."""
    body, symbols = _timer_case(board)
    _elf, image = build_guest(tmp_path, board, body, symbols=symbols)
    _compare(board, image, shift)


@pytest.mark.qemu
@pytest.mark.parametrize("lcr_h", [0x60, 0x70], ids=["no-fifo", "fifo"])
@pytest.mark.parametrize("board, symbols", [
    ("versatilepb", dict(VIC=0x10140000, TIMER_LINE=12)),
    ("realview-pb-a8", dict(GICD=0x1E001000, GICC=0x1E000000, TIMER_IRQ=44)),
    ("virt", dict(GICD=0x08000000, GICC=0x08010000, TIMER_IRQ=33)),
], ids=["versatilepb", "realview-pb-a8", "virt"])
def test_uart_receive_interrupt_matches_qemu(board, symbols, lcr_h, tmp_path):
    irq_onoff = IRQ_V5 if board == "versatilepb" else IRQ_V7
    driver = VIC_DRIVER if "VIC" in symbols else GIC_DRIVER
    _elf, image = build_guest(tmp_path, board, UART_RX + irq_onoff + driver, symbols={**symbols, "LCR_H": lcr_h})
    _compare(board, image, 3, stdin=b"hello")


def test_same_run_twice_takes_interrupts_on_the_same_instructions(tmp_path):
    """Determinism without a reference: two runs of a timer-interrupt guest are identical."""
    body, symbols = _timer_case("vexpress-a9")
    _elf, image = build_guest(tmp_path, "vexpress-a9", body, symbols=symbols)
    out1, st1 = run_vtrans("vexpress-a9", image)
    out2, st2 = run_vtrans("vexpress-a9", image)
    assert out1 == out2 and out1.endswith("END\n")
    assert (st1.instructions, st1.interrupts, st1.virtual_ns) == (st2.instructions, st2.interrupts, st2.virtual_ns)
    assert sum(st1.interrupts.values()) >= 4


@pytest.mark.qemu
def test_vexpress_sys_cfg_power_off_matches_qemu(tmp_path):
    from vtrans.runtime.stats import ExitReason

    _elf, image = build_guest(tmp_path, "vexpress-a9", VEXPRESS_POWER_OFF)
    assert run_qemu("vexpress-a9", image) == ""
    got, stats = run_vtrans("vexpress-a9", image)
    assert got == "END\n" and stats.exit_reason == ExitReason.SHUTDOWN


# -- register scripts: sequences of accesses replayed on QEMU and on vtrans ---------------------------
#
# A script is a list of (op, address, value).  The guest runs it with interrupts masked and
# prints every read; the model's interrupt outputs are observed through the controllers'
# status registers.  This covers the register semantics the timer probes above do not reach.

W32, R32, W8, R8, DELAY, W16, R16 = range(7)

SCRIPT_MAIN = r"""
main:
        push    {r4-r8, lr}
        ldr     r4, =script
        ldr     r5, =script_end
        mov     r7, #0
1:      cmp     r4, r5
        popeq   {r4-r8, pc}
        ldm     r4!, {r0, r1, r2}       @ op, address, value
        add     r7, r7, #1
        mov     r8, r1
        cmp     r0, #0
        streq   r2, [r1]
        beq     1b
        cmp     r0, #2
        strbeq  r2, [r1]
        beq     1b
        cmp     r0, #5
        strheq  r2, [r1]
        beq     1b
        cmp     r0, #4
        beq     3f
        cmp     r0, #1
        ldreq   r6, [r1]
        cmp     r0, #3
        ldrbeq  r6, [r1]
        cmp     r0, #6
        ldrheq  r6, [r1]
        mov     r0, r7
        bl      puthex
        mov     r0, #':'
        bl      putc
        mov     r0, r8
        bl      puthex
        mov     r0, #'='
        bl      putc
        mov     r0, r6
        bl      puthex
        mov     r0, #'\n'
        bl      putc
        b       1b
3:      subs    r2, r2, #1              @ delay: 2 instructions per iteration
        bne     3b
        b       1b
irq_handler:
        bx      lr
        .ltorg
        .data
        .balign 4
script:
{script}
script_end:
        .text
"""


def script_source(script: list[tuple[int, int, int]]) -> str:
    words = "".join(f"        .word {op}, 0x{addr:08x}, 0x{value & 0xFFFFFFFF:08x}\n" for op, addr, value in script)
    return SCRIPT_MAIN.replace("{script}", words)


def sp804_script(t: int) -> list[tuple[int, int, int]]:
    """Modes of one SP804 block at ``t``: prescalers, free-running wrap, BGLoad, control rewrites."""
    return [
        (W32, t + 0x00, 100), (W32, t + 0x08, 0xE2 | 0x04), (DELAY, 0, 200), (R32, t + 0x04, 0),  # /16
        (W32, t + 0x08, 0xE2 | 0x08), (DELAY, 0, 300), (R32, t + 0x04, 0),                       # /256
        (W32, t + 0x08, 0xA0), (R32, t + 0x04, 0), (DELAY, 0, 500), (R32, t + 0x04, 0),           # free 16-bit
        (W32, t + 0x08, 0xA2), (R32, t + 0x04, 0),                                               # free 32-bit
        (W32, t + 0x00, 0x12345), (R32, t + 0x04, 0), (R32, t + 0x00, 0),                        # Load in free mode
        (W32, t + 0x08, 0xE0), (R32, t + 0x04, 0),                                               # 16-bit periodic
        (W32, t + 0x00, 40), (DELAY, 0, 100), (W32, t + 0x18, 7), (R32, t + 0x00, 0), (R32, t + 0x04, 0),
        (DELAY, 0, 3000), (R32, t + 0x04, 0), (R32, t + 0x10, 0), (R32, t + 0x14, 0),
        (W32, t + 0x0C, 1), (R32, t + 0x10, 0),
        (W32, t + 0x08, 0x62), (R32, t + 0x04, 0), (DELAY, 0, 200), (R32, t + 0x04, 0),           # disabled
        (W32, t + 0x08, 0xC2), (DELAY, 0, 900), (R32, t + 0x10, 0), (R32, t + 0x14, 0),           # IE off
        (W32, t + 0x00, 0), (W32, t + 0x08, 0xE3), (R32, t + 0x10, 0), (R32, t + 0x04, 0),        # Load 0
        (W32, t + 0x0C, 0), (W32, t + 0x08, 0), (W32, t + 0x04, 5), (R32, t + 0x04, 0),           # Value is RO
        (R32, t + 0xF00, 0), (R32, t + 0x1C, 0),
        (W32, t + 0x20, 25), (W32, t + 0x28, 0xA3), (DELAY, 0, 2000), (R32, t + 0x30, 0),         # timer 2 one-shot
        (R32, t + 0x24, 0), (R32, t + 0x28, 0), (W32, t + 0x2C, 0), (R32, t + 0x34, 0),
        (W32, t + 0x08, 0), (W32, t + 0x28, 0),
    ]


VPB_SCRIPT: list[tuple[int, int, int]] = [
    *sp804_script(0x101E2000),
    # VIC: raw/enabled/FIQ status with both SP804 blocks, vectored priorities, soft interrupts
    (W32, 0x10140200, 0x20 | 5), (W32, 0x10140100, 0x5555), (W32, 0x10140204, 0x20 | 4),
    (W32, 0x10140104, 0x4444), (W32, 0x1014020C, 0x1F), (W32, 0x10140034, 0xD00D), (R32, 0x10140200, 0),
    (W32, 0x101E2000, 10), (W32, 0x101E2008, 0xA3), (W32, 0x101E3000, 20), (W32, 0x101E3008, 0xA3),
    (DELAY, 0, 3000), (R32, 0x10140008, 0), (R32, 0x10140000, 0),
    (W32, 0x10140010, 0x30), (R32, 0x10140000, 0), (R32, 0x10140010, 0),
    (R32, 0x10140030, 0), (R32, 0x10140030, 0), (W32, 0x10140030, 0), (R32, 0x10140030, 0),
    (W32, 0x10140030, 0), (W32, 0x10140030, 0), (W32, 0x1014000C, 0x10), (R32, 0x10140004, 0),
    (R32, 0x10140000, 0), (W32, 0x1014000C, 0), (W32, 0x10140014, 0x10), (R32, 0x10140000, 0),
    (W32, 0x10140018, 0x101), (R32, 0x10140018, 0), (R32, 0x10140008, 0), (W32, 0x10140010, 0x100),
    (R32, 0x10140030, 0), (W32, 0x1014001C, 0x1), (R32, 0x10140018, 0), (W32, 0x10140030, 0),
    (W32, 0x10140020, 3), (R32, 0x10140020, 0), (W32, 0x101E200C, 0), (W32, 0x101E300C, 0),
    (R32, 0x10140008, 0), (W8, 0x10140200, 0x24), (R32, 0x10140200, 0), (R8, 0x10140FE0, 0),
    (R16, 0x10140FE4, 0),
    # SIC: UART3 (SIC line 6) transmit interrupt, enable/clear, pass-through enable
    (W32, 0x10009038, 0x20), (W32, 0x10009000, ord("\n")), (R32, 0x1000903C, 0), (R32, 0x10003004, 0),
    (R32, 0x10003000, 0), (W32, 0x10003008, 0x41), (R32, 0x10003000, 0), (R32, 0x10140008, 0),
    (W32, 0x1000300C, 0x40), (R32, 0x10003008, 0), (W32, 0x10003010, 1), (R32, 0x10003008, 0),
    (R32, 0x10003010, 0), (W32, 0x10003014, 1), (W32, 0x10003020, 0xFFFFFFFF), (R32, 0x10003020, 0),
    (W32, 0x10003024, 0x00600000), (R32, 0x10003020, 0), (W32, 0x10009044, 0x7FF), (R32, 0x10003004, 0),
    # UART1 registers
    (W32, 0x101F2024, 0xFFFF), (W32, 0x101F2028, 0xFFFFF), (W32, 0x101F202C, 0x70), (W32, 0x101F2030, 0x301),
    (W32, 0x101F2034, 0x3F), (W32, 0x101F2038, 0x7FF), (W32, 0x101F2048, 3), (W32, 0x101F2004, 0),
    *[(R32, 0x101F2000 + o, 0) for o in (0x04, 0x18, 0x24, 0x28, 0x2C, 0x30, 0x34, 0x38, 0x3C, 0x40, 0x48)],
    (W32, 0x101F2000, 0x41), (R32, 0x101F203C, 0), (R32, 0x101F2040, 0), (W32, 0x101F2044, 0x20),
    (R32, 0x101F203C, 0), (W8, 0x101F2038, 0x10), (R32, 0x101F2038, 0),
    # system registers
    (W32, 0x10000008, 0xA5), (R32, 0x10000008, 0), (W32, 0x10000020, 0x1234), (R32, 0x10000020, 0),
    (W32, 0x10000040, 0x100), (R32, 0x10000040, 0), (W32, 0x10000020, 0xA05F), (R32, 0x10000020, 0),
    (W32, 0x10000030, 0xF0), (W32, 0x10000034, 0x30), (R32, 0x10000030, 0), (W32, 0x10000038, 7),
    (W32, 0x1000003C, 2), (R32, 0x10000038, 0), (W32, 0x10000028, 0x11), (R32, 0x10000028, 0),
    (W32, 0x10000050, 0xFFFFFFFF), (R32, 0x10000050, 0), (R32, 0x1000000C, 0), (R32, 0x10000024, 0),
    (W32, 0x10000020, 0), (R32, 0x10000020, 0),
    # RTC: match now -> immediate interrupt
    (W32, 0x101E8008, 5000), (R32, 0x101E8000, 0), (W32, 0x101E8010, 1), (W32, 0x101E8004, 5000),
    (R32, 0x101E8014, 0), (R32, 0x101E8018, 0), (R32, 0x10140008, 0), (W32, 0x101E801C, 1),
    (R32, 0x101E8014, 0), (R32, 0x101E8004, 0), (R32, 0x101E8010, 0),
    # UART1 and UART2 transmit interrupts on PIC lines 13 and 14
    (W32, 0x101F2038, 0x20), (W32, 0x101F2000, 0x41), (W32, 0x101F3038, 0x20), (W32, 0x101F3000, 0x41),
    (R32, 0x10140008, 0), (W32, 0x101F2044, 0x20), (W32, 0x101F3044, 0x20), (R32, 0x10140008, 0),
]


def gic_script(dist: int, cpu: int, timer: int | None, irq0: int,
               uart: int | None = None) -> list[tuple[int, int, int]]:
    """GIC semantics with a level interrupt ``irq0`` raised by an SP804 one-shot at ``timer``
    (or, on ``virt``, by the transmit interrupt of the UART at ``uart``) and cleared at the source."""
    ena = dist + 0x100 + 4 * (irq0 // 32)
    bit = 1 << (irq0 % 32)
    if timer is not None:
        fire = [(W32, timer + 0x00, 10), (W32, timer + 0x08, 0xA3), (DELAY, 0, 2000)]
        clear = [(W32, timer + 0x0C, 0)]
        stop = [(W32, timer + 0x08, 0)]
    else:
        fire = [(W32, uart + 0x38, 0x20), (W32, uart + 0x00, ord("\n"))]
        clear = [(W32, uart + 0x44, 0x20)]
        stop = [(W32, uart + 0x38, 0)]
    return [
        (W32, dist, 1), (W32, cpu, 1), (W32, cpu + 4, 0xF8),
        (W8, dist + 0x400 + irq0, 0xA0), (R32, dist + 0x400 + (irq0 & ~3), 0),
        *fire,
        (R32, ena + 0x100, 0), (R32, cpu + 0x18, 0), (R32, cpu + 0x0C, 0),                      # not enabled
        (W32, ena, bit), (R32, ena, 0), (R32, ena + 0x100, 0), (R32, cpu + 0x18, 0),
        (W32, cpu + 4, 0xA0), (R32, cpu + 0x18, 0), (R32, cpu + 0x0C, 0), (W32, cpu + 4, 0xF8),   # PMR masks
        (R32, cpu + 0x0C, 0), (R32, cpu + 0x14, 0), (R32, ena + 0x200, 0), (R32, ena + 0x100, 0),
        (R32, cpu + 0x0C, 0), (R32, cpu + 0x18, 0),                                                # already active
        (W32, cpu + 0x10, irq0), (R32, cpu + 0x14, 0), (R32, ena + 0x200, 0), (R32, cpu + 0x18, 0),  # still high
        *clear, (R32, ena + 0x100, 0), (R32, cpu + 0x18, 0),
        # software pending of a level interrupt, then clear-pending
        (W32, ena + 0x100, bit), (R32, ena + 0x100, 0), (R32, cpu + 0x0C, 0), (W32, cpu + 0x10, irq0),
        (W32, ena + 0x100, bit), (W32, ena + 0x180, bit), (R32, ena + 0x100, 0),
        # edge configuration: a pulse latches
        (W32, dist + 0xC00 + 4 * (irq0 // 16), 2 << (2 * (irq0 % 16))), (R32, dist + 0xC00 + 4 * (irq0 // 16), 0),
        *fire, *clear,
        (R32, ena + 0x100, 0), (R32, cpu + 0x0C, 0), (W32, cpu + 0x10, irq0), (R32, ena + 0x100, 0),
        (W32, dist + 0xC00 + 4 * (irq0 // 16), 0),
        # binary point: with BPR 3 a 0x90 interrupt cannot pre-empt a 0xA0... but 0x80 group can
        (W32, cpu + 8, 3), (R32, cpu + 8, 0), *fire, (R32, cpu + 0x0C, 0), (R32, cpu + 0x14, 0),
        (W32, dist + 0xF00, 0x02000002), (W8, dist + 0x402, 0x90), (R32, cpu + 0x18, 0), (R32, cpu + 0x0C, 0),
        (W8, dist + 0x402, 0x10), (R32, cpu + 0x18, 0), (R32, cpu + 0x0C, 0), (R32, cpu + 0x14, 0),
        (W32, cpu + 0x10, 2), (R32, cpu + 0x14, 0), *clear, (W32, cpu + 0x10, irq0),
        (R32, cpu + 0x14, 0), (W32, cpu + 8, 0), (R32, cpu + 8, 0),
        # SGIs: target filters, pending views, set/clear-pending-SGI registers
        (W32, dist + 0xF00, 0x01000003), (R32, dist + 0x200, 0), (W32, dist + 0xF00, 0x00010003),
        (R32, dist + 0x200, 0), (R32, dist + 0xF10, 0), (R32, cpu + 0x0C, 0), (W32, cpu + 0x10, 0x3),
        (W8, dist + 0xF24, 1), (R32, dist + 0x204, 0), (R32, dist + 0xF24, 0), (W8, dist + 0xF14, 1),
        (R32, dist + 0x204, 0), (W32, dist + 0x280, 0xFFFF), (R32, dist + 0x200, 0),
        (W32, dist + 0x180, 0xFFFF), (R32, dist + 0x100, 0), (W32, dist + 0xC00, 0), (R32, dist + 0xC00, 0),
        # distributor disable holds everything
        *fire, (W32, dist, 0),
        (R32, cpu + 0x18, 0), (R32, cpu + 0x0C, 0), (W32, dist, 1), (R32, cpu + 0x0C, 0), *clear,
        (W32, cpu + 0x10, irq0), (R32, cpu + 0x14, 0), (W32, cpu, 0), (R32, cpu, 0), (W32, cpu, 0xFFFFFFFF),
        (R32, cpu, 0), (W32, cpu, 1), (W32, dist, 0xFF), (R32, dist, 0), (W32, dist, 1),
        (W32, dist + 0x800 + irq0, 0xFF), (R32, dist + 0x800 + (irq0 & ~3), 0), (R32, dist + 0x81C, 0),
        (W32, dist + 0x80, 0xFFFFFFFF), (R32, dist + 0x80, 0), (W32, dist + 0x80, 0),
        (W32, dist + 0x300 + 4 * (irq0 // 32), bit), (R32, dist + 0x300 + 4 * (irq0 // 32), 0),
        (W32, dist + 0x380 + 4 * (irq0 // 32), bit), (R32, dist + 0x300 + 4 * (irq0 // 32), 0),
        (R32, cpu + 0x1C, 0), (W32, cpu + 0x1C, 0), (R32, cpu + 0x1C, 0), (R32, cpu + 0xD0, 0),
        *stop, (W32, ena + 0x80, bit),
    ]


A9_SCRIPT: list[tuple[int, int, int]] = [
    # SCU
    (W32, 0x1E000000, 0xFF), (R32, 0x1E000000, 0), (W32, 0x1E000008, 0x03), (R32, 0x1E000008, 0),
    (R32, 0x1E000004, 0), (R32, 0x1E000050, 0),
    # private timer and watchdog: load/counter/control/prescaler/auto-reload/status
    *[step for base in (0x1E000600, 0x1E000620) for step in [
        (W32, base, 300), (R32, base, 0), (R32, base + 4, 0), (W32, base + 8, 0x7), (DELAY, 0, 100),
        (R32, base + 4, 0), (DELAY, 0, 400), (R32, base + 4, 0), (R32, base + 0xC, 0), (R32, 0x1E001200, 0),
        (W32, base + 0xC, 1), (R32, base + 0xC, 0), (R32, 0x1E001200, 0),
        (W32, base + 8, 0x307), (R32, base + 4, 0), (DELAY, 0, 300), (R32, base + 4, 0),
        (W32, base + 4, 77), (R32, base + 4, 0), (DELAY, 0, 50), (R32, base + 4, 0),
        (W32, base + 8, 0x305), (DELAY, 0, 3000), (R32, base + 4, 0), (R32, base + 0xC, 0),
        # Load 0 with a prescaler: one more tick after one period, 5 instructions later, i.e.
        # before the next access (the machine must honour a deadline set in the middle of a block)
        (W32, base + 0xC, 1), (W32, base, 0), (W32, base + 8, 0x3), (DELAY, 0, 100),
        (R32, base + 4, 0),
        (R32, base + 0xC, 0), (W32, base + 0xC, 1), (W32, base + 8, 0), (R32, base + 8, 0),
    ]],
    # global timer: enable, prescaler, comparator, auto-increment, status
    (W32, 0x1E000208, 0), (W32, 0x1E000200, 0x1000), (W32, 0x1E000204, 0), (W32, 0x1E000208, 0x301),
    (DELAY, 0, 100), (R32, 0x1E000200, 0) if False else (R32, 0x1E000208, 0), (W32, 0x1E000208, 0),
    (W32, 0x1E000210, 0x40), (W32, 0x1E000214, 0), (W32, 0x1E000218, 0x20), (R32, 0x1E000218, 0),
    (W32, 0x1E00020C, 1), (R32, 0x1E00020C, 0), (R32, 0x1E000210, 0),
]


VIRT_SCRIPT_EXTRA: list[tuple[int, int, int]] = [
    # GICv2: groups and FIQ routing seen from the status registers, EOImode split, APRs
    (W32, 0x08000000, 3), (W32, 0x08010000, 0x20B), (R32, 0x08010000, 0), (W32, 0x08000084, 1 << 1),
    (R32, 0x08000084, 0), (W32, 0x08000104, 1 << 1), (W32, 0x09000038, 0x20), (W32, 0x09000000, ord("\n")),
    (R32, 0x08010018, 0), (R32, 0x0801000C, 0), (W32, 0x08010000, 0x20F), (R32, 0x0801000C, 0),
    (R32, 0x080100D0, 0), (R32, 0x080100E0, 0), (R32, 0x08010014, 0), (W32, 0x08010010, 33),
    (R32, 0x08010014, 0), (R32, 0x08000304, 0), (W32, 0x08011000, 33), (R32, 0x08000304, 0),
    (W32, 0x09000044, 0x20), (W32, 0x08000184, 1 << 1), (W32, 0x08000084, 0), (W32, 0x09000038, 0),
]


def irq_wiring_script(dist: int, sources: list[tuple[str, int, int]]) -> list[tuple[int, int, int]]:
    """Raise each source's interrupt (an SP804 one-shot, a PL031 match, a UART TX) and read the
    GIC pending registers, so every wire ends on the interrupt number QEMU uses."""
    steps: list[tuple[int, int, int]] = []
    for kind, base, _irq in sources:
        if kind == "sp804":
            steps += [(W32, base + 0x00, 2), (W32, base + 0x08, 0xA3), (W32, base + 0x20, 2),
                      (W32, base + 0x28, 0xA3), (DELAY, 0, 500)]
        elif kind == "rtc":
            steps += [(W32, base + 0x08, 100), (W32, base + 0x10, 1), (W32, base + 0x04, 100)]
        elif kind == "uart":
            steps += [(W32, base + 0x38, 0x20), (W32, base + 0x00, ord("\n"))]
    steps += [(R32, dist + 0x200 + 4 * n, 0) for n in range(1, 4)]
    for kind, base, _irq in sources:
        if kind == "sp804":
            steps += [(W32, base + 0x0C, 0), (W32, base + 0x2C, 0), (W32, base + 0x08, 0), (W32, base + 0x28, 0)]
        elif kind == "rtc":
            steps += [(W32, base + 0x1C, 1), (W32, base + 0x10, 0)]
        elif kind == "uart":
            steps += [(W32, base + 0x44, 0x20), (W32, base + 0x38, 0)]
    steps += [(R32, dist + 0x200 + 4 * n, 0) for n in range(1, 4)]
    return steps


def pl061_script(g: int, pending: tuple[int, int]) -> list[tuple[int, int, int]]:
    """Masked DATA accesses, level and edge interrupts, IC, IBE; ``pending`` is the controller
    register (and nothing else) that shows the GPIO's interrupt line."""
    return [
        *[(R32, g + o, 0) for o in (0x3FC, 0x400, 0x404, 0x408, 0x40C, 0x410, 0x414, 0x418, 0x420,
                                    *range(0xFD0, 0x1000, 4))],
        (W32, g + 0x400, 0x0F), (W32, g + 0x3FC, 0xFF), (R32, g + 0x3FC, 0), (R32, g + 0x004, 0),
        (W32, g + 0x0C, 0), (R32, g + 0x3FC, 0), (W32, g + 0x404, 0xF0), (R32, g + 0x414, 0),
        (W32, g + 0x40C, 0xF0), (R32, g + 0x414, 0), (W32, g + 0x41C, 0xFF), (R32, g + 0x414, 0),
        (W32, g + 0x40C, 0x00), (W32, g + 0x410, 0xFF), (R32, g + 0x414, 0), (R32, g + 0x418, 0),
        (R32, pending[0], 0), (W32, g + 0x41C, 0xFF), (R32, g + 0x414, 0), (W32, g + 0x404, 0x0),
        (W32, g + 0x41C, 0xFF), (R32, g + 0x414, 0), (W32, g + 0x408, 0xFF), (W32, g + 0x400, 0x00),
        (R32, g + 0x414, 0), (R32, g + 0x3FC, 0), (W32, g + 0x420, 0x55), (R32, g + 0x420, 0),
        (R32, g + 0x500, 0), (R32, g + 0x800, 0), (R32, pending[1], 0),
        (W32, g + 0x410, 0), (W32, g + 0x41C, 0xFF), (W32, g + 0x408, 0), (W32, g + 0x420, 0),
    ]


SCRIPTS: dict[str, list[tuple[int, int, int]]] = {
    "versatilepb": [*VPB_SCRIPT, *pl061_script(0x101E4000, (0x10140008, 0x10140008)),
                    *pl061_script(0x101E7000, (0x10140008, 0x10140008))],
    "realview-pb-a8": [*sp804_script(0x10011000), *gic_script(0x1E001000, 0x1E000000, 0x10011000, 36),
                       *pl061_script(0x10015000, (0x1E001204, 0x1E001204)),
                       *irq_wiring_script(0x1E001000, [("sp804", 0x10011000, 36), ("sp804", 0x10012000, 37),
                                                       ("rtc", 0x10017000, 42),
                                                       *[("uart", 0x1000A000 + 0x1000 * i, 45 + i) for i in range(3)]])],
    "vexpress-a9": [*gic_script(0x1E001000, 0x1E000100, 0x10011000, 34), *A9_SCRIPT,
                    *irq_wiring_script(0x1E001000, [("sp804", 0x10011000, 34), ("sp804", 0x10012000, 35),
                                                    ("sp804", 0x100E4000, 80), ("rtc", 0x10017000, 36),
                                                    *[("uart", 0x1000A000 + 0x1000 * i, 38 + i) for i in range(3)]]),
                    (W32, 0x1E00A104, 0x02070000), (R32, 0x1E00A004, 0), (W32, 0x1E00A100, 3),
                    (R32, 0x1E00A100, 0), (W32, 0x1E00A77C, 0xFF), (R32, 0x1E00A77C, 0),
                    (W32, 0x1E00AC00, 0x1001), (R32, 0x1E00AC00, 0),
                    (W32, 0x10000008, 0x3C), (R32, 0x10000008, 0), (W32, 0x100000A0, 0),
                    (W32, 0x100000A4, 0x80110000), (R32, 0x100000A8, 0), (R32, 0x100000A0, 0),
                    (W32, 0x100000A4, 0x80100001), (R32, 0x100000A8, 0), (R32, 0x100000A0, 0),
                    (W32, 0x100000A4, 0x80400000), (R32, 0x100000A8, 0), (W32, 0x100000A8, 0),
                    (R32, 0x100000A8, 0), (R32, 0x100000A4, 0)],
    "virt": [*gic_script(0x08000000, 0x08010000, None, 33, uart=0x09000000), *VIRT_SCRIPT_EXTRA,
             *pl061_script(0x09030000, (0x08000204, 0x08000204)),
             *irq_wiring_script(0x08000000, [("rtc", 0x09010000, 34)])],
}


@pytest.mark.qemu
@pytest.mark.parametrize("board", BOARDS)
def test_register_scripts_match_qemu(board, tmp_path):
    _elf, image = build_guest(tmp_path, board, script_source(SCRIPTS[board]))
    _compare(board, image, 3)


FIQ_PROBE = r"""
        .equ    NFIQ, 3
main:   @ a periodic timer routed to FIQ; the handler uses only the banked r8-r12
        push    {r4, r5, lr}
        bl      fiq_route
        ldr     r0, =TIMER
        mov     r1, #100
        str     r1, [r0]
        mov     r1, #0xe2
        str     r1, [r0, #8]
        mrs     r0, cpsr
        bic     r0, r0, #0x40           @ unmask FIQ only
        msr     cpsr_c, r0
        ldr     r5, =fiq_count
        mov     r4, #0
1:      add     r4, r4, #1
        ldr     r0, [r5]
        cmp     r0, #NFIQ
        blt     1b
        mrs     r0, cpsr
        orr     r0, r0, #0x40
        msr     cpsr_c, r0
        ldr     r0, =TIMER
        mov     r1, #0
        str     r1, [r0, #8]
        mov     r1, r4
        ldr     r0, =msg_iter
        bl      putkv
        ldr     r0, =fiq_log
        ldr     r1, [r0]
        ldr     r0, =msg_log0
        bl      putkv
        ldr     r0, =fiq_log
        ldr     r1, [r0, #4]
        ldr     r0, =msg_log1
        bl      putkv
        pop     {r4, r5, pc}

fiq_entry:
        ldr     r8, =TIMER
        ldr     r9, [r8, #4]            @ counter value on entry
        str     r8, [r8, #0x0c]         @ IntClr
        ldr     r10, =fiq_log
        str     r9, [r10]
        mov     sp, lr                  @ sp_fiq is free (no FIQ stack): keep the return address there
        bl      fiq_ack                 @ uses only the banked r8-r12
        mov     lr, sp
        ldr     r8, =fiq_count
        ldr     r9, [r8]
        add     r9, r9, #1
        str     r9, [r8]
        subs    pc, lr, #4
irq_handler:
        bx      lr
        .ltorg
        .section .rodata
msg_iter: .asciz "fiq.loop_iterations"
msg_log0: .asciz "fiq.value_on_entry"
msg_log1: .asciz "fiq.controller"
        .data
        .balign 4
fiq_count: .word 0
fiq_log:   .word 0, 0
        .text
"""

FIQ_VIC = r"""
fiq_route:
        ldr     r0, =VIC
        mov     r1, #1 << TIMER_LINE
        str     r1, [r0, #0x0c]         @ IntSelect: FIQ
        str     r1, [r0, #0x10]         @ IntEnable
        bx      lr
fiq_ack:
        ldr     r11, =VIC
        ldr     r11, [r11, #0x04]       @ FIQStatus after the clear
        ldr     r10, =fiq_log
        str     r11, [r10, #4]
        bx      lr
"""

FIQ_GIC = r"""
fiq_route:
        ldr     r0, =GICD
        mov     r1, #1
        str     r1, [r0]                @ group 0 enabled; every interrupt is group 0 at reset
        ldr     r1, =TIMER_IRQ
        add     r2, r0, r1, lsr #3
        and     r3, r1, #7
        mov     r12, #1
        lsl     r3, r12, r3
        strb    r3, [r2, #0x100]        @ ISENABLER byte
        ldr     r0, =GICC
        mov     r1, #0xf0
        str     r1, [r0, #4]
        mov     r1, #0x9                @ EnableGrp0, FIQEn (needs interrupt groups: GICv2 or TrustZone GICv1)
        str     r1, [r0]
        bx      lr
fiq_ack:
        ldr     r11, =GICC
        ldr     r10, [r11, #0x0c]       @ IAR
        str     r10, [r11, #0x10]       @ EOIR
        ldr     r11, =fiq_log
        str     r10, [r11, #4]
        bx      lr
"""


@pytest.mark.qemu
@pytest.mark.parametrize("board, driver, symbols", [
    ("versatilepb", FIQ_VIC, dict(TIMER=0x101E2000, VIC=0x10140000, TIMER_LINE=4)),
], ids=["versatilepb-vic"])
def test_fiq_delivery_matches_qemu(board, driver, symbols, tmp_path):
    _elf, image = build_guest(tmp_path, board, FIQ_PROBE + driver, symbols={**symbols, "HAS_FIQ": 1})
    _compare(board, image, 3)


VIRT_FIQ = r"""
main:   @ the physical generic timer as a group-0 interrupt, signalled as FIQ (GICC_CTLR.FIQEn)
        push    {r4, r5, lr}
        ldr     r0, =0x08000000
        mov     r1, #1
        str     r1, [r0]
        mov     r1, #1 << 30
        str     r1, [r0, #0x100]
        ldr     r0, =0x08010000
        mov     r1, #0xf0
        str     r1, [r0, #4]
        mov     r1, #0x9                @ EnableGrp0, FIQEn
        str     r1, [r0]
        mov     r0, #300
        mcr     p15, 0, r0, c14, c2, 0  @ CNTP_TVAL
        mov     r0, #1
        mcr     p15, 0, r0, c14, c2, 1  @ CNTP_CTL: enable
        cpsie   f
        ldr     r5, =fiq_count
        mov     r4, #0
1:      add     r4, r4, #1
        ldr     r0, [r5]
        cmp     r0, #0
        beq     1b
        cpsid   f
        mov     r1, r4
        ldr     r0, =msg_iter
        bl      putkv
        ldr     r0, =fiq_log
        ldr     r1, [r0]
        ldr     r0, =msg_iar
        bl      putkv
        ldr     r0, =fiq_log
        ldr     r1, [r0, #4]
        ldr     r0, =msg_ctl
        bl      putkv
        pop     {r4, r5, pc}

fiq_entry:
        ldr     r8, =0x08010000
        ldr     r9, [r8, #0x0c]         @ IAR
        mrc     p15, 0, r11, c14, c2, 1 @ CNTP_CTL (ISTATUS set)
        mov     r10, #3
        mcr     p15, 0, r10, c14, c2, 1 @ mask the timer output
        str     r9, [r8, #0x10]         @ EOIR
        ldr     r10, =fiq_log
        str     r9, [r10]
        str     r11, [r10, #4]
        ldr     r8, =fiq_count
        mov     r9, #1
        str     r9, [r8]
        subs    pc, lr, #4
irq_handler:
        bx      lr
        .ltorg
        .section .rodata
msg_iter: .asciz "fiq.loop_iterations"
msg_iar:  .asciz "fiq.iar"
msg_ctl:  .asciz "fiq.cntp_ctl"
        .data
        .balign 4
fiq_count: .word 0
fiq_log:   .word 0, 0
        .text
"""


@pytest.mark.qemu
def test_gicv2_group0_fiq_matches_qemu(tmp_path):
    _elf, image = build_guest(tmp_path, "virt", VIRT_FIQ, symbols={"HAS_FIQ": 1})
    _compare("virt", image, 3)


@pytest.mark.parametrize("name", BOARDS)
def test_board_reset_restores_every_reset_value(name):
    """A guest-requested reboot resets the devices: the reset dump (checked against QEMU
    above) must read the same after the registers were scribbled over and time passed."""
    clock = VirtualClock(3)
    board = get_board(name).build(clock)
    addrs = [a for a in DUMPS[name] if board.device_at(a) is not None]
    fresh = [model_read(board, a) for a in addrs]
    for value in (0xFFFFFFFF, 0x5A5A5A5A):
        for a in addrs:
            base, dev = board.device_at(a)
            dev.write(a - base, 4, value)
    clock.advance(1_000_000)
    board.reset()
    assert [model_read(board, a) for a in addrs] == fresh
    assert not board.cpu_irq.level and not board.cpu_fiq.level
    clock.advance(10_000_000)
    assert [model_read(board, a) for a in addrs] == fresh


CBAR_PROBE = r"""
main:   @ the Configuration Base Address Register: where the private peripherals are
        push    {lr}
        mrc     p15, 4, r1, c15, c0, 0
        ldr     r0, =msg_cbar
        bl      putkv
        pop     {pc}
irq_handler:
        bx      lr
        .ltorg
        .section .rodata
msg_cbar: .asciz "cbar"
        .text
"""


@pytest.mark.qemu
@pytest.mark.parametrize("board", ["vexpress-a9", "virt"])
def test_cbar_matches_qemu(board, tmp_path):
    _elf, image = build_guest(tmp_path, board, CBAR_PROBE)
    assert run_qemu(board, image) == f"cbar={get_board(board).cbar:08x}\n"
    _compare(board, image, 3)


UART_QUIRKS = r"""
main:   @ PL011 corners QEMU 7.2 shows: no loopback; a FIFO enable empties RX but leaves FR stale
        push    {r4, lr}
        ldr     r4, =0x101F2000         @ UART1 (nothing behind it)
        ldr     r1, =0x3f81
        str     r1, [r4, #0x30]         @ CR: UARTEN, TXE, RXE, LBE, DTR, RTS, OUT1, OUT2
        mov     r1, #0x41
        str     r1, [r4]
        ldr     r1, [r4, #0x18]
        ldr     r0, =m_lbe_fr
        bl      putkv
        ldr     r1, [r4, #0x3c]
        ldr     r0, =m_lbe_ris
        bl      putkv
        ldr     r4, =UART0
1:      ldr     r1, [r4, #0x18]         @ wait for console input
        tst     r1, #0x10
        bne     1b
        ldr     r0, =m_fr
        bl      putkv
        mov     r1, #0x70
        str     r1, [r4, #0x2c]         @ FIFOs on
        ldr     r1, [r4, #0x18]
        ldr     r0, =m_fr_fen
        bl      putkv
        pop     {r4, pc}
irq_handler:
        bx      lr
        .ltorg
        .section .rodata
m_lbe_fr:  .asciz "loopback.fr"
m_lbe_ris: .asciz "loopback.ris"
m_fr:      .asciz "rx.fr"
m_fr_fen:  .asciz "rx.fr_after_fifo_enable"
        .text
"""


@pytest.mark.qemu
def test_pl011_quirks_match_qemu(tmp_path):
    _elf, image = build_guest(tmp_path, "versatilepb", UART_QUIRKS)
    _compare("versatilepb", image, 3, stdin=b"xyz")


BOARD_RESET = r"""
main:   @ unlock the system registers and reset the board through SYS_RESETCTL
        ldr     r0, =msg_end
        bl      puts
        ldr     r0, =0x10000000
        ldr     r1, =0xA05F
        str     r1, [r0, #0x20]         @ SYS_LOCK
        ldr     r1, =RESET_BITS
        str     r1, [r0, #0x40]         @ SYS_RESETCTL
1:      b       1b
irq_handler:
        bx      lr
        .ltorg
"""


@pytest.mark.qemu
@pytest.mark.parametrize("board, bits", [("versatilepb", 0x100), ("realview-pb-a8", 0x04)])
def test_sysregs_reset_control_matches_qemu(board, bits, tmp_path):
    from vtrans.runtime.stats import ExitReason

    _elf, image = build_guest(tmp_path, board, BOARD_RESET, symbols={"RESET_BITS": bits})
    assert run_qemu(board, image, extra=("-no-reboot",)) == ""   # QEMU exits instead of rebooting
    got, stats = run_vtrans(board, image)
    assert got == "END\n" and stats.exit_reason == ExitReason.RESET

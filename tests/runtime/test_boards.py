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
v_fiq:   .word  hang
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
    defs = {"UART0": uart0, "HAS_VBAR": int(spec.cpu_name != "arm926"), **(symbols or {})}
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


def run_qemu(board: str, image: Path, *, icount_shift: int = 3, timeout: float = 30.0) -> str:
    """Run a raw image on qemu-system-arm (deterministic icount, no sleep) and return UART0's output."""
    cmd = [require("qemu-system-arm", "qemu-system-arm"), "-M", board, "-kernel", str(image),
           "-display", "none", "-serial", "stdio", "-monitor", "none",
           "-semihosting-config", "enable=on,target=native",
           "-icount", f"shift={icount_shift},sleep=off"]
    if board == "virt":
        cmd += ["-nic", "none"]
    proc = subprocess.run(cmd, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL,
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


def test_unknown_board_is_a_usage_error():
    with pytest.raises(UsageError, match="known boards: realview-pb-a8, versatilepb"):
        get_board("integratorcp")


# -- memory map against QEMU's own ------------------------------------------------------------

def qemu_mtree(board: str) -> list[tuple[int, int, str, str]]:
    cmd = [require("qemu-system-arm", "qemu-system-arm"), "-M", board, "-display", "none", "-S",
           "-monitor", "stdio", "-serial", "null", "-nic", "none"]
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
@pytest.mark.parametrize("name", BOARDS)
def test_memory_map_matches_qemu(name):
    regions = qemu_mtree(name)
    board = get_board(name).build(VirtualClock())
    for base, dev in board.devices:
        # QEMU splits some devices into several regions (virtio, the GIC CPU window);
        # every vtrans device must start exactly on a QEMU I/O region and not overrun it.
        match = [r for r in regions if r[0] == base and r[2] == "i/o"]
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

"""Assembly shared by the random-program generators (``a32random.py``, ``mmurandom.py``).

``CONSOLE``: ``hex8`` (r0 as eight hex digits and a space at r10), ``emit`` (the line at
``line`` to the semihosting console), and ``fatal_*``: an exception a program does not expect
prints ``exc <vector offset> <lr>`` and stops with ADP_Stopped_RunTimeErrorUnknown.  The
program defines ``line`` (a buffer of one line).  ``vector_table`` lays out the vectors.
"""

from __future__ import annotations

CONSOLE = r"""
@ emit: end the line at r10 (replacing the last space) and write it (SYS_WRITE0)
emit:   sub r10, r10, #1
        mov r0, #'\n'
        strb r0, [r10], #1
        mov r0, #0
        strb r0, [r10]
        ldr r1, =line
        mov r0, #4
        svc 0x123456
        bx lr

@ hex8: r0 as eight hex digits and a space at r10 (advanced); r1-r3 scratch
hex8:   mov r2, #8
9:      mov r3, r0, lsr #28
        cmp r3, #10
        addlt r3, r3, #'0'
        addge r3, r3, #'a' - 10
        strb r3, [r10], #1
        lsl r0, r0, #4
        subs r2, r2, #1
        bne 9b
        mov r3, #' '
        strb r3, [r10], #1
        bx lr

@ an exception the program does not expect: print its vector offset (r9) and LR, and stop
fatal:  mov r11, lr
        ldr r10, =line
        ldr r0, =0x20637865             @ "exc "
        str r0, [r10], #4
        mov r0, r9
        bl hex8
        mov r0, r11
        bl hex8
        bl emit
        mov r0, #0x18
        ldr r1, =0x20026
        add r1, r1, #1                  @ ADP_Stopped_RunTimeErrorUnknown
        svc 0x123456
""" + "".join(f"fatal_{name}: mov r9, #0x{offset:02x}\n        b fatal\n" for name, offset in (
    ("rst", 0x00), ("und", 0x04), ("svc", 0x08), ("pabt", 0x0C), ("dabt", 0x10), ("hyp", 0x14), ("irq", 0x18),
    ("fiq", 0x1C))) + "        .ltorg\n"


def install_vectors(have_vbar: str) -> str:
    """Point the CPU at ``vectors``: VBAR where the assembly-time symbol ``have_vbar`` is
    non-zero, else a copy of the table (slots and handler words) at address 0 (the ARM926)."""
    return f"""        .if {have_vbar}
        ldr r0, =vectors
        mcr p15, 0, r0, c12, c0, 0      @ VBAR
        .else
        ldr r0, =vectors                @ no VBAR (ARM926): the table goes at address 0
        mov r1, #0
        ldm r0!, {{r2-r9}}
        stm r1!, {{r2-r9}}
        ldm r0!, {{r2-r9}}
        stm r1!, {{r2-r9}}
        .endif
"""


def vector_table(und: str = "fatal_und", svc: str = "fatal_svc", pabt: str = "fatal_pabt",
                 dabt: str = "fatal_dabt", irq: str = "fatal_irq", fiq: str = "fatal_fiq") -> str:
    """``vectors``: eight ``ldr pc`` slots and the handlers they load (``fatal_*`` by default)."""
    return ("        .balign 32\nvectors:\n        .rept 8\n        ldr pc, [pc, #24]\n        .endr\n"
            f"        .word fatal_rst, {und}, {svc}, {pabt}, {dabt}, fatal_hyp, {irq}, {fiq}\n")

@ A long run with the MMU on and a sparse translation table: only the first 2 MB of RAM are
@ mapped (identity sections), the top of the address space is not.  The guest runs for several
@ of the machine's run slices, then jumps to 0xfffffc00 (unmapped: a prefetch abort, whose
@ handler prints IFSR and IFAR), runs on, and exits.  --defsym RAM=<base>.  (Every run slice
@ of such a guest once ended in an error: Unicorn translates the page of a run's ``until``
@ address when it stops, and a refusal there failed the run.)
        .syntax unified
        .arm
        .global _start
        .equ    TTB, RAM + 0x180000
        .equ    SEC, 0x00000c02                 @ section, AP = 0b11, domain 0
@ (modes change by exception returns, which trap when the kernel runs deprivileged)
_start: ldr     sp, =RAM + 0x170000
        adr     lr, 0f
        msr     spsr_cxsf, #0xd7                @ Abort mode: its stack
        movs    pc, lr
0:      ldr     sp, =RAM + 0x160000
        adr     lr, 0f
        msr     spsr_cxsf, #0xd3
        movs    pc, lr
0:
        ldr     r0, =vectors
        mcr     p15, 0, r0, c12, c0, 0
        ldr     r0, =TTB                        @ every first-level entry a fault ...
        mov     r1, #0
        mov     r2, #0
1:      str     r2, [r0, r1, lsl #2]
        add     r1, r1, #1
        cmp     r1, #4096
        bne     1b
        ldr     r3, =SEC                        @ ... but the first 2 MB of RAM
        ldr     r1, =RAM >> 20
        orr     r2, r3, r1, lsl #20
        str     r2, [r0, r1, lsl #2]
        add     r1, r1, #1
        orr     r2, r3, r1, lsl #20
        str     r2, [r0, r1, lsl #2]
        mov     r1, #1                          @ DACR: domain 0 client
        mcr     p15, 0, r1, c3, c0, 0
        mcr     p15, 0, r0, c2, c0, 0           @ TTBR0
        mov     r1, #0
        mcr     p15, 0, r1, c2, c0, 2           @ TTBCR
        mcr     p15, 0, r1, c8, c7, 0           @ TLBIALL
        mrc     p15, 0, r1, c1, c0, 0
        orr     r1, r1, #1
        mcr     p15, 0, r1, c1, c0, 0
        isb
        bl      spin
        mov     r0, #0x1111
        bl      puthex
        ldr     lr, =back
        ldr     pc, =0xfffffc00                 @ not mapped: prefetch abort
back:   bl      spin
        mov     r0, #0x2222
        bl      puthex
        mov     r0, #0x18
        ldr     r1, =0x20026
        svc     0x123456

spin:   ldr     r3, =3000000                    @ 6 M instructions
2:      subs    r3, r3, #1
        bne     2b
        bx      lr

pabt:   mrc     p15, 0, r0, c5, c0, 1           @ IFSR
        bl      puthex
        mrc     p15, 0, r0, c6, c0, 2           @ IFAR
        bl      puthex
        ldr     lr, =back
        movs    pc, lr
        .include "puthex.inc"
        .include "vectors.inc"
        vector_table pabt=pabt

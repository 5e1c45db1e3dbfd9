@ Thumb-1 code on the ARM926 (versatilepb): a loop of BL calls timed by the SP804 at
@ 0x101E2000 (1 MHz, free-running) under an instruction-driven clock.  The ARM926 has no
@ Thumb-2, so a BL is a pair of 16-bit halves that QEMU translates as one instruction unless
@ the pair straddles a page; the printed tick count tells how many instructions ran.
        .syntax unified
        .arch   armv5te
        .arm
        .global _start
_start: ldr     sp, =SCRATCH + 0x10000
        ldr     r7, =0x101E2000
        mvn     r0, #0
        str     r0, [r7, #0]            @ Load: 0xffffffff
        mov     r0, #0x82               @ enabled, 32-bit, free-running, no prescaler
        str     r0, [r7, #8]
        adr     r0, thumb_part + 1
        bx      r0

        .thumb
        .thumb_func
thumb_part:
        ldr     r6, [r7, #4]            @ the timer before
        ldr     r4, =LOOPS
1:      bl      leaf
        subs    r4, #1
        bne     1b
        ldr     r5, [r7, #4]            @ and after
        subs    r0, r6, r5              @ ticks elapsed (it counts down)
        ldr     r1, =back
        bx      r1
        .thumb_func
leaf:   adds    r2, #1
        bx      lr
        .ltorg

        .arm
back:   bl      puthex
        mov     r0, #0x18
        ldr     r1, =0x20026
        svc     0x123456
        .ltorg
        .include "puthex.inc"

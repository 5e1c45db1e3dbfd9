@ TTBCR.PD1 (walks through TTBR1 disabled) with TTBCR.N = 1: a load from 0xa0000000, which
@ TTBR1's table maps, prints the value -- or DFSR when the CPU keeps PD1.  QEMU keeps TTBCR's
@ PD bits on the Cortex-A9 (Security Extensions) only: not on realview-pb-a8's Cortex-A8 (no
@ EL3) nor on virt's Cortex-A15 (LPAE: bits [6:3] dropped even with EAE = 0).  --defsym RAM=<base>.
        .syntax unified
        .arm
        .global _start
        .equ    TTB, RAM + 0x180000
_start: ldr     sp, =RAM + 0x170000
        cps     #0x17
        ldr     sp, =RAM + 0x160000
        cps     #0x13
        ldr     r0, =vectors
        mcr     p15, 0, r0, c12, c0, 0
        ldr     r0, =RAM + 0x200000
        ldr     r1, =0x600d600d
        str     r1, [r0]
        ldr     r0, =TTB
        mov     r1, #0
        mov     r2, #0
1:      str     r2, [r0, r1, lsl #2]
        add     r1, r1, #1
        cmp     r1, #4096
        bne     1b
        ldr     r3, =0x00000c02                 @ section, AP = 0b11, domain 0
        ldr     r1, =RAM >> 20                  @ the program's MB and the next, identity
        orr     r2, r3, r1, lsl #20
        str     r2, [r0, r1, lsl #2]
        add     r1, r1, #1
        orr     r2, r3, r1, lsl #20
        str     r2, [r0, r1, lsl #2]
        ldr     r2, =(RAM + 0x200000) | 0xc02   @ 0xa0000000 -> the marker's MB
        ldr     r1, =0xa00
        str     r2, [r0, r1, lsl #2]
        mov     r1, #1
        mcr     p15, 0, r1, c3, c0, 0           @ DACR: domain 0 client
        mcr     p15, 0, r0, c2, c0, 0           @ TTBR0
        mcr     p15, 0, r0, c2, c0, 1           @ TTBR1 (the same table)
        mov     r1, #0x21                       @ N = 1, PD1
        mcr     p15, 0, r1, c2, c0, 2
        mov     r1, #0
        mcr     p15, 0, r1, c8, c7, 0
        mrc     p15, 0, r1, c1, c0, 0
        orr     r1, r1, #1
        mcr     p15, 0, r1, c1, c0, 0
        isb
        ldr     r1, =0xa0000000
        ldr     r0, =0xdeadbeef
        ldr     r0, [r1]
        bl      puthex
        mov     r0, #0x18
        ldr     r1, =0x20026
        svc     0x123456

dabt:   mov     r5, lr
        mov     r6, r0
        mrc     p15, 0, r0, c5, c0, 0           @ DFSR
        bl      puthex
        mov     r0, r6
        subs    pc, r5, #4
        .include "puthex.inc"
        .include "vectors.inc"
        vector_table dabt=dabt

@ SCTLR.A with a full TLB: set SCTLR.A, read one byte from each of 250 consecutive 1 KB
@ pages (Unicorn's TLB then holds ~250 entries, which makes it grow at its next flush), then
@ make unaligned ldr, ldrh and str accesses: each must be an alignment fault, every time.
@ The abort handler prints DFSR and DFAR and skips the instruction.  --defsym RAM=<base>.
        .global _start
_start: cps #0x17
        ldr sp, =RAM + 0x110000
        cps #0x13
        ldr sp, =RAM + 0x100000
        ldr r0, =vec
        mcr p15, 0, r0, c12, c0, 0
        ldr r5, =buf
        mrc p15, 0, r0, c1, c0, 0
        orr r0, r0, #2
        mcr p15, 0, r0, c1, c0, 0
        isb
        mov r7, #3                      @ three rounds
round:  ldr r6, =RAM + 0x200000
        mov r4, #250
1:      ldrb r0, [r6], #0x400
        subs r4, r4, #1
        bne 1b
        mvn r0, #0
        ldr r0, [r5, #1]
        bl puthex
        mvn r0, #0
        ldrh r0, [r5, #3]
        bl puthex
        ldr r1, =0x12345678
        str r1, [r5, #2]
        ldr r0, [r5]
        bl puthex
        subs r7, r7, #1
        bne round
        mov r0, #0x18
        ldr r1, =0x20026
        svc 0x123456
        .include "abort_vectors.inc"
        .include "puthex.inc"
        .data
        .balign 8
buf:    .word 0x03020100, 0x07060504, 0x0b0a0908, 0x0f0e0d0c

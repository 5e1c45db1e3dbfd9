@ SCTLR.A (B3.12.4): with it set, an unaligned ldr/ldrh/str/ldm is a data abort with an
@ alignment fault status, and nothing of the instruction happens (no store, no register or
@ base written); byte accesses and aligned ones are fine; clearing it again allows unaligned
@ ldr.  The abort handler prints DFSR and DFAR and skips the instruction.  --defsym RAM=<base>.
        .global _start
_start: cps #0x17
        ldr sp, =RAM + 0x110000
        cps #0x13
        ldr sp, =RAM + 0x100000
        ldr r0, =vec
        mcr p15, 0, r0, c12, c0, 0
        ldr r5, =buf
        @ SCTLR.A = 0: unaligned ldr and ldrh are fine
        ldr r0, [r5, #1]
        bl puthex
        mvn r0, #0
        ldrh r0, [r5, #1]
        bl puthex
        @ SCTLR.A = 1
        mrc p15, 0, r0, c1, c0, 0
        orr r0, r0, #2
        mcr p15, 0, r0, c1, c0, 0
        isb
        mvn r0, #0
        ldr r0, [r5, #1]
        bl puthex
        mvn r0, #0
        ldrh r0, [r5, #1]
        bl puthex
        ldr r1, =0x12345678
        str r1, [r5, #5]!                @ faults: no store, no writeback
        mov r0, r5
        bl puthex
        ldr r0, [r5, #4]
        bl puthex
        ldr r0, [r5, #4]
        bl puthex
        ldrb r0, [r5, #3]
        bl puthex
        add r6, r5, #4                  @ aligned ldm: fine
        ldm r6, {r0, r1}
        bl puthex
        add r6, r5, #2                  @ ldm from a halfword address: faults before any load
        mov r0, #0
        mov r1, #0
        ldm r6!, {r0, r1}
        bl puthex
        mov r0, r6
        bl puthex
        @ SCTLR.A = 0 again: unaligned ldr is fine again
        mrc p15, 0, r0, c1, c0, 0
        bic r0, r0, #2
        mcr p15, 0, r0, c1, c0, 0
        isb
        ldr r0, [r5, #1]
        bl puthex
        mov r0, #0x18
        ldr r1, =0x20026
        svc 0x123456
        .include "abort_vectors.inc"
        .include "puthex.inc"
        .data
        .balign 8
buf:    .word 0x03020100, 0x07060504, 0x0b0a0908, 0x0f0e0d0c

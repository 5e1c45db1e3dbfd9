@ A store that rewrites an instruction further on in its own basic block, 1000 times: QEMU
@ drops the block being run and goes on from the store (precise self-modifying code), so the
@ new instruction runs.  Prints the generic timer's count across the loop (under -icount, a
@ function of the instructions executed) and r8 (the rewritten instruction's work).
@ --defsym RAM=<base>; for virt.
        .syntax unified
        .arm
        .global _start
_start: ldr sp, =RAM + 0x100000
        mov r8, #0
        mrrc p15, 1, r4, r5, c14        @ CNTVCT
        mov r6, #1000
loop:   ldr r0, =target
        ldr r1, =0xe2888001             @ add r8, r8, #1
        str r1, [r0]                    @ rewrites an instruction later in this block
        nop
        nop
target: add r8, r8, #2
        nop
        nop
        subs r6, r6, #1
        bne loop
        mrrc p15, 1, r2, r3, c14
        sub r0, r2, r4
        bl puthex
        mov r0, r8
        bl puthex
        mov r0, #0x18
        ldr r1, =0x20026
        svc 0x123456
        .ltorg
        .include "puthex.inc"

@ A load and a store to an address no device decodes (ADDR): on ``virt`` both are synchronous
@ external aborts (DFSR 0x8, WnR for the store); the handler prints DFSR and DFAR.
        .syntax unified
        .arm
        .global _start
_start: ldr sp, =0x40200000
        cps #0x17
        ldr sp, =0x40100000
        cps #0x13
        ldr r0, =vectors
        mcr p15, 0, r0, c12, c0, 0
        ldr r1, =ADDR
        ldr r2, [r1]
        ldr r1, =ADDR + 0x10
        str r2, [r1]
        mov r0, #0x18
        ldr r1, =0x20026
        svc 0x123456
        .balign 32
vectors: b .
        b .
        b .
        b .
        b dabt
        b .
        b .
        b .
dabt:   push {r0-r4, lr}
        mrc p15, 0, r0, c5, c0, 0
        bl puthex
        mrc p15, 0, r0, c6, c0, 0
        bl puthex
        mov r0, lr
        pop {r0-r4, lr}
        subs pc, lr, #4
puthex: push {r0-r4, lr}
        ldr r1, =hexbuf
        mov r2, #8
2:      mov r3, r0, lsr #28
        cmp r3, #10
        addlt r3, r3, #'0'
        addge r3, r3, #'a' - 10
        strb r3, [r1], #1
        lsl r0, r0, #4
        subs r2, r2, #1
        bne 2b
        mov r3, #'\n'
        strb r3, [r1], #1
        mov r3, #0
        strb r3, [r1]
        ldr r1, =hexbuf
        mov r0, #4
        svc #0x123456
        pop {r0-r4, pc}
        .ltorg
        .data
hexbuf: .space 16

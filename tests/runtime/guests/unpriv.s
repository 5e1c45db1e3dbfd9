@ ldrt/strt/ldrbt/strbt from SVC mode with the MMU on are checked with User permissions
@ (A8.8.92: "as if in User mode"), ldr/str with the mode's own.  RAM's first MB is also
@ mapped at 0x80000000 (AP=01: privileged only), 0x80100000 (AP=10: User read-only) and
@ 0x80200000 (AP=11: full access).  The abort handler prints DFSR and DFAR and skips the
@ instruction; each access prints what it loaded (or 0xffffffff if it faulted).
        .global _start
_start: cps #0x17
        ldr sp, =RAM + 0x110000
        cps #0x13
        ldr sp, =RAM + 0x100000
        ldr r0, =vec
        mcr p15, 0, r0, c12, c0, 0
        ldr r1, =RAM + 0x4000
        mov r2, #0
        ldr r3, =0xc02                  @ section, AP=11, domain 0
1:      orr r0, r3, r2, lsl #20
        str r0, [r1, r2, lsl #2]
        add r2, r2, #1
        cmp r2, #4096
        bne 1b
        add r2, r1, #0x800 << 2
        ldr r0, =RAM + 0x402            @ AP=01
        str r0, [r2], #4
        ldr r0, =RAM + 0x802            @ AP=10
        str r0, [r2], #4
        ldr r0, =RAM + 0xc02            @ AP=11
        str r0, [r2], #4
        mov r0, #0
        mcr p15, 0, r0, c2, c0, 2       @ TTBCR
        mcr p15, 0, r1, c2, c0, 0       @ TTBR0
        mov r0, #1
        mcr p15, 0, r0, c3, c0, 0       @ DACR: domain 0 client
        mcr p15, 0, r0, c8, c7, 0       @ TLBIALL
        mrc p15, 0, r0, c1, c0, 0
        orr r0, r0, #1
        mcr p15, 0, r0, c1, c0, 0
        isb
        ldr r6, =buf - RAM
        @ privileged-only alias
        add r5, r6, #0x80000000
        mvn r0, #0
        ldr r0, [r5]
        bl puthex
        mvn r0, #0
        ldrt r0, [r5]
        bl puthex
        mvn r0, #0
        ldrbt r0, [r5]
        bl puthex
        mov r1, #0x55
        strt r1, [r5]
        mvn r0, #0
        ldr r0, [r5]
        bl puthex
        @ User read-only alias
        add r5, r6, #0x80000000
        add r5, r5, #0x00100000
        mvn r0, #0
        ldrt r0, [r5], #4
        bl puthex
        mov r1, #0x66
        strbt r1, [r5]
        str r1, [r5, #4]
        mvn r0, #0
        ldr r0, [r5]
        bl puthex
        mvn r0, #0
        ldr r0, [r5, #4]
        bl puthex
        @ full-access alias
        add r5, r6, #0x80000000
        add r5, r5, #0x00200000
        mov r1, #0x77
        strt r1, [r5]
        mvn r0, #0
        ldrt r0, [r5]
        bl puthex
        mov r0, #0x18
        ldr r1, =0x20026
        svc 0x123456
        .balign 32
vec:    b .
        b .
        b .
        b .
        b dab
        b .
        b .
        b .
dab:    push {r0-r4, r12, lr}
        mrc p15, 0, r0, c5, c0, 0
        bl puthex
        mrc p15, 0, r0, c6, c0, 0
        bl puthex
        pop {r0-r4, r12, lr}
        subs pc, lr, #4
puthex: push    {r0-r4, lr}
        ldr     r1, =hexbuf
        mov     r2, #8
2:      mov     r3, r0, lsr #28
        cmp     r3, #10
        addlt   r3, r3, #'0'
        addge   r3, r3, #'a' - 10
        strb    r3, [r1], #1
        lsl     r0, r0, #4
        subs    r2, r2, #1
        bne     2b
        mov     r3, #'\n'
        strb    r3, [r1], #1
        mov     r3, #0
        strb    r3, [r1]
        ldr     r1, =hexbuf
        mov     r0, #4
        svc     #0x123456
        pop     {r0-r4, pc}
        .ltorg
        .data
        .balign 8
buf:    .word 0x03020100, 0x07060504, 0x0b0a0908, 0x0f0e0d0c
hexbuf: .space 16

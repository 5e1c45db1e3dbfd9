@ SCTLR.A with the MMU on: RAM's first MB is also mapped at 0x80000000 (a section), and
@ unaligned accesses through that alias must fault with the *virtual* address in DFAR.
@ The abort handler prints DFSR and DFAR and skips the instruction.  --defsym RAM=<base>.
        .global _start
_start: cps #0x17
        ldr sp, =RAM + 0x110000
        cps #0x13
        ldr sp, =RAM + 0x100000
        ldr r0, =vec
        mcr p15, 0, r0, c12, c0, 0
        @ identity sections for the whole address space, then VA 0x800xxxxx -> RAM
        ldr r1, =RAM + 0x4000
        mov r2, #0
        ldr r3, =0xc02                  @ section, AP=11, domain 0
1:      orr r0, r3, r2, lsl #20
        str r0, [r1, r2, lsl #2]
        add r2, r2, #1
        cmp r2, #4096
        bne 1b
        ldr r0, =RAM
        orr r0, r0, r3
        add r2, r1, #0x800 << 2
        str r0, [r2]
        mov r0, #0
        mcr p15, 0, r0, c2, c0, 2       @ TTBCR
        mcr p15, 0, r1, c2, c0, 0       @ TTBR0
        mov r0, #1
        mcr p15, 0, r0, c3, c0, 0       @ DACR: domain 0 client
        mcr p15, 0, r0, c8, c7, 0       @ TLBIALL
        mrc p15, 0, r0, c1, c0, 0
        orr r0, r0, #3                  @ M and A
        mcr p15, 0, r0, c1, c0, 0
        isb
        ldr r5, =buf - RAM + 0x80000000
        ldr r0, [r5]                    @ aligned through the alias: fine
        bl puthex
        mvn r0, #0
        ldr r0, [r5, #1]
        bl puthex
        ldr r1, =0x12345678
        str r1, [r5, #6]
        ldr r0, [r5, #4]
        bl puthex
        ldr r5, =buf
        mvn r0, #0
        ldrh r0, [r5, #1]               @ and through the identity mapping
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

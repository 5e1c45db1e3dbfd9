@ Reads CNTFRQ and CNTVCT (generic timer, B8) twice around a 1000-iteration loop and prints
@ them: under QEMU -icount and vtrans --icount-shift the counts are the same instruction clock.
@ With --defsym THUMB=1 the loop is Thumb code (16- and 32-bit encodings), which makes
@ vtrans count instruction by instruction.
        .syntax unified
        .arm
        .global _start
_start: ldr     sp, =0x40200000
        mrc     p15, 0, r0, c14, c0, 0          @ CNTFRQ
        bl      puthex
        mrrc    p15, 1, r4, r5, c14             @ CNTVCT
        .ifdef THUMB
        adr     r0, tloop + 1
        blx     r0
        .else
        mov     r6, #1000
1:      subs    r6, r6, #1
        bne     1b
        .endif
        mrrc    p15, 1, r0, r1, c14
        mov     r7, r0
        mov     r0, r4
        bl      puthex
        mov     r0, r7
        bl      puthex
        sub     r0, r7, r4
        bl      puthex
        mov     r0, #0x18
        ldr     r1, =0x20026
        svc     0x123456
        .ifdef THUMB
        .thumb
        .balign 4
tloop:  movs    r6, #250
3:      adds    r2, r2, #1
        add.w   r3, r3, #0x10000
        subs    r6, r6, #1
        bne     3b
        bx      lr
        .arm
        .endif
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
hexbuf: .space 16

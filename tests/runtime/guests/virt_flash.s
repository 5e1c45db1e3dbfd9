@ virt: the flash banks at 0x0-0x8000000 with no firmware image read as 0 and ignore writes
@ (a CFI query command too).  Each read prints its value; an abort would print DFSR first.
@ --defsym RAM=<base>.
        .global _start
_start: cps #0x17
        ldr sp, =RAM + 0x110000
        cps #0x13
        ldr sp, =RAM + 0x100000
        ldr r0, =vec
        mcr p15, 0, r0, c12, c0, 0
        mov r5, #0
        bl  show
        ldr r5, =0x04000010
        bl  show
        ldr r5, =0x07fffffc
        bl  show
        mov r5, #0
        ldr r1, =0x98          @ CFI query command
        str r1, [r5]
        bl  show
        ldr r5, =0x20
        bl  show
        mov r0, #0x18
        ldr r1, =0x20026
        svc 0x123456
show:   push {lr}
        mvn r0, #0
        ldr r0, [r5]
        bl  puthex
        pop {pc}
        .balign 32
vec:    b .
        b .
        b .
        b .
        b dab
        b .
        b .
        b .
dab:    push {r1-r4, r12, lr}
        mrc p15, 0, r0, c5, c0, 0
        bl puthex
        pop {r1-r4, r12, lr}
        mvn r0, #0
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
hexbuf: .space 16

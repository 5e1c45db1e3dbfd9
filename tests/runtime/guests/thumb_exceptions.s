@ SCTLR.TE = 1: exceptions are taken in Thumb state (B1.8.3, CPSR.T := SCTLR.TE).  An SVC
@ from ARM code enters a Thumb handler that prints CPSR (T set), SPSR and LR, then an SVC
@ from Thumb code (LR offset 2, table B1-7).  --defsym RAM=<base>.
        .syntax unified
        .arm
        .global _start
_start: ldr     sp, =RAM + 0x200000
        ldr     r0, =vectors
        mcr     p15, 0, r0, c12, c0, 0
        mrc     p15, 0, r0, c1, c0, 0
        orr     r0, r0, #(1 << 30)              @ SCTLR.TE
        mcr     p15, 0, r0, c1, c0, 0
        isb
        svc     #1
        adr     r0, thumb_part + 1
        bx      r0
        .thumb
        .balign 4
thumb_part:
        svc     #2
        ldr     r0, =arm_exit
        bx      r0
        .arm
arm_exit:
        mov     r0, #0x18
        ldr     r1, =0x20026
        svc     0x123456

        .thumb
        .balign 32
vectors:
        b.w     .
        b.w     .
        b.w     h_svc
        b.w     .
        b.w     .
        b.w     .
        b.w     .
        b.w     .
h_svc:  push    {r4, lr}
        mov     r4, lr
        mrs     r0, cpsr
        blx     puthex
        mrs     r0, spsr
        blx     puthex
        mov     r0, r4
        blx     puthex
        pop     {r4, lr}
        movs    pc, lr
        .arm
puthex: push    {r0-r4, lr}
        ldr     r1, =hexbuf
        mov     r2, #8
3:      mov     r3, r0, lsr #28
        cmp     r3, #10
        addlt   r3, r3, #'0'
        addge   r3, r3, #'a' - 10
        strb    r3, [r1], #1
        lsl     r0, r0, #4
        subs    r2, r2, #1
        bne     3b
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
hexbuf: .space  16

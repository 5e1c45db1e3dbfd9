@ FIQ on versatilepb (ARM926, vectors at 0): the SP804 timer routed to FIQ by the PL190
@ (VICINTSELECT), taken from WFI.  The handler prints CPSR, SPSR, LR and its banked r8;
@ after the return the SVC-mode r8 is printed (B1.3.2 banking, B1.8.3 FIQ entry).
        .syntax unified
        .arm
        .global _start
        .equ    VIC, 0x10140000
        .equ    TIMER0, 0x101E2000
_start: ldr     sp, =0x200000
        @ vectors at 0: ldr pc, [pc, #24] x 8, then the handler addresses
        mov     r0, #0
        ldr     r1, =0xe59ff018
        mov     r2, #8
1:      str     r1, [r0], #4
        subs    r2, r2, #1
        bne     1b
        ldr     r1, =hang
        mov     r2, #7
2:      str     r1, [r0], #4
        subs    r2, r2, #1
        bne     2b
        ldr     r1, =h_fiq
        str     r1, [r0]
        msr     cpsr_c, #0xd1                   @ FIQ mode, I and F masked
        ldr     r8, =0xf1f1f1f1
        ldr     sp, =0x1f0000
        msr     cpsr_c, #0xd3                   @ back to SVC
        ldr     r8, =0x5e5e5e5e
        @ timer 0: periodic, 32-bit, interrupt enabled, load 1000
        ldr     r0, =TIMER0
        ldr     r1, =1000
        str     r1, [r0]
        mov     r1, #0xe2
        str     r1, [r0, #8]
        @ VIC: timer 0/1 is input 4, routed to FIQ
        ldr     r0, =VIC
        mov     r1, #0x10
        str     r1, [r0, #0x0c]                 @ VICINTSELECT
        str     r1, [r0, #0x10]                 @ VICINTENABLE
        mrs     r0, cpsr                        @ ARMv5: no cps, no wfi
        bic     r0, r0, #0x40
        msr     cpsr_c, r0
wait:   mcr     p15, 0, r0, c7, c0, 4           @ wait for interrupt
        mov     r0, r8
        bl      puthex
        mrs     r0, cpsr
        bl      puthex
        mov     r0, #0x18
        ldr     r1, =0x20026
        svc     0x123456
hang:   b       hang

h_fiq:  mov     r9, lr
        mrs     r0, cpsr
        bl      puthex
        mrs     r0, spsr
        bl      puthex
        mov     r0, r9
        bl      puthex
        mov     r0, r8
        bl      puthex
        ldr     r0, =TIMER0
        mov     r1, #0
        str     r1, [r0, #8]                    @ timer off
        str     r1, [r0, #0x0c]                 @ clear its interrupt
        mov     lr, r9
        subs    pc, lr, #4

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

@ A CPU-bound loop under a periodic virtual-timer interrupt (PPI 27, every PERIOD ticks of
@ the generic timer), next to COLD intercepted coprocessor accesses that never run (their page
@ is scanned, so with fast exits each is an exit address Unicorn looks at whenever a run ends).
@ Prints the number of ticks.  For virt.  --defsym RAM=<base> PERIOD=<ticks> WORK=<iterations>
@ COLD=<count>.
        .syntax unified
        .arm
        .global _start
_start: ldr sp, =RAM + 0x100000
        cps #0x12                       @ IRQ mode stack
        ldr sp, =RAM + 0x110000
        cps #0x13
        ldr r0, =vec
        mcr p15, 0, r0, c12, c0, 0
        @ (cold: never called; its page is scanned)
        ldr r0, =0x08000000             @ GICD
        mov r1, #1
        str r1, [r0]
        mov r1, #1 << 27
        str r1, [r0, #0x100]            @ PPI 27: virtual timer
        ldr r0, =0x08010000             @ GICC
        mov r1, #0xf0
        str r1, [r0, #4]
        mov r1, #1
        str r1, [r0]
        ldr r0, =PERIOD
        mcr p15, 0, r0, c14, c3, 0      @ CNTV_TVAL
        mov r0, #1
        mcr p15, 0, r0, c14, c3, 1      @ CNTV_CTL: enable
        cpsie i
        mov r9, #0                      @ ticks
        ldr r6, =WORK
        mov r5, #0
work:   add r5, r5, r6
        eor r5, r5, r5, lsl #3
        subs r6, r6, #1
        bne work
        cpsid i
        mov r0, r9
        bl puthex
        mov r0, #0x18
        ldr r1, =0x20026
        svc 0x123456
irq:    push {r0-r3, lr}
        ldr r2, =0x08010000
        ldr r3, [r2, #0x0c]             @ IAR
        ldr r0, =PERIOD
        mcr p15, 0, r0, c14, c3, 0      @ CNTV_TVAL: next tick
        add r9, r9, #1
        str r3, [r2, #0x10]             @ EOIR
        pop {r0-r3, lr}
        subs pc, lr, #4
cold:   .rept COLD
        mrc p15, 0, r0, c14, c3, 1      @ CNTV_CTL
        .endr
        bx lr
        .balign 32
vec:    b .
        b .
        b .
        b .
        b .
        b .
        b irq
        b .
        .ltorg
        .include "puthex.inc"

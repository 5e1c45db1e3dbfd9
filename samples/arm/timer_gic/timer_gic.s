@ timer_gic -- the Cortex-A9 private timer, interrupting through the GIC.
@
@ Board: vexpress-a9.  The Cortex-A9 MPCore private memory region starts at
@ PERIPHBASE = 0x1e000000 (read from the Configuration Base Address Register,
@ cp15 c15, but fixed on this board):
@   +0x0100  GIC CPU interface      +0x0600  private timer
@   +0x1000  GIC distributor
@ The private timer is private peripheral interrupt (PPI) 29.  The GIC hands the
@ CPU the highest-priority pending interrupt when it reads GICC_IAR and is told
@ the interrupt is finished by a write of the same ID to GICC_EOIR.
@
@ The timer counts down from 1000000 at 100 MHz in QEMU's model (10 ms) and
@ reloads itself; the main loop sleeps with wfi and prints each tick; after 10
@ ticks it stops the timer and exits.  Run with -icount for a repeatable run.

        .arch   armv7-a               @ Cortex-A8/A9/A15: ARMv7-A
        .arm

        .equ    UART0_BASE, 0x10009000
        .equ    GICC_BASE, 0x1e000100
        .equ    GICD_BASE, 0x1e001000
        .equ    PTIMER_BASE, 0x1e000600
        .equ    GICC_CTLR, 0x00
        .equ    GICC_PMR, 0x04
        .equ    GICC_IAR, 0x0c
        .equ    GICC_EOIR, 0x10
        .equ    GICD_CTLR, 0x000
        .equ    GICD_ISENABLER0, 0x100  @ enable bits of IDs 0-31 (SGIs and PPIs)
        .equ    GICD_ICENABLER0, 0x180
        .equ    PTIMER_LOAD, 0x00
        .equ    PTIMER_COUNTER, 0x04
        .equ    PTIMER_CONTROL, 0x08    @ bit 0 enable, 1 auto-reload, 2 IRQ enable
        .equ    PTIMER_ISR, 0x0c        @ bit 0 event flag, write 1 to clear
        .equ    PTIMER_IRQ, 29
        .equ    PERIOD, 1000000
        .equ    NTICKS, 10
        .equ    MODE_IRQ, 0x12
        .equ    MODE_SVC, 0x13

        .text
        .global _start
_start:
        ldr     sp, =svc_stack_top
        cps     #MODE_IRQ
        ldr     sp, =irq_stack_top
        cps     #MODE_SVC
        ldr     r0, =vectors
        mcr     p15, 0, r0, c12, c0, 0  @ VBAR
        isb

        ldr     r0, =msg_banner
        bl      puts

        @ GIC: distributor on, PPI 29 enabled; CPU interface on, all priorities pass
        ldr     r0, =GICD_BASE
        mov     r1, #1
        str     r1, [r0, #GICD_CTLR]
        mov     r1, #1 << PTIMER_IRQ
        str     r1, [r0, #GICD_ISENABLER0]
        ldr     r0, =GICC_BASE
        mov     r1, #0xff
        str     r1, [r0, #GICC_PMR]
        mov     r1, #1
        str     r1, [r0, #GICC_CTLR]

        @ private timer: prescaler 0, auto-reload, interrupt enabled
        ldr     r0, =PTIMER_BASE
        ldr     r1, =PERIOD
        str     r1, [r0, #PTIMER_LOAD]
        mov     r1, #7
        str     r1, [r0, #PTIMER_CONTROL]

        cpsie   i

        mov     r4, #0                  @ ticks printed so far
wait:
        wfi
        ldr     r0, =ticks
        ldr     r5, [r0]
        cmp     r5, r4
        beq     wait
        add     r4, r4, #1
        ldr     r0, =msg_tick
        bl      puts
        mov     r0, r4
        bl      putdec
        ldr     r0, =msg_iar
        bl      puts
        ldr     r0, =last_iar
        ldr     r0, [r0]
        bl      putdec
        mov     r0, #'\n'
        bl      putc
        cmp     r4, #NTICKS
        blo     wait

        cpsid   i
        ldr     r0, =PTIMER_BASE
        mov     r1, #0
        str     r1, [r0, #PTIMER_CONTROL]
        ldr     r0, =GICD_BASE
        mov     r1, #1 << PTIMER_IRQ
        str     r1, [r0, #GICD_ICENABLER0]
        ldr     r0, =msg_done
        bl      puts
        mov     r0, #0
        b       exit

        .align  5
vectors:
        b       unexpected              @ reset
        b       unexpected              @ undefined instruction
        b       unexpected              @ supervisor call
        b       unexpected              @ prefetch abort
        b       unexpected              @ data abort
        b       unexpected
        b       irq_handler             @ IRQ
        b       unexpected              @ FIQ

irq_handler:
        sub     lr, lr, #4
        push    {r0-r3, lr}
        ldr     r2, =GICC_BASE
        ldr     r3, [r2, #GICC_IAR]     @ acknowledge: which interrupt?
        ldr     r0, =0x3ff
        and     r1, r3, r0              @ interrupt ID (1023 = spurious)
        cmp     r1, r0
        beq     2f                      @ spurious: no EOI
        cmp     r1, #PTIMER_IRQ
        bne     1f
        ldr     r0, =PTIMER_BASE
        mov     r1, #1
        str     r1, [r0, #PTIMER_ISR]   @ clear the timer's event flag
        ldr     r0, =ticks
        ldr     r1, [r0]
        add     r1, r1, #1
        str     r1, [r0]
        ldr     r0, =last_iar
        str     r3, [r0]
1:      str     r3, [r2, #GICC_EOIR]    @ end of interrupt
2:      ldmfd   sp!, {r0-r3, pc}^

unexpected:
        ldr     sp, =svc_stack_top
        ldr     r0, =msg_unexpected
        bl      puts
        mov     r0, #1
        b       exit
        .ltorg

msg_banner:     .asciz  "timer_gic: Cortex-A9 private timer, 10 ms period, through the GIC\n"
msg_tick:       .asciz  "tick "
msg_iar:        .asciz  ", interrupt ID "
msg_done:       .asciz  "10 ticks counted, timer stopped\n"
msg_unexpected: .asciz  "unexpected exception\n"
        .align  2

@ ---------------------------------------------------------------------------
@ Console routines (PL011 UART, polled).  They clobber r0-r3 and ip only.
@ ---------------------------------------------------------------------------

@ putc(r0 = byte)
putc:
        ldr     r1, =UART0_BASE
1:      ldr     r2, [r1, #0x18]         @ UARTFR
        tst     r2, #0x20               @ TXFF: transmit FIFO full?
        bne     1b
        strb    r0, [r1]                @ UARTDR
        bx      lr

@ puts(r0 = NUL-terminated string)
puts:
        push    {r4, lr}
        mov     r4, r0
1:      ldrb    r0, [r4], #1
        cmp     r0, #0
        popeq   {r4, pc}
        bl      putc
        b       1b

@ puthex(r0 = value): eight hexadecimal digits
puthex:
        push    {r4, r5, lr}
        mov     r4, r0
        mov     r5, #28                 @ shift of the most significant nibble
1:      mov     r0, r4, lsr r5
        and     r0, r0, #0xf
        cmp     r0, #10
        addlo   r0, r0, #'0'
        addhs   r0, r0, #'a' - 10
        bl      putc
        subs    r5, r5, #4
        bpl     1b
        pop     {r4, r5, pc}

@ putdec(r0 = value): unsigned decimal, by subtracting powers of ten
@ (ARMv5/ARMv7-A ARM state has no divide instruction).
putdec:
        push    {r4, r5, r6, lr}
        mov     r4, r0
        adr     r5, powers_of_ten
        mov     r6, #0                  @ set once a non-zero digit was printed
1:      ldr     r1, [r5], #4
        cmp     r1, #1
        beq     3f                      @ the units digit is always printed
        mov     r0, #'0'
2:      cmp     r4, r1
        subhs   r4, r4, r1
        addhs   r0, r0, #1
        bhs     2b
        cmp     r0, #'0'
        movne   r6, #1
        cmp     r6, #0
        blne    putc
        b       1b
3:      add     r0, r4, #'0'
        bl      putc
        pop     {r4, r5, r6, pc}
powers_of_ten:
        .word   1000000000, 100000000, 10000000, 1000000, 100000
        .word   10000, 1000, 100, 10, 1

@ exit(r0 = code): semihosting SYS_EXIT_EXTENDED; QEMU exits with this code
exit:
        ldr     r1, =exit_block
        str     r0, [r1, #4]
        mov     r0, #0x20               @ SYS_EXIT_EXTENDED
        svc     0x123456
        b       .                       @ not reached
        .ltorg

        .data
        .align  2
exit_block:
        .word   0x20026                 @ ADP_Stopped_ApplicationExit
        .word   0                       @ exit code, filled in by exit
        .text

        .data
        .align  2
ticks:          .word   0               @ incremented by the IRQ handler
last_iar:       .word   0               @ GICC_IAR of the last timer interrupt

        .bss
        .align  3
                .space  1024
svc_stack_top:
                .space  512
irq_stack_top:

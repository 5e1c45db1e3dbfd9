@ timer_vic -- periodic timer interrupts through a vectored interrupt controller.
@
@ Board: versatilepb (ARM926EJ-S, ARMv5TE).
@   SP804 dual timer at 0x101e2000; its first timer raises VIC line 4.
@   PL190 VIC at 0x10140000 collects the lines and drives the CPU's IRQ input.
@ The ARM926 has no VBAR: exceptions vector to address 0 (SCTLR.V = 0, ARM ARM
@ B1.8.1), where the board has RAM, so the kernel copies its vector table there.
@
@ The timer counts down at 1 MHz from 10000 and interrupts every 10 ms; the IRQ
@ handler acknowledges it and counts.  The main loop sleeps (wait-for-interrupt,
@ the ARMv5 cp15 c7 operation) and prints each new tick; after 10 ticks it stops
@ the timer and exits.  Run under QEMU with -icount so that guest time is
@ counted in instructions: the run is then the same every time.

        .arch   armv5te               @ ARM926EJ-S: ARMv5TE
        .arm

        .equ    UART0_BASE, 0x101f1000
        .equ    VIC_BASE, 0x10140000
        .equ    VIC_IRQSTATUS, 0x00     @ enabled, pending IRQ lines
        .equ    VIC_INTSELECT, 0x0c     @ 1 = FIQ, 0 = IRQ
        .equ    VIC_INTENABLE, 0x10     @ write 1s to enable lines
        .equ    VIC_INTENCLEAR, 0x14    @ write 1s to disable lines
        .equ    TIMER0_BASE, 0x101e2000
        .equ    TIMER_LOAD, 0x00
        .equ    TIMER_VALUE, 0x04
        .equ    TIMER_CONTROL, 0x08
        .equ    TIMER_INTCLR, 0x0c
        .equ    TIMER_EN, 0x80          @ control: enable
        .equ    TIMER_PERIODIC, 0x40    @ reload from LOAD at zero
        .equ    TIMER_INTEN, 0x20       @ raise the interrupt
        .equ    TIMER_32BIT, 0x02
        .equ    TIMER_IRQ, 4            @ VIC line of timers 0/1
        .equ    PERIOD_US, 10000
        .equ    NTICKS, 10
        .equ    MODE_IRQ, 0x12
        .equ    MODE_SVC, 0x13

        .text
        .global _start
_start:
        ldr     sp, =svc_stack_top
        msr     cpsr_c, #0xd2           @ IRQ mode (masks kept): its own stack
        ldr     sp, =irq_stack_top
        msr     cpsr_c, #0xd3           @ back to SVC

        @ copy the vector table (8 instructions + 8 handler addresses) to 0
        ldr     r0, =vector_table
        mov     r1, #0
        ldmia   r0!, {r2-r9}
        stmia   r1!, {r2-r9}
        ldmia   r0!, {r2-r9}
        stmia   r1!, {r2-r9}

        ldr     r0, =msg_banner
        bl      puts

        @ VIC: timer line to IRQ (not FIQ), enabled
        ldr     r0, =VIC_BASE
        mov     r1, #0
        str     r1, [r0, #VIC_INTSELECT]
        mov     r1, #1 << TIMER_IRQ
        str     r1, [r0, #VIC_INTENABLE]

        @ timer: 32-bit, periodic, interrupt enabled, 10 ms period at 1 MHz
        ldr     r0, =TIMER0_BASE
        ldr     r1, =PERIOD_US
        str     r1, [r0, #TIMER_LOAD]
        mov     r1, #TIMER_EN | TIMER_PERIODIC | TIMER_INTEN | TIMER_32BIT
        str     r1, [r0, #TIMER_CONTROL]

        msr     cpsr_c, #0x53           @ SVC, IRQ unmasked (FIQ stays masked)

        mov     r4, #0                  @ ticks printed so far
wait:
        mov     r0, #0
        mcr     p15, 0, r0, c7, c0, 4   @ wait for interrupt (ARMv5 form of wfi)
        ldr     r0, =ticks
        ldr     r5, [r0]
        cmp     r5, r4
        beq     wait                    @ woken without a new tick: sleep again
        add     r4, r4, #1              @ print one line per tick
        ldr     r0, =msg_tick
        bl      puts
        mov     r0, r4
        bl      putdec
        mov     r0, #'\n'
        bl      putc
        cmp     r4, #NTICKS
        blo     wait

        @ stop: mask IRQs, disable the timer and its VIC line
        msr     cpsr_c, #0xd3
        ldr     r0, =TIMER0_BASE
        mov     r1, #0
        str     r1, [r0, #TIMER_CONTROL]
        ldr     r0, =VIC_BASE
        mov     r1, #1 << TIMER_IRQ
        str     r1, [r0, #VIC_INTENCLEAR]
        ldr     r0, =msg_done
        bl      puts
        mov     r0, #0
        b       exit

@ IRQ handler: find the source in the VIC, acknowledge the timer, count.
irq_handler:
        sub     lr, lr, #4              @ return address: the interrupted instruction
        push    {r0-r3, lr}
        ldr     r0, =VIC_BASE
        ldr     r1, [r0, #VIC_IRQSTATUS]
        tst     r1, #1 << TIMER_IRQ
        beq     1f
        ldr     r0, =TIMER0_BASE
        str     r0, [r0, #TIMER_INTCLR] @ any write clears the timer's interrupt
        ldr     r0, =ticks
        ldr     r1, [r0]
        add     r1, r1, #1
        str     r1, [r0]
1:      ldmfd   sp!, {r0-r3, pc}^       @ return, CPSR <- SPSR_irq

unexpected:
        ldr     sp, =svc_stack_top
        ldr     r0, =msg_unexpected
        bl      puts
        mov     r0, #1
        b       exit

@ Copied to address 0.  "ldr pc, [pc, #24]" loads from 8 words further on
@ (PC reads as the instruction's address + 8), so the table stays position
@ independent: the entry for vector N is at 0x20 + 4*N.
vector_table:
        ldr     pc, [pc, #24]           @ reset
        ldr     pc, [pc, #24]           @ undefined instruction
        ldr     pc, [pc, #24]           @ supervisor call
        ldr     pc, [pc, #24]           @ prefetch abort
        ldr     pc, [pc, #24]           @ data abort
        ldr     pc, [pc, #24]           @ (not used)
        ldr     pc, [pc, #24]           @ IRQ
        ldr     pc, [pc, #24]           @ FIQ
        .word   unexpected, unexpected, unexpected, unexpected
        .word   unexpected, unexpected, irq_handler, unexpected
        .ltorg

msg_banner:     .asciz  "timer_vic: SP804 timer, 10 ms period, through the PL190 VIC\n"
msg_tick:       .asciz  "tick "
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
ticks:  .word   0                       @ incremented by the IRQ handler

        .bss
        .align  3
                .space  1024
svc_stack_top:
                .space  512
irq_stack_top:

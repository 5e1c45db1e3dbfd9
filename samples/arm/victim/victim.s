@ victim -- a guest with a secret, for the multi-guest hypervisor (with attacker).
@
@ Board: versatilepb.  The victim fills a 256-byte secret from a seed, tagged
@ with a magic word, and remembers its checksum.  Then it runs on timer
@ interrupts (SP804 timer 0 through the PL190 VIC, as in timer_vic) and on each
@ of 8 ticks checks that the secret is unchanged.  Alone on QEMU it prints
@ expected.out.  Run side by side with `attacker`, which scans and overwrites
@ memory and disables interrupt lines, a hypervisor that isolates its guests
@ must leave this output exactly as it is: the same ticks, the secret intact.

        .arch   armv5te               @ ARM926EJ-S: ARMv5TE
        .arm

        .equ    UART0_BASE, 0x101f1000
        .equ    VIC_BASE, 0x10140000
        .equ    VIC_IRQSTATUS, 0x00
        .equ    VIC_INTSELECT, 0x0c
        .equ    VIC_INTENABLE, 0x10
        .equ    VIC_INTENCLEAR, 0x14
        .equ    TIMER0_BASE, 0x101e2000
        .equ    TIMER_LOAD, 0x00
        .equ    TIMER_CONTROL, 0x08
        .equ    TIMER_INTCLR, 0x0c
        .equ    TIMER_IRQ, 4
        .equ    MAGIC, 0x5ec7e7ed       @ the attacker looks for this word
        .equ    SECRET_WORDS, 64
        .equ    NTICKS, 8

        .text
        .global _start
_start:
        ldr     sp, =svc_stack_top
        msr     cpsr_c, #0xd2           @ IRQ mode: its stack
        ldr     sp, =irq_stack_top
        msr     cpsr_c, #0xd3
        ldr     r0, =vector_table       @ vectors to address 0 (ARM926: no VBAR)
        mov     r1, #0
        ldmia   r0!, {r2-r9}
        stmia   r1!, {r2-r9}
        ldmia   r0!, {r2-r9}
        stmia   r1!, {r2-r9}

        @ the secret: MAGIC, then 64 words of xorshift32 output
        ldr     r0, =secret
        ldr     r1, =MAGIC
        str     r1, [r0], #4
        ldr     r1, =0x2545f491         @ seed
        mov     r2, #SECRET_WORDS
1:      eor     r1, r1, r1, lsl #13
        eor     r1, r1, r1, lsr #17
        eor     r1, r1, r1, lsl #5
        str     r1, [r0], #4
        subs    r2, r2, #1
        bne     1b
        bl      checksum
        mov     r8, r0                  @ the checksum to compare against
        ldr     r0, =msg_banner
        bl      puts
        mov     r0, r8
        bl      puthex
        mov     r0, #'\n'
        bl      putc

        ldr     r0, =VIC_BASE
        mov     r1, #0
        str     r1, [r0, #VIC_INTSELECT]
        mov     r1, #1 << TIMER_IRQ
        str     r1, [r0, #VIC_INTENABLE]
        ldr     r0, =TIMER0_BASE
        ldr     r1, =10000              @ 10 ms at 1 MHz
        str     r1, [r0, #TIMER_LOAD]
        mov     r1, #0xe2               @ enable, periodic, interrupt, 32-bit
        str     r1, [r0, #TIMER_CONTROL]
        msr     cpsr_c, #0x53           @ IRQs on

        mov     r4, #0                  @ ticks handled
        mov     r9, #0                  @ ticks with the secret changed
wait:
        mov     r0, #0
        mcr     p15, 0, r0, c7, c0, 4   @ wait for interrupt
        ldr     r0, =ticks
        ldr     r5, [r0]
        cmp     r5, r4
        beq     wait
        add     r4, r4, #1
        ldr     r0, =msg_tick
        bl      puts
        mov     r0, r4
        bl      putdec
        bl      checksum
        cmp     r0, r8
        ldreq   r0, =msg_intact
        ldrne   r0, =msg_changed
        addne   r9, r9, #1
        bl      puts
        cmp     r4, #NTICKS
        blo     wait

        msr     cpsr_c, #0xd3
        ldr     r0, =TIMER0_BASE
        mov     r1, #0
        str     r1, [r0, #TIMER_CONTROL]
        ldr     r0, =VIC_BASE
        mov     r1, #1 << TIMER_IRQ
        str     r1, [r0, #VIC_INTENCLEAR]
        ldr     r0, =msg_done
        bl      puts
        cmp     r9, #0
        moveq   r0, #0
        movne   r0, #1
        b       exit

@ checksum() -> r0: rotate-and-xor over the magic word and the secret
checksum:
        ldr     r1, =secret
        mov     r2, #SECRET_WORDS + 1
        mov     r0, #0
1:      ldr     r3, [r1], #4
        eor     r0, r3, r0, ror #27
        subs    r2, r2, #1
        bne     1b
        bx      lr

irq_handler:
        sub     lr, lr, #4
        push    {r0-r3, lr}
        ldr     r0, =VIC_BASE
        ldr     r1, [r0, #VIC_IRQSTATUS]
        tst     r1, #1 << TIMER_IRQ
        beq     1f
        ldr     r0, =TIMER0_BASE
        str     r0, [r0, #TIMER_INTCLR]
        ldr     r0, =ticks
        ldr     r1, [r0]
        add     r1, r1, #1
        str     r1, [r0]
1:      ldmfd   sp!, {r0-r3, pc}^

unexpected:
        ldr     sp, =svc_stack_top
        ldr     r0, =msg_unexpected
        bl      puts
        mov     r0, #2
        b       exit

vector_table:
        ldr     pc, [pc, #24]
        ldr     pc, [pc, #24]
        ldr     pc, [pc, #24]
        ldr     pc, [pc, #24]
        ldr     pc, [pc, #24]
        ldr     pc, [pc, #24]
        ldr     pc, [pc, #24]
        ldr     pc, [pc, #24]
        .word   unexpected, unexpected, unexpected, unexpected
        .word   unexpected, unexpected, irq_handler, unexpected
        .ltorg

msg_banner:     .asciz  "victim: secret stored, checksum 0x"
msg_tick:       .asciz  "victim: tick "
msg_intact:     .asciz  ", secret intact\n"
msg_changed:    .asciz  ", SECRET CHANGED\n"
msg_done:       .asciz  "victim: done\n"
msg_unexpected: .asciz  "victim: unexpected exception\n"
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
ticks:  .word   0

        .bss
        .align  3
secret: .space  4 * (SECRET_WORDS + 1)
        .space  1024
svc_stack_top:
        .space  512
irq_stack_top:

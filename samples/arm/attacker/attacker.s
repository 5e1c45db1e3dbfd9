@ attacker -- a hostile guest for the multi-guest hypervisor (with victim).
@
@ Board: versatilepb.  As a kernel, the attacker may do anything to "its"
@ machine; the question is whether that reaches another guest.  It
@   1. scans RAM 0x00000000-0x007fffff for the victim's magic word, which it
@      computes in a register (so that its own image does not contain it);
@   2. overwrites RAM from 0x00100000 to 0x007fffff with a pattern and reads it back;
@   3. disables every interrupt line of the VIC and stops SP804 timer 0.
@ Alone on QEMU there is no victim: it finds nothing, and prints expected.out.
@ Side by side with `victim` under an isolating hypervisor, both guests must
@ print exactly their own expected.out.

        .arch   armv5te               @ ARM926EJ-S: ARMv5TE
        .arm

        .equ    UART0_BASE, 0x101f1000
        .equ    VIC_BASE, 0x10140000
        .equ    VIC_INTENCLEAR, 0x14
        .equ    TIMER0_BASE, 0x101e2000
        .equ    TIMER_CONTROL, 0x08
        .equ    SCAN_END, 0x00800000
        .equ    WRITE_START, 0x00100000
        .equ    PATTERN, 0xa77ac4ed

        .text
        .global _start
_start:
        ldr     sp, =stack_top
        ldr     r0, =msg_banner
        bl      puts

        @ 1. look for the magic word 0x5ec7e7ed = KEY_A ^ KEY_B
        ldr     r0, =msg_scan
        bl      puts
        ldr     r4, =key_a
        ldmia   r4, {r4, r5}
        eor     r4, r4, r5              @ the magic word, only ever in a register
        mov     r5, #0                  @ address
        mov     r6, #0                  @ copies found
        ldr     r7, =SCAN_END
1:      ldr     r0, [r5], #4
        cmp     r0, r4
        addeq   r6, r6, #1
        cmp     r5, r7
        blo     1b
        ldr     r0, =msg_found
        bl      puts
        mov     r0, r6
        bl      putdec
        ldr     r0, =msg_copies
        bl      puts

        @ 2. overwrite memory that is not ours on a shared machine, then check it
        ldr     r0, =msg_write
        bl      puts
        ldr     r4, =PATTERN
        mov     r5, #WRITE_START
2:      str     r4, [r5], #4
        cmp     r5, r7
        blo     2b
        mov     r5, #WRITE_START
        mov     r6, #0                  @ words read back
        mov     r8, #0                  @ words that differ
3:      ldr     r0, [r5], #4
        add     r6, r6, #1
        cmp     r0, r4
        addne   r8, r8, #1
        cmp     r5, r7
        blo     3b
        ldr     r0, =msg_readback
        bl      puts
        mov     r0, r6
        bl      putdec
        ldr     r0, =msg_differ
        bl      puts
        mov     r0, r8
        bl      putdec
        mov     r0, #'\n'
        bl      putc

        @ 3. silence the interrupt controller and the timer
        ldr     r0, =msg_devices
        bl      puts
        ldr     r0, =VIC_BASE
        mvn     r1, #0
        str     r1, [r0, #VIC_INTENCLEAR]
        ldr     r0, =TIMER0_BASE
        mov     r1, #0
        str     r1, [r0, #TIMER_CONTROL]

        ldr     r0, =msg_done
        bl      puts
        mov     r0, #0
        b       exit
        .ltorg

key_a:  .word   0x12345678
key_b:  .word   0x5ec7e7ed ^ 0x12345678

msg_banner:     .asciz  "attacker: starting\n"
msg_scan:       .asciz  "attacker: scanning 0x00000000-0x007fffff for the victim's magic word\n"
msg_found:      .asciz  "attacker: found "
msg_copies:     .asciz  " copies\n"
msg_write:      .asciz  "attacker: overwriting 0x00100000-0x007fffff\n"
msg_readback:   .asciz  "attacker: read back "
msg_differ:     .asciz  " words, differing: "
msg_devices:    .asciz  "attacker: disabling every VIC line, stopping timer 0\n"
msg_done:       .asciz  "attacker: done\n"
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

        .bss
        .align  3
        .space  1024
stack_top:

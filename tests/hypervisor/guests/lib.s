@ Console and exit routines shared by the hypervisor test guests (versatilepb, PL011 UART0,
@ polled).  putc/puts/puthex/putdec clobber r0-r3 and ip only.  Class-2 hypercalls
@ (inter-VM messages, isa/arm/hypercall.py MessageOp): svc #(0x800000 | 2 << 20 | op).

        .arch   armv5te
        .arm
        .equ    UART0_BASE, 0x101f1000

        .text
        .global putc, puts, puthex, putdec, exit

putc:
        ldr     r1, =UART0_BASE
1:      ldr     r2, [r1, #0x18]         @ UARTFR
        tst     r2, #0x20               @ TXFF
        bne     1b
        strb    r0, [r1]
        bx      lr

puts:
        push    {r4, lr}
        mov     r4, r0
1:      ldrb    r0, [r4], #1
        cmp     r0, #0
        popeq   {r4, pc}
        bl      putc
        b       1b

puthex:
        push    {r4, r5, lr}
        mov     r4, r0
        mov     r5, #28
1:      mov     r0, r4, lsr r5
        and     r0, r0, #0xf
        cmp     r0, #10
        addlo   r0, r0, #'0'
        addhs   r0, r0, #'a' - 10
        bl      putc
        subs    r5, r5, #4
        bpl     1b
        pop     {r4, r5, pc}

@ putdec(r0): signed decimal
putdec:
        push    {r4, r5, r6, lr}
        mov     r4, r0
        cmp     r4, #0
        bge     0f
        mov     r0, #'-'
        bl      putc
        rsb     r4, r4, #0
0:      adr     r5, powers_of_ten
        mov     r6, #0
1:      ldr     r1, [r5], #4
        cmp     r1, #1
        beq     3f
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

@ exit(r0 = code): semihosting SYS_EXIT_EXTENDED
exit:
        ldr     r1, =exit_block
        str     r0, [r1, #4]
        mov     r0, #0x20
        svc     0x123456
        b       .
        .ltorg

        .data
        .align  2
exit_block:
        .word   0x20026
        .word   0

@ pingpong_a -- one of two guests for a multi-guest hypervisor (with pingpong_b).
@
@ Board: versatilepb.  The guest prints "A: ping 1" .. "A: ping 8", doing a fixed
@ amount of work (a counting loop) between lines, then exits.  Alone on QEMU it
@ prints expected.out; run side by side with pingpong_b under a hypervisor that
@ gives each guest its own virtual UART, each guest must still print exactly
@ its own expected.out -- whatever the interleaving of the two.
@
@ Messages: at start the guest asks for its VM id with a class-2 hypercall
@ (svc #0xa00000, MessageOp.SELF; isa/arm/hypercall.py).  Alone (QEMU, or vtrans
@ with one guest) that svc is an ordinary SVC, whose handler answers -1, and the
@ output is expected.out.  Under vtrans's hypervisor with pingpong_b beside it,
@ every round also sends one message and then receives one
@ ("ping"/"pong" and the round number) and prints "A: received ..." after the
@ round's line; without those lines the output is still expected.out.

        .arch   armv5te               @ ARM926EJ-S: ARMv5TE
        .arm

        .equ    UART0_BASE, 0x101f1000
        .equ    ROUNDS, 8
        .equ    WORK, 200000            @ loop iterations between two lines

        .text
        .global _start
_start:
        ldr     sp, =stack_top
        ldr     r0, =msg_banner
        bl      puts
        bl      hv_probe                @ r10 = the peer's VM id, or negative: alone
        mov     r4, #1
1:      ldr     r0, =msg_line
        bl      puts
        mov     r0, r4
        bl      putdec
        mov     r0, #'\n'
        bl      putc
        cmp     r10, #0
        blt     3f
        mov     r0, r4
        bl      exchange
3:
        ldr     r5, =WORK               @ busy work: the hypervisor may switch guests here
        mov     r6, #0
2:      add     r6, r6, r5
        subs    r5, r5, #1
        bne     2b
        add     r4, r4, #1
        cmp     r4, #ROUNDS
        bls     1b
        ldr     r0, =msg_done
        bl      puts
        mov     r0, r6                  @ the sum of 1..WORK, as a check of the work
        bl      putdec
        mov     r0, #'\n'
        bl      putc
        mov     r0, #0
        b       exit
        .ltorg

msg_banner:     .asciz  "pingpong_a: guest A starting\n"
msg_line:       .asciz  "A: ping "
msg_done:       .asciz  "A: done, last work sum "
        .align  2

@ ---------------------------------------------------------------------------
@ Messages through the hypervisor (class-2 hypercalls, isa/arm/hypercall.py)
@ ---------------------------------------------------------------------------

@ hv_probe: r10 = pingpong_b's VM id under the hypervisor, else negative.  Installs
@ an SVC vector first (RAM at 0 on versatilepb): without a hypervisor the
@ hypercall is an ordinary SVC and returns -1.
hv_probe:
        push    {r4, lr}              @ the svc below overwrites lr (SVC mode)
        mov     r0, #0
        ldr     r1, =0xe59ff018         @ ldr pc, [pc, #24]: vector 0x08 -> the word at 0x28
        str     r1, [r0, #0x08]
        ldr     r1, =svc_no_hypervisor
        str     r1, [r0, #0x28]
        mvn     r10, #0
        svc     #0xa00000               @ MessageOp.SELF: r0 = this VM's id
        cmp     r0, #0
        blt     1f
        ldr     r0, =peer_name
        svc     #0xa00001               @ MessageOp.LOOKUP: r0 = the peer's id, or -1
        mov     r10, r0
1:      pop     {r4, pc}

svc_no_hypervisor:
        mvn     r0, #0
        movs    pc, lr

@ exchange(r0 = round): send then receive; prints what arrives
exchange:
        push    {r4, r5, r6, r7, lr}
        ldr     r1, =sendbuf
        str     r0, [r1, #4]            @ the round number after the four letters
        mov     r0, r10
        mov     r2, #8
        svc     #0xa00002               @ MessageOp.SEND: r0 = peer, r1 = buffer, r2 = length
        ldr     r0, =recvbuf
        mov     r1, #8
        svc     #0xa00003               @ MessageOp.RECV: blocks until a message comes
        mov     r5, r1                  @ the sender's id
        ldr     r0, =msg_received
        bl      puts
        ldr     r6, =recvbuf
        mov     r4, #4
4:      ldrb    r0, [r6], #1            @ the four letters
        bl      putc
        subs    r4, r4, #1
        bne     4b
        mov     r0, #' '
        bl      putc
        ldr     r0, [r6]                @ the round number
        bl      putdec
        ldr     r0, =msg_from
        bl      puts
        mov     r0, r5
        bl      putdec
        mov     r0, #'\n'
        bl      putc
        pop     {r4, r5, r6, r7, pc}
        .ltorg

peer_name:      .asciz  "pingpong_b"
msg_received:   .asciz  "A: received "
msg_from:       .asciz  " from VM "
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
sendbuf:        .ascii  "ping"
                .word   0
recvbuf:        .space  8
exit_block:
        .word   0x20026                 @ ADP_Stopped_ApplicationExit
        .word   0                       @ exit code, filled in by exit
        .text

        .bss
        .align  3
        .space  1024
stack_top:

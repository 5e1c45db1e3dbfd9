@ Inter-VM messages delivered by interrupt: the receiving side (versatilepb, with lib.s; runs
@ with msg_ring).  It enables its message doorbell (MessageOp.DOORBELL: the hypervisor holds
@ PL190 VIC input 20 asserted while its mailbox is non-empty), unmasks that input and IRQs,
@ and sleeps in WFI.  Its IRQ handler counts the interrupts, drains the mailbox with POLL
@ (which drops the line), prints every message and answers each batch with an "ack".  It
@ stops after ROUNDS interrupts and prints the count its handler kept.

        .arch   armv5te
        .arm
        .equ    ROUNDS, 3
        .equ    VIC_BASE, 0x10140000
        .equ    VIC_IRQSTATUS, 0x00
        .equ    VIC_INTENABLE, 0x10
        .equ    HC_LOOKUP, 0xa00001
        .equ    HC_SEND, 0xa00002
        .equ    HC_POLL, 0xa00004
        .equ    HC_DOORBELL, 0xa00005

        .text
        .global _start
_start:
        ldr     sp, =stack_top
        mov     r0, #0                  @ vectors at 0 (ARMv5: no VBAR)
        adr     r1, vectors
        mov     r2, #16
1:      ldr     r3, [r1], #4
        str     r3, [r0], #4
        subs    r2, r2, #1
        bne     1b
        msr     cpsr_c, #0xd2           @ IRQ mode: its stack
        ldr     sp, =irq_stack_top
        msr     cpsr_c, #0xd3           @ back to SVC, IRQs masked

        ldr     r0, =peer_name
        svc     #HC_LOOKUP
        ldr     r1, =peer
        str     r0, [r1]

        mov     r0, #1
        svc     #HC_DOORBELL            @ -> its interrupt number
        mov     r4, r0
        ldr     r0, =msg_irq
        bl      puts
        mov     r0, r4
        bl      putdec
        mov     r0, #'\n'
        bl      putc
        ldr     r1, =VIC_BASE
        mov     r0, #1
        mov     r0, r0, lsl r4
        str     r0, [r1, #VIC_INTENABLE]

        @ tell the sender we are ready (its first message then finds us asleep)
        ldr     r0, =peer
        ldr     r0, [r0]
        ldr     r1, =ack
        mov     r2, #4
        svc     #HC_SEND

        @ sleep until the handler has counted ROUNDS interrupts; the test and the WFI run with
        @ IRQs masked (an asserted line still wakes WFI, B1.8.13), so no interrupt is lost
idle:
        ldr     r0, =irq_count
        ldr     r0, [r0]
        cmp     r0, #ROUNDS
        bhs     finished
        mov     r0, #0
        mcr     p15, 0, r0, c7, c0, 4   @ wait for interrupt (ARMv5)
        msr     cpsr_c, #0x53           @ unmask IRQs: the doorbell is taken here
        msr     cpsr_c, #0xd3
        b       idle

finished:
        ldr     r0, =msg_done
        bl      puts
        ldr     r0, =irq_count
        ldr     r0, [r0]
        bl      putdec
        ldr     r0, =msg_done2
        bl      puts
        ldr     r0, =msg_count
        ldr     r0, [r0]
        bl      putdec
        ldr     r0, =msg_done3
        bl      puts
        mov     r0, #0
        b       exit

irq_handler:
        sub     lr, lr, #4
        push    {r0-r7, ip, lr}
        ldr     r1, =irq_count
        ldr     r4, [r1]
        add     r4, r4, #1
        str     r4, [r1]
        ldr     r0, =msg_took
        bl      puts
        mov     r0, r4
        bl      putdec
        ldr     r0, =msg_status
        bl      puts
        ldr     r1, =VIC_BASE
        ldr     r0, [r1, #VIC_IRQSTATUS]
        bl      puthex
        mov     r0, #'\n'
        bl      putc
drain:
        ldr     r0, =recvbuf
        mov     r1, #63
        svc     #HC_POLL
        cmp     r0, #0
        blt     drained                 @ EMPTY: the doorbell has dropped
        mov     r5, r1
        ldr     r1, =recvbuf
        mov     r2, #0
        strb    r2, [r1, r0]            @ NUL after the text
        ldr     r1, =msg_count
        ldr     r2, [r1]
        add     r2, r2, #1
        str     r2, [r1]
        ldr     r0, =msg_got
        bl      puts
        ldr     r0, =recvbuf
        bl      puts
        ldr     r0, =msg_from
        bl      puts
        mov     r0, r5
        bl      putdec
        mov     r0, #'\n'
        bl      putc
        b       drain
drained:
        mov     r4, r0
        ldr     r0, =msg_empty
        bl      puts
        mov     r0, r4
        bl      putdec
        ldr     r0, =msg_status
        bl      puts
        ldr     r1, =VIC_BASE
        ldr     r0, [r1, #VIC_IRQSTATUS]
        bl      puthex
        mov     r0, #'\n'
        bl      putc
        ldr     r0, =peer
        ldr     r0, [r0]
        ldr     r1, =ack
        mov     r2, #4
        svc     #HC_SEND
        pop     {r0-r7, ip, lr}
        movs    pc, lr

other:
        mov     r0, #1
        b       exit
vectors:
        ldr     pc, [pc, #24]
        ldr     pc, [pc, #24]
        ldr     pc, [pc, #24]
        ldr     pc, [pc, #24]
        ldr     pc, [pc, #24]
        ldr     pc, [pc, #24]
        ldr     pc, [pc, #24]
        ldr     pc, [pc, #24]
        .word   other, other, other, other, other, other, irq_handler, other
        .ltorg

peer_name:      .asciz  "msg_ring"
ack:            .asciz  "ack"
msg_irq:        .asciz  "bell: doorbell is VIC input "
msg_took:       .asciz  "bell: irq "
msg_status:     .asciz  ", VIC IRQ status 0x"
msg_got:        .asciz  "bell: got '"
msg_from:       .asciz  "' from VM "
msg_empty:      .asciz  "bell: poll -> "
msg_done:       .asciz  "bell: done, "
msg_done2:      .asciz  " doorbell IRQs, "
msg_done3:      .asciz  " messages\n"
        .align  2

        .data
        .align  2
peer:           .word   0
irq_count:      .word   0
msg_count:      .word   0
recvbuf:        .space  64

        .bss
        .align  3
        .space  512
irq_stack_top:
        .space  1024
stack_top:

@ Inter-VM messages delivered by interrupt: the sending side (versatilepb, with lib.s; runs
@ with msg_bell).  It waits (blocking RECV) for msg_bell's "ack" that it is ready, then for
@ each of ROUNDS rounds sends a batch of messages (round k: k messages) and blocks until
@ msg_bell's interrupt handler acknowledges the batch.

        .arch   armv5te
        .arm
        .equ    ROUNDS, 3
        .equ    HC_LOOKUP, 0xa00001
        .equ    HC_SEND, 0xa00002
        .equ    HC_RECV, 0xa00003

        .text
        .global _start
_start:
        ldr     sp, =stack_top
        ldr     r0, =peer_name
        svc     #HC_LOOKUP
        mov     r7, r0
        bl      wait_ack
        mov     r6, #1                  @ round
round:
        mov     r5, #1                  @ message within the round
batch:
        ldr     r1, =sendbuf
        add     r0, r6, #'0'
        strb    r0, [r1, #6]            @ "round R.M"
        add     r0, r5, #'0'
        strb    r0, [r1, #8]
        mov     r0, r7
        mov     r2, #9
        svc     #HC_SEND
        mov     r4, r0
        ldr     r0, =msg_sent
        bl      puts
        ldr     r0, =sendbuf
        bl      puts
        ldr     r0, =msg_result
        bl      puts
        mov     r0, r4
        bl      putdec
        mov     r0, #'\n'
        bl      putc
        add     r5, r5, #1
        cmp     r5, r6
        bls     batch
        bl      wait_ack
        add     r6, r6, #1
        cmp     r6, #ROUNDS
        bls     round
        ldr     r0, =msg_done
        bl      puts
        mov     r0, #0
        b       exit

wait_ack:
        push    {r4, lr}
        ldr     r0, =recvbuf
        mov     r1, #16
        svc     #HC_RECV
        mov     r4, r0
        ldr     r0, =msg_ack
        bl      puts
        ldr     r0, =recvbuf
        bl      puts
        ldr     r0, =msg_len
        bl      puts
        mov     r0, r4
        bl      putdec
        mov     r0, #'\n'
        bl      putc
        pop     {r4, pc}
        .ltorg

peer_name:      .asciz  "msg_bell"
msg_sent:       .asciz  "ring: sent '"
msg_result:     .asciz  "' -> "
msg_ack:        .asciz  "ring: received '"
msg_len:        .asciz  "', length "
msg_done:       .asciz  "ring: done\n"
        .align  2

        .data
        .align  2
sendbuf:        .asciz  "round R.M"
        .align  2
recvbuf:        .space  16

        .bss
        .align  3
        .space  1024
stack_top:

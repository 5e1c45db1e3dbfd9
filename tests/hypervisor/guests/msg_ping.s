@ Inter-VM messages, the pinging side (versatilepb, with lib.s; runs with msg_pong).
@ Each message is 8 bytes: four ASCII letters ("ping"/"pong") and a 32-bit round number.
@ It exercises every class-2 operation (isa/arm/hypercall.py MessageOp): SELF, LOOKUP,
@ POLL on an empty mailbox, SEND to a VM that does not exist, then ROUNDS round trips
@ of SEND + blocking RECV, printing what it sends and receives.

        .arch   armv5te
        .arm
        .equ    ROUNDS, 5
        .equ    VERBOSE, 1              @ 0: no per-round lines (bench/bench_hypervisor.py)
        .equ    HC_SELF, 0xa00000
        .equ    HC_LOOKUP, 0xa00001
        .equ    HC_SEND, 0xa00002
        .equ    HC_RECV, 0xa00003
        .equ    HC_POLL, 0xa00004

        .text
        .global _start
_start:
        ldr     sp, =stack_top
        svc     #HC_SELF
        mov     r4, r0
        mov     r5, r1
        ldr     r0, =msg_self
        bl      puts
        mov     r0, r4
        bl      putdec
        ldr     r0, =msg_of
        bl      puts
        mov     r0, r5
        bl      putdec
        mov     r0, #'\n'
        bl      putc

        ldr     r0, =peer_name
        svc     #HC_LOOKUP
        mov     r7, r0                  @ the peer's id
        ldr     r0, =msg_peer
        bl      puts
        mov     r0, r7
        bl      putdec
        mov     r0, #'\n'
        bl      putc

        ldr     r0, =recvbuf
        mov     r1, #64
        svc     #HC_POLL
        mov     r4, r0
        ldr     r0, =msg_poll
        bl      puts
        mov     r0, r4
        bl      putdec
        mov     r0, #'\n'
        bl      putc

        mov     r0, #99
        ldr     r1, =sendbuf
        mov     r2, #8
        svc     #HC_SEND
        mov     r4, r0
        ldr     r0, =msg_nosuch
        bl      puts
        mov     r0, r4
        bl      putdec
        mov     r0, #'\n'
        bl      putc

        mov     r6, #1                  @ round number
round:
        ldr     r1, =sendbuf
        str     r6, [r1, #4]
        mov     r0, r7
        mov     r2, #8
        svc     #HC_SEND
        mov     r4, r0
        .if     VERBOSE
        ldr     r0, =msg_sent
        bl      puts
        mov     r0, r6
        bl      putdec
        ldr     r0, =msg_result
        bl      puts
        mov     r0, r4
        bl      putdec
        mov     r0, #'\n'
        bl      putc
        .endif

        ldr     r0, =recvbuf
        mov     r1, #64
        svc     #HC_RECV                @ blocks until the reply comes
        mov     r4, r0                  @ length
        mov     r5, r1                  @ sender
        ldr     r0, =recvnum
        ldr     r8, [r0]                @ the round number it carries
        mov     r0, #0
        ldr     r1, =recvbuf
        strb    r0, [r1, #4]            @ NUL after the four letters (the number is in r8)
        .if     VERBOSE
        ldr     r0, =msg_got
        bl      puts
        ldr     r0, =recvbuf
        bl      puts
        mov     r0, #' '
        bl      putc
        mov     r0, r8
        bl      putdec
        ldr     r0, =msg_len
        bl      puts
        mov     r0, r4
        bl      putdec
        ldr     r0, =msg_from
        bl      puts
        mov     r0, r5
        bl      putdec
        mov     r0, #'\n'
        bl      putc
        .endif
        add     r6, r6, #1
        cmp     r6, #ROUNDS
        bls     round

        ldr     r0, =msg_done
        bl      puts
        mov     r0, #0
        b       exit
        .ltorg

peer_name:      .asciz  "msg_pong"
msg_self:       .asciz  "ping: I am VM "
msg_of:         .asciz  " of "
msg_peer:       .asciz  "ping: msg_pong is VM "
msg_poll:       .asciz  "ping: poll on an empty mailbox -> "
msg_nosuch:     .asciz  "ping: send to VM 99 -> "
msg_sent:       .asciz  "ping: sent ping "
msg_result:     .asciz  " -> "
msg_got:        .asciz  "ping: received "
msg_len:        .asciz  ", length "
msg_from:       .asciz  ", from VM "
msg_done:       .asciz  "ping: done\n"
        .align  2

        .data
        .align  2
sendbuf:        .ascii  "ping"
                .word   0
recvbuf:        .space  4
recvnum:        .space  60

        .bss
        .align  3
        .space  1024
stack_top:

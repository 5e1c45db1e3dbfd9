@ Inter-VM messages, the answering side (versatilepb, with lib.s; runs with msg_ping).
@ Receives ROUNDS messages (blocking RECV), prints each, and answers each with the
@ same round number under the letters "pong".

        .arch   armv5te
        .arm
        .equ    ROUNDS, 5
        .equ    VERBOSE, 1              @ 0: no per-round lines (bench/bench_hypervisor.py)
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
        mov     r6, #1
round:
        ldr     r0, =recvbuf
        mov     r1, #64
        svc     #HC_RECV
        mov     r4, r0
        mov     r5, r1
        ldr     r0, =recvnum
        ldr     r8, [r0]                @ the round number it carries
        .if     VERBOSE
        ldr     r0, =msg_got
        bl      puts
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

        ldr     r1, =sendbuf
        str     r8, [r1, #4]
        mov     r0, r7
        mov     r2, #8
        svc     #HC_SEND
        mov     r4, r0
        .if     VERBOSE
        ldr     r0, =msg_sent
        bl      puts
        mov     r0, r8
        bl      putdec
        ldr     r0, =msg_result
        bl      puts
        mov     r0, r4
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

peer_name:      .asciz  "msg_ping"
msg_got:        .asciz  "pong: received ping "
msg_len:        .asciz  ", length "
msg_from:       .asciz  ", from VM "
msg_sent:       .asciz  "pong: sent pong "
msg_result:     .asciz  " -> "
msg_done:       .asciz  "pong: done\n"
        .align  2

        .data
        .align  2
sendbuf:        .ascii  "pong"
                .word   0
recvbuf:        .space  4
recvnum:        .space  60

        .bss
        .align  3
        .space  1024
stack_top:

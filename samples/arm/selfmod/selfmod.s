@ selfmod -- a kernel that writes instructions and then runs them.
@
@ Board: vexpress-a9 (Cortex-A9).
@
@ Instructions are data until the CPU fetches them.  After storing instruction
@ words, ARMv7 software must make them visible to instruction fetch
@ (ARM ARM B2.2.9 "Ordering of cache and branch predictor maintenance
@ operations", and A3.5.4 on concurrent modification): clean the data cache line
@ to the point of unification (DCCMVAU), dsb, invalidate the instruction cache
@ line (ICIMVAU) and the branch predictor (BPIALL), dsb, isb.  The routine
@ sync_icache does that for a range.  A binary translator must notice these
@ stores too: code it already translated has changed.
@
@ Three experiments:
@   1. generate "mov r0, #k ; bx lr" into a buffer, call it; regenerate it with
@      another k at the same address and call it again (stale code must not run);
@   2. generate a straight-line function of n "add r0, r0, #s" instructions,
@      for several n and s, and call it with r0 = 1000;
@   3. patch an instruction of a function in .text in place and call it again.

        .arch   armv7-a               @ Cortex-A8/A9/A15: ARMv7-A
        .arm

        .equ    UART0_BASE, 0x10009000
        .equ    MOV_R0_IMM, 0xe3a00000  @ mov r0, #imm8 (A1 encoding, rotation 0)
        .equ    ADD_R0_R0_IMM, 0xe2800000 @ add r0, r0, #imm8
        .equ    BX_LR, 0xe12fff1e

        .text
        .global _start
_start:
        ldr     sp, =svc_stack_top
        ldr     r0, =msg_banner
        bl      puts

        @ --- 1. the same buffer, rewritten: mov r0, #k for k = 7, 42, 255
        ldr     r0, =msg_exp1
        bl      puts
        adr     r4, ks
1:      ldr     r5, [r4], #4
        cmp     r5, #0
        beq     2f
        ldr     r6, =code_buf
        ldr     r0, =MOV_R0_IMM
        orr     r0, r0, r5
        str     r0, [r6]
        ldr     r0, =BX_LR
        str     r0, [r6, #4]
        mov     r0, r6
        add     r1, r6, #8
        bl      sync_icache
        mov     r0, #0
        blx     r6                      @ run the generated code
        mov     r7, r0
        ldr     r0, =msg_got
        bl      puts
        mov     r0, r7
        bl      putdec
        mov     r0, #'\n'
        bl      putc
        b       1b
ks:     .word   7, 42, 255, 0

        @ --- 2. generated loops-unrolled adds: (n, s) pairs
2:      ldr     r0, =msg_exp2
        bl      puts
        adr     r4, shapes
3:      ldmia   r4!, {r5, r8}           @ r5 = n, r8 = s
        cmp     r5, #0
        beq     5f
        ldr     r6, =code_buf
        ldr     r1, =ADD_R0_R0_IMM
        orr     r1, r1, r8
        mov     r2, r5
        mov     r3, r6
4:      str     r1, [r3], #4            @ n copies of add r0, r0, #s
        subs    r2, r2, #1
        bne     4b
        ldr     r1, =BX_LR
        str     r1, [r3], #4
        mov     r0, r6
        mov     r1, r3
        bl      sync_icache
        mov     r0, #1000
        blx     r6
        mov     r7, r0
        ldr     r0, =msg_n
        bl      puts
        mov     r0, r5
        bl      putdec
        ldr     r0, =msg_s
        bl      puts
        mov     r0, r8
        bl      putdec
        ldr     r0, =msg_result
        bl      puts
        mov     r0, r7
        bl      putdec
        mov     r0, #'\n'
        bl      putc
        b       3b
shapes: .word   1, 1,  10, 3,  100, 7,  500, 200,  0, 0

        @ --- 3. patch .text in place
5:      ldr     r0, =msg_exp3
        bl      puts
        bl      patchme
        mov     r7, r0
        ldr     r0, =msg_before
        bl      puts
        mov     r0, r7
        bl      putdec
        mov     r0, #'\n'
        bl      putc

        ldr     r6, =patchme
        ldr     r0, [r6]
        bic     r0, r0, #0xff           @ keep "mov r0, #", change the immediate
        orr     r0, r0, #99
        str     r0, [r6]
        mov     r0, r6
        add     r1, r6, #4
        bl      sync_icache
        bl      patchme
        mov     r7, r0
        ldr     r0, =msg_after
        bl      puts
        mov     r0, r7
        bl      putdec
        mov     r0, #'\n'
        bl      putc

        mov     r0, #0
        b       exit

@ The function experiment 3 rewrites.
patchme:
        mov     r0, #1
        bx      lr

@ sync_icache(r0 = start, r1 = end): make stored instructions fetchable.
@ Cache lines are at least 32 bytes on the Cortex-A9 (CTR.DminLine/IminLine say so).
sync_icache:
        bic     r0, r0, #31
        mov     r2, r0
1:      mcr     p15, 0, r2, c7, c11, 1  @ DCCMVAU: clean D-line to point of unification
        add     r2, r2, #32
        cmp     r2, r1
        blo     1b
        dsb
        mov     r2, r0
2:      mcr     p15, 0, r2, c7, c5, 1   @ ICIMVAU: invalidate I-line
        add     r2, r2, #32
        cmp     r2, r1
        blo     2b
        mov     r2, #0
        mcr     p15, 0, r2, c7, c5, 6   @ BPIALL: invalidate branch predictors
        dsb
        isb
        bx      lr
        .ltorg

msg_banner:     .asciz  "selfmod: generating and patching code\n"
msg_exp1:       .asciz  "1. rewrite one buffer with mov r0, #k; bx lr\n"
msg_got:        .asciz  "   generated function returned "
msg_exp2:       .asciz  "2. n x add r0, r0, #s; bx lr, called with r0 = 1000\n"
msg_n:          .asciz  "   n="
msg_s:          .asciz  " s="
msg_result:     .asciz  " -> "
msg_exp3:       .asciz  "3. patch mov r0, #1 in .text into mov r0, #99\n"
msg_before:     .asciz  "   before: "
msg_after:      .asciz  "   after:  "
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
        .align  5
code_buf:       .space  4096            @ generated code goes here
                .space  1024
svc_stack_top:

@ sensitive -- the ARMv7 instructions that break classic trap-and-emulate.
@
@ Popek and Goldberg: a machine can be virtualized by trap-and-emulate only if
@ every *sensitive* instruction (one that reads or changes privileged state) is
@ also *privileged* (traps when run unprivileged).  On ARMv7-A these are
@ sensitive but NOT privileged -- in User mode they quietly do something else:
@   cps / cpsie / cpsid   change mode or masks at PL1; a NOP in User mode (ARM ARM B9.3.3)
@   msr cpsr_c, ...       writes mode and masks at PL1; in User mode only the
@                         flags (cpsr_f) are written, the rest ignored (ARM ARM B9.3.12)
@   mrs rX, cpsr          reads the real mode bits: a deprivileged kernel sees User
@                         mode instead of the mode it believes it is in (ARM ARM B9.3.9)
@
@ The kernel runs each of them in SVC mode and prints the CPSR it reads back, then
@ runs the same instructions in User mode.  A guest kernel run deprivileged
@ (trap-and-emulate) prints different values for the first part; a correct
@ virtualization (pre-virtualized or binary-translated) prints exactly this.
@
@ Printed CPSR values are masked with 0xf00000df: flags N Z C V, I, F, mode.
@
@ Board: realview-pb-a8 (Cortex-A8).

        .arch   armv7-a               @ Cortex-A8/A9/A15: ARMv7-A
        .arm

        .equ    UART0_BASE, 0x10009000
        .equ    MODE_USR, 0x10
        .equ    MODE_IRQ, 0x12
        .equ    MODE_SVC, 0x13
        .equ    MODE_SYS, 0x1f
        .equ    CPSR_SHOWN, 0xf00000df  @ flags, I, F, mode

        .text
        .global _start
_start:
        ldr     sp, =svc_stack_top
        ldr     r0, =vectors
        mcr     p15, 0, r0, c12, c0, 0  @ VBAR
        isb
        ldr     r0, =msg_banner
        bl      puts

        msr     cpsr_c, #0xd3           @ a known state: SVC mode, IRQ and FIQ masked
        msr     cpsr_f, #0              @ flags clear

        mrs     r4, cpsr
        ldr     r0, =msg_k_mrs
        mov     r1, r4
        bl      show

        @ --- cps #imm: change mode.  Read back before returning to SVC mode
        @ (System mode has no stack yet, so nothing is called while in it).
        cps     #MODE_SYS
        mrs     r4, cpsr
        cps     #MODE_SVC
        ldr     r0, =msg_k_cps_sys
        mov     r1, r4
        bl      show

        @ --- msr cpsr_c: change mode and masks in one write
        msr     cpsr_c, #0xd2           @ IRQ mode, IRQ and FIQ masked
        mrs     r4, cpsr
        msr     cpsr_c, #0xd3
        ldr     r0, =msg_k_msr_irq
        mov     r1, r4
        bl      show

        @ --- cpsie i / cpsid i: the IRQ mask.  No device raises an interrupt here.
        cpsie   i
        mrs     r4, cpsr
        ldr     r0, =msg_k_cpsie
        mov     r1, r4
        bl      show
        cpsid   i
        mrs     r4, cpsr
        ldr     r0, =msg_k_cpsid
        mov     r1, r4
        bl      show

        @ --- msr cpsr_f: the condition flags
        msr     cpsr_f, #0xf0000000
        mrs     r4, cpsr
        msr     cpsr_f, #0
        ldr     r0, =msg_k_flags
        mov     r1, r4
        bl      show

        @ --- banked registers: writing SP in IRQ mode must leave SP_svc alone
        mov     r5, sp
        cps     #MODE_IRQ
        ldr     sp, =irq_stack_top
        cps     #MODE_SVC
        ldr     r0, =msg_k_banked
        bl      puts
        cmp     sp, r5
        ldreq   r0, =msg_yes
        ldrne   r0, =msg_no
        bl      puts

        @ --- SPSR: privileged, so it traps when deprivileged (the easy case)
        mov     r0, #0x1f
        msr     spsr_cxsf, r0
        mrs     r4, spsr
        ldr     r0, =msg_k_spsr
        mov     r1, r4
        bl      show

        @ --- now the same instructions in User mode
        cps     #MODE_SYS               @ the User-mode stack (shared with System mode)
        ldr     sp, =user_stack_top
        cps     #MODE_SVC
        mov     r0, #MODE_USR | 0xc0    @ User mode, IRQ and FIQ masked
        msr     spsr_cxsf, r0
        ldr     lr, =user_part
        movs    pc, lr

user_part:
        mrs     r4, cpsr
        ldr     r0, =msg_u_mrs
        mov     r1, r4
        bl      show

        cps     #MODE_SVC               @ a NOP in User mode: no trap, no effect
        mrs     r4, cpsr
        ldr     r0, =msg_u_cps
        mov     r1, r4
        bl      show

        msr     cpsr_c, #0x13           @ control field ignored in User mode
        mrs     r4, cpsr
        ldr     r0, =msg_u_msr
        mov     r1, r4
        bl      show

        cpsie   i                       @ a NOP in User mode
        mrs     r4, cpsr
        ldr     r0, =msg_u_cpsie
        mov     r1, r4
        bl      show

        msr     cpsr_f, #0xf0000000     @ the flags ARE writable in User mode
        mrs     r4, cpsr
        msr     cpsr_f, #0
        ldr     r0, =msg_u_flags
        mov     r1, r4
        bl      show

        svc     #0                      @ back to the kernel to finish

@ show(r0 = label, r1 = CPSR value): "label" + masked value in hex + newline
show:
        push    {r4, lr}
        ldr     r2, =CPSR_SHOWN
        and     r4, r1, r2
        bl      puts
        mov     r0, r4
        bl      puthex
        mov     r0, #'\n'
        bl      putc
        msr     cpsr_f, #0              @ leave the flags clear for the next experiment
        pop     {r4, pc}

        .align  5
vectors:
        b       unexpected              @ reset
        b       unexpected              @ undefined instruction
        b       svc_handler             @ supervisor call
        b       unexpected              @ prefetch abort
        b       unexpected              @ data abort
        b       unexpected
        b       unexpected              @ IRQ
        b       unexpected              @ FIQ

unexpected:
        ldr     sp, =svc_stack_top
        ldr     r0, =msg_unexpected
        bl      puts
        mov     r0, #1
        b       exit

svc_handler:
        ldr     sp, =svc_stack_top      @ the User part never returns: start afresh
        mrs     r4, spsr
        ldr     r0, =msg_k_svc
        mov     r1, r4
        bl      show
        mov     r0, #0
        b       exit
        .ltorg

msg_banner:     .asciz  "sensitive: CPSR read back after each instruction (masked 0xf00000df)\n"
msg_k_mrs:      .asciz  "SVC  mrs cpsr at start          -> 0x"
msg_k_cps_sys:  .asciz  "SVC  cps #0x1f                  -> 0x"
msg_k_msr_irq:  .asciz  "SVC  msr cpsr_c, #0xd2          -> 0x"
msg_k_cpsie:    .asciz  "SVC  cpsie i                    -> 0x"
msg_k_cpsid:    .asciz  "SVC  cpsid i                    -> 0x"
msg_k_flags:    .asciz  "SVC  msr cpsr_f, #0xf0000000    -> 0x"
msg_k_banked:   .asciz  "SVC  SP_svc kept after cps #0x12; ldr sp, =...; cps #0x13 -> "
msg_k_spsr:     .asciz  "SVC  msr spsr_cxsf, #0x1f; mrs  -> 0x"
msg_u_mrs:      .asciz  "USR  mrs cpsr after movs pc, lr -> 0x"
msg_u_cps:      .asciz  "USR  cps #0x13 (ignored)        -> 0x"
msg_u_msr:      .asciz  "USR  msr cpsr_c, #0x13 (ignored)-> 0x"
msg_u_cpsie:    .asciz  "USR  cpsie i (ignored)          -> 0x"
msg_u_flags:    .asciz  "USR  msr cpsr_f, #0xf0000000    -> 0x"
msg_k_svc:      .asciz  "SVC  svc #0 from User, SPSR     -> 0x"
msg_unexpected: .asciz  "unexpected exception\n"
msg_yes:        .asciz  "yes\n"
msg_no:         .asciz  "NO\n"
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
svc_stack_top:
                .space  256
irq_stack_top:
                .space  1024
user_stack_top:

@ cp15_id -- print the identification registers of the CPU, on each board.
@
@ One source, linked with a small board file (board_<board>.s: the UART's address
@ and the board's name) and run on versatilepb (ARM926EJ-S), realview-pb-a8
@ (Cortex-A8), vexpress-a9 (Cortex-A9) and virt (Cortex-A15).
@
@ The Main ID Register says which identification scheme the CPU follows
@ (ARM ARM B4.1.105): MIDR[19:16] = 0xF means the "CPUID scheme" of ARMv7, with
@ the feature registers ID_PFR0..ID_ISAR5 (B4.1.89-B4.1.100); an older value is
@ an architecture number (6 = ARMv5TEJ) and only MIDR, CTR and TCMTR exist.
@ A register the CPU does not implement is UNDEFINED: the Undefined Instruction
@ handler notes it and skips the mrc, and the register is printed as such.

        .arch   armv7-a               @ the ARMv5 path uses only ARMv5 instructions
        .arm

        .equ    MODE_UND, 0x1b
        .equ    MODE_SVC, 0x13

        .text
        .global _start
_start:
        ldr     sp, =svc_stack_top
        ldr     r0, =msg_board
        bl      puts
        ldr     r0, =board_name
        bl      puts
        mov     r0, #'\n'
        bl      putc

        mrc     p15, 0, r5, c0, c0, 0   @ MIDR
        and     r6, r5, #0x000f0000
        cmp     r6, #0x000f0000
        bne     old_scheme

        @ ARMv7: vectors through VBAR (the low page may be flash on these boards)
        ldr     r0, =vectors
        mcr     p15, 0, r0, c12, c0, 0  @ VBAR
        isb
        ldr     r0, =msg_cpuid
        bl      puts
        mov     r10, #0
        mrc     p15, 0, r4, c0, c0, 0   @ MIDR
        ldr     r0, =name_MIDR
        bl      show
        mov     r10, #0
        mrc     p15, 0, r4, c0, c0, 1   @ CTR
        ldr     r0, =name_CTR
        bl      show
        mov     r10, #0
        mrc     p15, 0, r4, c0, c0, 2   @ TCMTR
        ldr     r0, =name_TCMTR
        bl      show
        mov     r10, #0
        mrc     p15, 0, r4, c0, c0, 3   @ TLBTR
        ldr     r0, =name_TLBTR
        bl      show
        mov     r10, #0
        mrc     p15, 0, r4, c0, c0, 5   @ MPIDR
        ldr     r0, =name_MPIDR
        bl      show
        mov     r10, #0
        mrc     p15, 0, r4, c0, c0, 6   @ REVIDR
        ldr     r0, =name_REVIDR
        bl      show
        mov     r10, #0
        mrc     p15, 0, r4, c0, c1, 0   @ ID_PFR0
        ldr     r0, =name_ID_PFR0
        bl      show
        mov     r10, #0
        mrc     p15, 0, r4, c0, c1, 1   @ ID_PFR1
        ldr     r0, =name_ID_PFR1
        bl      show
        mov     r10, #0
        mrc     p15, 0, r4, c0, c1, 2   @ ID_DFR0
        ldr     r0, =name_ID_DFR0
        bl      show
        mov     r10, #0
        mrc     p15, 0, r4, c0, c1, 3   @ ID_AFR0
        ldr     r0, =name_ID_AFR0
        bl      show
        mov     r10, #0
        mrc     p15, 0, r4, c0, c1, 4   @ ID_MMFR0
        ldr     r0, =name_ID_MMFR0
        bl      show
        mov     r10, #0
        mrc     p15, 0, r4, c0, c1, 5   @ ID_MMFR1
        ldr     r0, =name_ID_MMFR1
        bl      show
        mov     r10, #0
        mrc     p15, 0, r4, c0, c1, 6   @ ID_MMFR2
        ldr     r0, =name_ID_MMFR2
        bl      show
        mov     r10, #0
        mrc     p15, 0, r4, c0, c1, 7   @ ID_MMFR3
        ldr     r0, =name_ID_MMFR3
        bl      show
        mov     r10, #0
        mrc     p15, 0, r4, c0, c2, 0   @ ID_ISAR0
        ldr     r0, =name_ID_ISAR0
        bl      show
        mov     r10, #0
        mrc     p15, 0, r4, c0, c2, 1   @ ID_ISAR1
        ldr     r0, =name_ID_ISAR1
        bl      show
        mov     r10, #0
        mrc     p15, 0, r4, c0, c2, 2   @ ID_ISAR2
        ldr     r0, =name_ID_ISAR2
        bl      show
        mov     r10, #0
        mrc     p15, 0, r4, c0, c2, 3   @ ID_ISAR3
        ldr     r0, =name_ID_ISAR3
        bl      show
        mov     r10, #0
        mrc     p15, 0, r4, c0, c2, 4   @ ID_ISAR4
        ldr     r0, =name_ID_ISAR4
        bl      show
        mov     r10, #0
        mrc     p15, 0, r4, c0, c2, 5   @ ID_ISAR5
        ldr     r0, =name_ID_ISAR5
        bl      show
        mov     r10, #0
        mrc     p15, 1, r4, c0, c0, 1   @ CLIDR
        ldr     r0, =name_CLIDR
        bl      show
        mov     r10, #0
        mrc     p15, 1, r4, c0, c0, 7   @ AIDR
        ldr     r0, =name_AIDR
        bl      show
        mov     r10, #0
        mrc     p15, 0, r4, c1, c0, 0   @ SCTLR
        ldr     r0, =name_SCTLR
        bl      show
        b       done

old_scheme:
        @ ARMv5: no VBAR; exceptions vector to address 0, RAM on versatilepb
        ldr     r0, =vectors
        mov     r1, #0
        ldmia   r0!, {r2-r9}
        stmia   r1!, {r2-r9}
        ldr     r0, =msg_old
        bl      puts
        mov     r10, #0
        mrc     p15, 0, r4, c0, c0, 0   @ MIDR
        ldr     r0, =name_MIDR
        bl      show
        mov     r10, #0
        mrc     p15, 0, r4, c0, c0, 1   @ CTR
        ldr     r0, =name_CTR
        bl      show
        mov     r10, #0
        mrc     p15, 0, r4, c0, c0, 2   @ TCMTR
        ldr     r0, =name_TCMTR
        bl      show
        mov     r10, #0
        mrc     p15, 0, r4, c1, c0, 0   @ SCTLR (the "control register" on ARMv5)
        ldr     r0, =name_SCTLR
        bl      show

done:
        mov     r0, #0
        b       exit

@ show(r0 = register name, r4 = value, r10 = 1 if the mrc was UNDEFINED)
show:
        push    {lr}
        bl      puts
        cmp     r10, #0
        ldrne   r0, =msg_undefined
        blne    puts
        popne   {pc}
        ldr     r0, =msg_0x
        bl      puts
        mov     r0, r4
        bl      puthex
        mov     r0, #'\n'
        bl      putc
        pop     {pc}

@ Vectors: position independent ("b" is PC-relative), so the ARMv5 path can copy
@ them to address 0 and the ARMv7 path can point VBAR at them.
        .align  5
vectors:
        b       unexpected              @ reset
        b       undef_handler           @ undefined instruction
        b       unexpected              @ supervisor call
        b       unexpected              @ prefetch abort
        b       unexpected              @ data abort
        b       unexpected
        b       unexpected              @ IRQ
        b       unexpected              @ FIQ

@ An mrc of an unimplemented register: flag it, resume after it (LR_und is the
@ next instruction, ARM ARM B1.9.6).  Touches only r10, so it needs no stack.
undef_handler:
        mov     r10, #1
        movs    pc, lr

unexpected:
        ldr     sp, =svc_stack_top
        ldr     r0, =msg_unexpected
        bl      puts
        mov     r0, #1
        b       exit
        .ltorg

msg_board:      .asciz  "cp15_id on "
msg_cpuid:      .asciz  "identification scheme: CPUID (ARMv7)\n"
msg_old:        .asciz  "identification scheme: pre-ARMv7\n"
msg_0x:         .asciz  "0x"
msg_undefined:  .asciz  "UNDEFINED\n"
msg_unexpected: .asciz  "unexpected exception\n"
name_MIDR:      .asciz  "MIDR      "
name_CTR:       .asciz  "CTR       "
name_TCMTR:     .asciz  "TCMTR     "
name_TLBTR:     .asciz  "TLBTR     "
name_MPIDR:     .asciz  "MPIDR     "
name_REVIDR:    .asciz  "REVIDR    "
name_ID_PFR0:   .asciz  "ID_PFR0   "
name_ID_PFR1:   .asciz  "ID_PFR1   "
name_ID_DFR0:   .asciz  "ID_DFR0   "
name_ID_AFR0:   .asciz  "ID_AFR0   "
name_ID_MMFR0:  .asciz  "ID_MMFR0  "
name_ID_MMFR1:  .asciz  "ID_MMFR1  "
name_ID_MMFR2:  .asciz  "ID_MMFR2  "
name_ID_MMFR3:  .asciz  "ID_MMFR3  "
name_ID_ISAR0:  .asciz  "ID_ISAR0  "
name_ID_ISAR1:  .asciz  "ID_ISAR1  "
name_ID_ISAR2:  .asciz  "ID_ISAR2  "
name_ID_ISAR3:  .asciz  "ID_ISAR3  "
name_ID_ISAR4:  .asciz  "ID_ISAR4  "
name_ID_ISAR5:  .asciz  "ID_ISAR5  "
name_CLIDR:     .asciz  "CLIDR     "
name_AIDR:      .asciz  "AIDR      "
name_SCTLR:     .asciz  "SCTLR     "
        .align  2

@ ---------------------------------------------------------------------------
@ Console routines (PL011 UART, polled).  They clobber r0-r3 and ip only.
@ ---------------------------------------------------------------------------

@ putc(r0 = byte)
putc:
        ldr     r1, =uart0_base         @ from the board file
        ldr     r1, [r1]
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

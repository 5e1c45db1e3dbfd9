@ eret_forms -- every ARMv7 way of returning from an exception.
@
@ An exception return writes PC and, in the same step, copies SPSR into CPSR
@ (mode, interrupt masks, flags).  ARMv7-A (without the Virtualization
@ Extensions' ERET) has these forms (ARM ARM B1.8.10 "Exception return"):
@   movs pc, lr             data-processing with S and PC as destination
@   subs pc, lr, #4         the same, adjusting LR (IRQ/FIQ/prefetch abort LR is +4)
@   ldm sp!, {..., pc}^     load multiple with ^ and PC in the list (ARM ARM B9.3.6)
@   rfe sp!                 return from exception: loads PC and CPSR from memory,
@                           usually a frame pushed by "srs" on entry (B9.3.13, B9.3.16)
@
@ A User-mode task calls the kernel; each kind of call is returned from with a
@ different form.  Before each call the task sets the flags N and V and puts
@ marker values in r4 and r8; after each return it prints the CPSR (masked with
@ 0xf00000df: flags, I, F, mode) and the markers.  The kernel's handlers clobber
@ flags and registers, so a wrong return shows up as a wrong line.
@
@ Calls: the system call number is in r7 (as in Linux's EABI), "svc #0".
@   r7 = 1  handler entered with srsdb, returns with rfeia
@   r7 = 2  handler returns with ldmfd sp!, {r0-r12, pc}^
@   r7 = 3  handler sends itself a software-generated interrupt (SGI 5) through
@           the GIC and returns with movs pc, lr; the IRQ is taken as soon as the
@           return unmasks IRQs, and the IRQ handler returns with subs pc, lr, #4
@   r7 = 0  exit
@   an undefined instruction: the Undef handler skips it with movs pc, lr (LR_und
@   is the address of the next instruction, ARM ARM B1.9.6)
@
@ Board: vexpress-a9 (Cortex-A9 with its GIC; RAM at 0x60000000).

        .arch   armv7-a               @ Cortex-A8/A9/A15: ARMv7-A
        .arm

        .equ    UART0_BASE, 0x10009000
        .equ    GICC_BASE, 0x1e000100   @ GIC CPU interface (Cortex-A9 private region)
        .equ    GICD_BASE, 0x1e001000   @ GIC distributor
        .equ    GICC_CTLR, 0x00
        .equ    GICC_PMR, 0x04
        .equ    GICC_IAR, 0x0c
        .equ    GICC_EOIR, 0x10
        .equ    GICD_CTLR, 0x000
        .equ    GICD_ISENABLER0, 0x100
        .equ    GICD_SGIR, 0xf00
        .equ    SGI_ID, 5
        .equ    MODE_USR, 0x10
        .equ    MODE_IRQ, 0x12
        .equ    MODE_SVC, 0x13
        .equ    MODE_UND, 0x1b
        .equ    MODE_SYS, 0x1f

        .text
        .global _start
_start:
        ldr     sp, =svc_stack_top
        cps     #MODE_IRQ
        ldr     sp, =irq_stack_top
        cps     #MODE_UND
        ldr     sp, =und_stack_top
        cps     #MODE_SYS
        ldr     sp, =user_stack_top     @ System mode shares SP with User mode
        cps     #MODE_SVC
        ldr     r0, =vectors
        mcr     p15, 0, r0, c12, c0, 0  @ VBAR
        isb

        @ GIC: enable distributor and CPU interface, let every priority through
        ldr     r0, =GICD_BASE
        mov     r1, #1
        str     r1, [r0, #GICD_CTLR]
        mov     r1, #1 << SGI_ID
        str     r1, [r0, #GICD_ISENABLER0]
        ldr     r0, =GICC_BASE
        mov     r1, #0xff
        str     r1, [r0, #GICC_PMR]
        mov     r1, #1
        str     r1, [r0, #GICC_CTLR]

        ldr     r0, =msg_banner
        bl      puts

        @ Form 1: movs pc, lr -- enter User mode with IRQs unmasked, FIQs masked
        mov     r0, #MODE_USR | 0x40
        msr     spsr_cxsf, r0
        ldr     lr, =user_task
        movs    pc, lr

@ ---------------------------------------------------------------------------
@ The User-mode task
@ ---------------------------------------------------------------------------
user_task:
        ldr     r4, =0x44440000
        ldr     r8, =0x88880000
        mrs     r5, cpsr
        ldr     r0, =msg_entered
        bl      report

        ldr     r4, =0x44444444
        ldr     r8, =0x88888888
        msr     cpsr_f, #0x90000000     @ N and V set
        mov     r7, #1
        svc     #0
        mrs     r5, cpsr
        ldr     r0, =msg_after_rfe
        bl      report

        ldr     r4, =0x4444aaaa
        ldr     r8, =0x8888aaaa
        msr     cpsr_f, #0x90000000
        mov     r7, #2
        svc     #0
        mrs     r5, cpsr
        ldr     r0, =msg_after_ldm
        bl      report

        ldr     r4, =0x4444bbbb
        ldr     r8, =0x8888bbbb
        msr     cpsr_f, #0x90000000
        mov     r7, #3
        svc     #0
        mrs     r5, cpsr
        ldr     r0, =msg_after_irq
        bl      report

        ldr     r4, =0x4444cccc
        ldr     r8, =0x8888cccc
        msr     cpsr_f, #0x90000000
        udf     #42
        mrs     r5, cpsr
        ldr     r0, =msg_after_und
        bl      report

        mov     r7, #0
        svc     #0
        b       .

@ report(r0 = label, r5 = CPSR, r4/r8 = markers)
report:
        push    {lr}
        bl      puts
        ldr     r0, =msg_cpsr
        bl      puts
        ldr     r0, =0xf00000df
        and     r0, r5, r0
        bl      puthex
        ldr     r0, =msg_r4
        bl      puts
        mov     r0, r4
        bl      puthex
        ldr     r0, =msg_r8
        bl      puts
        mov     r0, r8
        bl      puthex
        mov     r0, #'\n'
        bl      putc
        pop     {pc}

@ ---------------------------------------------------------------------------
@ Vectors and handlers
@ ---------------------------------------------------------------------------
        .align  5
vectors:
        b       unexpected              @ reset
        b       und_handler             @ undefined instruction
        b       svc_handler             @ supervisor call
        b       unexpected              @ prefetch abort
        b       unexpected              @ data abort
        b       unexpected
        b       irq_handler             @ IRQ
        b       unexpected              @ FIQ

unexpected:
        ldr     sp, =svc_stack_top
        ldr     r0, =msg_unexpected
        bl      puts
        mov     r0, #1
        b       exit

svc_handler:
        cmp     r7, #1
        beq     svc_rfe
        cmp     r7, #2
        beq     svc_ldm
        cmp     r7, #3
        beq     svc_sgi
        ldr     r0, =msg_done
        bl      puts
        mov     r0, #0
        b       exit

svc_rfe:
        srsdb   sp!, #MODE_SVC          @ push LR_svc and SPSR_svc on the SVC stack
        push    {r0-r12, lr}
        ldr     r0, =msg_k_rfe
        bl      puts
        mov     r4, #0                  @ clobber what the task must get back
        mov     r8, #0
        pop     {r0-r12, lr}
        rfeia   sp!                     @ PC and CPSR from the frame srs pushed

svc_ldm:
        push    {r0-r12, lr}
        ldr     r0, =msg_k_ldm
        bl      puts
        mov     r4, #0
        mov     r8, #0
        ldmfd   sp!, {r0-r12, pc}^      @ PC <- saved LR, CPSR <- SPSR_svc

svc_sgi:
        push    {r0-r3, ip, lr}
        ldr     r0, =msg_k_sgi
        bl      puts
        ldr     r0, =GICD_BASE
        ldr     r1, =(2 << 24) | SGI_ID @ TargetListFilter = 2: this CPU only
        str     r1, [r0, #GICD_SGIR]
        pop     {r0-r3, ip, lr}
        movs    pc, lr                  @ IRQ is unmasked in the SPSR: the SGI comes now

irq_handler:
        push    {r0-r3, ip, lr}
        ldr     r0, =GICC_BASE
        ldr     r1, [r0, #GICC_IAR]     @ acknowledge: interrupt ID (+ source CPU)
        str     r1, [r0, #GICC_EOIR]    @ and end it
        push    {r1}
        ldr     r0, =msg_k_irq
        bl      puts
        pop     {r0}
        bl      puthex
        mov     r0, #'\n'
        bl      putc
        pop     {r0-r3, ip, lr}
        subs    pc, lr, #4              @ LR_irq = interrupted instruction + 4

und_handler:
        push    {r0-r3, ip, lr}
        ldr     r1, [lr, #-4]           @ the undefined instruction's word
        push    {r1}
        ldr     r0, =msg_k_und
        bl      puts
        pop     {r0}
        bl      puthex
        mov     r0, #'\n'
        bl      putc
        pop     {r0-r3, ip, lr}
        movs    pc, lr                  @ skip it: LR_und = next instruction
        .ltorg

msg_banner:     .asciz  "eret_forms: User task, kernel returning with every exception-return form\n"
msg_entered:    .asciz  "user: entered by movs pc, lr         "
msg_after_rfe:  .asciz  "user: back by rfeia sp!              "
msg_after_ldm:  .asciz  "user: back by ldmfd sp!, {..pc}^     "
msg_after_irq:  .asciz  "user: back by movs pc,lr + subs pc,lr,#4 "
msg_after_und:  .asciz  "user: back from undef by movs pc, lr "
msg_cpsr:       .asciz  "cpsr=0x"
msg_r4:         .asciz  " r4=0x"
msg_r8:         .asciz  " r8=0x"
msg_k_rfe:      .asciz  "kernel: svc r7=1, entered with srsdb, leaving with rfeia\n"
msg_k_ldm:      .asciz  "kernel: svc r7=2, leaving with ldmfd sp!, {r0-r12, pc}^\n"
msg_k_sgi:      .asciz  "kernel: svc r7=3, sending SGI 5 to self, leaving with movs pc, lr\n"
msg_k_irq:      .asciz  "kernel: IRQ, GICC_IAR=0x"
msg_k_und:      .asciz  "kernel: undefined instruction 0x"
msg_done:       .asciz  "kernel: svc r7=0, done\n"
msg_unexpected: .asciz  "unexpected exception\n"
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
                .space  512
irq_stack_top:
                .space  512
und_stack_top:
                .space  1024
user_stack_top:

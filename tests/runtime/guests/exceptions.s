@ Exception entry as the ARM ARM defines it (DDI 0406C B1.8.3), printed by each handler
@ through semihosting so that qemu-system-arm and vtrans can be compared line by line.
@ Assembled with --defsym GICD=<distributor> --defsym GICC=<CPU interface> --defsym
@ SCRATCH=<a RAM address>.  Covers SVC (from SVC and from User mode), UNDEFINED, BKPT
@ (prefetch abort, debug event), a data abort (MMU translation fault) and an IRQ (GIC SGI).
        .syntax unified
        .arm
        .text
        .global _start
_start:
        ldr     sp, =stack_svc
        cps     #0x1b
        ldr     sp, =stack_und
        cps     #0x17
        ldr     sp, =stack_abt
        cps     #0x12
        ldr     sp, =stack_irq
        cps     #0x13
        ldr     r0, =vectors
        mcr     p15, 0, r0, c12, c0, 0          @ VBAR (B4.1.156)
        ldr     r0, =msg_start
        bl      puts
        mrs     r0, cpsr
        bl      puthex

        ldr     r0, =msg_svc
        bl      puts
svc_site:
        svc     #0x42
        ldr     r0, =msg_back
        bl      puts

und_site:
        .word   0xe7f000f0                      @ udf #0
        ldr     r0, =msg_back
        bl      puts

        msr     cpsr_f, #0xa0000000             @ flags N and C, to see them in SPSR
bkpt_site:
        bkpt    #0x12
        ldr     r0, =msg_back
        bl      puts

        @ data abort: MMU on with a flat section map (B3.5.1) minus the section of SCRATCH
        ldr     r0, =ttb
        mov     r1, #0
        ldr     r3, =0x00000c02                 @ section, AP = 0b11, domain 0
3:      orr     r2, r3, r1, lsl #20
        str     r2, [r0, r1, lsl #2]
        add     r1, r1, #1
        cmp     r1, #4096
        bne     3b
        ldr     r1, =SCRATCH
        lsr     r1, r1, #20
        mov     r2, #0
        str     r2, [r0, r1, lsl #2]            @ translation fault there
        mcr     p15, 0, r0, c2, c0, 0           @ TTBR0
        mov     r0, #0
        mcr     p15, 0, r0, c2, c0, 2           @ TTBCR: N = 0
        mov     r0, #1
        mcr     p15, 0, r0, c3, c0, 0           @ DACR: domain 0 client
        mcr     p15, 0, r0, c8, c7, 0           @ TLBIALL
        mrc     p15, 0, r4, c1, c0, 0
        orr     r0, r4, #1                      @ SCTLR.M
        mcr     p15, 0, r0, c1, c0, 0
        isb
        ldr     r1, =SCRATCH + 0x123
dab_site:
        ldr     r2, [r1]
        mcr     p15, 0, r4, c1, c0, 0           @ MMU off again
        isb
        ldr     r0, =msg_back
        bl      puts

        @ IRQ: software-generated interrupt 3 to this CPU through the GIC
        ldr     r0, =GICD
        mov     r1, #1
        str     r1, [r0]                        @ GICD_CTLR: enable
        mvn     r1, #0
        str     r1, [r0, #0x100]                @ GICD_ISENABLER0
        ldr     r0, =GICC
        mov     r1, #0xf0
        str     r1, [r0, #4]                    @ GICC_PMR
        mov     r1, #1
        str     r1, [r0]                        @ GICC_CTLR: enable
        cpsie   i
        ldr     r0, =GICD + 0xf00
        ldr     r1, =0x00010003                 @ GICD_SGIR: SGI 3 to CPU 0
        str     r1, [r0]
        b       1f                              @ ends the block: the IRQ is taken at 1:
1:      nop
irq_after:
        nop
        cpsid   i
        ldr     r0, =msg_back
        bl      puts

        ldr     r0, =msg_user
        bl      puts
        cps     #0x10                           @ User mode
        ldr     sp, =stack_usr
user_svc_site:
        svc     #0x7
        b       .                               @ not reached: the handler exits

@ ---------------------------------------------------------------------------------------
        .balign 32
vectors:
        b       .                               @ reset
        b       h_und
        b       h_svc
        b       h_pabt
        b       h_dabt
        b       .
        b       h_irq
        b       .

@ print name, CPSR, SPSR, LR (r0 = name)
report:
        push    {r4, r5, lr}
        mov     r4, lr
        bl      puts
        mrs     r0, cpsr
        bl      puthex
        mrs     r0, spsr
        bl      puthex
        pop     {r4, r5, pc}

h_svc:
        push    {r0-r4, r12, lr}
        ldr     r0, =msg_h_svc
        bl      report
        ldr     r0, [sp, #24]
        bl      puthex                          @ LR_svc
        ldr     r0, [sp, #24]
        ldr     r0, [r0, #-4]
        bic     r0, r0, #0xff000000
        bl      puthex                          @ the SVC immediate
        mrs     r0, spsr
        and     r0, r0, #0x1f
        cmp     r0, #0x10
        beq     exit                            @ from User mode: done
        pop     {r0-r4, r12, lr}
        movs    pc, lr

h_und:
        push    {r0-r4, r12, lr}
        ldr     r0, =msg_h_und
        bl      report
        ldr     r0, [sp, #24]
        bl      puthex
        pop     {r0-r4, r12, lr}
        movs    pc, lr                          @ LR = udf + 4: skip it

h_pabt:
        push    {r0-r4, r12, lr}
        ldr     r0, =msg_h_pabt
        bl      report
        ldr     r0, [sp, #24]
        bl      puthex
        mrc     p15, 0, r0, c5, c0, 1           @ IFSR
        bl      puthex
        mrc     p15, 0, r0, c6, c0, 2           @ IFAR
        bl      puthex
        pop     {r0-r4, r12, lr}
        movs    pc, lr                          @ LR = bkpt + 4: skip it

h_dabt:
        push    {r0-r4, r12, lr}
        ldr     r0, =msg_h_dabt
        bl      report
        ldr     r0, [sp, #24]
        bl      puthex
        mrc     p15, 0, r0, c5, c0, 0           @ DFSR
        bl      puthex
        mrc     p15, 0, r0, c6, c0, 0           @ DFAR
        bl      puthex
        pop     {r0-r4, r12, lr}
        subs    pc, lr, #4                      @ LR = ldr + 8: skip it

h_irq:
        push    {r0-r4, r12, lr}
        ldr     r0, =msg_h_irq
        bl      report
        ldr     r0, [sp, #24]
        bl      puthex
        ldr     r1, =GICC
        ldr     r0, [r1, #0xc]                  @ GICC_IAR
        str     r0, [r1, #0x10]                 @ GICC_EOIR
        bic     r0, r0, #0x1c00                 @ interrupt id (CPU id bits cleared)
        bl      puthex
        pop     {r0-r4, r12, lr}
        subs    pc, lr, #4

exit:
        ldr     r0, =msg_done
        bl      puts
        mov     r0, #0x18                       @ SYS_EXIT, ADP_Stopped_ApplicationExit
        ldr     r1, =0x20026
        svc     #0x123456

@ semihosting console output ---------------------------------------------------------------
puts:
        push    {r0-r3, lr}
        mov     r1, r0
        mov     r0, #4                          @ SYS_WRITE0
        svc     #0x123456
        pop     {r0-r3, pc}

puthex:
        push    {r0-r4, lr}
        ldr     r1, =hexbuf
        mov     r2, #8
2:      mov     r3, r0, lsr #28
        cmp     r3, #10
        addlt   r3, r3, #'0'
        addge   r3, r3, #'a' - 10
        strb    r3, [r1], #1
        lsl     r0, r0, #4
        subs    r2, r2, #1
        bne     2b
        mov     r3, #'\n'
        strb    r3, [r1], #1
        mov     r3, #0
        strb    r3, [r1]
        ldr     r1, =hexbuf
        mov     r0, #4
        svc     #0x123456
        pop     {r0-r4, pc}
        .ltorg

        .data
msg_start:  .asciz "start cpsr\n"
msg_svc:    .asciz "svc from svc mode\n"
msg_back:   .asciz "returned\n"
msg_user:   .asciz "svc from user mode\n"
msg_h_svc:  .asciz "[svc] cpsr spsr lr imm\n"
msg_h_und:  .asciz "[und] cpsr spsr lr\n"
msg_h_pabt: .asciz "[pabt] cpsr spsr lr ifsr ifar\n"
msg_h_dabt: .asciz "[dabt] cpsr spsr lr dfsr dfar\n"
msg_h_irq:  .asciz "[irq] cpsr spsr lr id\n"
msg_done:   .asciz "done\n"
hexbuf:     .space 16
        .bss
        .balign 16384
ttb:    .space 16384
        .space 1024
stack_svc:
        .space 1024
stack_und:
        .space 1024
stack_abt:
        .space 1024
stack_irq:
        .space 1024
stack_usr:

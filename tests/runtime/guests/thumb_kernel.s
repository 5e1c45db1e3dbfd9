@ A Thumb-2 kernel: what a deprivileged kernel in Thumb state needs from the VMM.  Every
@ instruction here that User mode does not execute like a privileged mode traps (cp15
@ moves, SPSR access, svc/udf/bkpt, srs/rfe, subs pc, lr): no cps, mrs/msr cpsr or ldrt,
@ which do not trap (the Popek-Goldberg culprits).  It prints through semihosting:
@   cp15 reads from Thumb; an SPSR written and read back; trapped instructions inside IT
@   blocks (the slots after them must follow the IT state); SVC from Thumb, also inside an
@   IT block (SPSR.IT holds the rest of the block); 16- and 32-bit UDF and an undefined cp15
@   register (LR = address + 2); BKPT (LR + 4); alignment faults of 16- and 32-bit loads
@   (LR + 8); exception returns into Thumb state by rfe and subs pc, lr (also into another
@   mode, and into ARM state), and srs from Thumb.
@ Last, the virtual clock across IT blocks.  --defsym RAM=<base>, TE=0|1: exceptions taken in
@ ARM state, or in Thumb state (SCTLR.TE, B1.8.3) with Thumb handlers; TIMER=<SP804 base>, or 0
@ for the generic timer.
        .syntax unified
        .arch   armv7-a

        .macro  handler_state
        .if     TE
        .thumb
        .else
        .arm
        .endif
        .endm

        .arm
        .global _start
_start: ldr     sp, =RAM + 0x200000
        ldr     r0, =vectors
        mcr     p15, 0, r0, c12, c0, 0          @ VBAR
        .if     TE
        mrc     p15, 0, r0, c1, c0, 0
        orr     r0, r0, #(1 << 30)              @ SCTLR.TE
        mcr     p15, 0, r0, c1, c0, 0
        .endif
        isb
        blx     main
        ldr     r0, =t_done
        bl      putstr
        mov     r0, #0x18
        ldr     r1, =0x20026
        svc     0x123456

@ reached from Thumb by an exception return with SPSR.T = 0
arm_part:
        ldr     r0, =t_arm
        bl      putstr
        mov     r0, pc
        bl      puthex
        blx     back_in_thumb

        .thumb
        .thumb_func
main:   push    {r4-r7, lr}
        ldr     r0, =t_cp15
        bl      putstr
        mrc     p15, 0, r0, c0, c0, 0           @ MIDR
        bl      puthex
        mrc     p15, 0, r0, c1, c0, 0           @ SCTLR
        bl      puthex

        ldr     r0, =t_spsr
        bl      putstr
        ldr     r0, =0x900f01b3
        msr     spsr_fsxc, r0
        mov     r0, #0
        mrs     r0, spsr
        bl      puthex

        ldr     r0, =t_it
        bl      putstr
        movs    r4, #0
        cmp     r4, #0
        ite     eq
        mrceq   p15, 0, r0, c0, c0, 5           @ MPIDR: traps, condition passed
        movne   r0, #1                          @ skipped (the IT state moved on)
        bl      puthex
        cmp     r4, #1
        itet    ne
        mrcne   p15, 0, r0, c0, c0, 5           @ MPIDR (not SCTLR: QEMU 7.2 and Unicorn lose
        mrceq   p15, 0, r0, c13, c0, 3          @ the IT state after it); skipped: never traps
        addne   r0, r0, #1
        bl      puthex
        movs    r0, #0x55
        cmp     r4, #0
        itt     ne
        mrsne   r0, spsr                        @ skipped
        movne   r0, #7                          @ skipped
        bl      puthex

        ldr     r0, =t_svc
        bl      putstr
        svc     #5
        cmp     r4, #0
        itte    eq
        svceq   #6
        addeq   r4, r4, #3                      @ after the handler: IT state from SPSR
        addne   r4, r4, #100
        mov     r0, r4
        bl      puthex

        ldr     r0, =t_und
        bl      putstr
        udf     #7
        udf.w   #8
        mrc     p15, 0, r0, c15, c12, 7         @ no such register: UNDEFINED

        ldr     r0, =t_bkpt
        bl      putstr
        bkpt    #3

        ldr     r0, =t_align
        bl      putstr
        mrc     p15, 0, r5, c1, c0, 0
        orr     r0, r5, #2                      @ SCTLR.A
        mcr     p15, 0, r0, c1, c0, 0
        isb
        ldr     r1, =RAM + 0x100001
        ldr     r0, [r1]                        @ 16-bit: alignment fault
        ldr.w   r0, [r1, #4]                    @ 32-bit
        mcr     p15, 0, r5, c1, c0, 0
        isb

        ldr     r0, =t_rfe
        bl      putstr
        ldr     r0, =0x800001f3                 @ SVC, Thumb, N set
        adr     r1, after_rfe + 1
        mov     r6, sp
        sub     sp, sp, #8
        str     r1, [sp]
        str     r0, [sp, #4]
        rfeia   sp!
        .balign 4
after_rfe:
        mov     r0, sp
        subs    r0, r6, r0                      @ 0: the write-back popped the frame
        bl      puthex

        ldr     r0, =t_eret
        bl      putstr
        ldr     r0, =0x200001f3                 @ SVC, Thumb, C set
        msr     spsr_fsxc, r0
        adr     r0, after_eret + 1
        mov     lr, r0
        subs    pc, lr, #0
        .balign 4
after_eret:
        mov     r0, #0
        adc     r0, r0, #0x10                   @ 0x11: C came from the SPSR
        bl      puthex

        ldr     r0, =t_srs
        bl      putstr
        ldr     r0, =0x400f0033
        msr     spsr_fsxc, r0
        adr     r0, after_eret                  @ any value: srs stores it
        mov     lr, r0
        mov     r6, sp
        srsdb   sp!, #0x13
        pop     {r0, r7}                        @ LR, SPSR
        bl      puthex
        mov     r0, r7
        bl      puthex
        mov     r0, sp
        subs    r0, r6, r0
        bl      puthex

        ldr     r0, =t_mode
        bl      putstr
        ldr     r0, =0x000001f2                 @ IRQ mode, Thumb
        msr     spsr_fsxc, r0
        adr     r0, in_irq_mode + 1
        mov     lr, r0
        subs    pc, lr, #0
        .balign 4
in_irq_mode:
        ldr     sp, =RAM + 0x1f0000
        mrs     r0, spsr                        @ IRQ's own SPSR
        bl      puthex
        mov     r0, sp
        bl      puthex
        svc     #9                              @ the handler goes back to SVC mode, resume9
        .balign 4
resume9:
        ldr     r0, =t_resumed
        bl      putstr

        ldr     r0, =0x000001d3                 @ SVC, ARM state
        msr     spsr_fsxc, r0
        ldr     r0, =arm_part
        mov     lr, r0
        subs    pc, lr, #0
        .thumb_func
back_in_thumb:
        ldr     r0, =t_back
        bl      putstr

@ the virtual clock across Thumb code with IT blocks whose slots are mostly skipped (every
@ instruction counts, executed or not: QEMU -icount): the timer's count over 2000 iterations
        ldr     r0, =t_clock
        bl      putstr
        .if     TIMER
        ldr     r7, =TIMER                      @ SP804: free-running, 32-bit, no prescaler
        mov     r0, #0x82
        str     r0, [r7, #8]
        ldr     r5, [r7, #4]
        .else
        mrrc    p15, 0, r5, r6, c14             @ CNTPCT (62.5 MHz)
        .endif
        movw    r4, #2000
1:      tst     r4, #3
        itete   eq
        addeq   r6, r6, #1
        subne   r6, r6, #1
        eoreq   r6, r6, r4
        movne   r6, r4
        cmp     r4, #4096
        ittt    hi
        movhi   r6, #0
        addhi   r6, r6, #1
        addhi   r6, r6, #2
        subs    r4, r4, #1
        bne     1b
        .if     TIMER
        ldr     r0, [r7, #4]
        subs    r0, r5, r0                      @ (the SP804 counts down)
        .else
        mrrc    p15, 0, r0, r6, c14
        subs    r0, r0, r5
        .endif
        bl      puthex
        pop     {r4-r7, pc}

@ putstr: the string at r0; puthex: r0 as eight hex digits and a newline.  Leaves: r0-r3 and
@ lr only (the handlers keep their return address in r12 and have no stack)
        .thumb_func
putstr: mov     r1, r0
        movs    r0, #4
        svc     0xab                            @ SYS_WRITE0
        bx      lr
        .thumb_func
puthex: ldr     r1, =hexbuf
        movs    r2, #8
1:      lsrs    r3, r0, #28
        cmp     r3, #10
        ite     lt
        addlt   r3, r3, #'0'
        addge   r3, r3, #'a' - 10
        strb    r3, [r1], #1
        lsls    r0, r0, #4
        subs    r2, r2, #1
        bne     1b
        movs    r3, #'\n'
        strb    r3, [r1], #1
        movs    r3, #0
        strb    r3, [r1]
        ldr     r1, =hexbuf
        movs    r0, #4
        svc     0xab
        bx      lr
        .ltorg

@ ---------------------------------------------------------------- vectors and handlers
        handler_state
        .balign 32
vectors:
        .if     TE
        b.w     .
        b.w     h_und
        b.w     h_svc
        b.w     h_pabt
        b.w     h_dabt
        b.w     .
        b.w     .
        b.w     .
        .else
        b       .
        b       h_und
        b       h_svc
        b       h_pabt
        b       h_dabt
        b       .
        b       .
        b       .
        .endif

@ every handler prints its tag, LR and SPSR; the Thumb instruction at fault is 32-bit when its
@ first halfword is 0b11101/0b11110/0b11111 xxx (A6.1)
h_und:  mov     r12, lr
        ldr     r0, =t_h_und
        bl      putstr
        mov     r0, r12
        bl      puthex
        mrs     r0, spsr
        bl      puthex
        ldrh    r0, [r12, #-2]                  @ the instruction: LR - 2 in Thumb state
        lsr     r0, r0, #11
        cmp     r0, #0x1d
        it      hs
        addhs   r12, r12, #2                    @ 32-bit: on past its second halfword
        mov     lr, r12
        subs    pc, lr, #0

h_svc:  mov     r12, lr
        ldr     r0, =t_h_svc
        bl      putstr
        mov     r0, r12
        bl      puthex
        mrs     r0, spsr
        bl      puthex
        ldrh    r0, [r12, #-2]
        and     r0, r0, #0xff
        bl      puthex
        ldrh    r0, [r12, #-2]
        and     r0, r0, #0xff
        cmp     r0, #9
        beq     1f
        mov     lr, r12
        subs    pc, lr, #0
1:      ldr     r0, =0x000001f3                 @ svc #9: back to SVC mode, in Thumb
        msr     spsr_fsxc, r0
        ldr     lr, =resume9 + 1
        subs    pc, lr, #0

h_pabt: mov     r12, lr
        ldr     r0, =t_h_pabt
        bl      putstr
        mov     r0, r12
        bl      puthex
        mrs     r0, spsr
        bl      puthex
        mrc     p15, 0, r0, c5, c0, 1           @ IFSR
        bl      puthex
        mov     lr, r12
        subs    pc, lr, #2                      @ past the (16-bit) bkpt

h_dabt: mov     r12, lr
        ldr     r0, =t_h_dabt
        bl      putstr
        mov     r0, r12
        bl      puthex
        mrs     r0, spsr
        bl      puthex
        mrc     p15, 0, r0, c5, c0, 0           @ DFSR
        bl      puthex
        mrc     p15, 0, r0, c6, c0, 0           @ DFAR
        bl      puthex
        sub     r12, r12, #6                    @ LR - 8 is the load; past a 16-bit one
        ldrh    r0, [r12, #-2]
        lsr     r0, r0, #11
        cmp     r0, #0x1d
        it      hs
        addhs   r12, r12, #2
        mov     lr, r12
        subs    pc, lr, #0
        .ltorg

        .data
t_cp15: .asciz  "cp15\n"
t_spsr: .asciz  "spsr\n"
t_it:   .asciz  "it\n"
t_svc:  .asciz  "svc\n"
t_und:  .asciz  "und\n"
t_bkpt: .asciz  "bkpt\n"
t_align: .asciz "align\n"
t_rfe:  .asciz  "rfe\n"
t_eret: .asciz  "subs pc, lr\n"
t_srs:  .asciz  "srs\n"
t_mode: .asciz  "irq mode\n"
t_resumed: .asciz "resumed\n"
t_arm:  .asciz  "arm state\n"
t_back: .asciz  "back in thumb\n"
t_done: .asciz  "done\n"
t_clock: .asciz "clock\n"
t_h_und: .asciz "[und]\n"
t_h_svc: .asciz "[svc]\n"
t_h_pabt: .asciz "[pabt]\n"
t_h_dabt: .asciz "[dabt]\n"
        .balign 4
hexbuf: .space  16

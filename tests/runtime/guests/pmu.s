@ The performance monitors (C12) from SVC mode, every value printed: PMCR at reset; the cycle
@ counter and event counters 0-3 (INST_RETIRED, CPU_CYCLES, SW_INCR, an event no PMU counts)
@ over a loop; PMCR.D; PMCR.C/P resets; overflow of the cycle counter and of counter 0 into
@ PMOVSR; the PMXEVTYPER/PMCCFILTR bits kept; with IRQ=1 (virt) the overflow interrupt (PPI
@ 23 through the GIC), taken and cleared.  --defsym RAM=, GICD=, GICC=, IRQ=<0|1>
        .global _start
_start: ldr     sp, =RAM + 0x100000
        ldr     r0, =vectors
        mcr     p15, 0, r0, c12, c0, 0          @ VBAR
        msr     spsr_cxsf, #0xd2                @ to IRQ mode and back by exception returns
        adr     lr, 1f                          @ (cps would be a no-op under a VMM that
        movs    pc, lr                          @ deprivileges the guest)
1:      ldr     sp, =RAM + 0x0f0000             @ IRQ stack
        msr     spsr_cxsf, #0xd3
        adr     lr, 1f
        movs    pc, lr
1:
        mrc     p15, 0, r0, c9, c12, 0          @ PMCR at reset
        bl      puthex
        mov     r0, #0                          @ counter 0: INST_RETIRED
        mcr     p15, 0, r0, c9, c12, 5
        mov     r1, #0x08
        mcr     p15, 0, r1, c9, c13, 1
        mov     r0, #1                          @ counter 1: CPU_CYCLES
        mcr     p15, 0, r0, c9, c12, 5
        mov     r1, #0x11
        mcr     p15, 0, r1, c9, c13, 1
        mov     r0, #2                          @ counter 2: SW_INCR
        mcr     p15, 0, r0, c9, c12, 5
        mov     r1, #0x00
        mcr     p15, 0, r1, c9, c13, 1
        mov     r0, #3                          @ counter 3: event 0x03, never counted
        mcr     p15, 0, r0, c9, c12, 5
        mov     r1, #0x03
        mcr     p15, 0, r1, c9, c13, 1
        mov     r0, #1
        mcr     p15, 0, r0, c9, c12, 0          @ PMCR.E
        ldr     r0, =0x8000000f
        mcr     p15, 0, r0, c9, c12, 1          @ PMCNTENSET: cycles, 0-3
        bl      spin
        mov     r0, #4
        mcr     p15, 0, r0, c9, c12, 4          @ PMSWINC: counter 2, three times
        mcr     p15, 0, r0, c9, c12, 4
        mcr     p15, 0, r0, c9, c12, 4
        bl      dump
        mov     r0, #0x9                        @ PMCR.D: the cycle counter every 64 cycles
        mcr     p15, 0, r0, c9, c12, 0
        bl      spin
        bl      dump
        mov     r0, #0x7                        @ PMCR.C and P: all counters to zero
        mcr     p15, 0, r0, c9, c12, 0
        bl      dump
        mvn     r0, #0xff                       @ the cycle counter near its 32-bit overflow
        mcr     p15, 0, r0, c9, c13, 0
        mov     r0, #0
        mcr     p15, 0, r0, c9, c12, 5
        mvn     r0, #0x3f                       @ counter 0 too
        mcr     p15, 0, r0, c9, c13, 2
        bl      spin
        bl      dump
        mvn     r0, #0
        mcr     p15, 0, r0, c9, c12, 3          @ PMOVSR: write-one-to-clear
        mrc     p15, 0, r0, c9, c12, 3
        bl      puthex
        mvn     r0, #0                          @ the bits PMXEVTYPER keeps
        mcr     p15, 0, r0, c9, c13, 1
        mrc     p15, 0, r0, c9, c13, 1
        bl      puthex
        mov     r0, #31                         @ PMSELR = 31: PMXEVTYPER is PMCCFILTR
        mcr     p15, 0, r0, c9, c12, 5
        mvn     r0, #0
        mcr     p15, 0, r0, c9, c13, 1
        mrc     p15, 0, r0, c9, c13, 1
        bl      puthex
        mov     r0, #0
        mcr     p15, 0, r0, c9, c13, 1
        mrc     p15, 0, r0, c9, c12, 5
        bl      puthex
        .if IRQ
        ldr     r0, =GICD
        mov     r1, #1
        str     r1, [r0]                        @ GICD_CTLR
        mvn     r1, #0
        str     r1, [r0, #0x100]                @ GICD_ISENABLER0: SGIs and PPIs
        ldr     r0, =GICC
        mov     r1, #0xf0
        str     r1, [r0, #4]                    @ GICC_PMR
        mov     r1, #1
        str     r1, [r0]                        @ GICC_CTLR
        mov     r0, #1
        mcr     p15, 0, r0, c9, c12, 0          @ PMCR: E
        mov     r0, #0x80000000
        mcr     p15, 0, r0, c9, c14, 1          @ PMINTENSET: the cycle counter
        mvn     r0, #0x7f00                     @ overflow in 0x8100 cycles
        mcr     p15, 0, r0, c9, c13, 0
        mov     r9, #0
        msr     spsr_cxsf, #0x53                @ IRQs on by an exception return (which a
        adr     lr, 1f                          @ deprivileging VMM sees, unlike cpsie)
        movs    pc, lr
1:      bl      spin
        msr     spsr_cxsf, #0xd3
        adr     lr, 1f
        movs    pc, lr
1:
        mov     r0, r9                          @ interrupts taken
        bl      puthex
        .endif
        mov     r0, #0x18
        ldr     r1, =0x20026
        svc     0x123456

spin:   mov     r1, #0x1000
1:      subs    r1, r1, #1
        bne     1b
        bx      lr

@ PMCCNTR, counters 0-3, PMOVSR, PMCNTENSET
dump:   push    {r4, lr}
        mrc     p15, 0, r0, c9, c13, 0
        bl      puthex
        mov     r4, #0
1:      mcr     p15, 0, r4, c9, c12, 5
        mrc     p15, 0, r0, c9, c13, 2
        bl      puthex
        add     r4, r4, #1
        cmp     r4, #4
        bne     1b
        mrc     p15, 0, r0, c9, c12, 3
        bl      puthex
        mrc     p15, 0, r0, c9, c12, 1
        bl      puthex
        pop     {r4, pc}

irq:    push    {r0-r3, lr}
        ldr     r1, =GICC
        ldr     r2, [r1, #0xc]                  @ GICC_IAR
        mov     r0, r2
        bl      puthex
        mrc     p15, 0, r0, c9, c13, 0          @ PMCCNTR at the interrupt
        bl      puthex
        mov     r0, #0x80000000
        mcr     p15, 0, r0, c9, c12, 3          @ PMOVSR: clear the overflow
        mcr     p15, 0, r0, c9, c14, 2          @ PMINTENCLR
        str     r2, [r1, #0x10]                 @ GICC_EOIR
        add     r9, r9, #1
        pop     {r0-r3, lr}
        subs    pc, lr, #4

        .include "vectors.inc"
        vector_table irq=irq
        .include "puthex.inc"

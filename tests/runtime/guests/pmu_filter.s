@ The PMU's privilege filters (PMXEVTYPER/PMCCFILTR P and U, C12.8): counter 0 counts
@ INST_RETIRED at PL1 only (U set), counter 1 at PL0 only (P set), counter 2 in both, the
@ cycle counter at PL0 only.  The kernel runs loops in SVC mode and in a User-mode task it
@ enters and leaves by exception returns and SVCs, then prints the counters: each must have
@ counted its own privilege's instructions, as on QEMU (where a filtered counter stops at each
@ change of exception level).  Virt's Cortex-A15 (QEMU's other CPUs do not count).
@ --defsym RAM=<base>
        .syntax unified
        .arm
        .global _start
_start: ldr     sp, =RAM + 0x100000
        ldr     r0, =vectors
        mcr     p15, 0, r0, c12, c0, 0          @ VBAR
        mov     r0, #0
        mcr     p15, 0, r0, c9, c12, 5          @ PMSELR = 0
        ldr     r1, =0x40000008                 @ INST_RETIRED, U: not at PL0
        mcr     p15, 0, r1, c9, c13, 1
        mov     r0, #1
        mcr     p15, 0, r0, c9, c12, 5
        ldr     r1, =0x80000008                 @ INST_RETIRED, P: not at PL1
        mcr     p15, 0, r1, c9, c13, 1
        mov     r0, #2
        mcr     p15, 0, r0, c9, c12, 5
        mov     r1, #0x08                       @ INST_RETIRED everywhere
        mcr     p15, 0, r1, c9, c13, 1
        mov     r1, #0x80000000                 @ PMCCFILTR: cycles not at PL1
        mcr     p15, 0, r1, c14, c15, 7
        mov     r0, #7                          @ PMCR: E, counters reset
        mcr     p15, 0, r0, c9, c12, 0
        ldr     r0, =0x80000007
        mcr     p15, 0, r0, c9, c12, 1          @ PMCNTENSET
        mov     r4, #40                         @ kernel work
1:      subs    r4, r4, #1
        bne     1b
        @ into the User task by an exception return
        mov     r0, #0x10
        msr     spsr_cxsf, r0
        ldr     lr, =task
        movs    pc, lr

        .balign 32
vectors:
        b       .                               @ reset
        b       .                               @ undefined
        b       svc_handler
        b       .
        b       .
        b       .
        b       .
        b       .

svc_handler:
        ldr     r12, [lr, #-4]
        bic     r12, r12, #0xff000000
        cmp     r12, #1
        beq     finish
        mov     r4, #25                         @ kernel work for the system call
1:      subs    r4, r4, #1
        bne     1b
        movs    pc, lr                          @ back to the task

finish: mrc     p15, 0, r0, c9, c13, 0          @ PMCCNTR
        bl      puthex
        mov     r5, #0
2:      mcr     p15, 0, r5, c9, c12, 5
        mrc     p15, 0, r0, c9, c13, 2          @ PMXEVCNTR
        bl      puthex
        add     r5, r5, #1
        cmp     r5, #3
        bne     2b
        mov     r0, #0x18
        ldr     r1, =0x20026
        svc     0x123456

task:   mov     r4, #60                         @ User work
1:      subs    r4, r4, #1
        bne     1b
        svc     #0
        mov     r4, #30
1:      subs    r4, r4, #1
        bne     1b
        svc     #0
        mov     r4, #10
1:      subs    r4, r4, #1
        bne     1b
        svc     #1
        b       .
        .ltorg
        .include "puthex.inc"

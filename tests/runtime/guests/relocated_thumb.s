@ Thumb code of the image (mapping symbols: the loader knows it) run in place and then through
@ a virtual alias with the MMU on: its IT blocks must count as instructions and its accesses to
@ registers vtrans models must reach the board's model there too.  The routine times an IT-block
@ loop with the virtual counter and reads a MIDR alias (virt), or reads CBAR and PMCR
@ (vexpress-a9).  --defsym RAM=<base>, and VIRT=1 or A9=1.
        .syntax unified
        .include "mmu_sections.inc"
        .equ    ALIAS, 0x80000000
        .arm
        .global _start
_start: ldr     sp, =RAM + 0x100000
        adr     r0, troutine + 1
        blx     r0
        bl      print4
        identity_sections
        ldr     r0, =RAM                        @ VA ALIAS's MB -> the MB holding the code
        orr     r0, r0, r3
        add     r2, r1, #(ALIAS >> 20) << 2
        str     r0, [r2]
        mmu_on  1
        adr     r0, troutine + 1
        ldr     r1, =RAM
        sub     r0, r0, r1
        add     r0, r0, #ALIAS
        blx     r0
        bl      print4
        mov     r0, #0x18
        ldr     r1, =0x20026
        svc     0x123456

        .ltorg

        .thumb
        .balign 4
        .thumb_func
troutine:                                       @ returns four values in r0-r3
        push    {r4-r7, lr}
        .ifdef VIRT
        mrrc    p15, 1, r4, r5, c14             @ CNTVCT
        .endif
        movs    r6, #50
        movs    r2, #0
1:      cmp     r6, #25
        ite     lt
        addlt   r2, r2, #1                      @ one slot of each pair fails: still an instruction
        addge   r2, r2, #3
        subs    r6, r6, #1
        bne     1b
        .ifdef VIRT
        mrrc    p15, 1, r0, r1, c14
        subs    r0, r0, r4                      @ the loop's instructions, in counter ticks
        mrc     p15, 0, r1, c0, c0, 4           @ a MIDR alias
        .else
        mrc     p15, 4, r0, c15, c0, 0          @ CBAR
        mrc     p15, 0, r1, c9, c12, 0          @ PMCR
        .endif
        mov     r3, r2
        mov     r2, pc                          @ where it runs
        pop     {r4-r7, pc}
        .arm
        .include "puthex.inc"
        .include "print4.inc"

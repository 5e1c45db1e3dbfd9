@ Coprocessor registers a device owns, read and written by code the kernel copies elsewhere
@ and runs there: through the physical copy, after it is overwritten with other code at the
@ same address (I-cache invalidated, as the architecture asks), and through a virtual alias
@ with the MMU on.  Unicorn's CPU has its own copy of these registers (the generic timer and
@ the cycle counter follow the host clock, CBAR reads 0, PMCR and MIDR aliases differ from
@ QEMU's), so every access must still reach the board's model.
@ --defsym RAM=<base>, and one of VIRT=1 (Cortex-A15), A9=1, A8=1; BY_MVA=1 invalidates the
@ I-cache by address, NO_MAINTENANCE=1 not at all (QEMU runs the copy either way).
        .syntax unified
        .arm
        .include "mmu_sections.inc"
        .equ    DEST, RAM + 0x200000            @ a 1 MB section of its own (the alias maps it)
        .equ    ALIAS, 0x80000000
        .global _start
_start: ldr     sp, =RAM + 0x100000
        ldr     r0, =DEST
        adr     r1, blob_a
        adr     r2, blob_a_end
        bl      copy
        ldr     r0, =DEST
        blx     r0
        bl      print4
        @ the same address, other code: its coprocessor accesses are at other offsets
        ldr     r0, =DEST
        adr     r1, blob_b
        adr     r2, blob_b_end
        bl      copy
        ldr     r0, =DEST
        blx     r0
        bl      print4
        @ blob_a again, now through a virtual alias of DEST (the MMU on)
        ldr     r0, =DEST
        adr     r1, blob_a
        adr     r2, blob_a_end
        bl      copy
        identity_sections
        ldr     r0, =DEST
        orr     r0, r0, r3
        add     r2, r1, #(ALIAS >> 20) << 2
        str     r0, [r2]
        mmu_on  1
        ldr     r0, =ALIAS
        blx     r0
        bl      print4
        mov     r0, #0x18
        ldr     r1, =0x20026
        svc     0x123456

@ copy [r1, r2) to r0, then make the copy executable: clean to the point of unification,
@ invalidate the I-cache and the branch predictor (B2.2.9); QEMU needs none of it
copy:   ldr     r3, [r1], #4
        str     r3, [r0], #4
        cmp     r1, r2
        bne     copy
        .ifndef NO_MAINTENANCE
        ldr     r0, =DEST
        mcr     p15, 0, r0, c7, c11, 1  @ DCCMVAU (one line stands for the loop over the copy)
        dsb
        mov     r0, #0
        .ifdef BY_MVA
        ldr     r0, =DEST
        mcr     p15, 0, r0, c7, c5, 1   @ ICIMVAU
        mcr     p15, 0, r0, c7, c5, 7   @ BPIMVA
        .else
        mcr     p15, 0, r0, c7, c5, 0   @ ICIALLU
        mcr     p15, 0, r0, c7, c5, 6   @ BPIALL
        .endif
        dsb
        isb
        .endif
        bx      lr


@ position-independent routines, run only from their copies; each returns four values in r0-r3
        .balign 4
blob_a:
        .ifdef VIRT
        push    {r4-r6}
        mrrc    p15, 1, r4, r5, c14             @ CNTVCT
        mov     r0, #100
1:      subs    r0, r0, #1
        bne     1b
        mrrc    p15, 1, r2, r3, c14
        sub     r0, r2, r4                      @ instructions of the loop, in counter ticks
        mov     r1, #500
        mcr     p15, 0, r1, c14, c3, 0          @ CNTV_TVAL: fires 500 ticks from now
        mov     r1, #1
        mcr     p15, 0, r1, c14, c3, 1          @ CNTV_CTL: enabled, interrupt unmasked
        mov     r1, #0
2:      add     r1, r1, #1                      @ poll ISTATUS: the iterations are the clock's
        mrc     p15, 0, r6, c14, c3, 1
        tst     r6, #4
        beq     2b
        mov     r6, #0
        mcr     p15, 0, r6, c14, c3, 1          @ off again
        mrc     p15, 0, r3, c0, c0, 4           @ a MIDR alias
        pop     {r4-r6}
        .endif
        .ifdef A9
        mrc     p15, 4, r0, c15, c0, 0          @ CBAR
        mrc     p15, 0, r1, c9, c12, 0          @ PMCR
        mrc     p15, 0, r2, c0, c0, 0           @ MIDR
        mov     r3, pc
        sub     r3, r3, r0                      @ (where it runs, relative to CBAR)
        .endif
        .ifdef A8
        mrc     p15, 0, r0, c9, c12, 0          @ PMCR
        mrc     p15, 0, r1, c0, c1, 1           @ ID_PFR1
        mrc     p15, 0, r2, c0, c0, 0           @ MIDR
        mov     r3, pc
        .endif
        bx      lr
blob_a_end:

        .balign 4
blob_b: nop
        nop
        nop
        .ifdef VIRT
        mrc     p15, 0, r0, c9, c12, 0          @ PMCR
        mrc     p15, 0, r1, c0, c0, 7           @ another MIDR alias
        mrc     p15, 0, r2, c14, c0, 0          @ CNTFRQ
        mrrc    p15, 1, r3, r12, c14            @ CNTVCT
        .endif
        .ifdef A9
        mrc     p15, 0, r0, c9, c12, 0          @ PMCR
        mrc     p15, 4, r1, c15, c0, 0          @ CBAR
        mov     r2, #0
        mov     r3, #0
        .endif
        .ifdef A8
        mrc     p15, 0, r0, c0, c1, 1           @ ID_PFR1
        mrc     p15, 0, r1, c9, c12, 0          @ PMCR
        mov     r2, #0
        mov     r3, #0
        .endif
        bx      lr
blob_b_end:
        .ltorg
        .include "puthex.inc"
        .include "print4.inc"

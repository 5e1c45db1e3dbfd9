@ Every "mrc p15, opc1, r0, CRn, CRm, opc2" with CRn in [CRN_LO, CRN_HI], from SVC mode, as
@ static code (the machine's interception works on the image's instructions): the
@ undefined-instruction vector marks the encodings that are UNDEFINED.  Prints the word and
@ the value read (r0 starts as 0xffffffff) of every encoding that is not, then 00000d0e.
@ --defsym RAM=<RAM base> CRN_LO=<first CRn> CRN_HI=<last CRn> V7=<1: VBAR, 0: vectors at 0>
        .global _start
_start: ldr     sp, =RAM + 0x100000
        .if V7
        ldr     r0, =vectors
        mcr     p15, 0, r0, c12, c0, 0          @ VBAR
        .else
        ldr     r0, =vectors                    @ copy the table to 0 (RAM there)
        mov     r1, #0
        ldmia   r0!, {r2-r9}
        stmia   r1!, {r2-r9}
        ldmia   r0!, {r2-r9}
        stmia   r1!, {r2-r9}
        .endif
        b       probes_start
        .ltorg

        .macro  probe crn, opc1, crm, opc2
        mov     r8, #0
        mvn     r0, #0
        mrc     p15, \opc1, r0, c\crn, c\crm, \opc2
        bl      report
        .endm

probes_start:
        .irp    crn, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
        .if     (\crn >= CRN_LO) && (\crn <= CRN_HI)
        .irp    opc1, 0, 1, 2, 3, 4, 5, 6, 7
        .irp    crm, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
        .irp    opc2, 0, 1, 2, 3, 4, 5, 6, 7
        probe   \crn, \opc1, \crm, \opc2
        .endr
        .endr
        .endr
        .endif
        .endr
        mov     r0, #0xd00
        orr     r0, r0, #0x0e
        bl      puthex
        mov     r0, #0x18
        ldr     r1, =0x20026
        svc     0x123456

@ after a probe: print its mrc word and r0, unless the probe was UNDEFINED
report: cmp     r8, #0
        bxne    lr
        push    {r0, lr}
        ldr     r0, [lr, #-8]
        bl      puthex
        pop     {r0, lr}
        b       puthex

undef:  mov     r8, #1
        movs    pc, lr

        .include "vectors.inc"
        vector_table und=undef
        .include "puthex.inc"

@ Big-endian data (setend be, A8.8.138) around sensitive instructions: a word stored and
@ loaded big-endian, CPSR (mrs: sensitive) read with E set, SVC mode entered and left with
@ cps (sensitive) -- each printed on the semihosting console.
        .global _start
_start: ldr sp, =SCRATCH + 0x10000
        ldr r4, =SCRATCH
        ldr r5, =0x11223344
        setend be
        str r5, [r4]
        mrs r6, cpsr
        cps #0x1f
        cps #0x13
        setend le
        ldr r0, [r4]
        bl puthex
        ldr r1, =0xf80f03df
        and r0, r6, r1
        bl puthex
        mov r0, #0x18
        ldr r1, =0x20026
        svc 0x123456
        .include "puthex.inc"

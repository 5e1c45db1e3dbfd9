@ Big-endian data (setend be, A8.8.138) around sensitive instructions: a word stored and
@ loaded big-endian, CPSR (mrs: sensitive) read with E set, SVC mode entered and left with
@ cps (sensitive), and the exception returns that go through memory -- rfe of a frame pushed
@ big-endian, srs then rfe, ldm {pc}^ -- each printed on the semihosting console (the word
@ srs stored, read back little-endian, shows its byte order).
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
        setend be
        mov r7, #0x200                  @ SVC mode, E set (built without a literal: E is set)
        orr r7, r7, #0xd3
        str r7, [sp, #-4]!
        adr lr, 1f
        str lr, [sp, #-4]!
        rfeia sp!
1:      msr spsr_fsxc, r7
        adr lr, 2f
        str lr, [sp, #-4]!
        ldm sp!, {pc}^
2:      msr spsr_fsxc, r7
        adr lr, 3f
        srsdb sp!, #0x13
        rfeia sp!
3:      setend le
        ldr r0, [sp, #-4]               @ srs's SPSR, stored big-endian: 0xd3020000
        bl puthex
        mrs r0, cpsr
        and r0, r0, r1
        bl puthex
        mov r0, #0x18
        ldr r1, =0x20026
        svc 0x123456
        .include "puthex.inc"

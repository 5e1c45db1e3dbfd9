@ A busy-wait on the generic timer: 50 000 reads of CNTVCT (an intercepted coprocessor access
@ every 4 instructions), then the loop count.  For virt.  --defsym RAM=<base>.
        .syntax unified
        .arm
        .global _start
_start: ldr sp, =RAM + 0x100000
        mov r6, #0
        ldr r7, =50000
loop:   mrrc p15, 1, r4, r5, c14        @ CNTVCT
        add r6, r6, #1
        cmp r6, r7
        bne loop
        mov r0, r6
        bl puthex
        mov r0, #0x18
        ldr r1, =0x20026
        svc 0x123456
        .ltorg
        .include "puthex.inc"

@ Prints r0, r1, r2 and the PC at entry (semihosting), then the first ATAG words at r2 when
@ r2 points into RAM.  Loaded as a raw binary, QEMU starts it through its boot stub
@ (r0 = 0, r1 = board id, r2 = ATAGs); as an ELF, straight out of reset.
        .syntax unified
        .arm
        .global _start
_start: mov     r4, r0
        mov     r5, r1
        mov     r6, r2
        adr     r7, _start
        ldr     sp, =RAM + 0x200000
        mov     r0, r4
        bl      puthex
        mov     r0, r5
        bl      puthex
        mov     r0, r6
        bl      puthex
        mov     r0, r7
        bl      puthex
        mrs     r0, cpsr
        bl      puthex
        ldr     r1, =RAM
        cmp     r6, r1
        blo     done
        mov     r8, #11
1:      ldr     r0, [r6], #4
        bl      puthex
        subs    r8, r8, #1
        bne     1b
done:   mov     r0, #0x18
        ldr     r1, =0x20026
        svc     0x123456
puthex: push    {r0-r4, lr}
        adr     r1, hexbuf
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
        adr     r1, hexbuf
        mov     r0, #4
        svc     #0x123456
        pop     {r0-r4, pc}
        .ltorg
hexbuf: .space 16

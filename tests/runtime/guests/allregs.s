@ Block transfers that name every register and the PC (binary translation has no register
@ left to rewrite them with: it emulates them): stm of r0-r15, ldm of r0-r12, lr and pc (a
@ branch), a decrementing stm with writeback, a conditional ldm that does not run.
@ Each step prints what it saw.  --defsym RAM=<base>.
        .global _start
_start: ldr sp, =RAM + 0x100000
        ldr r0, =buf
        mov r1, #1
        mov r2, #2
        mov r3, #3
        mov r4, #4
        mov r5, #5
        mov r6, #6
        mov r7, #7
        mov r8, #8
        mov r9, #9
        mov r10, #10
        mov r11, #11
        mov r12, #12
        mov lr, #14
here:   stmia r0, {r0-r15}              @ PC stored as here + 8
        ldr r4, =buf
        ldr r0, [r4, #60]
        ldr r1, =here + 8
        sub r0, r0, r1
        bl puthex                       @ 0
        ldr r0, [r4, #48]
        bl puthex                       @ 12 (r12)
        ldr r0, [r4]
        sub r0, r0, r4
        bl puthex                       @ 0 (r0 = buf)
        ldr r0, =frame                  @ r0..r12, lr, pc from memory: a branch to "back"
        ldmia r0, {r0-r12, lr, pc}
        b fail
back:   push {r0-r3}
        bl puthex                       @ 0x100 (r0 loaded, base in the list)
        mov r0, r5
        bl puthex                       @ 0x105
        mov r0, r12
        bl puthex                       @ 0x10c
        mov r0, lr
        bl puthex                       @ the return address of the bl before it
        pop {r0-r3}
        ldr r0, =RAM + 0x80000
        mov r1, sp
        mov sp, r0
there:  stmdb sp!, {r0-r12, lr, pc}     @ 15 words below, sp written back
        sub r0, r0, sp
        mov sp, r1
        bl puthex                       @ 0x3c
        ldr r1, =RAM + 0x80000 - 4
        ldr r0, [r1]
        ldr r1, =there + 8
        sub r0, r0, r1
        bl puthex                       @ 0
        ldr r0, =frame
        movs r1, #0                     @ Z set
        ldmneia r0, {r0-r12, lr, pc}    @ not taken
        sub r0, r0, r0
        bl puthex                       @ 0
        mov r0, #0x18
        ldr r1, =0x20026
        svc 0x123456
fail:   mov r0, #0x18
        ldr r1, =0x20026
        ldr r1, [r1]                    @ (never)
        svc 0x123456
        .include "puthex.inc"
        .data
        .balign 8
frame:  .word 0x100, 0x101, 0x102, 0x103, 0x104, 0x105, 0x106, 0x107
        .word 0x108, 0x109, 0x10a, 0x10b, 0x10c, 0x10e, back
buf:    .space 64

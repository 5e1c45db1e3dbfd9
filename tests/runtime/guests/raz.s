@ Accesses to addresses nothing decodes on boards where they read as zero and ignore writes
@ (versatilepb, realview-pb-a8, vexpress-a9): the first access to such a page is a store with
@ writeback, then loads, an stm and an ldm that run from the end of RAM into the hole, and
@ accesses at HOLE and near the top of the address space, after filling the TLB.  Each step
@ prints what it saw.  --defsym RAM=<base> RAM_END=<end of RAM> HOLE=<unassigned address>.
        .global _start
_start: ldr sp, =RAM + 0x100000
        ldr r6, =RAM + 0x200000         @ fill the TLB: one byte from each of 250 pages
        mov r4, #250
1:      ldrb r0, [r6], #0x400
        subs r4, r4, #1
        bne 1b
        ldr r1, =HOLE
        mov r0, #7
        str r0, [r1], #4                @ the first access to the page: a store, writeback once
        ldr r0, =HOLE + 4
        sub r0, r1, r0
        bl puthex                       @ 0
        mvn r0, #0
        ldr r0, [r1, #-4]!              @ reads as zero, writeback once
        bl puthex
        ldr r0, =HOLE
        sub r0, r1, r0
        bl puthex                       @ 0
        ldr r2, =RAM_END - 8            @ stm across the end of RAM
        ldr r3, =0x11111111
        ldr r4, =0x22222222
        ldr r5, =0x33333333
        ldr r6, =0x44444444
        stmia r2!, {r3-r6}
        ldr r0, =RAM_END + 8
        sub r0, r2, r0
        bl puthex                       @ 0
        ldr r2, =RAM_END - 8
        ldmia r2, {r3-r6}
        mov r0, r3
        bl puthex                       @ 11111111
        mov r0, r4
        bl puthex                       @ 22222222
        mov r0, r5
        bl puthex                       @ 0
        mov r0, r6
        bl puthex                       @ 0
        mvn r1, #0x0f                   @ 0xfffffff0
        mov r0, #5
        strb r0, [r1, #14]
        mvn r0, #0
        ldrh r0, [r1, #14]
        bl puthex
        mov r0, #0x18
        ldr r1, =0x20026
        svc 0x123456
        .include "puthex.inc"

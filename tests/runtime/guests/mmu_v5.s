@ The ARMv5 (VMSAv5, ARM926EJ-S) translation tables (ARM926EJ-S TRM 3.2): coarse tables with
@ four AP fields per large and small page (one per subpage), a 0b11 entry in a coarse
@ table, and a fine page table (1024 entries, VA[19:10]) holding 1 KB tiny pages, a small
@ and a large page; domains.  Each access prints its address and value, or the abort
@ handler prints DFSR/DFAR and skips the access.  No cps/VBAR/isb: ARMv5.
@ --defsym RAM=<base> (versatilepb: 0; the vectors are copied to 0).
        .syntax unified
        .arm
        .global _start
        .equ    TTB, RAM + 0x180000
        .equ    COARSE, RAM + 0x184000
        .equ    FINE, RAM + 0x185000
        .equ    SEC, 0x00000c12                 @ section, AP = 0b11, domain 0 (bit 4 set, as v5 asks)
_start: msr     cpsr_c, #0xd7                   @ abort mode stack
        ldr     sp, =RAM + 0x170000
        msr     cpsr_c, #0xd3
        ldr     sp, =RAM + 0x160000
        @ vectors at 0 (no VBAR on ARMv5)
        ldr     r0, =vectors
        mov     r1, #0
        mov     r2, #16
0:      ldr     r3, [r0], #4
        str     r3, [r1], #4
        subs    r2, r2, #1
        bne     0b
        @ physical contents the mappings point at
        ldr     r4, =values
9:      ldr     r0, [r4], #4
        cmp     r0, #0
        beq     8f
        ldr     r1, [r4], #4
        str     r1, [r0]
        b       9b
8:      @ L1: identity sections everywhere
        ldr     r0, =TTB
        mov     r1, #0
        ldr     r3, =SEC
1:      orr     r2, r3, r1, lsl #20
        str     r2, [r0, r1, lsl #2]
        add     r1, r1, #1
        cmp     r1, #4096
        bne     1b
        @ 0x82000000: coarse table, domain 0
        ldr     r2, =COARSE | 0x11
        ldr     r1, =TTB + 0x820 * 4
        str     r2, [r1]
        @ 0x83000000: fine table, domain 0
        ldr     r2, =FINE | 0x13
        ldr     r1, =TTB + 0x830 * 4
        str     r2, [r1]
        @ 0x84000000: section in domain 1 (DACR: no access)
        ldr     r2, =(RAM + 0x200000) | SEC | (1 << 5)
        ldr     r1, =TTB + 0x840 * 4
        str     r2, [r1]
        @ clear both second-level tables (1 KB + 4 KB, adjacent)
        ldr     r1, =COARSE
        mov     r2, #0
        mov     r3, #0
3:      str     r3, [r1, r2]
        add     r2, r2, #4
        cmp     r2, #5120
        bne     3b
        @ coarse +0: large page -> RAM + 0x300000, AP3 = 0b00 (no access), AP2..AP0 = 0b11
        ldr     r2, =(RAM + 0x300000) | 0x3f1
        mov     r3, #0
5:      str     r2, [r1, r3, lsl #2]
        add     r3, r3, #1
        cmp     r3, #16
        bne     5b
        @ coarse +0x10000: small page -> RAM + 0x310000, AP3 = 11, AP2 = 10, AP1 = 00, AP0 = 11
        ldr     r2, =(RAM + 0x310000) | 0xe32
        str     r2, [r1, #16 * 4]
        @ coarse +0x11000: 0b11 (a tiny page, which a coarse table cannot hold)
        ldr     r2, =(RAM + 0x320000) | 0x33
        str     r2, [r1, #17 * 4]
        @ fine table
        ldr     r1, =FINE
        ldr     r2, =(RAM + 0x320000) | 0x33    @ +0x000: tiny page, AP = 11
        str     r2, [r1, #0]
        ldr     r2, =(RAM + 0x320c00) | 0x33    @ +0x400: tiny page elsewhere in the frame
        str     r2, [r1, #4]
        ldr     r2, =(RAM + 0x320000) | 0x03    @ +0x800: tiny page, AP = 00
        str     r2, [r1, #8]
        @ +0xc00: invalid
        ldr     r2, =(RAM + 0x330000) | 0xff2   @ +0x1000: small page (4 entries)
        str     r2, [r1, #16]
        str     r2, [r1, #20]
        str     r2, [r1, #24]
        str     r2, [r1, #28]
        ldr     r2, =(RAM + 0x340000) | 0xff1   @ +0x10000: large page (64 entries)
        add     r3, r1, #64 * 4
        mov     r0, #64
6:      str     r2, [r3], #4
        subs    r0, r0, #1
        bne     6b
        @ MMU on
        ldr     r0, =TTB
        mcr     p15, 0, r0, c2, c0, 0           @ TTB
        ldr     r0, =0x1                        @ D0 client, D1 no access
        mcr     p15, 0, r0, c3, c0, 0
        mov     r0, #0
        mcr     p15, 0, r0, c8, c7, 0           @ invalidate TLBs
        mrc     p15, 0, r0, c1, c0, 0
        orr     r0, r0, #1
        mcr     p15, 0, r0, c1, c0, 0
        mov     r0, r0
        mov     r0, r0

        ldr     r4, =addrs
7:      ldr     r5, [r4], #4
        cmp     r5, #0
        beq     10f
        mov     r0, r5
        bl      puthex
        mvn     r0, #0                           @ printed if the load faults
        ldr     r0, [r5]
        bl      puthex
        b       7b
10:     @ writes: a no-access tiny page, a no-access subpage, a writable tiny page
        ldr     r5, =0x83000800
        str     r5, [r5]
        ldr     r5, =0x82010400
        str     r5, [r5]
        ldr     r5, =0x83000404
        str     r5, [r5]
        ldr     r0, =RAM + 0x320c04             @ (MMU on: identity section)
        ldr     r0, [r0]
        bl      puthex
        mov     r0, #0x18
        ldr     r1, =0x20026
        svc     0x123456

vectors:
        ldr     pc, [pc, #24]
        ldr     pc, [pc, #24]
        ldr     pc, [pc, #24]
        ldr     pc, [pc, #24]
        ldr     pc, [pc, #24]
        ldr     pc, [pc, #24]
        ldr     pc, [pc, #24]
        ldr     pc, [pc, #24]
        .word   hang, hang, hang, hang, h_dabt, hang, hang, hang
hang:   b       hang
h_dabt: push    {r1-r4, r12, lr}
        mrc     p15, 0, r0, c5, c0, 0
        bl      puthex
        mrc     p15, 0, r0, c6, c0, 0
        bl      puthex
        mvn     r0, #0
        pop     {r1-r4, r12, lr}
        subs    pc, lr, #4

puthex: push    {r0-r4, lr}
        ldr     r1, =hexbuf
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
        ldr     r1, =hexbuf
        mov     r0, #4
        svc     #0x123456
        pop     {r0-r4, pc}
        .ltorg
        .data
values: .word   RAM + 0x300010, 0x11111111, RAM + 0x30c010, 0x22222222, RAM + 0x310004, 0x33333333
        .word   RAM + 0x310404, 0x44444444, RAM + 0x310804, 0x55555555, RAM + 0x320004, 0x66666666
        .word   RAM + 0x320c04, 0x77777777, RAM + 0x330008, 0x88888888, RAM + 0x34f010, 0x99999999
        .word   RAM + 0x320804, 0xaaaaaaaa, 0
addrs:  .word   0x82000010, 0x8200c010, 0x82010004, 0x82010404, 0x82010804, 0x82011004
        .word   0x83000004, 0x83000404, 0x83000804, 0x83000c04, 0x83001008, 0x8301f010
        .word   0x83020000, 0x84000000, 0
hexbuf: .space  16

@ The short-descriptor translation table (DDI 0406C B3.5) and its faults (B3.12, B3.13):
@ sections, a supersection, large and small pages, domains (no access, manager), AP and
@ APX, XN, translation faults at both levels.  Each access prints its value, or the
@ handler prints DFSR/DFAR (IFSR/IFAR) and skips the instruction.  --defsym RAM=<base>.
        .syntax unified
        .arm
        .global _start
        .equ    TTB, RAM + 0x180000
        .equ    L2, RAM + 0x184000
        .equ    SEC, 0x00000c02                 @ section, AP = 0b11, domain 0
_start: ldr     sp, =RAM + 0x170000
        cps     #0x17
        ldr     sp, =RAM + 0x160000
        cps     #0x13
        ldr     r0, =vectors
        mcr     p15, 0, r0, c12, c0, 0
        @ physical contents the mappings point at
        ldr     r0, =RAM + 0x200000
        ldr     r1, =0x11111111
        str     r1, [r0]
        ldr     r0, =RAM + 0x200010
        ldr     r1, =0x22222222
        str     r1, [r0]
        ldr     r0, =RAM + 0x300020
        ldr     r1, =0x33333333
        str     r1, [r0]
        ldr     r0, =RAM + 0x310004
        ldr     r1, =0x44444444
        str     r1, [r0]
        ldr     r0, =RAM + 0x311000
        ldr     r1, =0xe12fff1e                 @ bx lr
        str     r1, [r0]
        @ L1: identity sections everywhere
        ldr     r0, =TTB
        mov     r1, #0
        ldr     r3, =SEC
1:      orr     r2, r3, r1, lsl #20
        str     r2, [r0, r1, lsl #2]
        add     r1, r1, #1
        cmp     r1, #4096
        bne     1b
        @ 0x80000000: section -> RAM + 0x200000 (1 MB aligned)
        ldr     r2, =(RAM + 0x200000) | SEC
        ldr     r1, =TTB + 0x800 * 4
        str     r2, [r1]
        @ 0x81000000: supersection (16 identical entries) -> RAM (16 MB aligned)
        ldr     r2, =RAM | SEC | (1 << 18)
        ldr     r1, =TTB + 0x810 * 4
        mov     r3, #16
2:      str     r2, [r1], #4
        subs    r3, r3, #1
        bne     2b
        @ 0x82000000: coarse page table in domain 0
        ldr     r2, =L2 | 1
        ldr     r1, =TTB + 0x820 * 4
        str     r2, [r1]
        @ 0x83000000: section in domain 1 (DACR: no access)
        ldr     r2, =(RAM + 0x200000) | SEC | (1 << 5)
        ldr     r1, =TTB + 0x830 * 4
        str     r2, [r1]
        @ 0x84000000: section in domain 2 (manager), AP = 0b00
        ldr     r2, =(RAM + 0x200000) | 0x2 | (2 << 5)
        ldr     r1, =TTB + 0x840 * 4
        str     r2, [r1]
        @ 0x85000000: section in domain 0 (client), AP = 0b00: permission fault
        ldr     r2, =(RAM + 0x200000) | 0x2
        ldr     r1, =TTB + 0x850 * 4
        str     r2, [r1]
        @ 0x85100000: section, APX = 1, AP = 0b01: privileged read-only
        ldr     r2, =(RAM + 0x200000) | 0x2 | (1 << 15) | (1 << 10)
        ldr     r1, =TTB + 0x851 * 4
        str     r2, [r1]
        @ 0x86000000: no mapping
        mov     r2, #0
        ldr     r1, =TTB + 0x860 * 4
        str     r2, [r1]
        @ L2 (coarse table at 0x82000000): 64 KB large page at +0 (16 entries) -> RAM + 0x300000
        ldr     r1, =L2
        mov     r2, #0
        mov     r3, #0
3:      str     r3, [r1, r2]                    @ clear the table
        add     r2, r2, #4
        cmp     r2, #1024
        bne     3b
        mov     r3, #0
        ldr     r2, =(RAM + 0x300000) | 0x31   @ large page, AP = 0b11
5:      str     r2, [r1, r3, lsl #2]
        add     r3, r3, #1
        cmp     r3, #16
        bne     5b
        @ +0x10000: small page -> RAM + 0x310000, APX = 1, AP = 0b01 (privileged read-only)
        ldr     r2, =(RAM + 0x310000) | 0x212
        str     r2, [r1, #16 * 4]
        @ +0x11000: small page -> RAM + 0x311000, XN
        ldr     r2, =(RAM + 0x311000) | 0x33
        str     r2, [r1, #17 * 4]
        @ +0x12000: invalid (translation fault, second level)
        mov     r2, #0
        str     r2, [r1, #18 * 4]
        @ MMU on
        mcr     p15, 0, r0, c2, c0, 0           @ TTBR0
        mov     r0, #0
        mcr     p15, 0, r0, c2, c0, 2           @ TTBCR
        ldr     r0, =0x31                       @ D0 client, D1 no access, D2 manager
        mcr     p15, 0, r0, c3, c0, 0
        mcr     p15, 0, r0, c8, c7, 0           @ TLBIALL
        mrc     p15, 0, r0, c1, c0, 0
        orr     r0, r0, #1
        mcr     p15, 0, r0, c1, c0, 0
        isb

        ldr     r4, =addrs
6:      ldr     r5, [r4], #4
        cmp     r5, #0
        beq     7f
        mov     r0, r5
        bl      puthex
        mvn     r0, #0                           @ printed if the load faults
        ldr     r0, [r5]
        bl      puthex
        b       6b
7:      @ writes: read-only page and read-only section
        ldr     r5, =0x82010004
        str     r5, [r5]
        ldr     r5, =0x85100000
        str     r5, [r5]
        @ execute from the XN page
        ldr     r0, =0x82011000
        blx     r0
after_xn:
        ldr     r0, =0x82011000
        ldr     r0, [r0]
        bl      puthex
        mov     r0, #0x18
        ldr     r1, =0x20026
        svc     0x123456

        .balign 32
vectors:
        b       .
        b       .
        b       .
        b       h_pabt
        b       h_dabt
        b       .
        b       .
        b       .
h_dabt: push    {r1-r4, r12, lr}
        mrc     p15, 0, r0, c5, c0, 0
        bl      puthex
        mrc     p15, 0, r0, c6, c0, 0
        bl      puthex
        mvn     r0, #0
        pop     {r1-r4, r12, lr}
        subs    pc, lr, #4
h_pabt: mrc     p15, 0, r0, c5, c0, 1
        bl      puthex
        mrc     p15, 0, r0, c6, c0, 2
        bl      puthex
        ldr     lr, =after_xn
        movs    pc, lr

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
addrs:  .word   0x80000000, 0x81200010, 0x82000020, 0x8200fffc, 0x82010004, 0x82012000
        .word   0x83000000, 0x84000000, 0x85000000, 0x85100000, 0x86000004, 0
hexbuf: .space  16

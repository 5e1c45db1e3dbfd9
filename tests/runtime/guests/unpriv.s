@ ldrt/strt/ldrbt/strbt from SVC mode with the MMU on are checked with User permissions
@ (A8.8.92: "as if in User mode"), ldr/str with the mode's own.  RAM's first MB is also
@ mapped at 0x80000000 (AP=01: privileged only), 0x80100000 (AP=10: User read-only) and
@ 0x80200000 (AP=11: full access).  The abort handler prints DFSR and DFAR and skips the
@ instruction; each access prints what it loaded (or 0xffffffff if it faulted).
        .include "mmu_sections.inc"
        .global _start
_start: cps #0x17
        ldr sp, =RAM + 0x110000
        cps #0x13
        ldr sp, =RAM + 0x100000
        ldr r0, =vec
        mcr p15, 0, r0, c12, c0, 0
        identity_sections
        add r2, r1, #0x800 << 2
        ldr r0, =RAM + 0x402            @ AP=01
        str r0, [r2], #4
        ldr r0, =RAM + 0x802            @ AP=10
        str r0, [r2], #4
        ldr r0, =RAM + 0xc02            @ AP=11
        str r0, [r2], #4
        mmu_on 1
        ldr r6, =buf - RAM
        @ privileged-only alias
        add r5, r6, #0x80000000
        mvn r0, #0
        ldr r0, [r5]
        bl puthex
        mvn r0, #0
        ldrt r0, [r5]
        bl puthex
        mvn r0, #0
        ldrbt r0, [r5]
        bl puthex
        mov r1, #0x55
        strt r1, [r5]
        mvn r0, #0
        ldr r0, [r5]
        bl puthex
        @ User read-only alias
        add r5, r6, #0x80000000
        add r5, r5, #0x00100000
        mvn r0, #0
        ldrt r0, [r5], #4
        bl puthex
        mov r1, #0x66
        strbt r1, [r5]
        str r1, [r5, #4]
        mvn r0, #0
        ldr r0, [r5]
        bl puthex
        mvn r0, #0
        ldr r0, [r5, #4]
        bl puthex
        @ full-access alias
        add r5, r6, #0x80000000
        add r5, r5, #0x00200000
        mov r1, #0x77
        strt r1, [r5]
        mvn r0, #0
        ldrt r0, [r5]
        bl puthex
        mov r0, #0x18
        ldr r1, =0x20026
        svc 0x123456
        .include "abort_vectors.inc"
        .include "puthex.inc"
        .data
        .balign 8
buf:    .word 0x03020100, 0x07060504, 0x0b0a0908, 0x0f0e0d0c

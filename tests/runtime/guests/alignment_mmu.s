@ SCTLR.A with the MMU on: RAM's first MB is also mapped at 0x80000000 (a section), and
@ unaligned accesses through that alias must fault with the *virtual* address in DFAR.
@ The abort handler prints DFSR and DFAR and skips the instruction.  --defsym RAM=<base>.
        .include "mmu_sections.inc"
        .global _start
_start: cps #0x17
        ldr sp, =RAM + 0x110000
        cps #0x13
        ldr sp, =RAM + 0x100000
        ldr r0, =vec
        mcr p15, 0, r0, c12, c0, 0
        @ identity sections for the whole address space, then VA 0x800xxxxx -> RAM
        identity_sections
        ldr r0, =RAM
        orr r0, r0, r3
        add r2, r1, #0x800 << 2
        str r0, [r2]
        mmu_on 3                        @ M and A
        ldr r5, =buf - RAM + 0x80000000
        ldr r0, [r5]                    @ aligned through the alias: fine
        bl puthex
        mvn r0, #0
        ldr r0, [r5, #1]
        bl puthex
        ldr r1, =0x12345678
        str r1, [r5, #6]
        ldr r0, [r5, #4]
        bl puthex
        ldr r5, =buf
        mvn r0, #0
        ldrh r0, [r5, #1]               @ and through the identity mapping
        bl puthex
        mov r0, #0x18
        ldr r1, =0x20026
        svc 0x123456
        .include "abort_vectors.inc"
        .include "puthex.inc"
        .data
        .balign 8
buf:    .word 0x03020100, 0x07060504, 0x0b0a0908, 0x0f0e0d0c

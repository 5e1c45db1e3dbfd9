@ Accesses to a physical address no device decodes (ADDR), made through the MMU: VA 0x80000000
@ is a section mapped to ADDR's MB.  On ``virt`` each is a synchronous external abort whose
@ DFAR is the *virtual* address.  Each access is followed, in the same basic block, by
@ instructions that must run only after the abort handler has returned (r5 counts them: a
@ store that let the rest of its block run first would show in r5 and in the faulting PC).
@ The abort handler prints DFSR and DFAR and skips the instruction.  --defsym RAM=<base>
@ ADDR=<unassigned physical address, MB aligned>.
        .include "mmu_sections.inc"
        .global _start
_start: cps #0x17
        ldr sp, =RAM + 0x110000
        cps #0x13
        ldr sp, =RAM + 0x100000
        ldr r0, =vec
        mcr p15, 0, r0, c12, c0, 0
        identity_sections
        ldr r0, =ADDR
        orr r0, r0, r3
        add r2, r1, #0x800 << 2
        str r0, [r2]
        mmu_on 1
        mov r5, #0
        ldr r6, =0x80000000
        mov r2, #7
        ldr r2, [r6, #0x24]             @ a load: r2 keeps 7
        add r5, r5, #1
        str r2, [r6, #0x38]             @ a store
        add r5, r5, r2
        add r5, r5, #0x10
        stmia r6, {r2, r5}              @ a store multiple
        add r5, r5, #0x100
        strb r5, [r6, #0x41]!           @ a store with writeback: r6 unchanged by the abort
        add r5, r5, #0x1000
        mov r0, r5
        bl puthex
        mov r0, r6
        bl puthex
        mov r0, #0x18
        ldr r1, =0x20026
        svc 0x123456
        .include "abort_vectors.inc"
        .include "puthex.inc"

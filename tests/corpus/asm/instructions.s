@ A wide sample of A32 instructions (multiply, saturate, parallel, extend, addressing modes, coprocessor 2).
        .syntax unified
        .arch armv7-a
        .arch_extension mp
        .text
        .global _start
_start:
        @ a zero offset written -0 subtracts (U = 0), in every addressing mode and size
        ldr     r0, [r12, #-0]
        strb    r0, [r12, #-0]!
        ldr     r0, [r12], #-0
        ldrh    r0, [r12, #-0]
        strh    r0, [r12], #-0
        ldrsb   r0, [r12, #-0]!
        ldrd    r0, r1, [r12, #-0]
        strd    r0, r1, [r12], #-0
        ldrt    r0, [r12], #-0
        ldrht   r0, [r12], #-0
        pld     [r12, #-0]
        ldc     p14, c5, [r1, #-0]
        ldr     r0, [r12, #-(4-4)]
        ldr     r0, [r12, #-4+4]
        ldr     r0, [r12, #0-0]
        ldr     r0, [r12, #0]
        @ a register shifted left by 0 is the register
        add     r0, r1, r2, lsl #0
        mvns    r0, r2, lsl #0
        cmp     r0, r2, lsl #0
        ldr     r0, [r1, r2, lsl #0]
        ssat    r0, #8, r1, lsl #0
        pkhbt   r0, r1, r2, lsl #0
        ldrexd  r0, r1, [r2]
        strexd  r3, r0, r1, [r2]
        ldrexb  r0, [r1]
        strexh  r2, r0, [r1]
        swpb    r0, r1, [r2]
        smlal   r0, r1, r2, r3
        umaal   r0, r1, r2, r3
        smulbb  r0, r1, r2
        smlabt  r0, r1, r2, r3
        smmul   r0, r1, r2
        pkhbt   r0, r1, r2, lsl #8
        pkhtb   r0, r1, r2, asr #4
        ssat    r0, #8, r1
        usat    r0, #7, r1, lsl #2
        ssat16  r0, #4, r1
        sel     r0, r1, r2
        qadd    r0, r1, r2
        qdsub   r0, r1, r2
        uadd8   r0, r1, r2
        shsub16 r0, r1, r2
        rev16   r0, r1
        revsh   r0, r1
        sxtab   r0, r1, r2, ror #16
        uxtb16  r0, r1
        sbfx    r0, r1, #0, #32
        bfc     r0, #0, #32
        mls     r0, r1, r2, r3
        mla     r0, r1, r2, r3
        mvn     r0, r1, ror r2
        rsc     r0, r1, #255
        teq     r0, #0x3fc
        cmn     r0, r1, lsl #3
        tst     r0, r1, lsr r2
        orrs    r0, r1, r2, asr #31
        eor     r0, r0, r0, ror #13
        bic     r0, r0, #0xff000000
        adc     r0, r1, r2
        sbcs    r0, r1, #1
        ror     r0, r1, #5
        rrxs    r0, r1
        lsls    r0, r1, r2
        pld     [r0, -r1, lsl #2]
        pldw    [r0, #-4]
        pli     [r0, #12]
        dbg     #5
        mcr2    p7, 1, r0, c1, c2, 3
        mrc2    p6, 0, r0, c3, c4, 5
        ldc2    p5, c6, [r0], {7}
        stc2l   p5, c6, [r0, #-8]!
        cdp2    p3, 4, c5, c6, c7, 2
        ldrd    r0, r1, [r2], -r3
        strd    r2, r3, [r4, r5]!
        ldrh    r0, [r1, #-2]!
        ldrsh   r0, [r1], #2
        ldrsb   r0, [r1, -r2]
        strb    r0, [r1, r2, lsl #1]!
        ldr     r0, [r1], -r2, asr #3
        str     r0, [r1, #4095]
        ldr     r0, [r1, #-4095]
        ldmib   r0, {r1, r2}
        ldmda   r0!, {r1-r3}
        stmib   sp!, {r0, lr}
        stmda   r0, {r4}
        bx      r0
        bxj     r1
        blxne   r2
        movt    r0, #0xffff
        movw    r1, #0
        nop
        yield
        clrex
        svc     #0
        bkpt    #0xffff
        b       _start

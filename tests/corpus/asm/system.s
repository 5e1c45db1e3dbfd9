@ System and privileged instructions that keystone needs help with or gets wrong.
        .syntax unified
        .arch   armv7-a
        .arch_extension sec
        .arch_extension virt
        .arch_extension idiv
        .global _start
        .text
_start:
        cpsid   i
        cpsie   aif
        cpsid   if, #0x13
        cpsid   fia                     @ the letters in any order, repeated or not (GNU as)
        cpsie   aa
        cps     #0x1f
        mrs     r0, cpsr
        mrs     r1, spsr
        msr     cpsr_c, r0
        msr     cpsr_fsxc, r1
        msr     spsr_cxsf, r2
        msr     cpsr_f, #0xf0000000
        srsdb   sp!, #0x13
        rfeia   sp!
        ldm     sp, {r0-r12, sp, lr}^
        stmdb   sp, {r0-lr}^
        ldmfd   sp!, {r0-r3, pc}^
        subs    pc, lr, #4
        movs    pc, lr
        mrc     p15, 0, r0, c0, c0, 0
        mcr     p15, 0, r0, c1, c0, 0
        mcr     p15, 0, r0, c7, c5, 0
        mrrc    p15, 0, r0, r1, c2
        mcrr    p15, 1, r2, r3, c14
        ldc     p14, c5, [r1, #4]
        stc     p14, c5, [r1], #-8
        cdp     p7, 1, c1, c2, c3, 4
        dsb
        dmb     ish
        isb     sy
        wfi
        wfe
        sev
        yield
        nop
        svc     #0x123456
        bkpt    #0x12
        udf     #0xfff0
        smc     #0
        hvc     #0x1234
        eret
        sdiv    r0, r1, r2
        udiv    r3, r4, r5
        ldrex   r0, [r1]
        strex   r2, r0, [r1]
        clrex
        ldrt    r0, [r1], #4
        ldrbt   r0, [r1]
        strt    r0, [r1]
        ldrht   r0, [r1]
        ldrsbt  r0, [r1], #1
        ldrsht  r0, [r1]
        strht   r0, [r1], #2
        setend  be
        setend  le
        pld     [r0, #64]
        ldrd    r0, r1, [r2, #8]
        strd    r4, r5, [sp, #-8]!
        rev     r0, r1
        rbit    r0, r1
        clz     r0, r1
        ubfx    r0, r1, #3, #5
        bfi     r0, r1, #4, #8
        movw    r0, #:lower16:_start
        movt    r0, #:upper16:_start
        push    {r4}
        pop     {r4}
        push    {r4-r11, lr}
        pop     {r4-r11, pc}
        mov     r0, r1, lsl #2
        mov     r0, r1, rrx
        mov     r0, #-1
        cmp     r0, #-1
        add     r0, r1, #-4
        and     r0, r0, #0xffffff00
        ldreqb  r0, [r1]
        addeqs  r0, r0, #1
        ldmeqia r0!, {r1, r2}
        @ banked registers (virtualization extensions, B9.3.9/B9.3.10)
        mrs     r0, r8_usr
        msr     r8_usr, r5
        mrs     r1, r9_usr
        msr     r9_usr, r6
        mrs     r2, r10_usr
        msr     r10_usr, r7
        mrs     r3, r11_usr
        msr     r11_usr, r8
        mrs     r4, r12_usr
        msr     r12_usr, r9
        mrs     r5, sp_usr
        msr     sp_usr, r10
        mrs     r6, lr_usr
        msr     lr_usr, r11
        mrs     r7, r8_fiq
        msr     r8_fiq, r12
        mrs     r8, r9_fiq
        msr     r9_fiq, r0
        mrs     r9, r10_fiq
        msr     r10_fiq, r1
        mrs     r10, r11_fiq
        msr     r11_fiq, r2
        mrs     r11, r12_fiq
        msr     r12_fiq, r3
        mrs     r12, sp_fiq
        msr     sp_fiq, r4
        mrs     r0, lr_fiq
        msr     lr_fiq, r5
        mrs     r1, lr_irq
        msr     lr_irq, r6
        mrs     r2, sp_irq
        msr     sp_irq, r7
        mrs     r3, lr_svc
        msr     lr_svc, r8
        mrs     r4, sp_svc
        msr     sp_svc, r9
        mrs     r5, lr_abt
        msr     lr_abt, r10
        mrs     r6, sp_abt
        msr     sp_abt, r11
        mrs     r7, lr_und
        msr     lr_und, r12
        mrs     r8, sp_und
        msr     sp_und, r0
        mrs     r9, lr_mon
        msr     lr_mon, r1
        mrs     r10, sp_mon
        msr     sp_mon, r2
        mrs     r11, elr_hyp
        msr     elr_hyp, r3
        mrs     r12, sp_hyp
        msr     sp_hyp, r4
        mrs     r0, spsr_fiq
        msr     spsr_fiq, r5
        mrs     r1, spsr_irq
        msr     spsr_irq, r6
        mrs     r2, spsr_svc
        msr     spsr_svc, r7
        mrs     r3, spsr_abt
        msr     spsr_abt, r8
        mrs     r4, spsr_und
        msr     spsr_und, r9
        mrs     r5, spsr_mon
        msr     spsr_mon, r10
        mrs     r6, spsr_hyp
        msr     spsr_hyp, r11
        mrsne   r3, SPSR_irq
        b       _start

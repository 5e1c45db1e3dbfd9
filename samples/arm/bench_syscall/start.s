@ Start-up and kernel entry code for bench_syscall (virt, Cortex-A15).
@
@ _start: stacks, VBAR, zeroed .bss, then kernel_main() (C).
@ enter_user(entry, user_sp): drop to User mode at entry with the given stack.
@ svc_entry: the SVC vector.  Saves the caller's registers, decodes the 24-bit
@ immediate of the svc instruction (at LR_svc - 4) and calls
@     uint32_t syscall_dispatch(uint32_t a0, uint32_t a1, uint32_t number)
@ then returns the result in r0 with "ldm sp!, {..., pc}^" (CPSR <- SPSR_svc).

        .arch   armv7-a               @ Cortex-A8/A9/A15: ARMv7-A
        .arm

        .equ    MODE_USR, 0x10
        .equ    MODE_SVC, 0x13
        .equ    MODE_SYS, 0x1f

        .text
        .global _start
_start:
        ldr     sp, =svc_stack_top
        ldr     r0, =vectors
        mcr     p15, 0, r0, c12, c0, 0  @ VBAR
        isb
        ldr     r0, =__bss_start__
        ldr     r1, =__bss_end__
        mov     r2, #0
1:      cmp     r0, r1
        strlo   r2, [r0], #4
        blo     1b
        bl      kernel_main
        b       exit                    @ kernel_main's result is the exit code

        .global enter_user
enter_user:                             @ r0 = entry, r1 = User stack top
        cps     #MODE_SYS
        mov     sp, r1
        cps     #MODE_SVC
        mov     r2, #MODE_USR
        msr     spsr_cxsf, r2
        mov     lr, r0
        movs    pc, lr

        .align  5
vectors:
        b       unexpected              @ reset
        b       unexpected              @ undefined instruction
        b       svc_entry               @ supervisor call
        b       unexpected              @ prefetch abort
        b       unexpected              @ data abort
        b       unexpected
        b       unexpected              @ IRQ
        b       unexpected              @ FIQ

svc_entry:
        push    {r1-r12, lr}
        ldr     r2, [lr, #-4]
        bic     r2, r2, #0xff000000     @ the system call number
        bl      syscall_dispatch        @ (a0 = r0, a1 = r1, number = r2) -> r0
        ldm     sp!, {r1-r12, pc}^

unexpected:
        ldr     sp, =svc_stack_top
        mov     r0, #99
        @ fall through

        .global exit
exit:                                   @ r0 = exit code, via SYS_EXIT_EXTENDED
        ldr     r1, =exit_block
        str     r0, [r1, #4]
        mov     r0, #0x20
        svc     0x123456
        b       .
        .ltorg

        .data
        .align  2
exit_block:
        .word   0x20026                 @ ADP_Stopped_ApplicationExit
        .word   0

        .bss
        .align  3
        .space  4096
svc_stack_top:

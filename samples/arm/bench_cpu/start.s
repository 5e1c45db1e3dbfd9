@ Start-up for bench_cpu on QEMU's virt board (Cortex-A15): a stack, a zeroed
@ .bss, main(), then semihosting SYS_EXIT_EXTENDED with main's return value.

        .arch   armv7-a               @ Cortex-A8/A9/A15: ARMv7-A
        .arm

        .text
        .global _start
_start:
        ldr     sp, =stack_top
        ldr     r0, =__bss_start__      @ both defined by ld's default script
        ldr     r1, =__bss_end__
        mov     r2, #0
1:      cmp     r0, r1
        strlo   r2, [r0], #4
        blo     1b
        bl      main
        @ fall through to exit with main's result in r0

        .global exit
exit:
        ldr     r1, =exit_block
        str     r0, [r1, #4]
        mov     r0, #0x20               @ SYS_EXIT_EXTENDED
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
        .space  16384
stack_top:

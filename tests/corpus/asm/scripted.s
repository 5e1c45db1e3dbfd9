@ Uses symbols defined by kernel.ld.
        .syntax unified
        .global _start
        .text
_start: ldr     sp, =_stack_top
        ldr     r0, =__bss_start
        ldr     r1, =__bss_end
        ldr     r2, =used_provide
        mov     r3, #0
1:      cmp     r0, r1
        strlo   r3, [r0], #4
        blo     1b
        b       .
        .section .rodata
        .word   _data_start, _data_end
        .data
        .word   1, 2, 3
        .bss
        .space  100

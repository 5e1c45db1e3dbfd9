@ First of two files: cross-file calls and data, weak overridden by strong.
        .syntax unified
        .global _start
        .global shared_counter
        .weak   maybe
        .text
_start:
        ldr     sp, =stack_top
        bl      worker
        ldr     r0, =shared_counter
        ldr     r1, [r0]
        ldr     r2, =maybe
        ldr     r3, =from_b
        b       .
maybe:  bx      lr
        .data
        .align  2
shared_counter: .word 7
        .bss
        .align  3
stack:  .space  1024
stack_top:

@ Second file: defines worker and a strong 'maybe'.
        .syntax unified
        .global worker
        .global maybe
        .global from_b
        .text
worker: ldr     r0, =shared_counter
        ldr     r1, [r0]
        add     r1, r1, #1
        str     r1, [r0]
        bx      lr
maybe:  mov     r0, #42
        bx      lr
        .section .rodata
from_b: .asciz  "from b"
        .data
        .align  2
        .word   worker, _start

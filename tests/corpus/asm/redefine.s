@ Symbols redefined by .set take the value they have where they are used (macro counters).
        .text
        .global _start
_start:
        .set    n, 1
        mov     r0, #n
        .word   n
        .set    n, n + 1
        mov     r1, #n
        .word   n
        .set    n, n + 1
        .space  n
        .align  2
        ldr     r2, =n
        ldr     r3, =n + 0x1000
        .set    count, 0
        .rept   4
        .word   count, final
        .set    count, count + 1
        .endr
        .set    final, 0x55
        .ltorg

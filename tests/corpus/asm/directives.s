@ Layout directives, literal pools, numeric local labels and symbol arithmetic.
        .syntax unified
        .arm
        .equ    UART, 0x101f1000
        .set    COUNT, 4
        .global _start
        .text
_start:
        ldr     r0, =UART               @ literal pool entry
        ldr     r1, =UART               @ deduplicated with the previous one
        ldr     r2, =0xff               @ becomes mov
        ldr     r3, =0xffffff00         @ becomes mvn
        ldr     r4, =table              @ address of a label
        ldr     r5, =table + 8
        adr     r6, table
        adr     r7, back
1:      subs    r2, r2, #1
        bne     1b
        beq     1f
        nop
1:      b       2f
        .ltorg
2:      mov     r0, #COUNT * 2
        add     r1, r0, #(table_end - table)
back:   bl      helper
        b       .
helper: bx      lr
        .balign 16
table:  .word   1, 2, 3, COUNT, table_end - table, back, . - table
        .hword  0x1234, -2
        .byte   1, 2, 'a', 0x80
        .ascii  "abc"
        .asciz  "nul-terminated"
        .string "another"
        .p2align 2
        .fill   3, 2, 0x4142
        .space  5, 0xee
        .zero   3
        .align  3
table_end:
        .quad   0x0123456789abcdef
        .org    table_end + 0x40, 0x55
        .word   _end_marker
        .section .rodata.extra, "a"
        .align  2
consts: .word   0xdeadbeef, consts, UART + 4
blob:   .incbin "blob.bin"
        .incbin "blob.bin", 2, 3
        .data
        .align  2
counter: .word  0
        .pushsection .data.inner, "aw"
inner:  .word   counter
        .popsection
after:  .word   inner
        .bss
        .align  3
buffer: .space  64
        .lcomm  scratch, 12
        .comm   shared, 32, 8
        .weak   weak_thing
        .section .mysection, "ax", %progbits
custom: mov     r0, #1
        ldr     r1, =custom
        bx      lr
        .text
_end_marker:
        .word   weak_thing

@ Forward references in sizes (relaxation), fill patterns, .org, numeric labels in data.
        .text
        .global _start
_start: b       main
hdr:    .word   (tail - hdr) >> 2, tail - _start
        .4byte  0x01020304
        .2byte  0x0506
        .balignw 8, 0xabcd
        .balignl 16, 0xdeadbeef
        .p2alignw 5, 0x1234, 8
        .p2align 5, 0x77
end_hdr:
        .space  end_hdr - hdr, 0x11
main:   ldr     r0, =hdr
        ldr     r1, =end_hdr - 4
        ldr     r2, =0x7ff
        mov     r3, #(1 << 20)
        .set    CONST, 0xff00
        add     r3, r3, #CONST
        .org    main + 0x40
tail:   .ascii  "ab", "cd"
        .align  2
        .equ    LATER, tail + 4
        .word   LATER
        .word   2f - 1f, 1f
1:      .byte   9
2:      .align  2
        bx      lr
        .space  FWD
        .equ    FWD, 8
        .word   0

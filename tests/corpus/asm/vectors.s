@ Linked with vectors.ld: a vector table section, symbols from the script.
        .syntax unified
        .section .vectors, "ax"
        ldr     pc, =reset
        ldr     pc, =undef
        .ltorg
        .text
        .global reset
reset:  ldr     sp, =_stack_top
        ldr     r0, =_sbss
        ldr     r1, =_ebss
        ldr     r2, =data_load
        ldr     r3, =big
        ldr     r4, =text_size
        ldr     r5, =data_addr
undef:  b       .
        .section .text.extra, "ax"
        mov     r0, #0
        .section .rodata.tbl, "a"
        .word   _text, _etext
        .data
        .word   0x11111111
        .section .discard.me, "aw"
        .word   0xbad
        .bss
        .space  16
        .comm   common_thing, 8, 4

@ Board description for cp15_id on QEMU's virt: where its first UART is and its name.
        .section .rodata
        .global uart0_base, board_name
        .align  2
uart0_base:     .word   0x09000000     @ PL011 UART0
board_name:     .asciz  "virt"

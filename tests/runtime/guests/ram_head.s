@ Prints the first two words of RAM: on virt, where QEMU loads its device tree for an ELF
@ image linked far enough above the start of RAM (nothing there for one at RAM + 0x10000).
@ --defsym RAM=<base>.
        .global _start
_start: ldr sp, =RAM + 0x300000
        ldr r1, =RAM
        ldr r0, [r1]
        bl puthex
        ldr r0, [r1, #4]
        bl puthex
        mov r0, #0x18
        ldr r1, =0x20026
        svc 0x123456
        .ltorg
        .include "puthex.inc"

@ A guest that never stops on its own (versatilepb, with lib.s): prints a line, then loops.
        .arch   armv5te
        .arm
        .text
        .global _start
_start:
        ldr     sp, =stack_top
        ldr     r0, =msg
        bl      puts
1:      add     r4, r4, #1
        b       1b
        .ltorg
msg:    .asciz  "runaway: looping forever\n"
        .align  2
        .bss
        .align  3
        .space  512
stack_top:

@ A guest that dies (versatilepb, with lib.s): it prints a line, then executes an
@ undefined instruction with no vector table (RAM at 0 holds zeros: andeq r0, r0, r0
@ runs up to the next vector, and the Undefined vector's code faults again...).
@ It wipes its vectors first so that the death is certain.

        .arch   armv5te
        .arm
        .text
        .global _start
_start:
        ldr     sp, =stack_top
        ldr     r0, =msg
        bl      puts
        mov     r0, #0
        ldr     r1, =0xe7f000f0         @ udf #0 in every vector
        mov     r2, #8
1:      str     r1, [r0], #4
        subs    r2, r2, #1
        bne     1b
        .word   0xe7f000f0              @ udf #0: Undefined vector -> udf -> ...
        mov     r0, #0
        b       exit
        .ltorg
msg:    .asciz  "dying: about to execute an undefined instruction with no handler\n"
        .align  2
        .bss
        .align  3
        .space  512
stack_top:

@ A hostile guest for the hypervisor's isolation tests (versatilepb, with lib.s).
@ It installs its own vectors, then: writes a marker over the whole 32-bit physical
@ space outside its RAM and devices (where other VMs, the translation cache at
@ TC_BASE or the hypervisor would be if partitions were not separate), reads one
@ back, jumps into the translation cache region and to an address with nothing
@ behind it (prefetch aborts that must come back to its own handler), runs an
@ undefined instruction, and floods the console with a 10000-byte line.

        .arch   armv5te
        .arm
        .equ    TC_BASE, 0xe8000000     @ the bt translation cache (isa/arm/translate.py geometry)
        .equ    NOWHERE, 0xf0800000

        .text
        .global _start
_start:
        ldr     sp, =stack_top
        @ vectors at 0 (ARMv5: no VBAR): ldr pc, [pc, #24] to a table of handlers
        mov     r0, #0
        adr     r1, vectors
        mov     r2, #16
1:      ldr     r3, [r1], #4
        str     r3, [r0], #4
        subs    r2, r2, #1
        bne     1b
        msr     cpsr_c, #0xd7           @ Abort mode: its stack
        ldr     sp, =abt_stack_top
        msr     cpsr_c, #0xdb           @ Undefined mode
        ldr     sp, =und_stack_top
        msr     cpsr_c, #0xd3           @ back to SVC

        ldr     r0, =msg_start
        bl      puts

        @ 1. writes everywhere outside RAM (128 MiB) and the device block 0x10000000-0x1fffffff
        ldr     r4, =0x08000000
        ldr     r5, =0xdeadbeef
        mov     r6, #0
2:      cmp     r4, #0x10000000
        blo     3f
        cmp     r4, #0x20000000
        blo     4f
3:      str     r5, [r4]
        add     r6, r6, #1
4:      adds    r4, r4, #0x01000000
        bne     2b
        ldr     r0, =msg_wrote
        bl      puts
        mov     r0, r6
        bl      putdec
        ldr     r0, =msg_read
        bl      puts
        ldr     r0, =TC_BASE
        ldr     r0, [r0]
        bl      puthex
        mov     r0, #'\n'
        bl      putc

        @ 2. jump into the translation cache region, then to nowhere
        ldr     r0, =resume1
        ldr     r1, =resume_at
        str     r0, [r1]
        ldr     r0, =TC_BASE + 0x1000
        blx     r0
resume1:
        ldr     r0, =resume2
        ldr     r1, =resume_at
        str     r0, [r1]
        ldr     r0, =NOWHERE
        blx     r0
resume2:
        @ 3. an undefined instruction
        .word   0xe7f000f0              @ udf #0
        ldr     r0, =msg_undef_back
        bl      puts

        @ 4. console flood: 10000 bytes without a newline
        ldr     r4, =10000
5:      mov     r0, #'x'
        bl      putc
        subs    r4, r4, #1
        bne     5b
        mov     r0, #'\n'
        bl      putc
        ldr     r0, =msg_done
        bl      puts
        mov     r0, #0
        b       exit

@ handlers: report and go on
prefetch_abort:
        sub     r4, lr, #4
        ldr     r0, =msg_pabt
        bl      puts
        mov     r0, r4
        bl      puthex
        mov     r0, #'\n'
        bl      putc
        ldr     lr, =resume_at
        ldr     lr, [lr]
        movs    pc, lr                  @ back to SVC mode at the resume point
undef:
        push    {r0-r3, ip, lr}
        ldr     r0, =msg_und
        bl      puts
        pop     {r0-r3, ip, lr}
        movs    pc, lr
other:
        ldr     r0, =msg_other
        bl      puts
        mov     r0, #1
        b       exit

vectors:
        ldr     pc, [pc, #24]
        ldr     pc, [pc, #24]
        ldr     pc, [pc, #24]
        ldr     pc, [pc, #24]
        ldr     pc, [pc, #24]
        ldr     pc, [pc, #24]
        ldr     pc, [pc, #24]
        ldr     pc, [pc, #24]
        .word   other, undef, other, prefetch_abort, other, other, other, other
        .ltorg

msg_start:      .asciz  "hostile: starting\n"
msg_wrote:      .asciz  "hostile: wrote outside RAM: "
msg_read:       .asciz  " words; translation cache reads 0x"
msg_pabt:       .asciz  "hostile: prefetch abort caught at 0x"
msg_und:        .asciz  "hostile: undefined instruction caught\n"
msg_undef_back: .asciz  "hostile: back from the undefined instruction\n"
msg_other:      .asciz  "hostile: unexpected exception\n"
msg_done:       .asciz  "hostile: done\n"
        .align  2

        .data
resume_at:      .word   0

        .bss
        .align  3
        .space  1024
stack_top:
        .space  256
abt_stack_top:
        .space  256
und_stack_top:

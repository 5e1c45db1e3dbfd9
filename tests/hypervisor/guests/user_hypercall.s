@ A class-2 hypercall from guest User mode must stay an ordinary SVC of the guest
@ (versatilepb, with lib.s): the guest's own SVC vector gets it.
        .arch   armv5te
        .arm
        .text
        .global _start
_start:
        ldr     sp, =stack_top
        mov     r0, #0
        adr     r1, vectors
        mov     r2, #16
1:      ldr     r3, [r1], #4
        str     r3, [r0], #4
        subs    r2, r2, #1
        bne     1b
        ldr     r0, =msg_start
        bl      puts
        ldr     r4, =user_stack_top
        msr     cpsr_c, #0xdf           @ System mode: set the User stack
        mov     sp, r4
        msr     cpsr_c, #0xd3
        ldr     lr, =user_code
        mov     r0, #0x10               @ User mode
        msr     spsr_cxsf, r0
        movs    pc, lr
user_code:
        mov     r0, #0x55
        svc     #0xa00000               @ MessageOp.SELF, from User mode
        b       .
svc_handler:
        mov     r4, r0
        ldr     r0, =msg_svc
        bl      puts
        mov     r0, r4
        bl      puthex
        mov     r0, #'\n'
        bl      putc
        mov     r0, #0
        b       exit
other:
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
        .word   other, other, svc_handler, other, other, other, other, other
        .ltorg
msg_start:      .asciz  "user_hypercall: starting\n"
msg_svc:        .asciz  "user_hypercall: own SVC handler, r0 = 0x"
        .align  2
        .bss
        .align  3
        .space  512
stack_top:
        .space  512
user_stack_top:

@ syscalls -- a kernel with an exception vector table and a User-mode task that
@ asks it for services with SVC (supervisor call) instructions.
@
@ Board: realview-pb-a8 (Cortex-A8).  QEMU enters _start in SVC mode, IRQ/FIQ masked.
@
@ What happens:
@   1. the kernel points VBAR at its vector table (ARM ARM B4.1.156; the low bits of
@      VBAR are zero so the table is 32-byte aligned) and sets up its stack;
@   2. it drops to User mode with an exception return ("movs pc, lr" with SPSR =
@      User mode, ARM ARM B1.8.10) into user_task;
@   3. the task calls the kernel with "svc #n"; the SVC exception (ARM ARM B1.8.4)
@      enters SVC mode at VBAR+8 with LR_svc = the address after the svc and
@      SPSR_svc = the task's CPSR.  The handler reads the 24-bit immediate from the
@      instruction word at LR-4 and dispatches on it:
@         svc #0  write(r0 = buffer, r1 = length) -> r0 = bytes written
@         svc #1  getpid()                        -> r0 = 42
@         svc #2  exit(r0 = code): the kernel reports it and stops the machine
@         other   -> r0 = -1 (no such system call)
@   4. the handler returns with "ldm sp!, {...,pc}^", which also copies SPSR_svc
@      back into CPSR, i.e. returns to User mode (ARM ARM B9.3.6 LDM exception return).
@
@ The kernel ends the run with semihosting (svc 0x123456 from a privileged mode).
@ From User mode the same instruction is an ordinary SVC: QEMU only honours
@ semihosting calls made at PL1 -- the task uses that to make one unknown call.

        .arch   armv7-a               @ Cortex-A8/A9/A15: ARMv7-A
        .arm

        .equ    UART0_BASE, 0x10009000  @ PL011 UART0 on the RealView boards
        .equ    MODE_USR, 0x10
        .equ    MODE_SVC, 0x13
        .equ    MODE_SYS, 0x1f

        .text
        .global _start
_start:
        ldr     sp, =svc_stack_top
        ldr     r0, =vectors
        mcr     p15, 0, r0, c12, c0, 0  @ VBAR = vectors
        isb

        ldr     r0, =banner
        bl      puts

        @ User mode shares r13/r14 with System mode: set the task's stack from there.
        cps     #MODE_SYS
        ldr     sp, =user_stack_top
        cps     #MODE_SVC

        @ Enter the task: SPSR = User mode, IRQ and FIQ masked (nothing will interrupt)
        mov     r0, #MODE_USR | 0xc0
        msr     spsr_cxsf, r0
        ldr     lr, =user_task
        movs    pc, lr                  @ CPSR <- SPSR, PC <- LR: now in User mode

@ ---------------------------------------------------------------------------
@ Exception vectors.  Only SVC is expected; anything else is reported and stops.
@ ---------------------------------------------------------------------------
        .align  5
vectors:
        b       unexpected              @ 0x00 reset
        b       unexpected              @ 0x04 undefined instruction
        b       svc_handler             @ 0x08 supervisor call
        b       unexpected              @ 0x0c prefetch abort
        b       unexpected              @ 0x10 data abort
        b       unexpected              @ 0x14 (not used)
        b       unexpected              @ 0x18 IRQ
        b       unexpected              @ 0x1c FIQ

unexpected:
        ldr     sp, =svc_stack_top      @ whatever mode we are in, get a stack
        ldr     r0, =msg_unexpected
        bl      puts
        mov     r0, #1
        b       exit

svc_handler:
        push    {r1-r12, lr}            @ r0 carries the result back
        mov     r4, r0                  @ keep the arguments
        mov     r5, r1
        ldr     r6, [lr, #-4]           @ the svc instruction word
        bic     r6, r6, #0xff000000     @ its 24-bit immediate = system call number
        mrs     r7, spsr                @ the caller's CPSR

        cmp     r6, #0                  @ write is not traced: its output would interleave
        beq     sys_write

        ldr     r0, =msg_svc
        bl      puts
        mov     r0, r6
        bl      puthex
        ldr     r0, =msg_from_mode
        bl      puts
        and     r0, r7, #0x1f
        bl      puthex
        mov     r0, #'\n'
        bl      putc

        cmp     r6, #1
        beq     sys_getpid
        cmp     r6, #2
        beq     sys_exit
        mvn     r0, #0                  @ unknown: return -1
        b       svc_return

sys_write:                              @ r4 = buffer, r5 = length
        mov     r8, r5
1:      subs    r8, r8, #1
        bmi     2f
        ldrb    r0, [r4], #1
        bl      putc
        b       1b
2:      mov     r0, r5                  @ all bytes written
        b       svc_return

sys_getpid:
        mov     r0, #42
        b       svc_return

sys_exit:
        ldr     r0, =msg_exit
        bl      puts
        mov     r0, r4
        bl      putdec
        mov     r0, #'\n'
        bl      putc
        mov     r0, r4
        b       exit                    @ the task's code becomes QEMU's exit code

svc_return:
        ldmfd   sp!, {r1-r12, pc}^      @ restore, and CPSR <- SPSR_svc: back to the task

@ ---------------------------------------------------------------------------
@ The User-mode task.  It only reaches the outside world through svc.
@ ---------------------------------------------------------------------------
user_task:
        ldr     r0, =msg_user_hello
        mov     r1, #msg_user_hello_len
        svc     #0                      @ write
        mov     r4, r0                  @ bytes written

        svc     #1                      @ getpid
        mov     r5, r0

        @ report both results, formatting the numbers in User mode
        ldr     r0, =msg_wrote
        bl      user_print
        mov     r0, r4
        bl      user_print_hex
        ldr     r0, =msg_pid
        bl      user_print
        mov     r0, r5
        bl      user_print_hex
        ldr     r0, =msg_nl
        bl      user_print

        svc     #0x123456               @ from User mode: not semihosting, an unknown call
        mov     r4, r0
        ldr     r0, =msg_unknown
        bl      user_print
        mov     r0, r4
        bl      user_print_hex
        ldr     r0, =msg_nl
        bl      user_print

        mov     r0, #5
        svc     #2                      @ exit(5)
        b       .                       @ not reached

@ user_print(r0 = NUL-terminated string): measure it, then write(2)
user_print:
        mov     r1, r0
1:      ldrb    r2, [r1], #1
        cmp     r2, #0
        bne     1b
        sub     r1, r1, r0
        sub     r1, r1, #1              @ length without the NUL
        svc     #0
        bx      lr

@ user_print_hex(r0 = value): format "0x%08x" into a buffer, then write(2)
user_print_hex:
        ldr     r1, =hex_buf + 2
        mov     r2, #28
1:      mov     r3, r0, lsr r2
        and     r3, r3, #0xf
        cmp     r3, #10
        addlo   r3, r3, #'0'
        addhs   r3, r3, #'a' - 10
        strb    r3, [r1], #1
        subs    r2, r2, #4
        bpl     1b
        ldr     r0, =hex_buf
        mov     r1, #10
        svc     #0
        bx      lr
        .ltorg

banner:         .asciz  "syscalls: kernel up, entering User mode\n"
msg_unexpected: .asciz  "unexpected exception\n"
msg_svc:        .asciz  "[kernel] svc #0x"
msg_from_mode:  .asciz  " from mode 0x"
msg_exit:       .asciz  "[kernel] task exited with code "
msg_user_hello: .ascii  "[user] hello via write()\n"
        .equ    msg_user_hello_len, . - msg_user_hello
msg_wrote:      .asciz  "[user] write returned "
msg_pid:        .asciz  ", getpid returned "
msg_unknown:    .asciz  "[user] svc #0x123456 returned "
msg_nl:         .asciz  "\n"
        .align  2

@ ---------------------------------------------------------------------------
@ Console routines (PL011 UART, polled).  They clobber r0-r3 and ip only.
@ ---------------------------------------------------------------------------

@ putc(r0 = byte)
putc:
        ldr     r1, =UART0_BASE
1:      ldr     r2, [r1, #0x18]         @ UARTFR
        tst     r2, #0x20               @ TXFF: transmit FIFO full?
        bne     1b
        strb    r0, [r1]                @ UARTDR
        bx      lr

@ puts(r0 = NUL-terminated string)
puts:
        push    {r4, lr}
        mov     r4, r0
1:      ldrb    r0, [r4], #1
        cmp     r0, #0
        popeq   {r4, pc}
        bl      putc
        b       1b

@ puthex(r0 = value): eight hexadecimal digits
puthex:
        push    {r4, r5, lr}
        mov     r4, r0
        mov     r5, #28                 @ shift of the most significant nibble
1:      mov     r0, r4, lsr r5
        and     r0, r0, #0xf
        cmp     r0, #10
        addlo   r0, r0, #'0'
        addhs   r0, r0, #'a' - 10
        bl      putc
        subs    r5, r5, #4
        bpl     1b
        pop     {r4, r5, pc}

@ putdec(r0 = value): unsigned decimal, by subtracting powers of ten
@ (ARMv5/ARMv7-A ARM state has no divide instruction).
putdec:
        push    {r4, r5, r6, lr}
        mov     r4, r0
        adr     r5, powers_of_ten
        mov     r6, #0                  @ set once a non-zero digit was printed
1:      ldr     r1, [r5], #4
        cmp     r1, #1
        beq     3f                      @ the units digit is always printed
        mov     r0, #'0'
2:      cmp     r4, r1
        subhs   r4, r4, r1
        addhs   r0, r0, #1
        bhs     2b
        cmp     r0, #'0'
        movne   r6, #1
        cmp     r6, #0
        blne    putc
        b       1b
3:      add     r0, r4, #'0'
        bl      putc
        pop     {r4, r5, r6, pc}
powers_of_ten:
        .word   1000000000, 100000000, 10000000, 1000000, 100000
        .word   10000, 1000, 100, 10, 1

@ exit(r0 = code): semihosting SYS_EXIT_EXTENDED; QEMU exits with this code
exit:
        ldr     r1, =exit_block
        str     r0, [r1, #4]
        mov     r0, #0x20               @ SYS_EXIT_EXTENDED
        svc     0x123456
        b       .                       @ not reached
        .ltorg

        .data
        .align  2
exit_block:
        .word   0x20026                 @ ADP_Stopped_ApplicationExit
        .word   0                       @ exit code, filled in by exit
        .text

        .data
hex_buf:        .ascii  "0x00000000"

        .bss
        .align  3
                .space  1024
svc_stack_top:
                .space  1024
user_stack_top:

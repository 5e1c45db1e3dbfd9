@ semihost_exit -- a program that talks only through semihosting.
@
@ Semihosting (ARM DUI 0471, "Semihosting operations") lets a guest ask its host
@ (a debugger, or here QEMU run with -semihosting-config enable=on) for services:
@ the guest puts an operation number in r0, a parameter (or a pointer to a
@ parameter block) in r1 and executes "svc 0x123456" in ARM state from a
@ privileged mode.  QEMU handles the call itself; no exception is taken.
@
@ QEMU prints the console operations (SYS_WRITEC, SYS_WRITE0) on its standard
@ error -- or on the chardev the semihosting config names -- not on the UART.
@ SYS_EXIT_EXTENDED ends the run with an exit code of our choice: 3.
@
@ Board: versatilepb (any board works: nothing here touches a device).

        .arch   armv5te               @ ARM926EJ-S: ARMv5TE
        .arm

        .equ    SYS_WRITEC, 0x03        @ r1 -> one character
        .equ    SYS_WRITE0, 0x04        @ r1 -> NUL-terminated string
        .equ    SYS_EXIT_EXTENDED, 0x20 @ r1 -> {reason, exit code}
        .equ    ADP_Stopped_ApplicationExit, 0x20026

        .text
        .global _start
_start:
        mov     r0, #SYS_WRITE0
        adr     r1, greeting
        svc     0x123456

        @ print the digits 0..9 one character at a time with SYS_WRITEC
        mov     r4, #'0'
1:      ldr     r1, =char_buf
        strb    r4, [r1]
        mov     r0, #SYS_WRITEC
        svc     0x123456
        add     r4, r4, #1
        cmp     r4, #'9'
        bls     1b
        mov     r0, #SYS_WRITEC
        adr     r1, newline
        svc     0x123456

        mov     r0, #SYS_WRITE0
        adr     r1, goodbye
        svc     0x123456

        mov     r0, #SYS_EXIT_EXTENDED
        adr     r1, exit_block
        svc     0x123456
halt:   b       halt                    @ not reached

exit_block:
        .word   ADP_Stopped_ApplicationExit
        .word   3                       @ the exit code QEMU returns
greeting:
        .asciz  "semihosting: hello from the guest\n"
goodbye:
        .asciz  "semihosting: exiting with code 3\n"
newline:
        .byte   '\n'
        .align  2

        .data
char_buf:
        .byte   0

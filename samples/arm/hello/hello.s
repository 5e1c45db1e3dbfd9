@ hello -- the smallest useful guest kernel: print a line on the PL011 UART and stop.
@
@ Board: QEMU versatilepb (ARM926EJ-S).  QEMU loads the ELF at its link address
@ (0x10000) and jumps to _start in SVC mode with interrupts masked.
@
@ Two ways a kernel talks to the outside world here:
@   * the UART: a memory-mapped device; every byte written to its data register
@     appears on QEMU's serial console (its standard output);
@   * semihosting: "svc 0x123456" from a privileged mode asks the debugger (QEMU)
@     to do a service; we use it only to end the run with an exit code.

        .arch   armv5te               @ ARM926EJ-S: ARMv5TE
        .arm

        .equ    UART0_BASE, 0x101f1000  @ PL011 UART0 on the Versatile board
        .equ    UART_DR, 0x00           @ data register: write a byte to send it
        .equ    UART_FR, 0x18           @ flag register
        .equ    FR_TXFF, 0x20           @ bit 5: transmit FIFO full

        .equ    SYS_EXIT, 0x18          @ semihosting operation numbers (ARM DUI 0471)
        .equ    ADP_Stopped_ApplicationExit, 0x20026

        .text
        .global _start
_start:
        ldr     sp, =stack_top          @ a stack for the calls below
        adr     r0, message
        bl      puts

        @ SYS_EXIT: r1 holds the reason; ApplicationExit makes QEMU exit with status 0.
        mov     r0, #SYS_EXIT
        ldr     r1, =ADP_Stopped_ApplicationExit
        svc     0x123456
halt:   b       halt                    @ not reached

@ puts(r0 = NUL-terminated string): send each byte to the UART.
puts:
        ldr     r1, =UART0_BASE
1:      ldrb    r2, [r0], #1            @ next byte, post-increment the pointer
        cmp     r2, #0
        bxeq    lr                      @ end of string
2:      ldr     r3, [r1, #UART_FR]      @ wait while the transmit FIFO is full
        tst     r3, #FR_TXFF
        bne     2b
        str     r2, [r1, #UART_DR]
        b       1b

message:
        .asciz  "Hello, world!\n"
        .align  2

        .bss
        .align  3
stack:  .space  1024
stack_top:

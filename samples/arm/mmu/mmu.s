@ mmu -- virtual memory and two User-mode processes with their own address spaces.
@
@ Board: QEMU virt with -cpu cortex-a15 (RAM at 0x40000000, PL011 at 0x09000000).
@
@ Translation (ARM ARM B3.5, short-descriptor format, TTBCR = 0 so TTBR0 maps
@ everything): each process has a first-level table of 4096 entries, one per MiB.
@   * 0x40000000-0x40ffffff  kernel RAM, 16 one-MiB *sections*, identity mapped,
@     privileged only (AP = 0b001), global -- the same in both tables;
@   * 0x09000000             the UART, one section, privileged only, execute-never;
@   * 0x00100000-0x001fffff  a *coarse* entry pointing at a second-level table of
@     256 *small pages* (4 KiB, B3.5.1), non-global (nG = 1, tagged with the ASID):
@         0x00100000  the process's code, User read-only (AP = 0b010)
@         0x00101000  its data page, User read/write (AP = 0b011)
@         0x00102000  its stack page, User read/write
@     Both processes use the same virtual addresses; the pages behind them differ.
@
@ Processes enter the kernel with svc:
@   svc #0  puts(r0 = user string)      svc #1  yield
@   svc #2  exit(r0 = code)             svc #3  r0 = getpid (the CONTEXTIDR ASID)
@   svc #4  print r0 in hex (a debugging call)
@ The SVC entry saves the User context on the process's own kernel stack with
@ srs (return address and SPSR) and push, and reaches the User-mode SP and LR
@ through System mode (cps #0x1f); switching processes is switching kernel
@ stacks plus TTBR0 and CONTEXTIDR; the context is restored with pop and rfe.
@
@ Data aborts (B3.12: DFSR gives the fault status, DFAR the address) are
@ reported and the faulting instruction skipped: process A reads an unmapped
@ address (translation fault), process B writes its read-only code page and
@ reads kernel memory (permission faults).

        .arch   armv7-a               @ Cortex-A8/A9/A15: ARMv7-A
        .arm

        .equ    UART0_BASE, 0x09000000
        .equ    MODE_USR, 0x10
        .equ    MODE_ABT, 0x17
        .equ    MODE_SVC, 0x13
        .equ    MODE_SYS, 0x1f

        @ first-level descriptors (B3.5.1)
        .equ    L1_SECTION, 0x2         @ bits[1:0] = 0b10
        .equ    L1_COARSE, 0x1          @ bits[1:0] = 0b01
        .equ    SECT_AP_PRIV, 0x400     @ AP[1:0] = 0b01 in bits[11:10]: PL1 RW, User none
        .equ    SECT_XN, 0x10
        @ second-level small-page descriptors
        .equ    PAGE_SMALL, 0x2
        .equ    PAGE_AP_USER_RO, 0x20   @ AP[1:0] = 0b10: PL1 RW, User read-only
        .equ    PAGE_AP_USER_RW, 0x30   @ AP[1:0] = 0b11: full access
        .equ    PAGE_NG, 0x800          @ not global: the TLB entry belongs to one ASID

        .equ    USER_CODE_VA, 0x00100000
        .equ    USER_DATA_VA, 0x00101000
        .equ    USER_STACK_TOP, 0x00103000

        @ the User context saved on a kernel stack: usr_sp, usr_lr, r0-r12, pc, spsr
        .equ    FRAME_R0, 8
        .equ    FRAME_PC, 60
        .equ    FRAME_SIZE, 68

        .text
        .global _start
_start:
        ldr     sp, =boot_stack_top
        cps     #MODE_ABT
        ldr     sp, =abt_stack_top
        cps     #MODE_SVC
        ldr     r0, =vectors
        mcr     p15, 0, r0, c12, c0, 0  @ VBAR
        ldr     r0, =msg_banner
        bl      puts

        @ page tables of process A (index 0) and B (index 1)
        ldr     r0, =l1_a
        ldr     r1, =l2_a
        ldr     r2, =code_a
        ldr     r3, =data_a
        ldr     r4, =stack_a
        bl      build_tables
        ldr     r0, =l1_b
        ldr     r1, =l2_b
        ldr     r2, =code_b
        ldr     r3, =data_b
        ldr     r4, =stack_b
        bl      build_tables

        @ an initial User context on each process's kernel stack
        ldr     r0, =kstack_a_top
        bl      initial_frame
        ldr     r1, =saved_ksp
        str     r0, [r1]
        ldr     r0, =kstack_b_top
        bl      initial_frame
        ldr     r1, =saved_ksp
        str     r0, [r1, #4]

        @ MMU on (B3.2): domain 0 = client (permissions checked), TTBCR = 0,
        @ TTBR0 = process A's table, TLBs empty, then SCTLR.M.
        mov     r0, #1
        mcr     p15, 0, r0, c3, c0, 0   @ DACR
        mov     r0, #0
        mcr     p15, 0, r0, c2, c0, 2   @ TTBCR
        mcr     p15, 0, r0, c13, c0, 1  @ CONTEXTIDR: ASID 0, reserved for the kernel
        ldr     r0, =l1_a
        mcr     p15, 0, r0, c2, c0, 0   @ TTBR0
        mcr     p15, 0, r0, c8, c7, 0   @ TLBIALL
        dsb
        isb
        mrc     p15, 0, r0, c1, c0, 0
        orr     r0, r0, #1              @ SCTLR.M
        mcr     p15, 0, r0, c1, c0, 0
        isb
        ldr     r0, =msg_mmu_on
        bl      puts

        mov     r0, #0
        b       switch_to               @ start process A; never returns here

@ build_tables(r0 = L1 table, r1 = L2 table, r2 = code page, r3 = data page,
@              r4 = stack page): fill one process's tables.  Clobbers r0-r7.
build_tables:
        push    {r0-r4, lr}
        mov     r5, #0                  @ clear the 16 KiB first-level table
        mov     r6, #4096
1:      str     r5, [r0], #4
        subs    r6, r6, #1
        bne     1b
        ldr     r0, [sp]
        mov     r6, #256                @ and the 1 KiB second-level table
2:      str     r5, [r1], #4
        subs    r6, r6, #1
        bne     2b
        ldr     r1, [sp, #4]

        @ kernel RAM: 16 sections from 0x40000000, identity mapped
        add     r5, r0, #0x400 << 2     @ entry of 0x40000000 (index 0x400)
        ldr     r6, =0x40000000 | SECT_AP_PRIV | L1_SECTION
        mov     r7, #16
3:      str     r6, [r5], #4
        add     r6, r6, #0x00100000
        subs    r7, r7, #1
        bne     3b
        @ the UART
        ldr     r6, =UART0_BASE | SECT_AP_PRIV | SECT_XN | L1_SECTION
        str     r6, [r0, #(UART0_BASE >> 20) << 2]
        @ the User MiB: a coarse entry to the second-level table
        orr     r6, r1, #L1_COARSE
        str     r6, [r0, #(USER_CODE_VA >> 20) << 2]
        @ three small pages
        ldr     r7, =PAGE_NG | PAGE_AP_USER_RO | PAGE_SMALL
        orr     r6, r2, r7
        str     r6, [r1, #0]            @ 0x00100000: code
        ldr     r7, =PAGE_NG | PAGE_AP_USER_RW | PAGE_SMALL
        orr     r6, r3, r7
        str     r6, [r1, #4]            @ 0x00101000: data
        orr     r6, r4, r7
        str     r6, [r1, #8]            @ 0x00102000: stack
        pop     {r0-r4, pc}

@ initial_frame(r0 = kernel stack top) -> r0 = saved kernel SP: a frame that
@ "returns" to the start of the User code with an empty User stack.
initial_frame:
        sub     r0, r0, #FRAME_SIZE
        mov     r1, #0
        mov     r2, #0
3:      str     r1, [r0, r2]            @ zero the whole frame
        add     r2, r2, #4
        cmp     r2, #FRAME_SIZE
        blo     3b
        ldr     r1, =USER_STACK_TOP
        str     r1, [r0, #0]            @ usr_sp
        ldr     r1, =USER_CODE_VA
        str     r1, [r0, #FRAME_PC]     @ pc
        mov     r1, #MODE_USR
        str     r1, [r0, #FRAME_PC + 4] @ spsr: User mode, interrupts enabled
        bx      lr

@ ---------------------------------------------------------------------------
@ Vectors
@ ---------------------------------------------------------------------------
        .align  5
vectors:
        b       unexpected              @ reset
        b       unexpected              @ undefined instruction
        b       svc_entry               @ supervisor call
        b       unexpected              @ prefetch abort
        b       dabort_entry            @ data abort
        b       unexpected
        b       unexpected              @ IRQ
        b       unexpected              @ FIQ

unexpected:
        ldr     sp, =boot_stack_top
        ldr     r0, =msg_unexpected
        bl      puts
        mrs     r0, cpsr
        bl      puthex
        mov     r0, #'\n'
        bl      putc
        mov     r0, #1
        b       exit

@ Data abort: LR_abt = faulting instruction + 8 (ARM ARM B1.9.8).
dabort_entry:
        push    {r0-r3, ip, lr}
        ldr     r0, =msg_abort
        bl      puts
        ldr     r0, =current
        ldr     r0, [r0]
        add     r0, r0, #'A'
        bl      putc
        ldr     r0, =msg_at_pc
        bl      puts
        ldr     r0, [sp, #20]           @ saved LR_abt
        sub     r0, r0, #8
        bl      puthex
        ldr     r0, =msg_dfar
        bl      puts
        mrc     p15, 0, r0, c6, c0, 0   @ DFAR: the faulting address
        bl      puthex
        ldr     r0, =msg_dfsr
        bl      puts
        mrc     p15, 0, r0, c5, c0, 0   @ DFSR: status, domain, WnR
        bl      puthex
        mov     r0, #'\n'
        bl      putc
        pop     {r0-r3, ip, lr}
        subs    pc, lr, #4              @ resume after the faulting instruction

@ ---------------------------------------------------------------------------
@ System calls
@ ---------------------------------------------------------------------------
svc_entry:
        srsdb   sp!, #MODE_SVC          @ push LR_svc (return address) and SPSR_svc
        push    {r0-r12}
        cps     #MODE_SYS               @ System mode sees the User SP and LR
        mov     r4, sp
        mov     r5, lr
        cps     #MODE_SVC
        push    {r4, r5}                @ the frame is complete: sp points at it
        ldr     r0, [sp, #FRAME_PC]
        ldr     r0, [r0, #-4]           @ the svc instruction, read through the User mapping
        bic     r0, r0, #0xff000000
        ldr     r1, [sp, #FRAME_R0]     @ the caller's r0
        cmp     r0, #0
        beq     sys_puts
        cmp     r0, #1
        beq     sys_yield
        cmp     r0, #2
        beq     sys_exit
        cmp     r0, #3
        beq     sys_getpid
        cmp     r0, #4
        beq     sys_puthex
        mvn     r0, #0
        b       return_with_r0

sys_puts:
        mov     r0, r1
        bl      puts
        b       return_to_user

sys_puthex:
        mov     r4, r1
        ldr     r0, =msg_user_hex
        bl      puts
        mov     r0, r4
        bl      puthex
        mov     r0, #'\n'
        bl      putc
        b       return_to_user

sys_getpid:
        mrc     p15, 0, r0, c13, c0, 1  @ CONTEXTIDR: the ASID is in bits[7:0]
        and     r0, r0, #0xff
        b       return_with_r0

sys_exit:
        mov     r4, r1
        ldr     r0, =msg_exit
        bl      puts
        ldr     r5, =current
        ldr     r5, [r5]
        add     r0, r5, #'A'
        bl      putc
        ldr     r0, =msg_exit_code
        bl      puts
        mov     r0, r4
        bl      puthex
        mov     r0, #'\n'
        bl      putc
        ldr     r0, =runnable
        mov     r1, #0
        str     r1, [r0, r5, lsl #2]
        @ fall through: pick another process

sys_yield:
        ldr     r0, =current
        ldr     r0, [r0]
        ldr     r1, =saved_ksp
        str     sp, [r1, r0, lsl #2]    @ this process's context stays on its kernel stack
        ldr     r2, =runnable
        eor     r1, r0, #1              @ round robin over two processes
        ldr     r3, [r2, r1, lsl #2]
        cmp     r3, #0
        movne   r0, r1
        bne     switch_to
        ldr     r3, [r2, r0, lsl #2]
        cmp     r3, #0
        bne     switch_to               @ the other one is gone: continue this one
        ldr     r0, =msg_all_done
        bl      puts
        mov     r0, #0
        b       exit

@ switch_to(r0 = process index): address space, then kernel stack, then return.
@ The ASID changes with the table (B3.10.4): first the reserved ASID 0, then
@ TTBR0, then the new ASID, each step made visible with isb.
switch_to:
        ldr     r1, =current
        str     r0, [r1]
        mov     r4, r0
        ldr     r0, =msg_switch
        bl      puts
        add     r0, r4, #'A'
        bl      putc
        ldr     r0, =msg_ttbr0
        bl      puts
        ldr     r1, =l1_tables
        ldr     r5, [r1, r4, lsl #2]
        mov     r0, r5
        bl      puthex
        ldr     r0, =msg_asid
        bl      puts
        add     r0, r4, #1
        bl      puthex
        mov     r0, #'\n'
        bl      putc

        mov     r0, #0
        mcr     p15, 0, r0, c13, c0, 1  @ CONTEXTIDR <- reserved ASID
        isb
        mcr     p15, 0, r5, c2, c0, 0   @ TTBR0 <- the process's table
        isb
        add     r0, r4, #1
        mcr     p15, 0, r0, c13, c0, 1  @ CONTEXTIDR <- the process's ASID (1 or 2)
        isb
        ldr     r1, =saved_ksp
        ldr     sp, [r1, r4, lsl #2]
        b       return_to_user

return_with_r0:
        str     r0, [sp, #FRAME_R0]
return_to_user:
        pop     {r4, r5}
        cps     #MODE_SYS
        mov     sp, r4
        mov     lr, r5
        cps     #MODE_SVC
        pop     {r0-r12}
        rfeia   sp!                     @ PC and CPSR from the srs frame: back to User mode
        .ltorg

l1_tables:      .word   l1_a, l1_b

msg_banner:     .asciz  "mmu: two processes, own page tables, switched by TTBR0/CONTEXTIDR\n"
msg_mmu_on:     .asciz  "[kernel] MMU on\n"
msg_switch:     .asciz  "[kernel] run process "
msg_ttbr0:      .asciz  ": TTBR0=0x"
msg_asid:       .asciz  " ASID=0x"
msg_abort:      .asciz  "[kernel] data abort in process "
msg_at_pc:      .asciz  " at pc 0x"
msg_dfar:       .asciz  ": DFAR=0x"
msg_dfsr:       .asciz  " DFSR=0x"
msg_user_hex:   .asciz  "  value 0x"
msg_exit:       .asciz  "[kernel] process "
msg_exit_code:  .asciz  " exited with code 0x"
msg_all_done:   .asciz  "[kernel] no process left\n"
msg_unexpected: .asciz  "[kernel] unexpected exception, cpsr 0x"
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

@ ---------------------------------------------------------------------------
@ The two User programs.  Each sits in its own 4 KiB physical page and runs
@ at virtual address 0x00100000; all their references are PC-relative or to
@ fixed virtual addresses, so they run wherever the page is mapped.
@ ---------------------------------------------------------------------------
        .text
        .align  12
code_a:
        adr     r0, a_hello
        svc     #0                      @ puts
        ldr     r4, =USER_DATA_VA
        ldr     r0, [r4]                @ our data page's first word
        svc     #4
        add     r0, r0, #1
        str     r0, [r4]
        svc     #1                      @ yield: B writes *its* page at the same address
        ldr     r0, [r4]                @ still ours
        svc     #4
        adr     r0, a_fault
        svc     #0
        ldr     r1, =0x0badc0de         @ stays in r1 if the load is skipped
        ldr     r0, =0x00300000         @ nothing is mapped there
        ldr     r1, [r0]                @ translation fault
        mov     r0, r1
        svc     #4
        svc     #1
        svc     #3                      @ getpid
        svc     #4
        mov     r0, #0xa
        svc     #2                      @ exit
a_hello:        .asciz  "A: hello from process A at 0x00100000; my data word is\n"
a_fault:        .asciz  "A: reading unmapped 0x00300000\n"
        .align  2
        .ltorg

        .align  12
code_b:
        adr     r0, b_hello
        svc     #0
        ldr     r4, =USER_DATA_VA
        ldr     r0, [r4]
        svc     #4
        ldr     r0, =0xbbbbbbbb
        str     r0, [r4]
        svc     #1
        adr     r0, b_write_code
        svc     #0
        ldr     r0, =USER_CODE_VA
        str     r0, [r0]                @ permission fault: code is read-only to User
        adr     r0, b_read_kernel
        svc     #0
        ldr     r1, =0x0badc0de
        ldr     r0, =0x40010000
        ldr     r1, [r0]                @ permission fault: kernel memory is privileged
        mov     r0, r1
        svc     #4
        ldr     r0, [r4]
        svc     #4
        svc     #1
        svc     #3
        svc     #4
        mov     r0, #0xb
        svc     #2
b_hello:        .asciz  "B: hello from process B at 0x00100000; my data word is\n"
b_write_code:   .asciz  "B: writing my read-only code page\n"
b_read_kernel:  .asciz  "B: reading kernel memory at 0x40010000\n"
        .align  2
        .ltorg

        .data
        .align  12
data_a:         .word   0xaaaa0000
        .align  12
data_b:         .word   0xbbbb0000

        .bss
        .align  14
l1_a:           .space  16384           @ first-level tables: 16 KiB aligned
l1_b:           .space  16384
        .align  10
l2_a:           .space  1024            @ second-level tables: 1 KiB aligned
l2_b:           .space  1024
        .align  12
stack_a:        .space  4096
stack_b:        .space  4096
        .align  3
current:        .space  4               @ index of the running process
saved_ksp:      .space  8               @ kernel SP of each process while it is not running
                .space  1024
kstack_a_top:
                .space  1024
kstack_b_top:
                .space  1024
abt_stack_top:
                .space  1024
boot_stack_top:

        .data
        .align  2
runnable:       .word   1, 1

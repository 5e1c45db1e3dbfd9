@ The semihosting operations newlib's rdimon and picolibc use, each result printed in hex
@ on the semihosting console: open/write/read/close/istty/flen/seek of ":tt", the
@ ":semihosting-features" file, errno, iserror, heapinfo, tickfreq, get_cmdline length
@ validity, then SYS_EXIT_EXTENDED with code 42.
        .syntax unified
        .arm
        .global _start
_start: ldr     sp, =RAM + 0x200000
        @ open ":tt" for reading (0), writing (4) and appending (8): handles 1, 2, 3
        mov     r5, #0
1:      ldr     r1, =blk
        ldr     r0, =tt
        str     r0, [r1]
        str     r5, [r1, #4]
        mov     r0, #3
        str     r0, [r1, #8]
        mov     r0, #1                          @ SYS_OPEN
        svc     0x123456
        bl      puthex
        add     r5, r5, #4
        cmp     r5, #12
        bne     1b
        @ SYS_WRITE "out\n" to handle 2 (stdout) and "err\n" to handle 3 (stderr)
        ldr     r1, =blk
        mov     r0, #2
        ldr     r2, =s_out
        mov     r3, #4
        stmia   r1, {r0, r2, r3}
        mov     r0, #5
        svc     0x123456
        bl      puthex
        ldr     r1, =blk
        mov     r0, #3
        ldr     r2, =s_err
        mov     r3, #4
        stmia   r1, {r0, r2, r3}
        mov     r0, #5
        svc     0x123456
        bl      puthex
        @ SYS_READ 6 bytes from handle 1 (stdin), then print them with SYS_WRITE0
        ldr     r1, =blk
        mov     r0, #1
        ldr     r2, =inbuf
        mov     r3, #6
        stmia   r1, {r0, r2, r3}
        mov     r0, #6
        svc     0x123456
        bl      puthex                          @ bytes NOT read
        ldr     r1, =inbuf
        mov     r0, #4
        svc     0x123456
        @ SYS_ISTTY and SYS_FLEN of handle 2
        ldr     r1, =blk
        mov     r0, #2
        str     r0, [r1]
        mov     r0, #9
        svc     0x123456
        bl      puthex
        @ SYS_CLOSE of a bad handle -> -1, then SYS_ERRNO (EBADF) and SYS_ISERROR
        ldr     r1, =blk
        mov     r0, #77
        str     r0, [r1]
        mov     r0, #2
        svc     0x123456
        mov     r6, r0
        bl      puthex
        mov     r0, #0x13
        svc     0x123456
        bl      puthex
        ldr     r1, =blk
        str     r6, [r1]
        mov     r0, #8
        svc     0x123456
        bl      puthex
        @ ":semihosting-features": open, flen, read 5 bytes, close
        ldr     r1, =blk
        ldr     r0, =feat
        mov     r2, #0
        mov     r3, #21
        stmia   r1, {r0, r2, r3}
        mov     r0, #1
        svc     0x123456
        mov     r7, r0
        bl      puthex
        ldr     r1, =blk
        str     r7, [r1]
        mov     r0, #0x0c
        svc     0x123456
        bl      puthex
        ldr     r1, =blk
        mov     r0, r7
        ldr     r2, =inbuf
        mov     r3, #5
        stmia   r1, {r0, r2, r3}
        mov     r0, #6
        svc     0x123456
        bl      puthex
        ldr     r0, =inbuf
        ldr     r0, [r0, #4]
        bl      puthex                          @ the feature byte (and zero padding)
        @ SYS_HEAPINFO
        ldr     r1, =blk
        ldr     r0, =heap
        str     r0, [r1]
        mov     r0, #0x16
        svc     0x123456
        ldr     r4, =heap
        ldmia   r4, {r4-r7}
        mov     r0, r4
        bl      puthex
        mov     r0, r5
        bl      puthex
        mov     r0, r6
        bl      puthex
        mov     r0, r7
        bl      puthex
        @ SYS_TICKFREQ
        mov     r0, #0x31
        mov     r1, #0
        svc     0x123456
        bl      puthex
        @ SYS_EXIT_EXTENDED (ADP_Stopped_ApplicationExit, 42)
        ldr     r1, =blk
        ldr     r0, =0x20026
        mov     r2, #42
        stmia   r1, {r0, r2}
        mov     r0, #0x20
        svc     0x123456
        b       .

puthex: push    {r0-r4, lr}
        ldr     r1, =hexbuf
        mov     r2, #8
2:      mov     r3, r0, lsr #28
        cmp     r3, #10
        addlt   r3, r3, #'0'
        addge   r3, r3, #'a' - 10
        strb    r3, [r1], #1
        lsl     r0, r0, #4
        subs    r2, r2, #1
        bne     2b
        mov     r3, #'\n'
        strb    r3, [r1], #1
        mov     r3, #0
        strb    r3, [r1]
        ldr     r1, =hexbuf
        mov     r0, #4
        svc     #0x123456
        pop     {r0-r4, pc}
        .ltorg
        .data
tt:     .asciz  ":tt"
feat:   .asciz  ":semihosting-features"
s_out:  .ascii  "out\n"
s_err:  .ascii  "err\n"
        .balign 4
blk:    .space  16
heap:   .space  16
inbuf:  .space  16
hexbuf: .space  16

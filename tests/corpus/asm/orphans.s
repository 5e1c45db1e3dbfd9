@ Orphan sections under a script that names only .text and .bss (ld's orphan placement).
.text
.global _start
_start: ldr r0, =ro
 ldr r1, =rw
 b .
.section .rodata
ro: .word 1
.data
rw: .word 2
.section .mine,"aw"
.word 3
.section .myro,"a"
.word 4
.bss
.space 16

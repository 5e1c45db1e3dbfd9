@ Section creation order: gas makes .text, .data, .bss first; ld keeps object order.
.section .data.b,"aw"
b1: .word 1
.data
d1: .word 2
.section .text.z,"ax"
z: bx lr
.bss
.space 4
.section .bss.q,"aw",%nobits
q: .space 8
.text
.global _start
_start: b z

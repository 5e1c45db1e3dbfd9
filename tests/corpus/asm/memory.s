@ Linked with memory.ld: MEMORY regions, > REGION placement, ORIGIN()/LENGTH().
.text
.global _start
_start: ldr sp, =_stack_top
 ldr r0, =_sdata
 b .
.section .rodata
.word 1
.data
.word 2,3
.bss
.space 12

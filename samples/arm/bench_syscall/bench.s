	.arch armv7-a
	.fpu softvfp
	.eabi_attribute 20, 1
	.eabi_attribute 21, 1
	.eabi_attribute 23, 3
	.eabi_attribute 24, 1
	.eabi_attribute 25, 1
	.eabi_attribute 26, 1
	.eabi_attribute 30, 2
	.eabi_attribute 34, 1
	.eabi_attribute 18, 4
	.file	"bench.c"
	.text
	.align	2
	.syntax unified
	.arm
	.type	kputs, %function
kputs:
	@ args = 0, pretend = 0, frame = 0
	@ frame_needed = 0, uses_anonymous_args = 0
	@ link register save eliminated.
	ldrb	r1, [r0]	@ zero_extendqisi2
	cmp	r1, #0
	bxeq	lr
	mov	r2, #150994944
.L3:
	ldr	r3, [r2, #24]
	tst	r3, #32
	bne	.L3
	str	r1, [r2]
	ldrb	r1, [r0, #1]!	@ zero_extendqisi2
	cmp	r1, #0
	bne	.L3
	bx	lr
	.size	kputs, .-kputs
	.align	2
	.syntax unified
	.arm
	.type	format_hex, %function
format_hex:
	@ args = 0, pretend = 0, frame = 0
	@ frame_needed = 0, uses_anonymous_args = 0
	@ link register save eliminated.
	mov	r2, #28
.L14:
	lsr	r3, r1, r2
	sub	r2, r2, #4
	and	r3, r3, #15
	cmp	r3, #9
	add	ip, r3, #87
	addls	ip, r3, #48
	cmn	r2, #4
	strb	ip, [r0], #1
	bne	.L14
	bx	lr
	.size	format_hex, .-format_hex
	.section	.rodata.str1.4,"aMS",%progbits,1
	.align	2
.LC0:
	.ascii	"user: starting the system-call loop\012\000"
	.text
	.align	2
	.syntax unified
	.arm
	.type	user_task, %function
user_task:
	@ args = 0, pretend = 0, frame = 0
	@ frame_needed = 0, uses_anonymous_args = 0
	movw	r0, #:lower16:.LC0
	movt	r0, #:upper16:.LC0
	push	{r4, r5, r6, lr}
	.syntax divided
@ 82 "bench.c" 1
	svc #0
@ 0 "" 2
	.arm
	.syntax unified
	mov	r3, #0
	movw	r2, #34464
	movt	r2, 1
	mov	r5, r3
.L18:
	uxtb	r0, r3
	add	r5, r5, r0
	.syntax divided
@ 89 "bench.c" 1
	svc #1
@ 0 "" 2
	.arm
	.syntax unified
	add	r3, r3, #1
	mov	r4, r0
	cmp	r3, r2
	bne	.L18
	mov	r1, r4
	ldr	r0, .L21
	bl	format_hex
	ldr	r0, .L21+4
	mov	r1, r5
	bl	format_hex
	movw	r0, #:lower16:.LANCHOR0
	movt	r0, #:upper16:.LANCHOR0
	.syntax divided
@ 82 "bench.c" 1
	svc #0
@ 0 "" 2
	.arm
	.syntax unified
	subs	r0, r5, r4
	movne	r0, #1
	.syntax divided
@ 96 "bench.c" 1
	svc #2
@ 0 "" 2
	.arm
	.syntax unified
.L22:
	.align	2
.L21:
	.word	.LANCHOR0+21
	.word	.LANCHOR0+42
	.size	user_task, .-user_task
	.align	2
	.syntax unified
	.arm
	.type	kputhex, %function
kputhex:
	@ args = 0, pretend = 0, frame = 16
	@ frame_needed = 0, uses_anonymous_args = 0
	@ link register save eliminated.
	sub	sp, sp, #16
	movw	r2, #30768
	add	ip, sp, #5
	mov	r3, #0
	strd	r2, [sp, #4]
	mov	r2, #28
	str	r3, [sp, #11]	@ unaligned
.L26:
	lsr	r3, r0, r2
	sub	r2, r2, #4
	and	r3, r3, #15
	cmp	r3, #9
	add	r1, r3, #87
	addls	r1, r3, #48
	cmn	r2, #4
	strb	r1, [ip, #1]!
	bne	.L26
	add	r0, sp, #4
	mov	r1, #48
	mov	r2, #150994944
.L27:
	ldr	r3, [r2, #24]
	tst	r3, #32
	bne	.L27
	str	r1, [r2]
	ldrb	r1, [r0, #1]!	@ zero_extendqisi2
	cmp	r1, #0
	bne	.L27
	add	sp, sp, #16
	@ sp needed
	bx	lr
	.size	kputhex, .-kputhex
	.section	.rodata.str1.4
	.align	2
.LC1:
	.ascii	"kernel: task exited with \000"
	.align	2
.LC2:
	.ascii	" after \000"
	.align	2
.LC3:
	.ascii	" system calls\012\000"
	.text
	.align	2
	.global	syscall_dispatch
	.syntax unified
	.arm
	.type	syscall_dispatch, %function
syscall_dispatch:
	@ args = 0, pretend = 0, frame = 0
	@ frame_needed = 0, uses_anonymous_args = 0
	movw	r3, #:lower16:.LANCHOR1
	movt	r3, #:upper16:.LANCHOR1
	push	{r4, r5, r6, lr}
	cmp	r2, #1
	mov	r4, r0
	ldr	r5, [r3]
	add	r5, r5, #1
	str	r5, [r3]
	beq	.L34
	cmp	r2, #2
	beq	.L35
	cmp	r2, #0
	beq	.L45
	mvn	r0, #0
	pop	{r4, r5, r6, pc}
.L34:
	ldr	r2, [r3, #4]
	add	r0, r0, r2
	str	r0, [r3, #4]
	pop	{r4, r5, r6, pc}
.L45:
	ldrb	r1, [r0]	@ zero_extendqisi2
	cmp	r1, #0
	beq	.L39
	mov	r2, #150994944
.L38:
	ldr	r3, [r2, #24]
	tst	r3, #32
	bne	.L38
	str	r1, [r2]
	ldrb	r1, [r0, #1]!	@ zero_extendqisi2
	cmp	r1, #0
	bne	.L38
.L39:
	mov	r0, #0
	pop	{r4, r5, r6, pc}
.L35:
	movw	r0, #:lower16:.LC1
	movt	r0, #:upper16:.LC1
	bl	kputs
	mov	r0, r4
	bl	kputhex
	movw	r0, #:lower16:.LC2
	movt	r0, #:upper16:.LC2
	bl	kputs
	mov	r0, r5
	bl	kputhex
	movw	r0, #:lower16:.LC3
	movt	r0, #:upper16:.LC3
	bl	kputs
	mov	r0, r4
	bl	exit
	.size	syscall_dispatch, .-syscall_dispatch
	.section	.rodata.str1.4
	.align	2
.LC4:
	.ascii	"bench_syscall: User-mode loop of system calls\012\000"
	.text
	.align	2
	.global	kernel_main
	.syntax unified
	.arm
	.type	kernel_main, %function
kernel_main:
	@ Volatile: function does not return.
	@ args = 0, pretend = 0, frame = 0
	@ frame_needed = 0, uses_anonymous_args = 0
	push	{r4, lr}
	movw	r0, #:lower16:.LC4
	movt	r0, #:upper16:.LC4
	bl	kputs
	movw	r0, #:lower16:user_task
	movt	r0, #:upper16:user_task
	ldr	r1, .L48
	bl	enter_user
.L49:
	.align	2
.L48:
	.word	.LANCHOR1+2056
	.size	kernel_main, .-kernel_main
	.data
	.align	2
	.set	.LANCHOR0,. + 0
	.type	line.0, %object
	.size	line.0, 52
line.0:
	.ascii	"user: kernel total 0x........, expected 0x........\012"
	.ascii	"\000"
	.bss
	.align	3
	.set	.LANCHOR1,. + 0
	.type	calls, %object
	.size	calls, 4
calls:
	.space	4
	.type	kernel_total, %object
	.size	kernel_total, 4
kernel_total:
	.space	4
	.type	user_stack, %object
	.size	user_stack, 2048
user_stack:
	.space	2048
	.ident	"GCC: (15:12.2.rel1-1) 12.2.1 20221205"

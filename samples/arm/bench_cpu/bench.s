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
	.type	puts_uart, %function
puts_uart:
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
	.size	puts_uart, .-puts_uart
	.align	2
	.syntax unified
	.arm
	.type	putdec, %function
putdec:
	@ args = 0, pretend = 0, frame = 0
	@ frame_needed = 0, uses_anonymous_args = 0
	push	{r4, r5, lr}
	movw	lr, #:lower16:.LANCHOR0
	movt	lr, #:upper16:.LANCHOR0
	add	r5, lr, #40
	mov	r1, #0
	mov	ip, #150994944
.L12:
	ldr	r2, [lr], #4
	cmp	r2, r0
	movhi	r4, #0
	movhi	r3, #48
	bhi	.L17
	mov	r3, #48
.L13:
	add	r3, r3, #1
	sub	r0, r0, r2
	cmp	r0, r2
	uxtb	r3, r3
	bcs	.L13
	subs	r4, r3, #48
	movne	r4, #1
.L17:
	cmp	r2, #1
	orreq	r1, r1, #1
	orrs	r1, r4, r1
	bne	.L15
	cmp	lr, r5
	bne	.L12
	pop	{r4, r5, pc}
.L15:
	ldr	r2, [ip, #24]
	tst	r2, #32
	bne	.L15
	cmp	lr, r5
	str	r3, [ip]
	mov	r1, #1
	bne	.L12
	pop	{r4, r5, pc}
	.size	putdec, .-putdec
	.section	.rodata.str1.4,"aMS",%progbits,1
	.align	2
.LC0:
	.ascii	" 0x\000"
	.text
	.align	2
	.syntax unified
	.arm
	.type	report, %function
report:
	@ args = 0, pretend = 0, frame = 0
	@ frame_needed = 0, uses_anonymous_args = 0
	push	{r4, lr}
	mov	r4, r1
	bl	puts_uart
	movw	r0, #:lower16:.LC0
	movt	r0, #:upper16:.LC0
	bl	puts_uart
	mov	ip, #28
	mov	r2, #150994944
.L27:
	lsr	r3, r4, ip
	and	r3, r3, #15
	cmp	r3, #9
	addls	r0, r3, #48
	addhi	r0, r3, #87
.L26:
	ldr	r3, [r2, #24]
	tst	r3, #32
	bne	.L26
	sub	ip, ip, #4
	str	r0, [r2]
	cmn	ip, #4
	bne	.L27
	mov	r2, #150994944
.L28:
	ldr	r3, [r2, #24]
	tst	r3, #32
	bne	.L28
	mov	r3, #10
	str	r3, [r2]
	pop	{r4, pc}
	.size	report, .-report
	.section	.rodata.str1.4
	.align	2
.LC1:
	.ascii	"bench_cpu: SCALE=\000"
	.align	2
.LC2:
	.ascii	"crc32 \000"
	.align	2
.LC3:
	.ascii	"sieve \000"
	.align	2
.LC4:
	.ascii	"primes below 65536: \000"
	.align	2
.LC5:
	.ascii	"matmul\000"
	.align	2
.LC6:
	.ascii	"done\012\000"
	.section	.text.startup,"ax",%progbits
	.align	2
	.global	main
	.syntax unified
	.arm
	.type	main, %function
main:
	@ args = 0, pretend = 0, frame = 0
	@ frame_needed = 0, uses_anonymous_args = 0
	push	{r3, r4, r5, r6, r7, r8, r9, r10, fp, lr}
	movw	r0, #:lower16:.LC1
	movt	r0, #:upper16:.LC1
	bl	puts_uart
	mov	r0, #640
	bl	putdec
	mov	r2, #150994944
.L34:
	ldr	r3, [r2, #24]
	ands	r3, r3, #32
	bne	.L34
	ldr	r0, .L81
	movw	ip, #33568
	movt	ip, 60856
	mov	r1, #10
	add	lr, r0, #1024
	str	r1, [r2]
.L38:
	mov	r2, r3
	mov	r1, #8
.L37:
	tst	r2, #1
	lsreq	r2, r2, #1
	eorne	r2, ip, r2, lsr #1
	subs	r1, r1, #1
	bne	.L37
	str	r2, [r0, #4]!
	add	r3, r3, #1
	cmp	r0, lr
	bne	.L38
	ldr	r0, .L81+4
	movw	r3, #22136
	movt	r3, 4660
	add	lr, r0, #16384
	mov	r2, r0
.L39:
	eor	r3, r3, r3, lsl #13
	eor	r3, r3, r3, lsr #17
	eor	r3, r3, r3, lsl #5
	strb	r3, [r2, #1]!
	cmp	r2, lr
	bne	.L39
	movw	r2, #:lower16:.LANCHOR1
	movt	r2, #:upper16:.LANCHOR1
	mov	r4, #2560
.L41:
	mvn	r1, r1
	mov	ip, r0
.L40:
	ldrb	r3, [ip, #1]!	@ zero_extendqisi2
	eor	r3, r3, r1
	cmp	ip, lr
	uxtb	r3, r3
	ldr	r3, [r2, r3, lsl #2]
	eor	r1, r3, r1, lsr #8
	bne	.L40
	mvn	r1, r1
	subs	r4, r4, #1
	bne	.L41
	ldr	r5, .L81+8
	movw	r0, #:lower16:.LC2
	movt	r0, #:upper16:.LC2
	mov	r9, r4
	bl	report
	sub	ip, r5, #65536
	mov	r1, r4
	add	r8, ip, #1
	rsb	r7, ip, #1
	mov	lr, #1280
	mov	r6, #1
.L42:
	movw	r3, #:lower16:composite
	movt	r3, #:upper16:composite
.L43:
	str	r9, [r3], #4
	cmp	r3, r5
	bne	.L43
	mov	r2, r8
	mov	r4, #0
	mov	r3, #4
.L48:
	ldrb	r0, [r2, #1]	@ zero_extendqisi2
	add	r10, r2, #1
	cmp	r0, #0
	beq	.L80
.L44:
	add	r3, r3, #2
	cmp	r3, #131072
	bne	.L62
	subs	lr, lr, #1
	bne	.L42
	movw	r0, #:lower16:.LC3
	movt	r0, #:upper16:.LC3
	bl	report
	movw	r0, #:lower16:.LC4
	movt	r0, #:upper16:.LC4
	bl	puts_uart
	mov	r0, r4
	bl	putdec
	mov	r2, #150994944
.L50:
	ldr	r3, [r2, #24]
	tst	r3, #32
	bne	.L50
	ldr	r0, .L81+12
	mov	r1, #10
	ldr	ip, .L81+16
	movw	r3, #61453
	movt	r3, 51966
	str	r1, [r2]
	add	r4, r0, #6400
	mov	r2, r0
.L51:
	mov	lr, ip
	add	r5, r2, #160
.L52:
	eor	r3, r3, r3, lsl #13
	eor	r3, r3, r3, lsr #17
	eor	r3, r3, r3, lsl #5
	eor	r1, r3, r3, lsl #13
	uxtb	r3, r3
	sub	r3, r3, #128
	str	r3, [r2, #4]!
	eor	r3, r1, r1, lsr #17
	cmp	r2, r5
	eor	r3, r3, r3, lsl #5
	uxtb	r1, r3
	sub	r1, r1, #128
	str	r1, [lr, #4]!
	bne	.L52
	add	ip, ip, #160
	cmp	r4, r2
	bne	.L51
	ldr	r5, .L81+20
	mov	r1, #0
	ldr	r9, .L81+24
	mov	r4, #640
.L53:
	mov	ip, r9
	mov	r6, r0
.L56:
	movw	r3, #:lower16:mb
	movt	r3, #:upper16:mb
	sub	lr, ip, #160
.L58:
	mov	r2, #0
	mov	r8, r6
	mov	r7, r2
.L54:
	ldr	fp, [r3, r2, lsl #2]
	add	r2, r2, #40
	ldr	r10, [r8, #4]!
	cmp	r2, #1600
	mla	r7, fp, r10, r7
	bne	.L54
	str	r7, [lr, #4]!
	add	r3, r3, #4
	cmp	lr, ip
	bne	.L58
	ldr	r3, .L81+28
	add	ip, lr, #160
	add	r6, r6, #160
	cmp	ip, r3
	bne	.L56
	ldr	r3, .L81+32
	mov	r2, r0
.L57:
	mov	ip, r2
	add	r6, r3, #160
.L59:
	ldr	lr, [r3, #4]!
	cmp	r3, r6
	asr	r7, lr, #12
	eor	r1, lr, r1, ror #31
	str	r7, [ip, #4]!
	bne	.L59
	add	r2, r2, #160
	cmp	r5, r3
	bne	.L57
	subs	r4, r4, #1
	bne	.L53
	movw	r0, #:lower16:.LC5
	movt	r0, #:upper16:.LC5
	bl	report
	movw	r0, #:lower16:.LC6
	movt	r0, #:upper16:.LC6
	bl	puts_uart
	mov	r0, r4
	pop	{r3, r4, r5, r6, r7, r8, r9, r10, fp, pc}
.L80:
	add	r2, r7, r2
	rsb	r1, r1, r1, lsl #5
	add	r4, r4, #1
	add	r1, r1, r2
	cmp	r3, #65536
	bcs	.L44
	mov	r0, r3
.L45:
	strb	r6, [ip, r0]
	add	r0, r0, r2
	cmp	r0, #65536
	bcc	.L45
	add	r3, r3, #2
.L62:
	mov	r2, r10
	b	.L48
.L82:
	.align	2
.L81:
	.word	.LANCHOR1-4
	.word	crc_buf-1
	.word	composite+65536
	.word	ma-4
	.word	mb-4
	.word	mc+6396
	.word	mc+156
	.word	mc+6556
	.word	mc-4
	.size	main, .-main
	.section	.rodata
	.align	2
	.set	.LANCHOR0,. + 0
	.type	powers.0, %object
	.size	powers.0, 40
powers.0:
	.word	1000000000
	.word	100000000
	.word	10000000
	.word	1000000
	.word	100000
	.word	10000
	.word	1000
	.word	100
	.word	10
	.word	1
	.bss
	.align	2
	.set	.LANCHOR1,. + 0
	.type	crc_table, %object
	.size	crc_table, 1024
crc_table:
	.space	1024
	.type	mc, %object
	.size	mc, 6400
mc:
	.space	6400
	.type	mb, %object
	.size	mb, 6400
mb:
	.space	6400
	.type	ma, %object
	.size	ma, 6400
ma:
	.space	6400
	.type	composite, %object
	.size	composite, 65536
composite:
	.space	65536
	.type	crc_buf, %object
	.size	crc_buf, 16384
crc_buf:
	.space	16384
	.ident	"GCC: (15:12.2.rel1-1) 12.2.1 20221205"

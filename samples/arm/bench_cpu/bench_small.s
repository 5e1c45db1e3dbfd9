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
	push	{r4, r5, r6, r7, r8, r9, r10, lr}
	movw	r0, #:lower16:.LC1
	movt	r0, #:upper16:.LC1
	bl	puts_uart
	mov	r0, #1
	bl	putdec
	mov	r3, #150994944
.L34:
	ldr	r0, [r3, #24]
	ands	r0, r0, #32
	bne	.L34
	ldr	ip, .L78
	movw	r2, #33568
	movt	r2, 60856
	mov	r1, #10
	add	lr, ip, #1024
	str	r1, [r3]
.L38:
	mov	r3, r0
	mov	r1, #8
.L37:
	tst	r3, #1
	lsreq	r3, r3, #1
	eorne	r3, r2, r3, lsr #1
	subs	r1, r1, #1
	bne	.L37
	str	r3, [ip, #4]!
	add	r0, r0, #1
	cmp	ip, lr
	bne	.L38
	ldr	lr, .L78+4
	movw	r3, #22136
	movt	r3, 4660
	add	ip, lr, #16384
	mov	r2, lr
.L39:
	eor	r3, r3, r3, lsl #13
	eor	r3, r3, r3, lsr #17
	eor	r3, r3, r3, lsl #5
	strb	r3, [r2, #1]!
	cmp	r2, ip
	bne	.L39
	movw	r0, #:lower16:.LANCHOR1
	movt	r0, #:upper16:.LANCHOR1
	mov	r4, #4
.L41:
	mvn	r1, r1
	mov	r2, lr
.L40:
	ldrb	r3, [r2, #1]!	@ zero_extendqisi2
	eor	r3, r3, r1
	cmp	r2, ip
	uxtb	r3, r3
	ldr	r3, [r0, r3, lsl #2]
	eor	r1, r3, r1, lsr #8
	bne	.L40
	mvn	r1, r1
	subs	r4, r4, #1
	bne	.L41
	ldr	r5, .L78+8
	movw	r0, #:lower16:.LC2
	movt	r0, #:upper16:.LC2
	mov	r9, r4
	bl	report
	sub	r0, r5, #65536
	mov	r1, r4
	add	r8, r0, #1
	rsb	r7, r0, #1
	mov	r6, #2
	mov	ip, #1
.L42:
	movw	r3, #:lower16:composite
	movt	r3, #:upper16:composite
.L43:
	str	r9, [r3], #4
	cmp	r3, r5
	bne	.L43
	mov	r2, r8
	mov	r4, #0
	mov	lr, #4
	b	.L48
.L44:
	add	lr, lr, #2
	cmp	lr, #131072
	beq	.L47
.L61:
	mov	r2, r10
.L48:
	ldrb	r3, [r2, #1]	@ zero_extendqisi2
	add	r10, r2, #1
	cmp	r3, #0
	bne	.L44
	add	r2, r7, r2
	rsb	r1, r1, r1, lsl #5
	add	r4, r4, #1
	add	r1, r1, r2
	cmp	lr, #65536
	bcs	.L44
	mov	r3, lr
.L45:
	strb	ip, [r0, r3]
	add	r3, r3, r2
	cmp	r3, #65536
	bcc	.L45
	add	lr, lr, #2
	b	.L61
.L47:
	cmp	r6, #1
	movne	r6, #1
	bne	.L42
.L49:
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
	ldr	r1, [r2, #24]
	ands	r1, r1, #32
	bne	.L50
	ldr	lr, .L78+12
	movw	r3, #61453
	movt	r3, 51966
	ldr	r4, .L78+16
	add	r5, lr, #6400
	mov	r0, #10
	str	r0, [r2]
.L51:
	sub	r0, lr, #160
	mov	ip, r4
.L52:
	eor	r3, r3, r3, lsl #13
	eor	r3, r3, r3, lsr #17
	eor	r3, r3, r3, lsl #5
	eor	r2, r3, r3, lsl #13
	uxtb	r3, r3
	sub	r3, r3, #128
	str	r3, [r0, #4]!
	eor	r3, r2, r2, lsr #17
	cmp	r0, lr
	eor	r3, r3, r3, lsl #5
	uxtb	r2, r3
	sub	r2, r2, #128
	str	r2, [ip, #4]!
	bne	.L52
	add	lr, r0, #160
	add	r4, r4, #160
	cmp	lr, r5
	bne	.L51
	ldr	r6, .L78+20
	ldr	r7, .L78+24
	add	r8, r6, #6400
	mov	r9, r6
	mov	r10, r7
.L60:
	movw	r4, #:lower16:mb
	movt	r4, #:upper16:mb
	sub	r5, r9, #160
.L57:
	mov	r3, #0
	mov	r0, r10
	mov	r2, r3
.L54:
	ldr	lr, [r4, r3, lsl #2]
	add	r3, r3, #40
	ldr	ip, [r0, #4]!
	cmp	r3, #1600
	mla	r2, lr, ip, r2
	bne	.L54
	str	r2, [r5, #4]!
	add	r4, r4, #4
	cmp	r9, r5
	bne	.L57
	add	r9, r9, #160
	add	r10, r10, #160
	cmp	r9, r8
	bne	.L60
.L56:
	sub	r3, r6, #160
	mov	r0, r7
.L58:
	ldr	r2, [r3, #4]!
	cmp	r3, r6
	asr	ip, r2, #12
	eor	r1, r2, r1, ror #31
	str	ip, [r0, #4]!
	bne	.L58
	add	r6, r3, #160
	add	r7, r7, #160
	cmp	r6, r8
	bne	.L56
	movw	r0, #:lower16:.LC5
	movt	r0, #:upper16:.LC5
	bl	report
	movw	r0, #:lower16:.LC6
	movt	r0, #:upper16:.LC6
	bl	puts_uart
	mov	r0, #0
	pop	{r4, r5, r6, r7, r8, r9, r10, pc}
.L79:
	.align	2
.L78:
	.word	.LANCHOR1-4
	.word	crc_buf-1
	.word	composite+65536
	.word	ma+156
	.word	mb-4
	.word	mc+156
	.word	ma-4
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

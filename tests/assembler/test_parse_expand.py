"""Textual expansion (macros, .rept/.irp/.irpc, .if family, .include, comments,
``;``) against GNU as: the original source assembled by GNU as, and the
expanded, flat program printed by vtrans and assembled by GNU as, must give
the same object.  Then the IR's shape and locations."""

from __future__ import annotations

from pathlib import Path

from frontend_helpers import gas_dump
from vtrans.assembler.ir import Directive, Instruction, Label
from vtrans.assembler.parser import parse_file, parse_text
from vtrans.assembler.printer import print_program

KERNEL = r"""
/* a block comment
   over two lines */
# a comment line (and cpp line markers look like this)
	.syntax unified
	.arch armv7-a
	.include "defs.inc"
	.set	COUNT, 3
	SHIFTED = (1 << COUNT) + 1

	.macro	save_regs base=sp, regs:vararg
	stmdb	\base!, {\regs}
	.endm

	.macro	load_const reg, value=0
	.if \value < 256
	mov	\reg, #\value
	.elseif \value < 65536
	movw	\reg, #\value
	.else
	ldr	\reg, =\value
	.endif
	.endm

	.macro	spin label
\label\()_loop\@:
	subs	r0, r0, #1
	bne	\label\()_loop\@
	.endm

	.macro	defaults a=5, b=7
	.word	\a, \b
	.endm

	.macro	SHOUT
	mov	r12, #12
	.endm

	.macro	early n
	.if \n == 0
	.exitm
	.endif
	add	r1, r1, #\n
	.endm

	.text
	.global	_start
_start:	save_regs sp, r4, r5, lr	@ vararg
	save_regs regs=r0
	load_const r0, 12
	load_const r1, 0x1234
	load_const r2, 0x123456
	load_const reg=r3 value=SHIFTED
	spin first
	spin second
	early 0
	early 7
	shout
	Shout
	defaults , 2
	defaults 1
	defaults
	defaults b=3
	.rept	COUNT
	nop
	.endr
	.irp	r, r4, r5, r6
	mov	\r, #0
	.endr
	.irpc	c, 123
	add	r0, r0, #\c
	.endr
	.set	i, 0
	.rept	4
	.word	i * i
	.set	i, i + 1
	.endr
	.ifdef	UART_BASE
	ldr	r0, =UART_BASE
	.endif
	.ifndef	NOT_DEFINED
	mov	r9, #9 ; mov r10, #10	@ two statements on a line
	.endif
	.ifeq	COUNT - 3
	mov	r8, #8
	.else
	udf	#0
	.endif
	.if	COUNT > 10
	udf	#1
	.elseif	COUNT == 3
	mov	r7, #7
	.else
	udf	#2
	.endif
	.ifc	abc, abc
	mov	r6, #6
	.endif
	.ifnc	abc, abd
	mov	r5, #5
	.endif
	.ifb
	mov	r4, #4
	.endif
	.ifnb	x
	mov	r3, #3
	.endif
1:	b	1b
	b	1f
1:	.word	1b, 2f
2:	.ltorg
	.end
	this is never read
"""

DEFS = """
	UART_BASE = 0x101f1000
	.macro	putc ch
	mov	r0, #\\ch
	.endm
"""


def _write(tmp: Path) -> Path:
    inc = tmp / "inc"
    inc.mkdir()
    (inc / "defs.inc").write_text(DEFS)
    src = tmp / "kernel.s"
    src.write_text(KERNEL)
    return src


def test_expansion_matches_gnu_as(arm_as, tmp_path):
    src = _write(tmp_path)
    prog = parse_file(src, include_dirs=[tmp_path / "inc"])
    printed = print_program(prog)
    ref = gas_dump(arm_as, KERNEL, tmp_path / "ref.s", "-I", str(tmp_path / "inc"))
    assert gas_dump(arm_as, printed, tmp_path / "flat.s") == ref
    # the flat program has no control directives left
    names = {s.name for s in prog.statements if isinstance(s, Directive)}
    assert not names & {"macro", "endm", "rept", "irp", "irpc", "endr", "if", "else", "endif", "include"}


def test_locations_point_into_real_lines(tmp_path):
    src = _write(tmp_path)
    prog = parse_file(src, include_dirs=[tmp_path / "inc"])
    lines = KERNEL.split("\n")
    stm = [s for s in prog.statements if isinstance(s, Instruction) and s.mnemonic == "stm"]
    # both expansions of save_regs point at the macro body line
    assert len(stm) == 2 and {s.loc.line for s in stm} == {lines.index("\tstmdb\t\\base!, {\\regs}") + 1}
    assert all(s.loc.file == str(src) for s in stm)
    # the include's statements point into the include file
    incl = [s for s in prog.statements if isinstance(s, Directive) and s.name == "set"
            and s.args[0].name == "UART_BASE"]
    assert incl and incl[0].loc.file.endswith("defs.inc") and incl[0].loc.line == 2
    # the second of two statements on a line has its own column
    r10 = next(s for s in prog.statements if isinstance(s, Instruction) and s.operands[:1]
               and getattr(s.operands[0], "name", "") == "r10")
    line = lines[r10.loc.line - 1]
    assert line[r10.loc.col - 1:].startswith("mov r10")


def test_macro_labels_are_unique():
    prog = parse_text(KERNEL.replace('\t.include "defs.inc"\n', "\tUART_BASE = 1\n"))
    labels = [s.name for s in prog.statements if isinstance(s, Label)]
    assert "first_loop0" not in labels or "second_loop0" not in labels
    loops = [n for n in labels if "_loop" in n]
    assert len(loops) == len(set(loops)) == 2


def test_include_search_order(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "x.inc").write_text("\tmov r0, #1\n")
    (tmp_path / "b" / "x.inc").write_text("\tmov r0, #2\n")
    main = tmp_path / "a" / "main.s"
    main.write_text('\t.include "x.inc"\n')
    # relative to the including file first, then -I directories
    assert parse_file(main, include_dirs=[tmp_path / "b"]).statements[0].operands[1].expr.value == 1
    other = tmp_path / "main2.s"
    other.write_text('\t.include "x.inc"\n')
    assert parse_file(other, include_dirs=[tmp_path / "b"]).statements[0].operands[1].expr.value == 2


def test_nested_rept_and_irp(arm_as, tmp_path):
    src = """
	.rept 2
	.irp reg, r1, r2
	.rept 2
	add \\reg, \\reg, #1
	.endr
	.endr
	.endr
	.irp x
	.word 7\\x
	.endr
"""
    prog = parse_text(src)
    assert len([s for s in prog.statements if isinstance(s, Instruction)]) == 8
    assert gas_dump(arm_as, src, tmp_path / "r.s") == gas_dump(arm_as, print_program(prog), tmp_path / "p.s")


def test_register_aliases(arm_as, tmp_path):
    src = """
	.syntax unified
tmp	.req	r4
ptr	.req	ip
alias2	.req	tmp
	mov	tmp, #1
	ldr	r0, [ptr, tmp, lsl #2]
	add	TMP, alias2, ptr	@ tmp in a comment
	.unreq	tmp
tmp:	b	tmp
"""
    prog = parse_text(src)
    insns = [i for i in prog.statements if isinstance(i, Instruction)]
    assert [i.operands[0].name for i in insns[:3]] == ["r4", "r0", "r4"]
    assert gas_dump(arm_as, src, tmp_path / "r.s") == gas_dump(arm_as, print_program(prog), tmp_path / "p.s")


# small expansion cases, each compared with GNU as (data bytes of the original vs the printed program)
CASES = {
    "quoted_macro_arg": '.macro m a\n.ascii "\\a"\n.endm\nm "x y"\nm abc\n',
    "expression_args": ".macro m a, b\n.word \\a\n.word \\b\n.endm\nm 1 + 2, 3\n",
    "space_separated_args": ".macro m a b\n.word \\a\n.word \\b\n.endm\nm 1 2\n",
    "vararg": ".macro m a, rest:vararg\n.word \\a\n.word \\rest\n.endm\nm 1, 2, 3, 4\n",
    "blank_args_take_defaults": ".macro m a=5, b=7\n.word \\a, \\b\n.endm\nm , 2\nm 1\nm\nm b=3\n",
    "keyword_args": ".macro m a=1, b=2, c=3\n.word \\a, \\b, \\c\n.endm\nm c=9, a=7\n",
    "irp_space_separated": ".irp x 1 2 3\n.word \\x\n.endr\n",
    "irp_quoted": '.irp x, "1 + 2", 4\n.word \\x\n.endr\n',
    "irpc": ".irpc c, 1a3\n.byte 0x\\c\n.endr\n",
    "counter_in_rept": ".macro m\n.rept 2\n.word \\@\n.endr\n.endm\nm\nm\n.rept 2\nm\n.endr\n",
    "nested_macros": ".macro inner x\n.word \\x\n.endm\n.macro outer y\ninner \\y+1\n.endm\nouter 5\n",
    "ifb_in_macro": ".macro m a\n.ifb \\a\n.word 0\n.else\n.word \\a\n.endif\n.endm\nm\nm 4\n",
    "ifc_in_macro": ".macro m a\n.ifc \\a,r0\n.word 1\n.else\n.word 2\n.endif\n.endm\nm r0\nm r1\n",
    "exitm": ".macro m n\n.word \\n\n.if \\n\n.exitm\n.endif\n.word 99\n.endm\nm 0\nm 1\n",
    "recursive_macro": ".macro cnt n\n.word \\n\n.if \\n\ncnt (\\n-1)\n.endif\n.endm\ncnt 3\n",
    "set_in_rept": ".set i, 0\n.rept 5\n.byte i\n.set i, i+2\n.endr\n",
    "equ_and_if": "A = 3\n.equ B, A*2\n.if B == 6\n.word 6\n.endif\n.ifeq B - 7\n.word 7\n.endif\n",
    "elseif_chain": "X = 2\n.if X == 1\n.word 1\n.elseif X == 2\n.word 2\n.elseif X == 2\n.word 22\n"
                    ".else\n.word 3\n.endif\n",
    "ifdef_label": "lab: .word 0\n.ifdef lab\n.word 1\n.endif\n.ifndef nolab\n.word 2\n.endif\n",
    "semicolons": ".word 1; .word 2 ; .word 3\n",
    "comments": ".word 1 @ x ; .word 9\n.word 2 // y\n/* z */ .word 3\n# line\n.word 4 /* a */ + 1\n",
    "comment_markers_in_strings": '.ascii "a/*b"\n.word 1 @ /* no\n.word 2 /* yes\n */\n.word 3 // /*\n.word 4\n',
    "strings": '.ascii "a\\tb\\\\c\\"d\\101\\x42"\n.asciz "q"\n.string "s"\n',
    "chars": ".byte 'a, 'b', '\\n, '\\\\\n",
    "label_forms": "1: 2: .word 1b, 2b\n.L1: x$y: .word .L1\n",
    "purgem": ".macro m\n.word 1\n.endm\nm\n.purgem m\n.macro m\n.word 2\n.endm\nm\n",
}


def test_expansion_cases_match_gnu_as(arm_as, tmp_path):
    for name, body in CASES.items():
        src = ".data\n" + body
        printed = print_program(parse_text(src, name))
        ref = gas_dump(arm_as, src, tmp_path / f"{name}.s")
        assert gas_dump(arm_as, printed, tmp_path / f"{name}.printed.s") == ref, name

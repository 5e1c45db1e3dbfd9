"""One test per class of front-end error: an ``AsmError`` with file:line:col,
the source line and a caret, never a Lark exception or a traceback.  Where GNU
as is the reference (everything but Thumb, which GNU as accepts and vtrans does
not support yet), GNU as must reject the same input."""

from __future__ import annotations

import pytest

from frontend_helpers import gas
from vtrans.assembler.parser import parse_file, parse_text
from vtrans.errors import AsmError

# name: (source, expected message fragment, expected line, expected column)
CASES = {
    "syntax_unbalanced_bracket": ("\tldr r0, [r1, #4\n", "syntax error: missing ']' at end of line", 1, 17),
    "syntax_unbalanced_brace": ("\tpush {r4, lr\n", "syntax error: missing '}' at end of line", 1, 14),
    "syntax_unbalanced_paren": ("\t.word (1 + 2\n", "syntax error: missing ')' at end of line", 1, 14),
    "syntax_bad_token": ("\tmov r0, #)\n", "syntax error: unexpected ')'", 1, 11),
    "syntax_bad_character": ("\tnop\n\tmov r0, r1 ` 3\n", "unexpected character '`'", 2, 13),
    "syntax_empty_operand": ("\tadd r0, r1,, r2\n", "empty operand", 1, 2),
    "syntax_bad_number": ("\tmov r0, #12abc\n", "bad number '12abc'", 1, 11),
    "missing_comma": ("\tmov r0 #1\n", "missing ',' after 'r0'", 1, 8),
    "missing_comma_registers": ("\tadd r0, r1 r2\n", "missing ',' after 'r1'", 1, 12),
    "unknown_reloc_operator": ("\tmovw r0, #:middle16:x\n", "unknown relocation operator ':middle16:'", 1, 13),
    "unknown_mnemonic": ("\tnop\n\tfrobnicate r0, r1\n", "unknown instruction mnemonic 'frobnicate'", 2, 2),
    "unconditional_with_condition": ("\tcpsideq i\n", "unknown instruction mnemonic", 1, 2),
    "directive_symbol_expected": ("\t.global 5\n", "'.global' takes symbol names", 1, 2),
    "directive_symbol_first": ("\t.set 5, 3\n", "needs a symbol name first", 1, 2),
    "unknown_directive": ("\t.frob 1\n", "unknown directive '.frob'", 1, 2),
    "bad_register_in_list": ("\tpush {r0, x5}\n", "bad register 'x5'", 1, 12),
    "bad_register_range": ("\tpush {r5-r2}\n", "bad register range", 1, 8),
    "bad_base_register": ("\tldr r0, [x1]\n", "bad base register 'x1'", 1, 11),
    "bad_writeback_register": ("\tldmia x1!, {r0}\n", "bad register 'x1'", 1, 8),
    "bad_shift_register": ("\tmov r0, r1, lsl x3\n", "bad register 'x3'", 1, 18),
    "string_operand": ('\tmov r0, "x"\n', "a string is not an instruction operand", 1, 2),
    "unterminated_macro": ("\tnop\n\t.macro foo\n\tnop\n", "unterminated macro 'foo'", 2, 2),
    "unterminated_if": ("\t.if 1\n\tnop\n", "unterminated conditional", 1, 2),
    "unterminated_rept": ("\t.rept 3\n\tnop\n", "unterminated .rept", 1, 2),
    "unterminated_irp": ("\t.irp r, r0, r1\n\tnop\n", "unterminated .irp", 1, 2),
    "stray_endif": ("\t.endif\n", ".endif without .if", 1, 2),
    "if_not_constant": ("\t.if undefined_sym\n\t.endif\n", "non-constant expression in .if", 1, 2),
    "macro_too_many_args": ("\t.macro m a\n\t.endm\n\tm 1, 2\n", "too many arguments to macro 'm'", 3, 2),
    "macro_missing_required": ("\t.macro m a:req\n\tmov r0, #\\a\n\t.endm\n\tm\n", "required parameter 'a'", 4, 2),
    "macro_recursion": ("\t.macro m\n\tm\n\t.endm\n\tm\n", "nesting too deep", 2, 2),
    "error_directive": ('\t.error "custom failure"\n', "custom failure", 1, 2),
    "missing_include": ('\t.include "nope.inc"\n', "cannot find include file 'nope.inc'", 1, 2),
}

THUMB = {
    "thumb": "\t.thumb\n",
    "code16": "\t.code 16\n",
    "thumb_func": "\t.thumb_func\nf:\tbx lr\n",
    "force_thumb": "\t.force_thumb\n",
    "cbz": "\tcbz r0, 1f\n1:\n",
    "it_block": "\titte eq\n",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_error_class(name, tmp_path):
    src, fragment, line, col = CASES[name]
    path = tmp_path / "in.s"
    path.write_text(src)
    with pytest.raises(AsmError) as info:
        parse_file(path)
    e = info.value
    assert fragment in e.message
    assert (e.loc.file, e.loc.line, e.loc.col) == (str(path), line, col)
    text = e.format()
    head, shown, caret = text.split("\n")
    assert head == f"{path}:{line}:{col}: error: {e.message}"
    assert shown == src.split("\n")[line - 1]
    assert caret.endswith("^") and len(caret) == col


def test_gnu_as_rejects_the_same_inputs(arm_as, tmp_path):
    for name, (src, *_rest) in CASES.items():
        r = gas(arm_as, src, tmp_path / f"{name}.s")
        assert r.returncode != 0, f"GNU as accepted {name!r}, vtrans rejects it"


@pytest.mark.parametrize("name", sorted(THUMB))
def test_thumb_is_not_supported(name):
    with pytest.raises(AsmError, match="Thumb is not supported yet") as info:
        parse_text(THUMB[name], "t.s")
    assert info.value.loc is not None and info.value.loc.line == 1


@pytest.mark.parametrize("closer", [".endm", ".endr"])
def test_stray_closer_is_a_warning_like_gnu_as(closer, caplog, arm_as, tmp_path):
    src = f"\tnop\n\t{closer}\n\tnop\n"
    prog = parse_text(src, "w.s")
    assert len(prog.statements) == 2
    assert "w.s:2:2" in caplog.text and closer in caplog.text
    r = gas(arm_as, src, tmp_path / "w.s")
    assert r.returncode == 0 and "Warning" in r.stderr


def test_expression_depth_limit():
    """A vtrans limit (GNU as has none): the printer and evaluators recurse over expressions."""
    parse_text("\t.word " + "-" * 200 + "1\n")
    with pytest.raises(AsmError, match="expression nested too deeply") as info:
        parse_text("\t.word " + "+".join(["1"] * 300) + "\n", "deep.s")
    assert info.value.loc.line == 1 and info.value.loc.col > 1


def test_syntax_directive_is_fine():
    parse_text("\t.syntax unified\n\t.syntax divided\n\t.arm\n\t.code 32\n")


def test_unreadable_file(tmp_path):
    with pytest.raises(AsmError, match="cannot read"):
        parse_file(tmp_path / "missing.s")


def test_error_inside_macro_points_at_body_line():
    src = "\t.macro m\n\tbogus r0\n\t.endm\n\tnop\n\tm\n"
    with pytest.raises(AsmError, match="unknown instruction mnemonic 'bogus'") as info:
        parse_text(src, "m.s")
    assert info.value.loc.line == 2


def test_error_in_included_file_names_it(tmp_path):
    (tmp_path / "bad.inc").write_text("\tnop\n\tldr r0, [r1\n")
    main = tmp_path / "main.s"
    main.write_text('\t.include "bad.inc"\n')
    with pytest.raises(AsmError) as info:
        parse_file(main)
    assert info.value.loc.file == str(tmp_path / "bad.inc") and info.value.loc.line == 2

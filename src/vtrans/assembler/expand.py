"""Textual expansion, as GNU as does it: macros, ``.rept``/``.irp``/``.irpc``,
``.if`` and friends, ``.include``, ``.end``, plus comment and ``;`` splitting.

Input is source text; output is a flat list whose items are either
``SrcLine`` (one statement of text, still to be parsed by the grammar, with
the place it came from) or IR statements built here directly (``.set``-like
directives evaluated for ``.if``, and the "raw" directives whose argument is
free text, such as ``.arch armv7-a`` or ``.loc 1 5 0``).

Locations always point into real source lines: a statement produced by a
macro expansion points at the macro body line it came from.

``.if`` conditions are evaluated with the absolute symbols defined so far by
``.set``/``.equ``/``=`` (and ``.ifdef`` also sees labels defined so far), in
source order, like gas's single pass.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from typing import Callable, NamedTuple, Sequence

from vtrans.assembler.expr import evaluate
from vtrans.assembler.ir import Directive, Expr, Label, Statement, Sym
from vtrans.errors import AsmError, SourceLoc

log = logging.getLogger(__name__)

MAX_DEPTH = 100          # macro / include nesting
MAX_REPEAT = 1_000_000   # .rept count


class SrcLine(NamedTuple):
    """One statement's text and where it came from (a NamedTuple: there are many)."""

    text: str     # no newline
    file: str
    line: int     # 1-based
    col: int      # 0-based offset of ``text`` in ``source``
    source: str   # the physical source line (for error carets)

    def loc(self, col: int = 0) -> SourceLoc:
        return SourceLoc(self.file, self.line, self.col + col + 1)

    def error(self, msg: str, col: int = 0) -> AsmError:
        return AsmError(msg, self.loc(col), source_line=self.source)


Item = SrcLine | Statement

#: optional labels, then the statement's first word
_HEAD = re.compile(r"[ \t]*((?:(?:[A-Za-z_.$][\w.$]*|\d+)[ \t]*:(?![:=])[ \t]*)*)([A-Za-z_.$][\w.$]*)?")
_LABEL = re.compile(r"([A-Za-z_.$][\w.$]*|\d+)[ \t]*:")
_ARGREF = re.compile(r"\\(\(\)|@|[A-Za-z_][\w]*)")
#: a string, a line comment, or a block comment: strings and line comments are
#: matched too so that a "/*" inside them does not open a block comment
_BLOCK_COMMENT = re.compile(r'"(?:\\.|[^"\\\n])*"|@[^\n]*|//[^\n]*|/\*.*?(?:\*/|\Z)', re.S)

#: directives whose argument is free text (gas reads the rest of the line)
RAW_DIRECTIVES: frozenset[str] = frozenset(
    ".arch .arch_extension .cpu .fpu .syntax .object_arch .loc .loc_mark_labels .cfi_sections "
    ".save .vsave .setfp .pad .movsp .unwind_raw .personality .personalityindex .handlerdata "
    ".fnstart .fnend .cantunwind .tlsdescseq .code .arm .force_thumb".split()
)
_SET_DIRECTIVES = frozenset({".set", ".equ", ".equiv", ".eqv"})
_THUMB = frozenset({".thumb", ".thumb_func", ".force_thumb", ".thumb_set"})
_IF_OPEN = frozenset(
    ".if .ifdef .ifndef .ifnotdef .ifeq .ifne .ifge .ifgt .ifle .iflt .ifb .ifnb .ifc .ifnc "
    ".ifeqs .ifnes".split()
)
_IF_FAMILY = _IF_OPEN | {".else", ".elseif", ".endif"}
_REPT_OPEN = frozenset({".rept", ".irp", ".irpc"})


class _End(Exception):
    """``.end``: stop reading input."""


class _ExitMacro(Exception):
    """``.exitm``: leave the innermost macro expansion."""


@dataclass(frozen=True, slots=True)
class Macro:
    name: str
    params: tuple[tuple[str, str | None, str], ...]  # (name, default, qualifier: ""|"req"|"vararg")
    body: tuple[SrcLine, ...]
    where: SrcLine


def strip_comment(text: str) -> str:
    """``text`` without a trailing ``@``/``//`` comment (strings respected)."""
    if "@" not in text and "/" not in text:
        return text
    quote = False
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == '"':
                quote = False
        elif c == '"':
            quote = True
        elif c == "@" or (c == "/" and text.startswith("//", i)):
            return text[:i]
        i += 1
    return text


def split_top(text: str, sep: str = ",") -> list[str]:
    """Split at ``sep`` outside quotes and brackets; pieces stripped."""
    out: list[str] = []
    depth = 0
    quote = False
    start = 0
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == '"':
                quote = False
        elif c == '"':
            quote = True
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == sep and depth == 0:
            out.append(text[start:i].strip())
            start = i + 1
        i += 1
    out.append(text[start:].strip())
    return out


def _unquote(arg: str) -> str:
    """A quoted macro/.irp argument stands for its contents (gas macro.c get_any_string)."""
    if len(arg) >= 2 and arg[0] == '"' and arg[-1] == '"' and '"' not in arg[1:-1]:
        return arg[1:-1]
    return arg


def _split_statements(line: str) -> list[tuple[int, str]]:
    """Split a physical line at ``;`` (outside strings and comments) -> [(offset, text)]."""
    out: list[tuple[int, str]] = []
    quote = False
    start = 0
    i, n = 0, len(line)
    while i < n:
        c = line[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == '"':
                quote = False
        elif c == '"':
            quote = True
        elif c == "@" or (c == "/" and line.startswith("//", i)):
            break
        elif c == ";":
            out.append((start, line[start:i]))
            start = i + 1
        i += 1
    out.append((start, line[start:]))
    return out


def _blank_comment(m: re.Match) -> str:
    t = m.group()
    if not t.startswith("/*"):
        return t
    return re.sub(r"[^\n]", " ", t)


def split_source(text: str, file: str) -> list[SrcLine]:
    """Physical text -> statements, with ``/* */`` and ``#``-at-line-start comments removed."""
    originals = text.split("\n")
    if "/*" in text:
        # keep newlines and columns: a comment becomes spaces
        text = _BLOCK_COMMENT.sub(_blank_comment, text)
        physical = text.split("\n")
    else:
        physical = originals
    out: list[SrcLine] = []
    append = out.append
    for i, phys in enumerate(physical):
        s = phys.lstrip()
        if not s or s[0] in "#@" or s[:2] == "//":  # '#' at line start: comment, or a cpp line marker
            continue
        if ";" in phys:
            for off, part in _split_statements(phys):
                if part.strip():
                    append(SrcLine(part, file, i + 1, off, originals[i]))
        else:
            append(SrcLine(phys, file, i + 1, 0, originals[i]))
    return out


class Expander:
    """Expands one source file.  ``parse_line`` parses a single SrcLine into IR
    statements (used for ``.set`` and ``.if`` arguments, whose values the
    expansion needs at once); ``parse_expr`` parses an expression text."""

    def __init__(
        self,
        parse_line: Callable[[SrcLine], list[Statement]],
        parse_expr: Callable[[str, SrcLine], Expr],
        include_dirs: Sequence[str | os.PathLike] = (),
    ):
        self.parse_line = parse_line
        self.parse_expr = parse_expr
        self.include_dirs = [os.fspath(d) for d in include_dirs]
        self.out: list[Item] = []
        self.macros: dict[str, Macro] = {}
        self.symbols: dict[str, int] = {}
        self.labels: set[str] = set()
        # each entry: [parent_active, this_active, taken, opener]
        self.conds: list[list] = []
        self.active = True
        self.macro_counter = 0
        self.depth = 0
        self.aliases: dict[str, str] = {}   # `name .req reg` register aliases
        self._alias_re: re.Pattern | None = None

    # ------------------------------------------------------------------ driver

    def expand(self, text: str, file: str) -> list[Item]:
        try:
            self._run(split_source(text, file))
        except _End:
            pass
        except _ExitMacro:
            raise AsmError(".exitm outside a macro", None) from None
        if self.conds:
            opener: SrcLine = self.conds[-1][3]
            raise opener.error("unterminated conditional (.if without .endif)")
        return self.out

    def _run(self, lines: Sequence[SrcLine]) -> None:
        out = self.out
        i, n = 0, len(lines)
        while i < n:
            ln = lines[i]
            i += 1
            m = _HEAD.match(ln.text)
            name = m.group(2)
            if not self.active:
                if name is not None and name[0] == "." and name.lower() in _IF_FAMILY:
                    self._conditional(ln, name.lower(), ln.text[m.end():])
                continue
            if name is None:
                if m.group(1):
                    self._note_labels(m.group(1))
                out.append(ln)
                continue
            rest = ln.text[m.end():]
            if m.group(1):
                self._note_labels(m.group(1))
            if name[0] == ".":
                low = name.lower()
                if low in _CONTROL or low in RAW_DIRECTIVES or low in _SET_DIRECTIVES or low in _THUMB \
                        or (low == ".file" and rest.lstrip()[:1].isdigit()):
                    if m.group(1):  # labels before a directive handled here: emit them first
                        out.append(SrcLine(m.group(1), ln.file, ln.line, ln.col, ln.source))
                    # from here on the line starts at the directive (errors point at it)
                    ln = SrcLine(ln.text[m.start(2):], ln.file, ln.line, ln.col + m.start(2), ln.source)
                    i = self._directive(ln, low, rest, lines, i)
                    continue
                out.append(ln)
                continue
            macro = self.macros.get(name.lower()) if self.macros else None  # gas: names ignore case
            if macro is not None:
                if m.group(1):
                    out.append(SrcLine(m.group(1), ln.file, ln.line, ln.col, ln.source))
                ln = SrcLine(ln.text[m.start(2):], ln.file, ln.line, ln.col + m.start(2), ln.source)
                self._invoke(macro, ln, rest)
                continue
            r = rest.lstrip()
            if r[:1] == "=" and r[1:2] != "=":
                self._set(ln, name)
                continue
            if r[:4].lower() == ".req" and (len(r) == 4 or r[4] in " \t"):
                self._req(ln, name, r[4:])
                continue
            if self.aliases:
                ln = self._apply_aliases(ln, m.end(2))
            out.append(ln)

    # register aliases: `name .req reg`, `.unreq name` (gas tc-arm.c s_req)
    def _req(self, ln: SrcLine, name: str, rest: str) -> None:
        target = strip_comment(rest).strip()
        if not re.fullmatch(r"[A-Za-z_][\w]*", target):
            raise ln.error(f"bad register name after .req: '{target}'")
        target = self.aliases.get(target, target)
        # gas defines the name as written and its all-lower and all-upper forms
        for form in {name, name.lower(), name.upper()}:
            self.aliases[form] = target
        self._alias_re = None

    def _unreq(self, ln: SrcLine, low: str, rest: str, lines, i: int) -> int:
        name = strip_comment(rest).strip()
        if name not in self.aliases:
            raise ln.error(f"unknown register alias '{name}' in .unreq")
        for form in {name, name.lower(), name.upper()}:
            self.aliases.pop(form, None)
        self._alias_re = None
        return i

    def _apply_aliases(self, ln: SrcLine, start: int) -> SrcLine:
        """Replace alias names in the operands (after ``start``) by their registers."""
        if self._alias_re is None:
            names = "|".join(sorted(map(re.escape, self.aliases), key=len, reverse=True))
            self._alias_re = re.compile(rf"(?<![\w.$])({names})(?![\w.$])")
        text = strip_comment(ln.text)
        ops = text[start:]
        if '"' in ops:
            return ln  # strings are not instruction operands: leave such a line to the parser
        new = self._alias_re.sub(lambda m: self.aliases[m.group(1)], ops)
        if new == ops:
            return ln
        return SrcLine(text[:start] + new, ln.file, ln.line, ln.col, ln.source)

    def _note_labels(self, text: str) -> None:
        self.labels.update(_LABEL.findall(text))

    # ------------------------------------------------------------------ directives

    def _directive(self, ln: SrcLine, low: str, rest: str, lines: Sequence[SrcLine], i: int) -> int:
        if low in _THUMB:
            raise ln.error("Thumb is not supported yet")
        if low in _SET_DIRECTIVES:
            self._set(ln, low)
            return i
        if low in RAW_DIRECTIVES or (low == ".file" and rest.lstrip()[:1].isdigit()):
            # .file N "name" (DWARF file table) is space-separated: kept as text
            text = strip_comment(rest).strip()
            if low == ".code":
                if text not in ("32",):
                    if text == "16":
                        raise ln.error("Thumb is not supported yet")
                    raise ln.error(f"bad .code operand '{text}' (ARM: .code 32)")
            args = tuple(a for a in split_top(text)) if text else ()
            self.out.append(Directive(low[1:], args, ln.loc()))
            return i
        handler = _CONTROL[low]
        return handler(self, ln, low, rest, lines, i)

    def _set(self, ln: SrcLine, low: str) -> None:
        stmts = self.parse_line(ln)
        self.out.extend(stmts)
        for st in stmts:
            if isinstance(st, Directive) and st.name in ("set", "equ", "equiv", "eqv") and len(st.args) == 2 \
                    and isinstance(st.args[0], Sym):
                sym = st.args[0].name
                if st.name == "equiv" and (sym in self.symbols or sym in self.labels):
                    raise ln.error(f"symbol '{sym}' is already defined (.equiv)")
                try:
                    v = evaluate(st.args[1], self._lookup)
                except AsmError:
                    self.symbols.pop(sym, None)  # not absolute (yet): unknown to .if
                    continue
                if v.absolute:
                    self.symbols[sym] = v.offset
                else:
                    self.symbols.pop(sym, None)
            elif isinstance(st, Label):
                self.labels.add(st.name)

    def _lookup(self, name: str) -> int | None:
        return self.symbols.get(name)

    def _eval(self, ln: SrcLine, text: str, what: str) -> int:
        text = strip_comment(text).strip()
        if not text:
            raise ln.error(f"missing expression after {what}")
        e = self.parse_expr(text, ln)
        try:
            v = evaluate(e, self._lookup, loc=ln.loc())
        except AsmError as err:
            raise ln.error(f"non-constant expression in {what}: {err.message}") from None
        if not v.absolute:
            raise ln.error(f"non-constant expression in {what}")
        return v.offset

    # .if family (gas read.c s_if and friends)
    def _conditional(self, ln: SrcLine, low: str, rest: str, *_unused) -> None:
        if low in _IF_OPEN:
            parent = self.active
            value = self._condition(ln, low, rest) if parent else False
            self.conds.append([parent, value, value, ln])
            self.active = parent and value
            return
        if not self.conds:
            raise ln.error(f"{low} without .if")
        top = self.conds[-1]
        if low == ".endif":
            self.conds.pop()
            self.active = top[0]
        elif low == ".else":
            top[1] = top[0] and not top[2]
            top[2] = True
            self.active = top[1]
        else:  # .elseif
            value = False
            if top[0] and not top[2]:
                value = self._eval(ln, rest, ".elseif") != 0
            top[1] = value
            top[2] = top[2] or value
            self.active = value

    def _condition(self, ln: SrcLine, low: str, rest: str) -> bool:
        text = strip_comment(rest).strip()
        if low in (".ifdef", ".ifndef", ".ifnotdef"):
            if not text:
                raise ln.error(f"missing symbol name after {low}")
            defined = text in self.symbols or text in self.labels
            return defined if low == ".ifdef" else not defined
        if low in (".ifb", ".ifnb"):
            return (not text) if low == ".ifb" else bool(text)
        if low in (".ifc", ".ifnc", ".ifeqs", ".ifnes"):
            parts = split_top(text)
            if len(parts) != 2:
                raise ln.error(f"{low} needs two comma-separated operands")
            a, b = (p[1:-1] if len(p) >= 2 and p[0] == p[-1] in "'\"" else p for p in parts)
            same = a == b
            return same if low in (".ifc", ".ifeqs") else not same
        v = self._eval(ln, text, low)
        return {
            ".if": v != 0, ".ifne": v != 0, ".ifeq": v == 0, ".ifge": v >= 0,
            ".ifgt": v > 0, ".ifle": v <= 0, ".iflt": v < 0,
        }[low]

    def _if_directive(self, ln: SrcLine, low: str, rest: str, lines, i: int) -> int:
        self._conditional(ln, low, rest)
        return i

    # .macro / .endm / .exitm / .purgem
    def _collect(self, ln: SrcLine, lines: Sequence[SrcLine], i: int, openers: frozenset[str],
                 closer: str, what: str) -> tuple[list[SrcLine], int]:
        depth = 1
        j = i
        while j < len(lines):
            m = _HEAD.match(lines[j].text)
            name = m.group(2)
            if name is not None and name[0] == ".":
                low = name.lower()
                if low in openers:
                    depth += 1
                elif low == closer or (closer == ".endm" and low == ".endmacro"):
                    depth -= 1
                    if depth == 0:
                        return list(lines[i:j]), j + 1
            j += 1
        raise ln.error(f"unterminated {what} (missing {closer})")

    def _macro(self, ln: SrcLine, low: str, rest: str, lines, i: int) -> int:
        head = strip_comment(rest).strip()
        if not head:
            raise ln.error("missing macro name after .macro")
        m = re.match(r"([A-Za-z_.$][\w.$]*)\s*,?\s*(.*)$", head)
        if m is None:
            raise ln.error(f"bad macro name in '.macro {head}'")
        name, ptext = m.group(1), m.group(2)
        params: list[tuple[str, str | None, str]] = []
        pieces = split_top(ptext) if "," in ptext else ptext.split()
        for p in pieces:
            if not p:
                continue
            pm = re.match(r"([A-Za-z_][\w]*)\s*(?::\s*(req|vararg))?\s*(?:=\s*(.*))?$", p)
            if pm is None:
                raise ln.error(f"bad macro parameter '{p}'")
            params.append((pm.group(1), pm.group(3), pm.group(2) or ""))
        body, j = self._collect(ln, lines, i, frozenset({".macro"}), ".endm", f"macro '{name}'")
        self.macros[name.lower()] = Macro(name, tuple(params), tuple(body), ln)
        return j

    def _stray(self, ln: SrcLine, low: str, rest: str, lines, i: int) -> int:
        if low == ".exitm":
            raise _ExitMacro()
        # GNU as only warns about a stray .endm/.endr, and goes on
        opener = ".macro" if low in (".endm", ".endmacro") else ".rept, .irp, or .irpc"
        log.warning("%s: %s encountered without preceding %s", ln.loc(), low, opener)
        return i

    def _purgem(self, ln: SrcLine, low: str, rest: str, lines, i: int) -> int:
        name = strip_comment(rest).strip()
        if self.macros.pop(name.lower(), None) is None:
            raise ln.error(f"macro '{name}' is not defined")
        return i

    def _invoke(self, macro: Macro, ln: SrcLine, rest: str) -> None:
        text = strip_comment(rest).strip()
        if not text:
            args: list[str] = []
        elif "," in text:
            args = split_top(text)
        else:
            args = split_top(text, " ")
            args = [a for a in args if a]
        args = [_unquote(a) for a in args]
        values: dict[str, str] = {}
        positional = 0
        params = macro.params
        for k, a in enumerate(args):
            km = re.match(r"([A-Za-z_][\w]*)\s*=(?!=)\s*(.*)$", a)
            if km is not None and any(p[0] == km.group(1) for p in params):
                values[km.group(1)] = km.group(2)
                continue
            if positional >= len(params):
                raise ln.error(f"too many arguments to macro '{macro.name}'")
            pname, _, qual = params[positional]
            if qual == "vararg":
                values[pname] = ", ".join(args[k:])
                positional = len(params)
                break
            values[pname] = a
            positional += 1
        for pname, default, qual in params:
            if not values.get(pname):  # omitted or blank: the default (gas macro.c)
                if qual == "req":
                    raise ln.error(f"missing value for required parameter '{pname}' of macro '{macro.name}'")
                values[pname] = default or ""
        self.macro_counter += 1
        counter = str(self.macro_counter - 1)

        def sub(m: re.Match) -> str:
            t = m.group(1)
            if t == "()":
                return ""
            if t == "@":
                return counter
            v = values.get(t)
            return v if v is not None else m.group(0)

        body = [SrcLine(_ARGREF.sub(sub, b.text), b.file, b.line, b.col, b.source) if "\\" in b.text else b
                for b in macro.body]
        self._nested(ln, body, macro_exit=True)

    def _nested(self, ln: SrcLine, body: Sequence[SrcLine], macro_exit: bool = False) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ln.error("macro, .rept or .include nesting too deep (recursion?)")
        conds = len(self.conds)
        try:
            self._run(body)
        except _ExitMacro:
            if not macro_exit:
                raise
            del self.conds[conds:]
            self.active = self.conds[-1][1] if self.conds else True
        finally:
            self.depth -= 1

    # .rept / .irp / .irpc
    def _rept(self, ln: SrcLine, low: str, rest: str, lines, i: int) -> int:
        body, j = self._collect(ln, lines, i, _REPT_OPEN, ".endr", low)
        if low == ".rept":
            count = self._eval(ln, rest, ".rept")
            if count > MAX_REPEAT:
                raise ln.error(f".rept count {count} is too large")
            for _ in range(max(count, 0)):
                self._nested(ln, body)
            return j
        text = strip_comment(rest).strip()
        parts = split_top(text) if "," in text else text.split()
        if not parts or not re.fullmatch(r"[A-Za-z_][\w]*", parts[0]):
            raise ln.error(f"{low} needs a parameter name")
        pname, values = parts[0], [_unquote(v) for v in parts[1:]]
        if low == ".irpc":
            values = list("".join(values)) or [""]
        elif not values:
            values = [""]
        ref = re.compile(r"\\" + re.escape(pname) + r"(?![\w])|\\\(\)")
        for v in values:
            expanded = [SrcLine(ref.sub(lambda m, v=v: "" if m.group() == "\\()" else v, b.text),
                                b.file, b.line, b.col, b.source) for b in body]
            self._nested(ln, expanded)
        return j

    # .include / .end / .error
    def _include(self, ln: SrcLine, low: str, rest: str, lines, i: int) -> int:
        text = strip_comment(rest).strip()
        if len(text) < 2 or text[0] != '"' or text[-1] != '"':
            raise ln.error('.include needs a quoted file name: .include "file.s"')
        name = text[1:-1]
        here = os.path.dirname(ln.file) if ln.file and not ln.file.startswith("<") else "."
        candidates = [os.path.join(here, name)] + [os.path.join(d, name) for d in self.include_dirs]
        path = next((c for c in candidates if os.path.isfile(c)), None)
        if path is None:
            raise ln.error(f"cannot find include file '{name}' (searched: {', '.join(candidates)})")
        try:
            with open(path, encoding="utf-8", errors="surrogateescape") as f:
                content = f.read()
        except OSError as e:
            raise ln.error(f"cannot read include file '{path}': {e.strerror}") from None
        self._nested(ln, split_source(content, path))
        return i

    def _end(self, ln: SrcLine, low: str, rest: str, lines, i: int) -> int:
        raise _End()

    def _error(self, ln: SrcLine, low: str, rest: str, lines, i: int) -> int:
        text = strip_comment(rest).strip()
        if low == ".err":
            raise ln.error(".err encountered")
        msg = text[1:-1] if len(text) >= 2 and text[0] == '"' and text[-1] == '"' else text
        raise ln.error(msg or ".error directive")


_CONTROL: dict[str, Callable] = {}
for _n in _IF_FAMILY:
    _CONTROL[_n] = Expander._if_directive
_CONTROL.update({
    ".macro": Expander._macro,
    ".endm": Expander._stray,
    ".endmacro": Expander._stray,
    ".exitm": Expander._stray,
    ".endr": Expander._stray,
    ".purgem": Expander._purgem,
    ".unreq": Expander._unreq,
    ".rept": Expander._rept,
    ".irp": Expander._rept,
    ".irpc": Expander._rept,
    ".include": Expander._include,
    ".end": Expander._end,
    ".err": Expander._error,
    ".error": Expander._error,
})

__all__ = ["Expander", "SrcLine", "Item", "split_source", "strip_comment", "split_top", "RAW_DIRECTIVES"]

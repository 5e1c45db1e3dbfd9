"""Round trip over real sources: ``parse(print(ir)) == ir`` for every ``.s``
under ``samples/`` and for gcc ``-S -marm`` output of C programs (the C corpus
and a few programs here) at -O0, -O2 and -Os; and GNU as gives the same object
for the printed program as for the original."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLES
from frontend_helpers import gas_dump
from vtrans.assembler.expand import Expander, SrcLine
from vtrans.assembler.parser import frontend, parse_file, parse_text
from vtrans.assembler.printer import print_program

SAMPLE_SOURCES = sorted(SAMPLES.rglob("*.s"))
CORPUS = sorted((ROOT / "tests" / "corpus" / "c").glob("*.c"))

#: C that makes gcc emit what the corpus may not: switch tables, 64-bit and
#: float arithmetic, string escapes, static data, inline system instructions
EXTRA_C = {
    "mix.c": r"""
#include <stdint.h>
struct node { int v; struct node *next; };
static int counter;
const char *msg = "tab\there \"quoted\" \\ \001\377 end\n";
volatile uint32_t *uart = (uint32_t *)0x101f1000;
int sum(struct node *n) { int s = 0; while (n) { s += n->v; n = n->next; } return s; }
long long mul64(long long a, long long b) { return a * b + (a >> 3); }
unsigned divmod(unsigned a, unsigned b) { return a / b + a % b; }
void putstr(const char *s) { while (*s) *uart = *s++; }
int sw(int x) { switch (x) { case 0: return 3; case 1: return 7; case 2: return 11;
                             case 3: return 19; case 4: return 23; case 5: return 2; default: return -1; } }
float fadd(float a, float b) { return a * b + 1.5f; }
double dd(double a) { return a / 3.0; }
unsigned cpsr(void) { unsigned v; __asm__ volatile("mrs %0, cpsr" : "=r"(v)); return v; }
void irq_off(void) { __asm__ volatile("cpsid i\n\tdsb\n\tisb" ::: "memory"); }
int main(void) { static char buf[64]; for (int i = 0; i < 64; i++) buf[i] = i * 3;
                 counter += sum(0); putstr(msg); return buf[3] + sw(counter) + (int)fadd(1, 2); }
""",
}

GCC_FLAGS = ("-S", "-marm", "-march=armv7-a", "-fno-asynchronous-unwind-tables")


def _roundtrip(arm_as: str, src: Path, tmp: Path, include_dirs=()) -> None:
    prog = parse_file(src, include_dirs=include_dirs)
    printed = print_program(prog)
    again = parse_text(printed, "printed.s")
    assert again.statements == prog.statements
    flags = [a for d in include_dirs for a in ("-I", str(d))]
    ref = gas_dump(arm_as, src.read_text(), tmp / (src.stem + ".orig.s"), "-I", str(src.parent), *flags)
    assert gas_dump(arm_as, printed, tmp / (src.stem + ".printed.s")) == ref


@pytest.mark.gnu
def test_samples_exist():
    assert SAMPLE_SOURCES, "no samples/**/*.s found"


@pytest.mark.gnu
@pytest.mark.parametrize("src", SAMPLE_SOURCES, ids=[str(p.relative_to(SAMPLES)) for p in SAMPLE_SOURCES])
def test_sample_roundtrip(arm_as, src, tmp_path):
    _roundtrip(arm_as, src, tmp_path)


@pytest.fixture(scope="module")
def gcc_outputs(arm_gcc, tmp_path_factory) -> list[Path]:
    """gcc -S of the corpus and EXTRA_C at -O0, -O2, -Os (one gcc run per level)."""
    tmp = tmp_path_factory.mktemp("gcc")
    sources = list(CORPUS)
    for name, text in EXTRA_C.items():
        (tmp / name).write_text(text)
        sources.append(tmp / name)
    out: list[Path] = []
    for level in ("-O0", "-O2", "-Os"):
        d = tmp / level.lstrip("-")
        d.mkdir()
        inc = [f"-I{ROOT / 'tests' / 'corpus' / 'c'}"]
        subprocess.run([arm_gcc, *GCC_FLAGS, level, *inc, *map(str, sources)], cwd=d, check=True,
                       stdin=subprocess.DEVNULL, timeout=300, capture_output=True)
        out.extend(sorted(d.glob("*.s")))
    # debug info adds .file N "x", .loc and .section .debug_* with .uleb128 and friends
    d = tmp / "g"
    d.mkdir()
    subprocess.run([arm_gcc, *GCC_FLAGS, "-O2", "-g", str(tmp / "mix.c")], cwd=d, check=True,
                   stdin=subprocess.DEVNULL, timeout=300, capture_output=True)
    out.extend(sorted(d.glob("*.s")))
    return out


@pytest.mark.gnu
def test_gcc_output_roundtrip(arm_as, gcc_outputs, tmp_path):
    assert len(gcc_outputs) >= 3 * (len(CORPUS) + len(EXTRA_C))
    for i, src in enumerate(gcc_outputs):
        d = tmp_path / str(i)
        d.mkdir()
        _roundtrip(arm_as, src, d)


def test_fast_path_equals_grammar(gcc_outputs):
    """Lines the Lark-free fast path takes parse to exactly what the grammar gives."""
    fe = frontend("arm")
    seen = 0
    for src in gcc_outputs:
        items = Expander(lambda ln: fe.parse_lines([ln]), fe.parse_expr).expand(src.read_text(), str(src))
        for ln in items:
            if not isinstance(ln, SrcLine):
                continue
            text = ln.text
            fast = fe._fast(ln)
            if fast is None:
                continue
            seen += 1
            assert fast == fe._parse_batch([ln])[0], text
            assert [s.loc for s, _ in fast] == [s.loc for s, _ in fe._parse_batch([ln])[0]], text
    assert seen > 100

"""Machines run on several threads at once (the test suite's sample runs, any embedding
program): what the process shares between them must be safe to share.

The scratch CPU a ``ReferenceModel`` asks is one per CPU model for the whole process; two
threads running it at once crashed the interpreter (a Unicorn instance must never run on
two threads).  Engine handles (keystone, capstone) are per thread for the same reason.
"""

from __future__ import annotations

import random
import threading

import unicorn
from unicorn import arm_const as A

from vtrans.isa import get
from vtrans.isa.arm.vcpu import ReferenceModel


def _words(seed: int, n: int) -> list[int]:
    r = random.Random(seed)
    # coprocessor and status-register space, where the models differ most, and anything
    return [r.getrandbits(32) if i % 2 else (0xEE000010 | r.getrandbits(24) & 0x00FF0FEF)
            for i in range(n)]


def test_reference_model_answers_the_same_on_two_threads() -> None:
    uc = unicorn.Uc(unicorn.UC_ARCH_ARM, unicorn.UC_MODE_ARM)
    uc.ctl_set_cpu_model(A.UC_CPU_ARM_CORTEX_A9)
    shared = ReferenceModel.of(uc)
    batches = [_words(seed, 3000) for seed in (1, 2)]
    answers: dict[int, list[bool]] = {}

    def ask(i: int) -> None:
        answers[i] = [shared.undefined(w) for w in batches[i]]

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # the same questions to a model of its own, on one thread
    alone = ReferenceModel(A.UC_CPU_ARM_CORTEX_A9)
    for i, batch in enumerate(batches):
        assert answers[i] == [alone.undefined(w) for w in batch]
    assert any(answers[0]) and not all(answers[0])


def test_engine_handles_are_per_thread() -> None:
    isa = get("arm")
    seen: dict[str, tuple] = {}

    def grab(name: str) -> None:
        seen[name] = (isa.cs, isa.cs_fast, isa.ks)   # (kept alive: ids are compared)

    threads = [threading.Thread(target=grab, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not {id(h) for h in seen["a"]} & {id(h) for h in seen["b"]}
    # and one thread keeps its own
    assert isa.cs is isa.cs and isa.ks is isa.ks
    word = 0xE12FFF1E  # bx lr
    assert [i.mnemonic for i in isa.cs_fast.disasm(word.to_bytes(4, "little"), 0)] == ["bx"]

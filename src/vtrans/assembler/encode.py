"""Instruction encoding: keystone, batched and cached by text, every word checked with capstone.

The ISA plugin's ``encoding`` module *prepares* each instruction: either words it
encoded itself from the architecture manual, or keystone text in which every symbol
and pc-relative operand is already a number — text that no longer depends on the
instruction's address.  So identical texts are encoded once (a process-wide cache),
and all the texts not yet known go to keystone in one call per batch (one call per
instruction costs ~35 us, a batch ~2.6 us per instruction).  Every word is then
decoded by capstone and compared with what was meant: keystone has known
mis-encodings, and a mismatch is an ``EncodeError`` naming the source line.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property
from types import ModuleType

from vtrans.assembler.ir import Instruction
from vtrans.errors import EncodeError

log = logging.getLogger(__name__)

#: texts per keystone call (keystone's parser is quadratic in nothing, but errors
#: make us re-encode a failed batch one by one, so keep batches moderate)
BATCH = 2000


@dataclass(slots=True)
class Job:
    """One instruction to encode: the ISA's ``Prepared`` plus where it goes."""

    prepared: object
    addr: int
    insn: Instruction
    size: int


class Encoder:
    """Encodes prepared instructions for one ISA; keeps the text -> bytes cache."""

    def __init__(self, isa, enc: ModuleType):
        self.isa = isa
        self.enc = enc
        self._cache: dict[tuple[str, bool], bytes] = {}

    @cached_property
    def _ks_v8(self):
        import keystone

        return self.isa.open_keystone(keystone.KS_MODE_V8)

    def encode(self, jobs: list[Job]) -> list[bytes]:
        """The bytes of each job, in order.  Raises ``EncodeError`` at the first bad one."""
        cache = self._cache
        pending: dict[tuple[str, bool], Job] = {}
        for job in jobs:
            p = job.prepared
            if p.text is not None:
                key = (p.text, p.v8)
                if key not in cache and key not in pending:
                    pending[key] = job
        if pending:
            self._assemble(list(pending.items()))
        out: list[bytes] = []
        cs = self.isa.cs_fast
        verify = self.enc.verify
        for job in jobs:
            p = job.prepared
            if p.words is not None:
                verify(p.words, p.expect, job.addr, job.insn, cs)
                words = p.words
            else:
                words = cache[(p.text, p.v8)]
            if len(words) != job.size:
                raise EncodeError(f"'{p.expect}' encoded to {len(words)} bytes, expected {job.size}", job.insn.loc)
            out.append(words)
        return out

    def _assemble(self, items: list[tuple[tuple[str, bool], Job]]) -> None:
        for v8 in (False, True):
            group = [(key, job) for key, job in items if key[1] == v8]
            for start in range(0, len(group), BATCH):
                self._batch(group[start:start + BATCH], v8)

    def _batch(self, group: list[tuple[tuple[str, bool], Job]], v8: bool) -> None:
        import keystone

        ks = self._ks_v8 if v8 else self.isa.ks
        text = "\n".join(key[0] for key, _ in group)
        sizes = [job.size for _, job in group]
        try:
            encoding, _count = ks.asm(text, 0, as_bytes=True)
        except keystone.KsError:
            encoding = None
        if encoding is None or len(encoding) != sum(sizes):
            # find the culprit (and let V8 mode rescue "missing CPU feature" forms)
            for key, job in group:
                self._one(key, job)
            return
        blob = bytes(encoding)
        self._check(group, blob)

    def _one(self, key: tuple[str, bool], job: Job) -> None:
        import keystone

        text, v8 = key
        words = None
        error = None
        for handle in ((self._ks_v8,) if v8 else (self.isa.ks, self._ks_v8)):
            try:
                encoding, _ = handle.asm(text, 0, as_bytes=True)
            except keystone.KsError as e:
                error = e
                if e.errno != keystone.KS_ERR_ASM_MISSINGFEATURE:
                    break
                continue
            if encoding:
                words = bytes(encoding)
                break
        if words is None:
            raise EncodeError(_ks_message(text, error), job.insn.loc) from None
        self._check([(key, job)], words)

    def _check(self, group: list[tuple[tuple[str, bool], Job]], blob: bytes) -> None:
        cs = self.isa.cs_fast
        verify = self.enc.verify
        offset = 0
        for key, job in group:
            words = blob[offset:offset + job.size]
            offset += job.size
            # text encodings are address-independent: verify at address 0
            verify(words, job.prepared.expect, 0, job.insn, cs)
            self._cache[key] = words


def _ks_message(text: str, error) -> str:
    import keystone

    if error is None:
        return f"keystone produced no encoding for '{text}'"
    errno = getattr(error, "errno", None)
    if errno == keystone.KS_ERR_ASM_MNEMONICFAIL:
        return f"unknown instruction '{text.split()[0]}'"
    if errno == keystone.KS_ERR_ASM_INVALIDOPERAND:
        return f"invalid operand in '{text}' (immediate out of range or not encodable?)"
    if errno == keystone.KS_ERR_ASM_MISSINGFEATURE:
        return f"'{text}' needs an architecture feature keystone does not provide"
    return f"cannot encode '{text}': {error}"

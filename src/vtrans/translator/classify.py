"""Classification of instruction words through the ISA plugin.

Generic: knows nothing of any ISA; the table lives in ``isa/<name>/sensitivity.py``.
Works on raw words, so the binary translator can call it on code from an ELF
file that has no source.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from vtrans import isa as isa_registry
from vtrans.isa.base import Classification, InsnClass, SensitivityKind

__all__ = ["Classification", "InsnClass", "SensitivityKind", "Finding", "classify_word",
           "classify_words", "is_sensitive"]


def classify_word(word: int, isa: str = "arm") -> Classification:
    """Classify one instruction word of ISA ``isa``."""
    return isa_registry.get(isa).classify(word)


def is_sensitive(word: int, isa: str = "arm") -> bool:
    """True when the word must not run as-is in a deprivileged kernel."""
    return classify_word(word, isa).is_sensitive


@dataclass(frozen=True, slots=True)
class Finding:
    """A non-innocuous instruction at an address."""

    address: int
    classification: Classification


def classify_words(words: Iterable[tuple[int, int]], isa: str = "arm", *,
                   include_innocuous: bool = False) -> Iterator[Finding]:
    """Classify ``(address, word)`` pairs; yields the non-innocuous ones (or all)."""
    plugin = isa_registry.get(isa)
    for address, word in words:
        c = plugin.classify(word)
        if include_innocuous or c.is_sensitive:
            yield Finding(address, c)

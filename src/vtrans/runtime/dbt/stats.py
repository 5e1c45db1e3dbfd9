"""Counters of a translated run, printed by ``vtrans run --mode bt`` and in ``--stats-json``."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(slots=True)
class DbtStats:
    blocks_translated: int = 0
    guest_insns_translated: int = 0
    cache_bytes: int = 0            # code bytes in use now
    cache_capacity: int = 0
    chain_links: int = 0            # direct exits patched to jump block-to-block
    ibl_hits: int = 0               # indirect branches resolved inside the cache
    ibl_misses: int = 0             # ... that went back to the dispatcher
    dispatcher_exits: int = 0       # returns from translated code to the dispatcher
    exits_direct: int = 0
    exits_budget: int = 0           # clock deadlines (and boundary requests)
    callouts: int = 0               # sensitive instructions emulated by the VMM
    cache_entries: int = 0          # emu_start calls
    invalidations: int = 0          # blocks dropped for self-modifying code
    flushes: int = 0                # whole-cache flushes (capacity)
    translate_seconds: float = 0.0  # decoding, rewriting, writing into the cache
    protect_seconds: float = 0.0    # write-protecting guest code pages (once per page)

    def as_dict(self) -> dict:
        d = asdict(self)
        d["translate_us_per_guest_insn"] = (
            1e6 * self.translate_seconds / self.guest_insns_translated if self.guest_insns_translated else 0.0)
        return d

    def rows(self) -> list[tuple[str, str]]:
        d = self.as_dict()
        out = []
        for k, v in d.items():
            out.append((k.replace("_", " "), f"{v:.3f}" if isinstance(v, float) else str(v)))
        return out

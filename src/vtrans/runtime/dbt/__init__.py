"""Dynamic binary translation with a translation cache (``--mode bt``).

Generic parts only: the dispatcher (``dispatcher.py``), the cache region
(``cache.py``), the block maps (``blocks.py``) and statistics (``stats.py``).
The ISA supplies the translation rules through its translator object
(``vtrans.isa.arm.translate.ArmTranslator`` for A32).  ARCHITECTURE.md,
section "Binary translation", describes the design.
"""

from vtrans.runtime.dbt.dispatcher import DEFAULT_TC_SIZE, DbtHost, Dispatcher, GuestPoint, UnicornCodeWatch
from vtrans.runtime.dbt.stats import DbtStats

__all__ = ["DEFAULT_TC_SIZE", "DbtHost", "DbtStats", "Dispatcher", "GuestPoint", "UnicornCodeWatch"]

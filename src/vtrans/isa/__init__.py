"""ISA plugins.  ``isa/<name>/`` is the only code that knows an instruction set.

Generic stages (parser driver, layout, CFG, rewrite, runtime, dbt) ask the
registry for the plugin by name and use only the ``Isa`` interface.
"""

from __future__ import annotations

import importlib

from vtrans.errors import UsageError
from vtrans.isa.base import Isa

#: name -> module that defines ``ISA`` (an ``Isa`` instance).  A new ISA adds one line.
_PLUGINS: dict[str, str] = {
    "arm": "vtrans.isa.arm",
}
_loaded: dict[str, Isa] = {}


def get(name: str = "arm") -> Isa:
    """The plugin for ``name`` (loaded on first use and cached)."""
    isa = _loaded.get(name)
    if isa is None:
        module = _PLUGINS.get(name)
        if module is None:
            raise UsageError(f"unknown ISA '{name}' (known: {', '.join(sorted(_PLUGINS))})")
        isa = importlib.import_module(module).ISA
        _loaded[name] = isa
    return isa


def names() -> list[str]:
    return sorted(_PLUGINS)

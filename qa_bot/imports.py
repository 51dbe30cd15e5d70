"""Importing libraries without the optional heavy backends they probe for at import time (start-up cost)."""

from __future__ import annotations

import importlib
import sys
from types import ModuleType


def import_without(name: str, hidden: tuple[str, ...]) -> ModuleType:
    """Import module `name` while the modules in `hidden` look absent (`import torch` raises ImportError), unless
    they are already loaded. thinc probes for torch (1.5-4 s) and bm25s for scipy (0.3 s) only to offer them as
    optional backends; spaCy's small pipeline and a saved BM25 index run on numpy alone. Later imports of the
    hidden modules work as usual; only the library imported here has decided it runs without them."""
    if name in sys.modules:
        return sys.modules[name]
    masked = [h for h in hidden if h not in sys.modules]
    for h in masked:
        sys.modules[h] = None  # type: ignore[assignment]
    try:
        return importlib.import_module(name)
    finally:
        for h in masked:
            if h in sys.modules and sys.modules[h] is None:
                del sys.modules[h]

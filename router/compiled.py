"""Which engine modules run as mypyc-compiled C extensions (see setup.py), for benchmarks,
`/healthz`-style diagnostics and the staleness test."""

from __future__ import annotations

import importlib
from pathlib import Path

COMPILED_MODULES = (
    "router.negation",
    "router.rules_numbers",
    "router.rules_scan",
    "router.rules_derive",
)


def compiled_status() -> dict[str, bool]:
    """Module name -> True when it was imported from a compiled extension."""
    out = {}
    for name in COMPILED_MODULES:
        path = Path(importlib.import_module(name).__file__ or "")
        out[name] = path.suffix in {".so", ".pyd"}
    return out


def stale_extensions() -> list[str]:
    """Compiled modules whose Python source changed after the extension was built: the
    extension still runs the old code until `make install` (or `pip install -e .`) rebuilds."""
    stale = []
    for name in COMPILED_MODULES:
        ext = Path(importlib.import_module(name).__file__ or "")
        source = ext.parent / (name.rsplit(".", 1)[1] + ".py")
        compiled = ext.suffix in {".so", ".pyd"} and source.exists()
        if compiled and source.stat().st_mtime > ext.stat().st_mtime:
            stale.append(name)
    return stale

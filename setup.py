"""Build hook: compile the rules engine's per-prompt modules with mypyc (a C extension each).

The modules stay ordinary, type-checked Python; mypyc turns them into C when the package is
installed, which makes `analyze` and routing several times faster. Set AVA_ROUTER_PURE=1 to
install them uncompiled; without a working C compiler the build warns and does the same
(every extension is optional), so only Python and pip are ever required.
"""

from __future__ import annotations

import os

from setuptools import Extension, setup

COMPILED = [
    "router/negation.py",
    "router/rules_numbers.py",
    "router/rules_scan.py",
    "router/rules_derive.py",
]


def extensions() -> list[Extension]:
    """The mypyc extensions, or none when compilation is switched off or unavailable."""
    if os.environ.get("AVA_ROUTER_PURE"):
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        return []
    exts: list[Extension] = mypycify(COMPILED, opt_level="3", group_name="router_engine")
    for ext in exts:
        ext.optional = True
    return exts


setup(ext_modules=extensions())

"""The mypyc build (setup.py): one module list everywhere, no stale extension, compiled in CI."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from router.compiled import COMPILED_MODULES, compiled_status, stale_extensions

ROOT = Path(__file__).resolve().parent.parent


def _paths(text: str) -> set[str]:
    return {p.removesuffix(".py").replace("/", ".") for p in re.findall(r"router/\w+\.py", text)}


def test_setup_makefile_and_runtime_list_the_same_modules() -> None:
    setup_py = (ROOT / "setup.py").read_text(encoding="utf-8")
    listed = setup_py[
        setup_py.index("COMPILED = [") : setup_py.index("]", setup_py.index("COMPILED = ["))
    ]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    line = next(x for x in makefile.splitlines() if x.startswith("COMPILED :="))
    assert _paths(listed) == set(COMPILED_MODULES)
    assert _paths(line) == set(COMPILED_MODULES)


def test_no_extension_is_older_than_its_source() -> None:
    assert stale_extensions() == [], "sources changed after the build: run `make install`"


def test_engine_is_compiled_where_required() -> None:
    status = compiled_status()
    if not os.environ.get("AVA_ROUTER_REQUIRE_COMPILED") and not all(status.values()):
        pytest.skip(f"engine modules run uncompiled (no C compiler at install?): {status}")
    assert all(status.values()), status

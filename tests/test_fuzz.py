"""Fuzzing: the catalog loader and the HTTP request decoders never fail with a traceback.

(a) Real catalog YAML, mutated (lines deleted, values swapped, random bytes, deep nesting, huge
numbers, wrong types), written into a private copy: `load_catalog` returns a catalog or raises
`CatalogError` whose problems name a file; nothing else. (b) Arbitrary JSON and arbitrary bytes
posted to every POST endpoint in the OpenAPI document: never a 5xx, and every 4xx is an RFC 9457
`application/problem+json` body. Bounded: about a minute in total.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar import Litestar
from litestar.testing import TestClient

from router.api.app import create_app
from router.loader import CatalogError, load_catalog
from router.settings import PROJECT_ROOT, Settings

KEY = "fuzz-key"
TARGETS = (
    "catalog/failures.yaml",
    "catalog/relations.yaml",
    "catalog/features.yaml",
    "catalog/benchmark_map.yaml",
    "catalog/benchmarks/tables.yaml",
    "vendors/luma.yaml",
    "vendors/runway.yaml",
    "vendors/kling.yaml",
)
LOADER = settings(
    max_examples=60,  # ~0.3 s per load: ~20 s
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
DECODER = settings(max_examples=150, deadline=None, derandomize=True)


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the catalog: the fuzzer writes into it, never into the tree."""
    copy = tmp_path_factory.mktemp("fuzz-root")
    for part in ("vendors", "catalog"):
        shutil.copytree(PROJECT_ROOT / part, copy / part)
    return copy


# --- (a) the catalog loader --------------------------------------------------------------------

Mutation = Callable[[list[str], st.DataObject], list[str]]
WEIRD_VALUES = (
    "1e400",
    "-1e400",
    "9" * 400,
    ".nan",
    "-.inf",
    "~",
    "true",
    "[]",
    "{}",
    "{a: 1}",
    "[1, [2, [3]]]",
    "!!binary aGVsbG8=",
    "*undefined_alias",
    "&anchor x",
    "'unterminated",
    '"\\uD800"',
    "2024-13-45",
    "0x7fffffffffffffffffff",
    "- - -",
    "?",
)


def _line(data: st.DataObject, lines: list[str]) -> int:
    return data.draw(st.integers(0, max(len(lines) - 1, 0)), label="line")


def _delete(lines: list[str], data: st.DataObject) -> list[str]:
    i = _line(data, lines)
    return lines[:i] + lines[i + 1 :]


def _swap_values(lines: list[str], data: st.DataObject) -> list[str]:
    i, j = _line(data, lines), _line(data, lines)
    a, sep_a, va = lines[i].partition(":")
    b, sep_b, vb = lines[j].partition(":")
    if not (sep_a and sep_b):
        return lines
    out = list(lines)
    out[i], out[j] = f"{a}:{vb}", f"{b}:{va}"
    return out


def _replace_value(lines: list[str], data: st.DataObject) -> list[str]:
    i = _line(data, lines)
    key, sep, _ = lines[i].partition(":")
    if not sep:
        return lines
    value = data.draw(st.sampled_from(WEIRD_VALUES) | st.text(max_size=30), label="value")
    return [*lines[:i], f"{key}: {value}", *lines[i + 1 :]]


def _deep_nesting(lines: list[str], data: st.DataObject) -> list[str]:
    i = _line(data, lines)
    key, sep, _ = lines[i].partition(":")
    # Far deeper nesting crashes the interpreter (test_deep_nesting_does_not_crash_the_loader);
    # in-process fuzzing stays below that line.
    depth = data.draw(st.integers(50, 5_000), label="depth")
    opener, closer = data.draw(st.sampled_from([("[", "]"), ("{a: ", "}")]), label="brackets")
    return [*lines[:i], f"{key if sep else 'x'}: {opener * depth}1{closer * depth}", *lines[i:]]


def _splice_bytes(lines: list[str], data: st.DataObject) -> list[str]:
    text = "\n".join(lines)
    at = data.draw(st.integers(0, len(text)), label="offset")
    junk = data.draw(st.binary(min_size=1, max_size=64), label="bytes")
    return (text[:at] + junk.decode("latin-1") + text[at:]).split("\n")


def _truncate(lines: list[str], data: st.DataObject) -> list[str]:
    return lines[: _line(data, lines)]


def _reindent(lines: list[str], data: st.DataObject) -> list[str]:
    i = _line(data, lines)
    shift = data.draw(st.sampled_from(["", " ", "   ", "\t"]), label="indent")
    return [*lines[:i], shift + lines[i].lstrip(), *lines[i + 1 :]]


MUTATIONS: tuple[Mutation, ...] = (
    _delete,
    _swap_values,
    _replace_value,
    _deep_nesting,
    _splice_bytes,
    _truncate,
    _reindent,
)


def _mutate(path: Path, data: st.DataObject) -> bytes:
    lines = path.read_text(encoding="utf-8").split("\n")
    for _ in range(data.draw(st.integers(1, 3), label="rounds")):
        lines = data.draw(st.sampled_from(MUTATIONS), label="mutation")(lines, data)
    return "\n".join(lines).encode("utf-8", "surrogatepass")


@LOADER
@given(data=st.data())
def test_mutated_catalog_loads_or_lists_its_problems(root: Path, data: st.DataObject) -> None:
    target = root / data.draw(st.sampled_from(TARGETS), label="file")
    original = target.read_bytes()
    target.write_bytes(_mutate(target, data))
    try:
        load_catalog(root)  # a harmless mutation (a comment, a no-op swap) loads fine
    except CatalogError as exc:
        assert exc.problems, "CatalogError without problems"
        for problem in exc.problems:
            assert problem.file.strip(), problem
            assert problem.message.strip(), problem
    finally:
        target.write_bytes(original)


def test_fuzz_root_is_restored(root: Path) -> None:
    for name in TARGETS:
        assert (root / name).read_bytes() == (PROJECT_ROOT / name).read_bytes(), name
    assert load_catalog(root).vendors


# Found by fuzzing; each xfail passes once the loader turns the input into a CatalogError.
TABLES = "catalog/benchmarks/tables.yaml"


def _edited(root: Path, name: str, old: str, new: str) -> Iterator[Path]:
    path = root / name
    original = path.read_text(encoding="utf-8")
    assert old in original, f"{old!r} no longer in {name}"
    path.write_text(original.replace(old, new, 1), encoding="utf-8")
    try:
        yield path
    finally:
        path.write_text(original, encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('self_reported_pattern: "^self-reported"', 'self_reported_pattern: "(["'),
        ('split_pattern: "input type (\\\\w+)"', 'split_pattern: "(["'),
        ('split_pattern: "input type (\\\\w+)"', 'split_pattern: "input"'),  # no group 1
    ],
)
def test_bad_benchmark_patterns_are_catalog_problems(root: Path, old: str, new: str) -> None:
    for _ in _edited(root, TABLES, old, new):
        with pytest.raises(CatalogError):
            load_catalog(root)


def test_non_utf8_benchmark_table_is_a_catalog_problem(root: Path) -> None:
    (root / "catalog/benchmarks/latin1.csv").write_bytes(
        b"model,benchmark,dimension,score\n\xff,a,b,1\n"
    )
    try:
        for _ in _edited(root, TABLES, "file: vbench_scores.csv", "file: latin1.csv"):
            with pytest.raises(CatalogError):
                load_catalog(root)
    finally:
        (root / "catalog/benchmarks/latin1.csv").unlink()


DEEP = """
import sys
from pathlib import Path
from router.loader import CatalogError, load_catalog
root = Path(sys.argv[1])
target = root / "catalog/relations.yaml"
target.write_text(target.read_text() + "\\nextra: " + "[" * 100_000 + "]" * 100_000 + "\\n")
try:
    load_catalog(root)
except CatalogError:
    sys.exit(3)
"""


def test_deep_nesting_does_not_crash_the_loader(tmp_path: Path) -> None:
    # In a child process: the crash takes the interpreter down, and with it a reload or a server.
    for part in ("vendors", "catalog"):
        shutil.copytree(PROJECT_ROOT / part, tmp_path / part)
    done = subprocess.run(
        [sys.executable, "-c", DEEP, str(tmp_path)], capture_output=True, timeout=120, check=False
    )
    assert done.returncode == 3, (done.returncode, done.stderr[-500:])


# --- (b) the request decoders ------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=12), inner, max_size=6)
    ),
    max_leaves=25,
)


@pytest.fixture(scope="module")
def api(root: Path) -> Iterator[TestClient[Litestar]]:
    app = create_app(Settings(root=root, db=str(root / "fuzz.db"), rate_limit=0, api_keys=(KEY,)))
    with TestClient(app) as client:
        yield client


@pytest.fixture(scope="module")
def post_paths(api: TestClient[Litestar]) -> list[str]:
    document = api.get("/schema/openapi.json").json()
    paths = sorted(path for path, item in document["paths"].items() if "post" in item)
    assert {"/v1/analyze", "/v1/preflight", "/v1/route", "/v1/route/batch"} <= set(paths)
    return paths


def _check(response: Any, path: str, body: Any) -> None:
    assert response.status_code < 500, (path, body, response.text[:500])
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json"), path
        problem = response.json()
        assert problem["status"] == response.status_code
        assert problem["detail"].strip()


@DECODER
@given(data=st.data(), body=JSON, keyed=st.booleans())
def test_any_json_body_gets_an_answer_or_a_problem(
    api: TestClient[Litestar], post_paths: list[str], data: st.DataObject, body: Any, keyed: bool
) -> None:
    path = data.draw(st.sampled_from(post_paths), label="path")
    headers = {"Authorization": f"Bearer {KEY}"} if keyed else {}
    _check(api.post(path, content=json.dumps(body), headers=headers), path, body)


@DECODER
@given(data=st.data(), raw=st.binary(max_size=300))
def test_any_bytes_get_an_answer_or_a_problem(
    api: TestClient[Litestar], post_paths: list[str], data: st.DataObject, raw: bytes
) -> None:
    path = data.draw(st.sampled_from(post_paths), label="path")
    headers = {"content-type": "application/json", "Authorization": f"Bearer {KEY}"}
    _check(api.post(path, content=raw, headers=headers), path, raw)


def test_deeply_nested_json_is_a_client_error(
    api: TestClient[Litestar], post_paths: list[str]
) -> None:
    body = "[" * 1_000 + "]" * 1_000  # 2 kB: far below every body limit
    headers = {"content-type": "application/json", "Authorization": f"Bearer {KEY}"}
    for path in post_paths:
        if path == "/v1/admin/reload":
            continue  # takes no body
        _check(api.post(path, content=body, headers=headers), path, "[[[…]]]")

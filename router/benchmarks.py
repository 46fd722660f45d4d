"""Published benchmark tables: reading `catalog/benchmarks/` and ranking each series.

A series is one benchmark table and one dimension (for example VBench-2.0 camera_motion). Scores
are only ever ranked inside their own series: the benchmarks use different prompts, raters and
scales (catalog/benchmarks/README.md, caveats). `catalog/benchmarks/tables.yaml` says which file
holds which benchmark key and how to read dates and settings out of it. Loading never raises:
every unreadable file or bad row becomes a message in `BenchmarkData.problems`.
"""

from __future__ import annotations

import bisect
import csv
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import msgspec
from msgspec import Struct

from router.catalog import Day

__all__ = [
    "BenchmarkData",
    "Direction",
    "Score",
    "Series",
    "Tables",
    "find_series",
    "load_benchmarks",
    "percentile",
    "series_key",
]

Direction = Literal["higher_is_better", "lower_is_better"]
TABLES_FILE = "tables.yaml"
_Pools = dict[str, dict[str, tuple[float, str | None, bool]]]


class TableSpec(Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """One benchmark file and how to read dates and settings out of it."""

    file: str
    split_pattern: str | None = None
    """Regex on `eval_setting`; group 1 splits one CSV benchmark into tables ("i2v", ...)."""
    date_pattern: str | None = None
    """Regex on `eval_setting` whose group 1 is the row's evaluation date."""
    dates: dict[str, Day] = {}
    """Evaluation date per table when the file has no date column (the paper's date)."""


class Tables(Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """`catalog/benchmarks/tables.yaml`: benchmark key → file, and how to spot self-reports."""

    self_reported_pattern: str
    tables: dict[str, TableSpec]


class Score(Struct, frozen=True, kw_only=True):
    """One model's score in one series: how many rows score above and below it."""

    value: float
    above: int
    below: int
    eval_date: str | None
    self_reported: bool


class Series(Struct, frozen=True, kw_only=True):
    """All rows of one benchmark table and dimension: the only pool a score is ranked in."""

    benchmark: str
    table: str
    dimension: str
    scores: dict[str, Score]


class BenchmarkData(Struct, frozen=True, kw_only=True):
    """Every series keyed by `series_key`, the row names per benchmark key, and load problems."""

    series: dict[str, Series]
    models: dict[str, frozenset[str]]
    problems: list[str]


def series_key(benchmark: str, table: str, dimension: str) -> str:
    """The key of one series in `BenchmarkData.series`."""
    return f"{benchmark}|{table}|{dimension}"


def load_benchmarks(directory: Path) -> BenchmarkData:
    """Read `tables.yaml` and every table it names from `directory`, then rank each series."""
    problems: list[str] = []
    try:
        spec = msgspec.yaml.decode((directory / TABLES_FILE).read_bytes(), type=Tables)
    except (OSError, msgspec.ValidationError, msgspec.DecodeError) as exc:
        return BenchmarkData(series={}, models={}, problems=[f"{TABLES_FILE}: {exc}"])
    bad = _pattern_problems(spec)
    if bad:
        return BenchmarkData(series={}, models={}, problems=bad)
    pattern = re.compile(spec.self_reported_pattern)
    pools: _Pools = {}
    for key, table in spec.tables.items():
        try:
            with (directory / table.file).open(newline="", encoding="utf-8") as handle:
                rows = list(csv.DictReader(handle))
        except OSError as exc:
            problems.append(f"{table.file}: cannot read benchmark table ({exc.strerror})")
            continue
        except (UnicodeDecodeError, csv.Error) as exc:
            problems.append(f"{table.file}: not a UTF-8 CSV table ({exc})")
            continue
        for line, row in enumerate(rows, start=2):
            problem = _add_row(pools, key, table, row, pattern)
            if problem:
                problems.append(f"{table.file}:{line}: {problem}")
    series = {k: _rank(k, pool) for k, pool in sorted(pools.items())}
    models: dict[str, set[str]] = {}
    for one in series.values():
        models.setdefault(one.benchmark, set()).update(one.scores)
    return BenchmarkData(
        series=series,
        models={k: frozenset(v) for k, v in models.items()},
        problems=problems,
    )


def _pattern_problems(spec: Tables) -> list[str]:
    """Every regex in tables.yaml must compile, and split/date patterns need a group."""
    found: list[str] = []
    checks = [("self_reported_pattern", spec.self_reported_pattern, 0)]
    for key, table in spec.tables.items():
        if "/" in table.file or "\\" in table.file or table.file.startswith("."):
            found.append(f"{TABLES_FILE}: tables.{key}.file: must be a file name in this folder")
        for name in ("split_pattern", "date_pattern"):
            value = getattr(table, name)
            if value:
                checks.append((f"tables.{key}.{name}", value, 1))
    for where, pattern, groups in checks:
        try:
            compiled = re.compile(pattern)
        except re.error as exc:
            found.append(f"{TABLES_FILE}: {where}: not a valid regex ({exc})")
            continue
        if compiled.groups < groups:
            found.append(f"{TABLES_FILE}: {where}: needs a capturing group")
    return found


def _add_row(
    pools: _Pools, key: str, spec: TableSpec, row: Mapping[str, str], self_reported: re.Pattern[str]
) -> str | None:
    """File one CSV row into its series; returns a problem message instead of raising."""
    try:
        model, table, dimension = row["model"], row["benchmark"], row["dimension"]
        value = float(row["score"])
    except (KeyError, TypeError):
        return "missing model, benchmark, dimension or score column"
    except ValueError:
        return f"score {row['score']!r} is not a number"
    setting = row.get("eval_setting") or ""
    if spec.split_pattern and (found := re.search(spec.split_pattern, setting)):
        table = f"{table} [{found.group(1)}]"
    pool = pools.setdefault(series_key(key, table, dimension), {})
    if model in pool:
        return f"second row for {model!r} in {table} {dimension}"
    flagged = bool(self_reported.search(row.get("note") or ""))
    pool[model] = (value, _eval_date(spec, table, row), flagged)
    return None


def _eval_date(spec: TableSpec, table: str, row: Mapping[str, str]) -> str | None:
    if row.get("eval_date"):
        return row["eval_date"]
    setting = row.get("eval_setting") or ""
    if spec.date_pattern and (found := re.search(spec.date_pattern, setting)):
        return found.group(1)
    return spec.dates.get(table)


def _rank(key: str, pool: Mapping[str, tuple[float, str | None, bool]]) -> Series:
    benchmark, table, dimension = key.split("|")
    ordered = sorted(value for value, _, _ in pool.values())
    scores = {
        model: Score(
            value=value,
            below=bisect.bisect_left(ordered, value),
            above=len(ordered) - bisect.bisect_right(ordered, value),
            eval_date=date,
            self_reported=flagged,
        )
        for model, (value, date, flagged) in pool.items()
    }
    return Series(benchmark=benchmark, table=table, dimension=dimension, scores=scores)


def find_series(data: BenchmarkData, benchmark: str, table: str | None, dim: str) -> list[Series]:
    """The series a map entry points at: one per table unless the entry names its table."""
    return [
        s
        for s in data.series.values()
        if s.benchmark == benchmark and s.dimension == dim and table in (None, s.table)
    ]


def percentile(score: Score, n: int, direction: Direction) -> float:
    """Share of the other n − 1 rows this score beats (ties count half); 0.5 for a lone row."""
    if n < 2:
        return 0.5
    ties = n - 1 - score.above - score.below
    beaten = score.below if direction == "higher_is_better" else score.above
    return (beaten + 0.5 * ties) / (n - 1)

"""Per-model susceptibility to each failure class, derived from published benchmark scores.

This module owns the dimension → failure-class map (`catalog/benchmark_map.yaml`), its check
against the tables and the derivation; `router.benchmarks` reads and ranks the tables. The
derivation is a pure function of frozen Structs, and every constant lives in the map.

Method, for one model m and one failure class f:

1. Each map entry for f names a benchmark key (`vbench`, `vbench2`, ...), a table inside that
   file (the CSV `benchmark` column, split by setting where tables.yaml says so), a dimension, a
   direction and a weight. The model names its row per benchmark key (`Model.benchmarks`).
2. Within that one table and dimension, m's score becomes a percentile rank p among all rows of
   the table (ties count half; best = 1, worst = 0; direction-adjusted). Scores are never compared
   across tables. badness = 1 − p.
3. The entry's weight is multiplied by discounts: the gate percentile for dimensions that reward
   static clips (VBench-1 consistency/smoothness/flicker are read with `dynamic_degree`, so a
   model that barely moves earns little credit from them); `stale_factor` when the row was
   evaluated before the model's `released` date (a different version); `self_reported_factor`
   for rows the submitter sampled and scored; a per-row factor for rows flagged as suspect.
4. benchmark estimate B = Σ wᵢ·badnessᵢ / Σ wᵢ (None without rows).
5. Shrinkage towards the class prior with a pseudo-count k, so one dimension cannot dominate:
   s = (k·prior + W·B) / (k + W), W = Σ wᵢ; s = prior when there is no row.
6. Vendor evidence (the model's `failure_modes` for f, strongest severity → level e) pulls the
   value up like a noisy-OR: value = s + e·(1 − s). Every step stays in [0, 1].
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Annotated

import msgspec
from msgspec import Meta, Struct

from router.benchmarks import (
    BenchmarkData,
    Direction,
    Score,
    Series,
    find_series,
    load_benchmarks,
    percentile,
    series_key,
)
from router.catalog import FailureClass, Model, Severity, Unit01

__all__ = [
    "BenchmarkData",
    "BenchmarkError",
    "BenchmarkMap",
    "MapEntry",
    "Susceptibility",
    "check_mapping",
    "derive_susceptibility",
    "load_benchmark_map",
    "load_benchmarks",
]

Positive = Annotated[float, Meta(gt=0.0)]


class BenchmarkError(Exception):
    """The map cannot be read; the message names the file and the JSON path."""


class _Base(Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Common settings for the map's Structs."""


class Constants(_Base, frozen=True, kw_only=True):
    """Design parameters of the derivation (documented in catalog/benchmarks/README.md)."""

    pseudo_count: Positive
    stale_factor: Unit01
    self_reported_factor: Unit01
    severity: dict[Severity, Unit01]


class SuspectRow(_Base, frozen=True, kw_only=True):
    """A published row that looks wrong: kept in the ranking pool, its own weight scaled."""

    benchmark: str
    model: str
    factor: Unit01
    reason: str


class MapEntry(_Base, frozen=True, kw_only=True):
    """One benchmark dimension read as evidence for one failure class."""

    benchmark: str
    table: str | None = None
    dimension: str
    failure: str
    direction: Direction
    weight: Annotated[float, Meta(gt=0.0, le=1.0)]
    gate: str | None = None
    note: str | None = None


class BenchmarkMap(_Base, frozen=True, kw_only=True):
    """`catalog/benchmark_map.yaml`."""

    version: int
    constants: Constants
    suspect_rows: list[SuspectRow] = []
    entries: Annotated[list[MapEntry], Meta(min_length=1)]


class Susceptibility(Struct, frozen=True, kw_only=True):
    """How exposed one model is to one failure class, and why."""

    value: float
    prior: float
    benchmark: float | None
    n_dimensions: int
    evidence: float | None
    basis: list[str]


class _Observation(Struct, frozen=True, kw_only=True):
    badness: float
    weight: float
    text: str


def load_benchmark_map(path: Path) -> BenchmarkMap:
    """Decode `benchmark_map.yaml` (a bad file raises BenchmarkError with the JSON path)."""
    try:
        return msgspec.yaml.decode(path.read_bytes(), type=BenchmarkMap)
    except (OSError, msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise BenchmarkError(f"{path}: {exc}") from exc


def derive_susceptibility(
    model: Model,
    classes: Sequence[FailureClass],
    data: BenchmarkData,
    mapping: BenchmarkMap,
) -> dict[str, Susceptibility]:
    """Susceptibility of `model` to every class in `classes` (see the module docstring)."""
    evidence = _vendor_evidence(model, mapping.constants)
    return {cls.id: _derive_one(model, cls, data, mapping, evidence.get(cls.id)) for cls in classes}


def _derive_one(
    model: Model,
    cls: FailureClass,
    data: BenchmarkData,
    mapping: BenchmarkMap,
    evidence: tuple[float, str] | None,
) -> Susceptibility:
    observations = [
        obs
        for entry in mapping.entries
        if entry.failure == cls.id
        for obs in _observe(model, entry, data, mapping)
    ]
    total = sum(obs.weight for obs in observations)
    estimate = sum(obs.weight * obs.badness for obs in observations) / total if total > 0 else None
    k = mapping.constants.pseudo_count
    value = cls.prior if estimate is None else (k * cls.prior + total * estimate) / (k + total)
    basis = [obs.text for obs in observations]
    level = None
    if evidence is not None:
        level, text = evidence
        value += level * (1.0 - value)
        basis.append(text)
    return Susceptibility(
        value=min(1.0, max(0.0, value)),
        prior=cls.prior,
        benchmark=estimate,
        n_dimensions=sum(1 for obs in observations if obs.weight > 0),
        evidence=level,
        basis=basis,
    )


def _observe(
    model: Model, entry: MapEntry, data: BenchmarkData, mapping: BenchmarkMap
) -> list[_Observation]:
    row = model.benchmarks.get(entry.benchmark)
    if row is None:
        return []
    found: list[_Observation] = []
    for series in find_series(data, entry.benchmark, entry.table, entry.dimension):
        score = series.scores.get(row)
        if score is None or len(series.scores) < 2:
            continue
        weight, notes = _discounts(
            model=model,
            row=row,
            entry=entry,
            series=series,
            score=score,
            data=data,
            mapping=mapping,
        )
        n = len(series.scores)
        pct = percentile(score, n, entry.direction)
        better = score.above if entry.direction == "higher_is_better" else score.below
        text = (
            f"{series.table} {series.dimension} {score.value:g}, rank {better + 1}/{n} "
            f"({entry.direction.replace('_', ' ')}) → {entry.failure}: badness "
            f"{1 - pct:.2f}, weight {weight:.2f}"
        )
        found.append(_Observation(badness=1 - pct, weight=weight, text=text + notes))
    return found


def _discounts(
    *,
    model: Model,
    row: str,
    entry: MapEntry,
    series: Series,
    score: Score,
    data: BenchmarkData,
    mapping: BenchmarkMap,
) -> tuple[float, str]:
    """The entry's weight after every caveat, and a note naming each one applied."""
    consts = mapping.constants
    weight, notes = entry.weight, ""
    if entry.gate is not None:
        gate = data.series.get(series_key(series.benchmark, series.table, entry.gate))
        gate_score = gate.scores.get(row) if gate else None
        factor = (
            0.0
            if gate is None or gate_score is None
            else percentile(gate_score, len(gate.scores), "higher_is_better")
        )
        weight *= factor
        notes += f"; read with {entry.gate} (×{factor:.2f}: static clips score high here)"
    if score.eval_date and model.released and _before(score.eval_date, model.released):
        weight *= consts.stale_factor
        notes += (
            f"; stale ×{consts.stale_factor:g} (evaluated {score.eval_date}, "
            f"model released {model.released})"
        )
    if score.self_reported:
        weight *= consts.self_reported_factor
        notes += f"; self-reported ×{consts.self_reported_factor:g}"
    for suspect in mapping.suspect_rows:
        if suspect.benchmark == series.benchmark and suspect.model == row:
            weight *= suspect.factor
            notes += f"; suspect row ×{suspect.factor:g} ({suspect.reason})"
    return weight, notes


def _before(evaluated: str, released: str) -> bool:
    """True when the evaluation date is strictly earlier at the precision both dates share."""
    if "undated" in (evaluated, released):
        return False
    width = min(len(evaluated), len(released))
    return evaluated[:width] < released[:width]


def _vendor_evidence(model: Model, consts: Constants) -> dict[str, tuple[float, str]]:
    """The strongest severity the vendor evidence gives each class, as a level in [0, 1]."""
    strongest: dict[str, tuple[float, str]] = {}
    for mode in model.failure_modes:
        level = consts.severity[mode.severity]
        if mode.failure_id not in strongest or level > strongest[mode.failure_id][0]:
            term = f" ({mode.vendor_term})" if mode.vendor_term else ""
            text = f"vendor evidence{term}: severity {mode.severity} → +{level:g} (noisy-OR)"
            strongest[mode.failure_id] = (level, text)
    return strongest


def check_mapping(
    mapping: BenchmarkMap, data: BenchmarkData, class_ids: Iterable[str]
) -> list[str]:
    """Every problem in the map: unknown benchmark, table, dimension, gate or class id."""
    known = set(class_ids)
    problems = [
        f"constants.severity: no level for {level!r}"
        for level in ("low", "medium", "high")
        if level not in mapping.constants.severity
    ]
    for i, entry in enumerate(mapping.entries):
        problems += [f"entries[{i}]: {p}" for p in _entry_problems(entry, data, known)]
    for i, suspect in enumerate(mapping.suspect_rows):
        if suspect.model not in data.models.get(suspect.benchmark, frozenset()):
            problems.append(f"suspect_rows[{i}]: no {suspect.benchmark!r} row {suspect.model!r}")
    return problems


def _entry_problems(entry: MapEntry, data: BenchmarkData, known: set[str]) -> list[str]:
    problems: list[str] = []
    if entry.failure not in known:
        problems.append(f"failure {entry.failure!r} is not a failure class id")
    if entry.benchmark not in data.models:
        return [*problems, f"benchmark {entry.benchmark!r} is not one of {sorted(data.models)}"]
    found = find_series(data, entry.benchmark, entry.table, entry.dimension)
    tables = sorted({s.table for s in found})
    if not found:
        dims = sorted({s.dimension for s in data.series.values() if s.benchmark == entry.benchmark})
        problems.append(
            f"{entry.benchmark} has no dimension {entry.dimension!r}"
            + (f" in table {entry.table!r}" if entry.table else "")
            + f"; dimensions: {', '.join(dims)}"
        )
    elif entry.table is None and len(tables) > 1:
        problems.append(
            f"{entry.benchmark}.{entry.dimension} is in several tables {tables}: "
            "name one in `table`"
        )
    for series in found if entry.gate else []:
        if series_key(series.benchmark, series.table, str(entry.gate)) not in data.series:
            problems.append(f"gate {entry.gate!r} is not a dimension of {series.table}")
    return problems

"""Load the catalog from disk, check every cross-reference, and freeze it for serving.

`load_catalog(root)` either returns a complete `Catalog` or raises `CatalogError` listing every
problem found, each with its file and field path. Nothing half-loaded ever serves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import msgspec
import yaml

from router.catalog import (
    FailureCatalog,
    FailureClass,
    Model,
    RelationCatalog,
    Vendor,
    decode_yaml,
)
from router.risk import BASELINE_WEIGHT, TriggerRef, index_triggers
from router.rules import FeatureRules, Matcher, RulesError, compile_rules
from router.susceptibility import (
    BenchmarkData,
    BenchmarkMap,
    Susceptibility,
    check_mapping,
    derive_susceptibility,
    load_benchmarks,
)

T = TypeVar("T")
MAX_YAML_DEPTH = 64
DURATION_FEATURE = "duration.long"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the catalog, located by file and field path."""

    file: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path}: {self.message}"


class CatalogError(Exception):
    """The catalog cannot be served; `problems` says why, all at once."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} catalog problem(s):\n" + "\n".join(map(str, problems)))


@dataclass(frozen=True)
class ModelRef:
    """A model together with the vendor that offers it."""

    vendor: Vendor
    model: Model


@dataclass(frozen=True)
class Catalog:
    """The loaded, checked catalog: everything a request needs, built once."""

    root: Path
    version: str
    vendors: dict[str, Vendor]
    aliases: dict[str, str]
    models: dict[str, ModelRef]
    failures: FailureCatalog
    classes: dict[str, FailureClass]
    relations: RelationCatalog
    rules: FeatureRules
    matcher: Matcher
    benchmarks: BenchmarkData
    susceptibility: dict[str, dict[str, Susceptibility]] = field(repr=False)
    baseline: dict[str, float] = field(repr=False)
    """Per model: mean susceptibility over all classes (general failure-proneness)."""
    triggers: dict[str, tuple[TriggerRef, ...]] = field(repr=False)
    """Per feature id: the failure classes it triggers."""
    suscept_values: dict[str, dict[str, float]] = field(init=False, repr=False)
    """Per model and class: the susceptibility value alone (the routing hot loop reads this)."""
    base_survive: dict[str, float] = field(init=False, repr=False)
    """Per model: 1 - BASELINE_WEIGHT * baseline, the start of the combined-risk product."""
    memo: dict[str, dict[Any, Any]] = field(default_factory=dict, repr=False, compare=False)
    """Per-catalog caches of request-independent work (eligibility per constraint set)."""

    windows: dict[str, tuple[tuple[TriggerRef, float], ...]] = field(init=False, repr=False)
    """Per model: (duration trigger of a class, seconds) where the model's own evidence says the
    class shows past that clip length, earlier than the generic `duration.long` threshold."""

    def __post_init__(self) -> None:
        values = {m: {f: s.value for f, s in v.items()} for m, v in self.susceptibility.items()}
        survive = {m: 1.0 - BASELINE_WEIGHT * b for m, b in self.baseline.items()}
        object.__setattr__(self, "suscept_values", values)  # derived once; the Catalog is frozen
        object.__setattr__(self, "base_survive", survive)
        object.__setattr__(self, "windows", duration_windows(self.models, self.triggers))

    def vendor(self, vendor_id: str) -> Vendor | None:
        """Look a vendor up by id or alias ("sora" → openai)."""
        key = vendor_id.strip().lower()
        return self.vendors.get(self.aliases.get(key, key))


class _Reader:
    """Decodes files and collects problems instead of stopping at the first one."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[Problem] = []
        self.digest = hashlib.sha256()

    def rel(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    def add(self, file: str, path: str, message: str) -> None:
        self.problems.append(Problem(file, path, message))

    def decode(self, path: Path, kind: type[T]) -> T | None:
        name = self.rel(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            self.add(name, "$", f"cannot read file: {exc.strerror or exc}")
            return None
        self.digest.update(name.encode() + b"\0" + data + b"\0")
        try:
            depth, duplicates = yaml_shape(data)
        except yaml.YAMLError as exc:
            self.add(name, "$", f"not valid YAML: {exc}")
            return None
        if depth > MAX_YAML_DEPTH:
            self.add(name, "$", f"nested {depth} levels deep; at most {MAX_YAML_DEPTH} allowed")
            return None
        for key, line in duplicates:
            self.add(name, f"line {line}", f"duplicate key {key!r}: it would replace the first one")
        if duplicates:
            return None
        try:
            return decode_yaml(data, kind)
        except msgspec.ValidationError as exc:
            message, _, where = str(exc).partition(" - at `")
            self.add(name, where.rstrip("`") or "$", message)
        except msgspec.DecodeError as exc:
            self.add(name, "$", f"not valid YAML: {exc}")
        return None


def yaml_shape(data: bytes) -> tuple[int, list[tuple[str, int]]]:
    """Deepest nesting of a YAML document and its duplicate mapping keys (key, line), read as a
    stream of events (never recursing).

    PyYAML's C loader recurses per level and crashes the process on absurd depths, so the
    depth is checked before the document is decoded. It also keeps the last of two equal keys
    without a word, which would silently drop half of a feature's patterns.
    """
    deepest = 0
    duplicates: list[tuple[str, int]] = []
    # One entry per open collection: (keys seen, or None for a sequence; expecting a key?)
    stack: list[tuple[set[str] | None, bool]] = []
    for event in yaml.parse(data, Loader=yaml.CSafeLoader):
        if isinstance(event, yaml.CollectionStartEvent | yaml.ScalarEvent | yaml.AliasEvent):
            keys, expect_key = stack[-1] if stack else (None, False)
            if keys is not None:
                if expect_key and isinstance(event, yaml.ScalarEvent):
                    if event.value in keys:
                        line = event.start_mark.line + 1 if event.start_mark else 0
                        duplicates.append((event.value, line))
                    keys.add(event.value)
                stack[-1] = (keys, not expect_key)
            if isinstance(event, yaml.CollectionStartEvent):
                is_map = isinstance(event, yaml.MappingStartEvent)
                stack.append((set() if is_map else None, True))
                deepest = max(deepest, len(stack))
        elif isinstance(event, yaml.CollectionEndEvent):
            stack.pop()
    return deepest, duplicates


def duration_windows(
    models: dict[str, ModelRef], triggers: dict[str, tuple[TriggerRef, ...]]
) -> dict[str, tuple[tuple[TriggerRef, float], ...]]:
    """Model-specific clip lengths that load a class's `duration.long` trigger early."""
    by_class = {ref.failure_id: ref for ref in triggers.get(DURATION_FEATURE, ())}
    windows: dict[str, tuple[tuple[TriggerRef, float], ...]] = {}
    for mid, ref in models.items():
        found = {
            (mode.failure_id, mode.above_duration_s)
            for mode in ref.model.failure_modes
            if mode.above_duration_s is not None and mode.failure_id in by_class
        }
        if found:
            windows[mid] = tuple((by_class[fid], seconds) for fid, seconds in sorted(found))
    return windows


def _duplicates(ids: Iterable[str]) -> set[str]:
    seen: set[str] = set()
    dups: set[str] = set()
    for item in ids:
        (dups if item in seen else seen).add(item)
    return dups


def _check_vendor(
    r: _Reader, file: str, vendor: Vendor, classes: set[str], models_seen: dict[str, str]
) -> None:
    for i, term in enumerate(vendor.failure_terms):
        if term.failure_id not in classes:
            r.add(
                file,
                f"$.failure_terms[{i}].failure_id",
                f"unknown failure class {term.failure_id!r}",
            )
    for i, model in enumerate(vendor.models):
        where = f"$.models[{i}]"
        if model.id in models_seen:
            r.add(
                file,
                f"{where}.id",
                f"duplicate model id {model.id!r} (also in {models_seen[model.id]})",
            )
        models_seen[model.id] = file
        for j, mode in enumerate(model.failure_modes):
            if mode.failure_id not in classes:
                r.add(
                    file,
                    f"{where}.failure_modes[{j}].failure_id",
                    f"unknown failure class {mode.failure_id!r}",
                )
        caps = model.capabilities
        if caps.max_duration_s is not None and any(
            d > caps.max_duration_s for d in caps.durations_s
        ):
            r.add(file, f"{where}.capabilities.durations_s", "a duration exceeds max_duration_s")


def _check_benchmark_links(r: _Reader, file: str, vendor: Vendor, data: BenchmarkData) -> None:
    for i, model in enumerate(vendor.models):
        for bench, row in model.benchmarks.items():
            where = f"$.models[{i}].benchmarks.{bench}"
            if bench not in data.models:
                r.add(file, where, f"unknown benchmark {bench!r} (known: {sorted(data.models)})")
            elif row not in data.models[bench]:
                r.add(file, where, f"no row {row!r} in benchmark {bench!r}")


def _check_failures(r: _Reader, failures: FailureCatalog, features: frozenset[str]) -> None:
    file = "catalog/failures.yaml"
    for dup in _duplicates(c.id for c in failures.classes):
        r.add(file, "$.classes", f"duplicate failure class id {dup!r}")
    if failures.levels.yellow >= failures.levels.red:
        r.add(file, "$.levels", "yellow must be below red")
    for i, cls in enumerate(failures.classes):
        for j, trig in enumerate(cls.triggers):
            if trig.feature not in features:
                r.add(
                    file,
                    f"$.classes[{i}].triggers[{j}].feature",
                    f"unknown feature {trig.feature!r}",
                )


def _check_relations(r: _Reader, relations: RelationCatalog, classes: set[str]) -> None:
    file = "catalog/relations.yaml"
    mitigations = {m.id for m in relations.mitigations}
    for dup in _duplicates(m.id for m in relations.mitigations):
        r.add(file, "$.mitigations", f"duplicate mitigation id {dup!r}")
    for i, rel in enumerate(relations.relations):
        if rel.source not in classes:
            r.add(file, f"$.relations[{i}].source", f"unknown failure class {rel.source!r}")
        targets = mitigations if rel.kind == "mitigated_by" else classes
        if rel.target not in targets:
            what = "mitigation" if rel.kind == "mitigated_by" else "failure class"
            r.add(file, f"$.relations[{i}].target", f"unknown {what} {rel.target!r}")


def _load_vendors(r: _Reader, root: Path) -> list[tuple[str, Vendor]]:
    files = sorted((root / "vendors").glob("*.yaml"))
    if not files:
        r.add("vendors/", "$", "no vendor files (vendors/*.yaml)")
    loaded = []
    for path in files:
        vendor = r.decode(path, Vendor)
        if vendor is None:
            continue
        if vendor.id != path.stem:
            r.add(
                r.rel(path),
                "$.id",
                f"vendor id {vendor.id!r} must match the file name {path.stem!r}",
            )
        loaded.append((r.rel(path), vendor))
    return loaded


def _compile(r: _Reader, rules: FeatureRules | None) -> Matcher | None:
    if rules is None:
        return None
    try:
        return compile_rules(rules)
    except RulesError as exc:
        r.add("catalog/features.yaml", "$", str(exc))
        return None


def _aliases(r: _Reader, vendors: list[tuple[str, Vendor]]) -> dict[str, str]:
    aliases: dict[str, str] = {}
    ids = {v.id for _, v in vendors}
    for file, vendor in vendors:
        for alias in vendor.aliases:
            if alias == vendor.id:
                continue
            if alias in ids or aliases.get(alias, vendor.id) != vendor.id:
                r.add(file, "$.aliases", f"alias {alias!r} is already taken")
            aliases[alias] = vendor.id
    return aliases


def load_catalog(root: Path) -> Catalog:
    """Read, validate and cross-check the whole catalog under `root`; raise CatalogError if bad."""
    r = _Reader(root)
    cat = root / "catalog"
    failures = r.decode(cat / "failures.yaml", FailureCatalog)
    relations = r.decode(cat / "relations.yaml", RelationCatalog)
    rules = r.decode(cat / "features.yaml", FeatureRules)
    mapping = r.decode(cat / "benchmark_map.yaml", BenchmarkMap)
    vendors = _load_vendors(r, root)
    benchmarks = load_benchmarks(cat / "benchmarks")
    for csv_path in sorted((cat / "benchmarks").glob("*.csv")):
        r.digest.update(csv_path.name.encode() + csv_path.read_bytes())
    for message in benchmarks.problems:
        r.add("catalog/benchmarks/", "$", message)
    matcher = _compile(r, rules)
    classes = {c.id: c for c in failures.classes} if failures else {}
    if failures and rules:
        _check_failures(r, failures, rules.feature_ids())
    if relations and failures:
        _check_relations(r, relations, set(classes))
    if mapping and failures:
        for message in check_mapping(mapping, benchmarks, set(classes)):
            r.add("catalog/benchmark_map.yaml", "$", message)
    for dup in _duplicates(v.id for _, v in vendors):
        r.add("vendors/", "$", f"duplicate vendor id {dup!r}")
    models_seen: dict[str, str] = {}
    for file, vendor in vendors:
        _check_vendor(r, file, vendor, set(classes), models_seen)
        _check_benchmark_links(r, file, vendor, benchmarks)
    aliases = _aliases(r, vendors)
    if r.problems or not (failures and relations and rules and mapping and matcher):
        raise CatalogError(r.problems)
    by_id = dict(sorted((v.id, v) for _, v in vendors))
    models = {m.id: ModelRef(v, m) for v in by_id.values() for m in v.models}
    suscept = {
        mid: derive_susceptibility(ref.model, failures.classes, benchmarks, mapping)
        for mid, ref in models.items()
    }
    baseline = {mid: sum(s.value for s in v.values()) / len(v) for mid, v in suscept.items()}
    return Catalog(
        root=root,
        version=r.digest.hexdigest()[:16],
        vendors=by_id,
        aliases=aliases,
        models=models,
        failures=failures,
        classes=classes,
        relations=relations,
        rules=rules,
        matcher=matcher,
        benchmarks=benchmarks,
        susceptibility=suscept,
        baseline=baseline,
        triggers=index_triggers(failures.classes),
    )

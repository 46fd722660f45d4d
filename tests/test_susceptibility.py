"""Tests for router.susceptibility and the failure/relation/benchmark catalog files."""

from __future__ import annotations

from pathlib import Path

import feature_ids
import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from router.catalog import (
    Capabilities,
    Evidence,
    FailureCatalog,
    FailureClass,
    FailureMode,
    Model,
    RelationCatalog,
    Source,
    decode_yaml,
)
from router.susceptibility import (
    BenchmarkData,
    BenchmarkError,
    BenchmarkMap,
    check_mapping,
    derive_susceptibility,
    load_benchmark_map,
    load_benchmarks,
)

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "catalog"

SPEC_FEATURES = set(feature_ids.SPEC_IDS)
EXTRA_FEATURES = set(feature_ids.EXTRA_IDS)
CLASS_IDS = set(
    [
        "temporal_coherence_degradation",
        "flicker_color_shift",
        "background_boiling",
        "static_or_frozen_motion",
        "slow_motion_bias",
        "scene_mutation",
        "identity_drift",
        "face_distortion",
        "hand_deformity",
        "anatomy_limb_deformity",
        "warping_fast_motion",
        "physics_violation",
        "object_permanence_failure",
        "multi_subject_confusion",
        "prompt_adherence_loss",
        "camera_control_ignored",
        "negation_ignored",
        "text_rendering",
        "multi_shot_collapse",
        "keyframe_interpolation_morph",
        "lip_sync_drift",
        "audio_track_failure",
        "cross_clip_continuity_drift",
        "off_spec_parameter_artifacts",
        "operational_failure",
    ]
)

SOURCE = Source(url="https://example.invalid/test", as_of="undated")

# A tiny benchmark: "bench" has one table with a camera dimension (higher is better), a latency-
# like dimension (lower is better), a gated consistency dimension and its motion gate.
TABLE_HEADER = "model,vendor,benchmark,dimension,score,source,eval_date,note\n"
TABLE_ROWS = [
    ("best", "camera", 90, "2025-01-01", ""),
    ("mid", "camera", 60, "2025-01-01", ""),
    ("worst", "camera", 10, "2025-01-01", ""),
    ("self", "camera", 60, "2025-01-01", "self-reported: sampled by submitter"),
    ("best", "jitter", 1, "2025-01-01", ""),
    ("mid", "jitter", 5, "2025-01-01", ""),
    ("worst", "jitter", 9, "2025-01-01", ""),
    ("best", "smooth", 99, "2025-01-01", ""),
    ("mid", "smooth", 98, "2025-01-01", ""),
    ("worst", "smooth", 97, "2025-01-01", ""),
    ("best", "motion", 90, "2025-01-01", ""),
    ("mid", "motion", 10, "2025-01-01", ""),
    ("worst", "motion", 50, "2025-01-01", ""),
]
TABLES_YAML = """
self_reported_pattern: "^self-reported"
tables:
  bench: {file: bench.csv}
"""
MAP_YAML = """
version: 1
constants:
  pseudo_count: 2.0
  stale_factor: 0.5
  self_reported_factor: 0.7
  severity: {low: 0.15, medium: 0.3, high: 0.5}
entries:
  - {benchmark: bench, dimension: camera, failure: camera_control_ignored,
     direction: higher_is_better, weight: 1.0}
  - {benchmark: bench, dimension: jitter, failure: camera_control_ignored,
     direction: lower_is_better, weight: 1.0}
  - {benchmark: bench, dimension: smooth, failure: temporal_coherence_degradation,
     direction: higher_is_better, weight: 1.0, gate: motion}
"""


def _cls(class_id: str, prior: float) -> FailureClass:
    return FailureClass(
        id=class_id,
        name=class_id,
        group="test",
        definition="d",
        symptoms=["s"],
        documentation_strength="low",
        escalation="e",
        prior=prior,
    )


CLASSES = [_cls("camera_control_ignored", 0.3), _cls("temporal_coherence_degradation", 0.4)]


def _model(
    row: str | None = None, released: str | None = None, modes: list[FailureMode] | None = None
) -> Model:
    return Model(
        id="m",
        name="m",
        status="ga",
        released=released,
        capabilities=Capabilities(modes=["text_to_video"], sources=[SOURCE]),
        benchmarks={"bench": row} if row else {},
        failure_modes=modes or [],
    )


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[BenchmarkData, BenchmarkMap]:
    directory = tmp_path_factory.mktemp("bench")
    lines = [f"{m},v,Bench,{d},{s},src,{date},{note}\n" for m, d, s, date, note in TABLE_ROWS]
    (directory / "bench.csv").write_text(TABLE_HEADER + "".join(lines), encoding="utf-8")
    (directory / "tables.yaml").write_text(TABLES_YAML, encoding="utf-8")
    (directory / "map.yaml").write_text(MAP_YAML, encoding="utf-8")
    mapping = load_benchmark_map(directory / "map.yaml")
    data = load_benchmarks(directory)
    assert data.problems == []
    return data, mapping


def test_no_benchmark_and_no_evidence_gives_the_prior(
    tiny: tuple[BenchmarkData, BenchmarkMap],
) -> None:
    data, mapping = tiny
    result = derive_susceptibility(_model(), CLASSES, data, mapping)
    assert {k: v.value for k, v in result.items()} == {
        "camera_control_ignored": 0.3,
        "temporal_coherence_degradation": 0.4,
    }
    assert all(v.benchmark is None and v.evidence is None for v in result.values())


def test_worst_ranked_model_is_more_susceptible_than_best(
    tiny: tuple[BenchmarkData, BenchmarkMap],
) -> None:
    data, mapping = tiny
    worst = derive_susceptibility(_model("worst"), CLASSES, data, mapping)["camera_control_ignored"]
    best = derive_susceptibility(_model("best"), CLASSES, data, mapping)["camera_control_ignored"]
    assert worst.value > worst.prior > best.value
    assert worst.benchmark == 1.0 and best.benchmark == 0.0
    assert worst.n_dimensions == 2
    # lower_is_better is honoured: the highest jitter ranks last
    assert any("jitter 9, rank 3/3" in line for line in worst.basis)


def test_shrinkage_keeps_one_dimension_from_dominating(
    tiny: tuple[BenchmarkData, BenchmarkMap],
) -> None:
    data, mapping = tiny
    worst = derive_susceptibility(_model("worst"), CLASSES, data, mapping)["camera_control_ignored"]
    # k = 2 pseudo-counts at the prior 0.3, W = 2 at badness 1 → (0.6 + 2) / 4
    assert worst.value == pytest.approx(0.65)


def test_gate_discounts_static_models(tiny: tuple[BenchmarkData, BenchmarkMap]) -> None:
    data, mapping = tiny
    # "mid" has the lowest motion score: its smoothness (rank 2) carries no weight at all.
    mid = derive_susceptibility(_model("mid"), CLASSES, data, mapping)
    assert mid["temporal_coherence_degradation"].value == 0.4
    assert mid["temporal_coherence_degradation"].n_dimensions == 0
    best = derive_susceptibility(_model("best"), CLASSES, data, mapping)
    assert best["temporal_coherence_degradation"].value < 0.4


def test_stale_rows_weigh_less(tiny: tuple[BenchmarkData, BenchmarkMap]) -> None:
    data, mapping = tiny
    fresh = derive_susceptibility(_model("worst", released="2024-06"), CLASSES, data, mapping)
    stale = derive_susceptibility(_model("worst", released="2025-06"), CLASSES, data, mapping)
    f, s = fresh["camera_control_ignored"], stale["camera_control_ignored"]
    assert f.prior < s.value < f.value
    assert any("stale" in line for line in s.basis)
    assert not any("stale" in line for line in f.basis)


def test_self_reported_rows_are_discounted(tiny: tuple[BenchmarkData, BenchmarkMap]) -> None:
    data, mapping = tiny
    result = derive_susceptibility(_model("self"), CLASSES, data, mapping)
    assert any("self-reported ×0.7" in line for line in result["camera_control_ignored"].basis)


def test_vendor_evidence_pulls_the_value_up(tiny: tuple[BenchmarkData, BenchmarkMap]) -> None:
    data, mapping = tiny
    evidence = [Evidence(kind="vendor_docs", source=SOURCE)]
    modes = [FailureMode(failure_id="camera_control_ignored", severity="high", evidence=evidence)]
    plain = derive_susceptibility(_model("best"), CLASSES, data, mapping)
    pulled = derive_susceptibility(_model("best", modes=modes), CLASSES, data, mapping)
    p, q = plain["camera_control_ignored"], pulled["camera_control_ignored"]
    assert q.evidence == 0.5
    assert q.value == pytest.approx(p.value + 0.5 * (1 - p.value))


@settings(max_examples=60, deadline=None)
@given(
    row=st.sampled_from(["best", "mid", "worst", "self", "absent"]),
    released=st.one_of(st.none(), st.sampled_from(["2024", "2025-01-01", "2026-03", "undated"])),
    severity=st.one_of(st.none(), st.sampled_from(["low", "medium", "high"])),
    priors=st.tuples(st.floats(0, 1), st.floats(0, 1)),
)
def test_values_stay_in_unit_interval_and_are_deterministic(
    tiny: tuple[BenchmarkData, BenchmarkMap],
    row: str,
    released: str | None,
    severity: str | None,
    priors: tuple[float, float],
) -> None:
    data, mapping = tiny
    modes = (
        []
        if severity is None
        else [
            FailureMode(
                failure_id="temporal_coherence_degradation",
                severity=severity,  # type: ignore[arg-type]
                evidence=[Evidence(kind="user_report", source=SOURCE)],
            )
        ]
    )
    classes = [
        _cls("camera_control_ignored", priors[0]),
        _cls("temporal_coherence_degradation", priors[1]),
    ]
    model = _model(row, released, modes)
    first = derive_susceptibility(model, classes, data, mapping)
    assert first == derive_susceptibility(model, classes, data, mapping)
    for value in first.values():
        assert 0.0 <= value.value <= 1.0
        assert value.benchmark is None or 0.0 <= value.benchmark <= 1.0


def test_check_mapping_names_bad_dimension_class_and_benchmark(
    tiny: tuple[BenchmarkData, BenchmarkMap],
) -> None:
    data, mapping = tiny
    bad = msgspec.structs.replace(
        mapping,
        entries=[
            msgspec.structs.replace(mapping.entries[0], dimension="camera_moton"),
            msgspec.structs.replace(mapping.entries[0], failure="camera_drift"),
            msgspec.structs.replace(mapping.entries[0], benchmark="vbnch"),
            msgspec.structs.replace(mapping.entries[2], gate="motionn"),
        ],
    )
    problems = check_mapping(bad, data, CLASS_IDS)
    assert len(problems) == 4
    assert "entries[0]" in problems[0] and "camera_moton" in problems[0]
    assert "entries[1]" in problems[1] and "camera_drift" in problems[1]
    assert "entries[2]" in problems[2] and "vbnch" in problems[2]
    assert "entries[3]" in problems[3] and "motionn" in problems[3]
    assert check_mapping(mapping, data, CLASS_IDS) == []


def test_rows_are_listed_per_benchmark_key(tiny: tuple[BenchmarkData, BenchmarkMap]) -> None:
    data, _ = tiny
    assert data.models == {"bench": frozenset({"best", "mid", "worst", "self"})}
    assert len(data.series) == 4


# ---- the real catalog files -------------------------------------------------------------


@pytest.fixture(scope="module")
def failures() -> FailureCatalog:
    return decode_yaml((CATALOG / "failures.yaml").read_bytes(), FailureCatalog)


@pytest.fixture(scope="module")
def relations() -> RelationCatalog:
    return decode_yaml((CATALOG / "relations.yaml").read_bytes(), RelationCatalog)


def test_failures_have_exactly_the_25_classes(failures: FailureCatalog) -> None:
    ids = [c.id for c in failures.classes]
    assert sorted(ids) == sorted(CLASS_IDS)
    assert failures.levels.yellow < failures.levels.red
    assert [c.id for c in failures.classes if c.refundable] == ["operational_failure"]
    assert all(c.sources and c.prevention and c.triggers for c in failures.classes)


def test_trigger_features_are_known_and_cover_every_feature(failures: FailureCatalog) -> None:
    used = {t.feature for c in failures.classes for t in c.triggers}
    assert used <= SPEC_FEATURES | EXTRA_FEATURES, used - SPEC_FEATURES - EXTRA_FEATURES
    assert used >= SPEC_FEATURES | EXTRA_FEATURES, (SPEC_FEATURES | EXTRA_FEATURES) - used
    for cls in failures.classes:
        features = [t.feature for t in cls.triggers]
        assert len(features) == len(set(features)), cls.id
        assert all(t.rewrite.strip() for t in cls.triggers)


def test_relation_endpoints_exist(failures: FailureCatalog, relations: RelationCatalog) -> None:
    classes = {c.id for c in failures.classes}
    mitigations = {m.id for m in relations.mitigations}
    assert len(mitigations) == len(relations.mitigations) == 9
    for rel in relations.relations:
        assert rel.source in classes, rel.source
        expected = mitigations if rel.kind == "mitigated_by" else classes
        assert rel.target in expected, (rel.kind, rel.target)
        assert rel.source != rel.target
    assert {r.target for r in relations.relations if r.kind == "mitigated_by"} == mitigations


def test_real_benchmark_map_matches_the_csvs(failures: FailureCatalog) -> None:
    mapping = load_benchmark_map(CATALOG / "benchmark_map.yaml")
    data = load_benchmarks(CATALOG / "benchmarks")
    assert data.problems == []
    assert check_mapping(mapping, data, [c.id for c in failures.classes]) == []
    assert set(data.models) == {
        "vbench",
        "vbench2",
        "vbench_i2v",
        "videophy",
        "phygenbench",
        "physics_iq",
        "lmarena",
    }


def test_real_rows_rank_as_published(failures: FailureCatalog) -> None:
    mapping = load_benchmark_map(CATALOG / "benchmark_map.yaml")
    data = load_benchmarks(CATALOG / "benchmarks")
    sora = msgspec.structs.replace(_model(), benchmarks={"vbench2": "sora-480p"})
    veo = msgspec.structs.replace(_model(), benchmarks={"vbench2": "veo-3"})
    s = derive_susceptibility(sora, failures.classes, data, mapping)["camera_control_ignored"]
    v = derive_susceptibility(veo, failures.classes, data, mapping)["camera_control_ignored"]
    # benchmarks.md §6: Sora-480p camera_motion 27.16 is second-lowest of 12
    assert any("camera_motion 27.16, rank 11/12" in line for line in s.basis)
    assert s.value > v.value


def test_unreadable_inputs_are_reported_not_raised(tmp_path: Path) -> None:
    assert load_benchmarks(tmp_path).problems[0].startswith("tables.yaml: ")
    (tmp_path / "tables.yaml").write_text(TABLES_YAML, encoding="utf-8")
    assert load_benchmarks(tmp_path).problems == [
        "bench.csv: cannot read benchmark table (No such file or directory)"
    ]
    rows = "a,v,Bench,camera,n/a,s,,\nb,v,Bench,camera,1,s,,\nb,v,Bench,camera,2,s,,\n"
    (tmp_path / "bench.csv").write_text(TABLE_HEADER + rows, encoding="utf-8")
    data = load_benchmarks(tmp_path)
    assert data.problems == [
        "bench.csv:2: score 'n/a' is not a number",
        "bench.csv:4: second row for 'b' in Bench camera",
    ]
    assert data.models == {"bench": frozenset({"b"})}


def test_bad_map_raises_with_the_path(tmp_path: Path) -> None:
    (tmp_path / "map.yaml").write_text("version: 1\nentries: []\n", encoding="utf-8")
    with pytest.raises(BenchmarkError, match=r"map\.yaml: .*entries"):
        load_benchmark_map(tmp_path / "map.yaml")


def test_ambiguous_table_must_be_named(failures: FailureCatalog) -> None:
    mapping = load_benchmark_map(CATALOG / "benchmark_map.yaml")
    data = load_benchmarks(CATALOG / "benchmarks")
    entry = next(e for e in mapping.entries if e.benchmark == "videophy")
    bad = msgspec.structs.replace(mapping, entries=[msgspec.structs.replace(entry, table=None)])
    problems = check_mapping(bad, data, [c.id for c in failures.classes])
    assert len(problems) == 1 and "several tables" in problems[0]

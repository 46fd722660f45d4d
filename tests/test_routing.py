"""Routing invariants over the real catalog, including property tests."""

from __future__ import annotations

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from router.loader import Catalog, load_catalog
from router.routing_model import Constraints, Weights
from router.service import RouteRequest, route_prompt
from router.settings import PROJECT_ROOT

PROMPTS = [
    "A skateboarder rolling forward down a street",
    "Close-up of a pianist's hands playing a fast piece, then the camera pans to the audience",
    "Two dogs and a cat play in the snow, 10-second clip, slow motion",
    "A neon sign that says OPEN flickers in the rain, dolly in",
    "An anime girl transforms into a butterfly while the camera orbits",
    "a static shot of a bowl of fruit",
]

constraints = st.builds(
    dict,
    duration_s=st.none() | st.sampled_from([3.0, 5.0, 8.0, 10.0, 20.0, 60.0]),
    aspect_ratio=st.none() | st.sampled_from(["16:9", "9:16", "1:1", "21:9"]),
    resolution=st.none() | st.sampled_from(["720p", "1080p", "4k"]),
    mode=st.none() | st.sampled_from(["text_to_video", "image_to_video"]),
    audio=st.none() | st.booleans(),
    max_cost_usd=st.none() | st.floats(min_value=0, max_value=20),
    weights=st.builds(dict, risk=st.floats(0, 5), cost=st.floats(0, 5)),
)


CATALOG = load_catalog(PROJECT_ROOT)  # a module global: hypothesis must not repr a fixture this big


def request(prompt: str, extra: dict[str, object]) -> RouteRequest:
    given = {k: v for k, v in extra.items() if v is not None}
    return msgspec.convert({"prompt": prompt, "top_k": 200, **given}, RouteRequest)


@settings(max_examples=60, deadline=None)
@given(prompt=st.sampled_from(PROMPTS), extra=constraints)
def test_partition_bounds_and_total_order(prompt: str, extra: dict[str, object]) -> None:
    catalog = CATALOG
    result = route_prompt(catalog, request(prompt, extra))
    got = [c.model for c in result.candidates] + [e.model for e in result.excluded]
    assert sorted(got) == sorted(catalog.models)
    for c in result.candidates:
        assert 0.0 <= c.score <= 1.0
        assert 0.0 <= c.risk <= 1.0
    keys = [
        (-c.score, c.risk, c.est_cost_usd is None, c.est_cost_usd or 0.0, c.vendor, c.model)
        for c in result.candidates
    ]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)


@settings(max_examples=40, deadline=None)
@given(
    prompt=st.sampled_from(PROMPTS),
    extra=constraints,
    added=st.sampled_from(
        [
            {"duration_s": 12.0},
            {"audio": True},
            {"max_cost_usd": 1.0},
            {"aspect_ratio": "9:16"},
            {"resolution": "1080p"},
            {"exclude": ["luma", "kling"]},
        ]
    ),
)
def test_adding_a_constraint_never_adds_candidates(
    prompt: str, extra: dict[str, object], added: dict[str, object]
) -> None:
    catalog = CATALOG
    key = next(iter(added))
    if key != "exclude" and extra.get(key) is not None:
        return  # replacing a constraint is a different question, not a tighter one
    base = route_prompt(catalog, request(prompt, extra))
    tighter_extra = {**extra, **added}
    tighter = route_prompt(catalog, request(prompt, tighter_extra))
    assert {c.model for c in tighter.candidates} <= {c.model for c in base.candidates}


def test_deterministic(catalog: Catalog) -> None:
    req = request(PROMPTS[1], {"duration_s": 8.0})
    assert route_prompt(catalog, req) == route_prompt(catalog, req)


def test_cost_weight_zero_ranks_on_quality(catalog: Catalog) -> None:
    req = msgspec.structs.replace(request(PROMPTS[2], {}), weights=Weights(risk=1, cost=0))
    risks = [c.risk for c in route_prompt(catalog, req).candidates]
    assert risks == sorted(risks)


def test_allow_lists_and_exclusion_reasons(catalog: Catalog) -> None:
    result = route_prompt(catalog, request(PROMPTS[0], {"vendors": ["luma", "sora"]}))
    assert {c.vendor for c in result.candidates} <= {"luma", "openai"}
    reasons = {e.reason for e in result.excluded}
    assert "allow_list" in reasons
    result = route_prompt(catalog, request(PROMPTS[0], {"duration_s": 600.0}))
    assert any(e.reason == "duration" for e in result.excluded)


def test_reasons_cite_features_with_spans(catalog: Catalog) -> None:
    prompt = PROMPTS[1]
    result = route_prompt(catalog, request(prompt, {}))
    reason = next(r for c in result.candidates for r in c.reasons if r.kind == "failure")
    assert reason.failure_id in catalog.classes
    feat = reason.features[0]
    start, end = feat.spans[0] if feat.spans else (0, 0)
    assert 0 <= start <= end <= len(prompt)


def test_text_duration_counts_when_request_has_none(catalog: Catalog) -> None:
    result = route_prompt(catalog, request("a horse galloping, 12 seconds", {}))
    assert result.duration_s == 12.0
    assert Constraints().duration_s is None


def test_reported_outcomes_move_scores_and_say_so(catalog: Catalog) -> None:
    from router.learning import KeyCount, LearningPolicy, build_outcomes

    prompt = "A skateboarder rolling forward down a street, 9-second clip"
    base = route_prompt(catalog, request(prompt, {"vendors": ["luma"]}))
    model = base.candidates[0].model
    counts = [
        KeyCount(model=model, key_id=f"k{i}", outcome="failed",
                 failure_id="temporal_coherence_degradation", n=10)
        for i in range(5)
    ]  # fmt: skip
    outcomes = build_outcomes(counts, LearningPolicy(min_reports=20, key_cap=10))
    learned = route_prompt(catalog, request(prompt, {"vendors": ["luma"]}), outcomes)
    before = next(c for c in base.candidates if c.model == model)
    after = next(c for c in learned.candidates if c.model == model)
    assert after.risk > before.risk
    assert any(r.kind == "note" for r in after.reasons)

"""The Beta posterior over reported outcomes: prior without reports, monotone in evidence,
bounded, and guarded by the minimum count and the per-key cap."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from router.learning import KeyCount, LearningPolicy, Outcomes, build_outcomes

CLASS = "temporal_coherence_degradation"
POLICY = LearningPolicy(prior_strength=20, min_reports=20, key_cap=10)


def rows(failed: int, ok: int, keys: int = 10, model: str = "ray-2") -> list[KeyCount]:
    """`failed` and `ok` reports spread as evenly as possible over `keys` keys."""
    out = []
    for i in range(keys):
        f = failed // keys + (1 if i < failed % keys else 0)
        o = ok // keys + (1 if i < ok % keys else 0)
        key = f"key{i}"
        if f:
            out.append(KeyCount(model=model, key_id=key, outcome="failed", failure_id=CLASS, n=f))
        if o:
            out.append(KeyCount(model=model, key_id=key, outcome="ok", failure_id=None, n=o))
    return out


def test_no_reports_returns_the_prior_without_a_note() -> None:
    assert Outcomes().adjust("ray-2", CLASS, 0.37) == (0.37, None)
    assert build_outcomes([], POLICY).adjust("ray-2", CLASS, 0.37) == (0.37, None)


def test_failure_reports_raise_and_ok_reports_lower() -> None:
    up, up_note = build_outcomes(rows(failed=40, ok=10), POLICY).adjust("ray-2", CLASS, 0.3)
    down, down_note = build_outcomes(rows(failed=0, ok=50), POLICY).adjust("ray-2", CLASS, 0.3)
    assert up > 0.3 and up_note is not None and "raised" in up_note
    assert down < 0.3 and down_note is not None and "lowered" in down_note


def test_posterior_is_the_beta_mean() -> None:
    # k = 20, s = 0.25: alpha = 5 + 30 failed, beta = 15 + 20 ok -> 35 / 70
    value, _ = build_outcomes(rows(failed=30, ok=20), POLICY).adjust("ray-2", CLASS, 0.25)
    assert abs(value - 0.5) < 1e-9


def test_other_models_and_classes_are_untouched_by_failures() -> None:
    outcomes = build_outcomes(rows(failed=50, ok=0), POLICY)
    assert outcomes.adjust("gen-4", CLASS, 0.3) == (0.3, None)
    other, _ = outcomes.adjust("ray-2", "hand_deformity", 0.3)
    assert other == 0.3  # failed reports of another class are not evidence for this one


def test_below_the_minimum_count_reports_have_no_weight() -> None:
    policy = LearningPolicy(prior_strength=20, min_reports=20, key_cap=10)
    few = build_outcomes(rows(failed=19, ok=0, keys=19), policy)
    enough = build_outcomes(rows(failed=20, ok=0, keys=20), policy)
    assert few.adjust("ray-2", CLASS, 0.3) == (0.3, None)
    assert not few.models["ray-2"].weighted
    assert enough.adjust("ray-2", CLASS, 0.3)[0] > 0.3


def test_one_key_alone_never_moves_a_score() -> None:
    flood = build_outcomes(rows(failed=10_000, ok=0, keys=1), POLICY)
    assert flood.models["ray-2"].counted == POLICY.key_cap
    assert flood.adjust("ray-2", CLASS, 0.2) == (0.2, None)


def test_the_key_cap_limits_a_flooding_key() -> None:
    honest = rows(failed=0, ok=30, keys=3)  # three keys, ten ok reports each
    attacker = [KeyCount(model="ray-2", key_id="evil", outcome="failed", failure_id=CLASS, n=5000)]
    capped = build_outcomes(honest + attacker, POLICY)
    uncapped = build_outcomes(honest + attacker, LearningPolicy(key_cap=10_000, min_reports=20))
    assert capped.models["ray-2"].counted_failed[CLASS] == 10
    assert capped.adjust("ray-2", CLASS, 0.2)[0] < uncapped.adjust("ray-2", CLASS, 0.2)[0]
    assert capped.adjust("ray-2", CLASS, 0.2)[0] < 0.35


def test_a_capped_key_keeps_its_proportions() -> None:
    mixed = [
        KeyCount(model="m", key_id="k", outcome="failed", failure_id=CLASS, n=30),
        KeyCount(model="m", key_id="k", outcome="ok", failure_id=None, n=10),
    ]
    evidence = build_outcomes(mixed, POLICY).models["m"]
    assert evidence.counted == 10
    assert evidence.counted_failed[CLASS] == 7.5 and evidence.counted_ok == 2.5
    assert evidence.reports == 40 and evidence.failed[CLASS] == 30


@given(
    prior=st.floats(0.0, 1.0),
    failed=st.integers(0, 500),
    ok=st.integers(0, 500),
    extra=st.integers(1, 200),
    keys=st.integers(1, 40),
)
def test_posterior_bounded_and_monotone(
    prior: float, failed: int, ok: int, extra: int, keys: int
) -> None:
    base, _ = build_outcomes(rows(failed, ok, keys), POLICY).adjust("ray-2", CLASS, prior)
    more_failed, _ = build_outcomes(rows(failed + extra, ok, keys), POLICY).adjust(
        "ray-2", CLASS, prior
    )
    assert 0.0 <= base <= 1.0
    # More failure reports never lower the posterior while both states are weighted and below
    # the per-key cap (crossing the minimum lets the ok reports count too, which may lower it).
    evenly_uncapped = (failed + extra + ok) <= keys * POLICY.key_cap
    if evenly_uncapped and failed + ok >= POLICY.min_reports:
        assert more_failed >= base - 1e-12


@given(prior=st.floats(0.0, 1.0), n=st.integers(0, 19))
def test_under_the_minimum_the_prior_is_exact(prior: float, n: int) -> None:
    assert build_outcomes(rows(n, 0, keys=max(n, 1)), POLICY).adjust("ray-2", CLASS, prior) == (
        prior,
        None,
    )

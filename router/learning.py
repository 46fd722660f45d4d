"""Learning from reported outcomes: a Beta posterior per (model, failure class). Pure.

The catalog's susceptibility `s` is the prior mean, worth `k` pseudo-counts
(alpha0 = s·k, beta0 = (1 − s)·k). Evidence for (model, class) is the number of `failed`
reports naming that class (added to alpha) against the model's `ok` reports (added to beta).
Failed reports naming another class say nothing about this one, so they are left out.

Poisoning guards: one API key counts for at most `key_cap` reports per model (its counts are
scaled down pro rata beyond that), and reports carry no weight at all until a model has
`min_reports` of them after the cap. With `key_cap < min_reports` one key alone never moves a score.

`build_outcomes` turns the store's grouped counts into an immutable `Outcomes` snapshot once;
`Outcomes.adjust` is then a dict lookup and a division, cheap enough for the routing hot path.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Literal

from msgspec import Struct

__all__ = [
    "KeyCount",
    "LearningPolicy",
    "ModelEvidence",
    "Outcomes",
    "build_outcomes",
    "posterior",
]

Outcome = Literal["failed", "ok"]


class LearningPolicy(Struct, frozen=True, kw_only=True):
    """How much reported outcomes may move the catalog's prior."""

    prior_strength: float = 20.0
    """Pseudo-count `k` the catalog prior is worth."""
    min_reports: int = 20
    """Counted reports a model needs before reports carry any weight."""
    key_cap: int = 10
    """Most reports one API key counts for, per model."""
    min_shift: float = 0.005
    """Smallest move worth telling the user about."""


class KeyCount(Struct, frozen=True, kw_only=True):
    """How many reports one key made for one model with one outcome and class (a store row)."""

    model: str
    key_id: str
    outcome: Outcome
    failure_id: str | None
    n: int


class ModelEvidence(Struct, frozen=True, kw_only=True):
    """Reported outcomes for one model: raw counts, and counts after the per-key cap."""

    reports: int
    ok: int
    failed: dict[str, int]
    keys: int
    counted: float
    """Reports that count after the per-key cap."""
    counted_ok: float
    counted_failed: dict[str, float]
    weighted: bool
    """True once `counted` reaches the policy's minimum: only then do reports move scores."""


def posterior(evidence: ModelEvidence, failure_id: str, prior: float, strength: float) -> float:
    """Beta posterior mean for one class: prior mean `prior` worth `strength` pseudo-counts."""
    if not evidence.weighted:
        return prior
    alpha = prior * strength + evidence.counted_failed.get(failure_id, 0.0)
    beta = (1.0 - prior) * strength + evidence.counted_ok
    total = alpha + beta
    return prior if total <= 0.0 else alpha / total


class Outcomes(Struct, frozen=True, kw_only=True):
    """An immutable snapshot of reported outcomes, ready for the hot path."""

    policy: LearningPolicy = LearningPolicy()
    models: dict[str, ModelEvidence] = {}
    memo: dict[tuple[str, str, float], tuple[float, str | None]] = {}
    """Answers already computed (the routing hot path asks the same questions every call)."""

    def adjust(self, model_id: str, failure_id: str, prior: float) -> tuple[float, str | None]:
        """The posterior for (model, class), and a note for the user when reports moved it."""
        evidence = self.models.get(model_id)
        if evidence is None or not evidence.weighted:
            return prior, None
        key = (model_id, failure_id, prior)
        hit = self.memo.get(key)
        if hit is None:
            hit = self.memo[key] = self._compute(evidence, failure_id, prior)
        return hit

    def _compute(
        self, evidence: ModelEvidence, failure_id: str, prior: float
    ) -> tuple[float, str | None]:
        value = posterior(evidence, failure_id, prior, self.policy.prior_strength)
        if abs(value - prior) < self.policy.min_shift:
            return value, None
        failed = evidence.counted_failed.get(failure_id, 0.0)
        direction = "raised" if value > prior else "lowered"
        note = (
            f"reported outcomes {direction} this from {prior:.2f} to {value:.2f} "
            f"({failed:.0f} reports of this failure, {evidence.counted_ok:.0f} ok, "
            f"from {evidence.keys} API keys)"
        )
        return value, note


def _by_key(counts: Iterable[KeyCount]) -> dict[str, dict[str, list[KeyCount]]]:
    grouped: dict[str, dict[str, list[KeyCount]]] = defaultdict(lambda: defaultdict(list))
    for row in counts:
        if row.n > 0:
            grouped[row.model][row.key_id].append(row)
    return grouped


def _model_evidence(
    rows_by_key: dict[str, list[KeyCount]], policy: LearningPolicy
) -> ModelEvidence:
    ok = 0
    failed: dict[str, int] = defaultdict(int)
    counted = counted_ok = 0.0
    counted_failed: dict[str, float] = defaultdict(float)
    for rows in rows_by_key.values():
        total = sum(r.n for r in rows)
        scale = min(1.0, policy.key_cap / total)  # a key beyond its cap keeps its proportions
        counted += total * scale
        for row in rows:
            if row.outcome == "ok":
                ok += row.n
                counted_ok += row.n * scale
            elif row.failure_id is not None:
                failed[row.failure_id] += row.n
                counted_failed[row.failure_id] += row.n * scale
    reports = sum(r.n for rows in rows_by_key.values() for r in rows)
    return ModelEvidence(
        reports=reports,
        ok=ok,
        failed=dict(sorted(failed.items())),
        keys=len(rows_by_key),
        counted=counted,
        counted_ok=counted_ok,
        counted_failed=dict(sorted(counted_failed.items())),
        weighted=counted >= policy.min_reports,
    )


def build_outcomes(counts: Iterable[KeyCount], policy: LearningPolicy | None = None) -> Outcomes:
    """Snapshot grouped store counts (one row per model, key, outcome and class)."""
    policy = policy or LearningPolicy()
    models = {
        model: _model_evidence(by_key, policy) for model, by_key in sorted(_by_key(counts).items())
    }
    return Outcomes(policy=policy, models=models)

"""The risk model: how likely each failure class is for a prompt on a given model.

For model m, class f and the prompt's features F (each with confidence c):

    load(f | F)      = 1 - prod over triggers t of f present in F of (1 - w_t * c_t)   (noisy-OR)
    risk(m, f | F)   = s(m, f) * load(f | F)

where w_t is the trigger weight in catalog/failures.yaml and s(m, f) the model's susceptibility
(router.susceptibility: published benchmark scores, vendor evidence, class prior; optionally
reported outcomes). A class with no trigger in the prompt has risk 0: the light is about *this*
prompt. The model's general failure-proneness enters routing through `baseline` below.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import msgspec

from router.catalog import FailureClass, Levels
from router.rules_model import FeatureHit

Level = Literal["green", "yellow", "red"]
LEVEL_ORDER: dict[Level, int] = {"green": 0, "yellow": 1, "red": 2}
# Share of a model's mean susceptibility that counts against it even when no trigger fires.
BASELINE_WEIGHT = 0.25
# Failure classes share root causes (they co-occur), so multiplying their survival as if they
# were independent overstates the chance of "any failure". The product is raised to this power:
# a monotone discount (rankings do not change), a design parameter, not a calibrated value.
CORRELATION_EXPONENT = 0.5


@dataclass(frozen=True, slots=True)
class TriggerRef:
    """One (class, weight, rewrite) that a feature triggers; indexed by feature id."""

    failure_id: str
    weight: float
    rewrite: str


# A prompt feature as scoring sees it: the rules engine's own result Struct, so routing reads
# `Analysis.features` without copying each one.
FeatureMatch = FeatureHit


class TriggerHit(msgspec.Struct, frozen=True):
    """A feature that raised a class's risk, with the words that caused it."""

    feature: str
    weight: float
    confidence: float
    spans: list[tuple[int, int]]
    spans_utf16: list[tuple[int, int]]


class ClassRisk(msgspec.Struct, frozen=True):
    """Risk of one failure class for one prompt on one model."""

    failure_id: str
    name: str
    level: Level
    risk: float
    susceptibility: float
    triggers: list[TriggerHit]
    rewrite: list[str]
    vendor_term: str | None = None
    reported: str | None = None
    """Set when reported outcomes moved this model's susceptibility (router.learning)."""


def index_triggers(classes: Iterable[FailureClass]) -> dict[str, tuple[TriggerRef, ...]]:
    """feature id → the classes it triggers (built once at load time)."""
    index: dict[str, list[TriggerRef]] = {}
    for cls in classes:
        for trig in cls.triggers:
            index.setdefault(trig.feature, []).append(TriggerRef(cls.id, trig.weight, trig.rewrite))
    return {k: tuple(v) for k, v in index.items()}


def level_for(risk: float, levels: Levels) -> Level:
    """Traffic light for a risk, by the catalog's thresholds."""
    if risk >= levels.red:
        return "red"
    return "yellow" if risk >= levels.yellow else "green"


def class_loads(
    features: Sequence[FeatureMatch], index: Mapping[str, tuple[TriggerRef, ...]]
) -> dict[str, tuple[float, list[tuple[FeatureMatch, TriggerRef]]]]:
    """Per triggered class: the noisy-OR trigger load and the (feature, trigger) pairs behind it."""
    survive: dict[str, float] = {}
    hits: dict[str, list[tuple[FeatureMatch, TriggerRef]]] = {}
    for feat in features:
        for ref in index.get(feat.id, ()):
            survive[ref.failure_id] = survive.get(ref.failure_id, 1.0) * (
                1.0 - ref.weight * feat.confidence
            )
            hits.setdefault(ref.failure_id, []).append((feat, ref))
    return {fid: (1.0 - s, hits[fid]) for fid, s in survive.items()}


def combined_risk(class_risks: Iterable[float], baseline: float) -> float:
    """Chance that at least one failure shows: a noisy-OR over the classes and the model's
    baseline, discounted for correlated classes (CORRELATION_EXPONENT)."""
    survive = 1.0 - BASELINE_WEIGHT * baseline
    for risk in class_risks:
        survive *= 1.0 - risk
    discounted: float = max(survive, 0.0) ** CORRELATION_EXPONENT
    return min(1.0, max(0.0, 1.0 - discounted))


def worst(levels: Iterable[Level]) -> Level:
    """The most severe of several lights."""
    return max(levels, key=LEVEL_ORDER.__getitem__, default="green")

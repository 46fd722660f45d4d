"""Pre-flight: what is likely to go wrong with this prompt on this model, and how to rewrite it."""

from __future__ import annotations

import msgspec

from router.learning import Outcomes
from router.loader import Catalog, ModelRef
from router.pricing import estimate_cost
from router.risk import (
    ClassRisk,
    FeatureMatch,
    Level,
    TriggerHit,
    class_loads,
    combined_risk,
    level_for,
    worst,
)
from router.routing import DEFAULT_DURATION_S, exclusion, model_loads
from router.routing_model import Constraints, Exclusion


class Preflight(msgspec.Struct, frozen=True):
    """The answer to "what will go wrong with this prompt on this model?"."""

    vendor: str
    model: str
    light: Level
    risk: float
    duration_s: float
    est_cost_usd: float | None
    problems: list[Exclusion]
    classes: list[ClassRisk]
    rewrite: list[str]
    features: list[FeatureMatch]
    catalog_version: str
    rules_version: str


def _vendor_term(ref: ModelRef, failure_id: str) -> str | None:
    for mode in ref.model.failure_modes:
        if mode.failure_id == failure_id and mode.vendor_term:
            return mode.vendor_term
    return next((t.term for t in ref.vendor.failure_terms if t.failure_id == failure_id), None)


def class_risks(
    catalog: Catalog,
    ref: ModelRef,
    features: list[FeatureMatch],
    outcomes: Outcomes | None = None,
    duration_s: float = DEFAULT_DURATION_S,
) -> list[ClassRisk]:
    """One entry per failure class for this model, riskiest first."""
    suscept = catalog.susceptibility[ref.model.id]
    loads = model_loads(catalog, ref.model.id, class_loads(features, catalog.triggers), duration_s)
    levels = catalog.failures.levels
    out = []
    for cls in catalog.failures.classes:
        s, note = suscept[cls.id].value, None
        if outcomes is not None:
            s, note = outcomes.adjust(ref.model.id, cls.id, s)
        load, hits = loads.get(cls.id, (0.0, []))
        risk = round(s * load, 4)
        ordered = sorted(hits, key=lambda h: -h[1].weight * h[0].confidence)
        triggers = [
            TriggerHit(f.id, t.weight, f.confidence, f.spans, f.spans_utf16) for f, t in ordered
        ]
        rewrite = list(dict.fromkeys(t.rewrite for _, t in ordered)) if risk > 0 else []
        out.append(
            ClassRisk(
                cls.id,
                cls.name,
                level_for(risk, levels),
                risk,
                round(s, 4),
                triggers,
                rewrite,
                _vendor_term(ref, cls.id),
                note,
            )
        )
    out.sort(key=lambda r: (-r.risk, r.failure_id))
    return out


def preflight(
    catalog: Catalog,
    ref: ModelRef,
    prompt: str,
    features: list[FeatureMatch],
    c: Constraints,
    text_duration_s: float | None = None,
    outcomes: Outcomes | None = None,
) -> Preflight:
    """Score every failure class of `ref.model` for this prompt; hard limits become problems."""
    duration = c.duration_s or text_duration_s or DEFAULT_DURATION_S
    cost = estimate_cost(ref.vendor, ref.model, duration, c.resolution, c.audio)
    problem = exclusion(ref, c, duration, len(prompt), cost)
    risks = class_risks(catalog, ref, features, outcomes, duration)
    total = combined_risk((r.risk for r in risks), catalog.baseline[ref.model.id])
    light = worst([r.level for r in risks])
    problems = [problem] if problem and problem.reason not in {"allow_list", "excluded"} else []
    if problems:
        light = "red"
    rewrite = [f"{r.name}: {text}" for r in risks if r.level != "green" for text in r.rewrite[:2]]
    return Preflight(
        ref.vendor.id,
        ref.model.id,
        light,
        round(total, 4),
        duration,
        cost,
        problems,
        risks,
        rewrite,
        features,
        catalog.version,
        catalog.matcher.rules_version,
    )

"""Routing: which model should generate this shot, under the user's constraints and weights.

1. Filter: every model is either a candidate or excluded with the first reason that rules it out
   (allow lists, exclude list, availability, mode, duration, aspect ratio, resolution, audio,
   prompt length, price).
2. Rank: score = (w_risk * quality_score + w_cost * cost_score) / (w_risk + w_cost), where
   quality = 1 - combined risk (router.risk), quality_score = quality / best candidate quality,
   and cost_score = cheapest candidate cost / this cost (0 when the price is unknown). Both
   sub-scores are "share of the best candidate", so the weights trade like for like. Ties break
   on lower risk, lower cost, then vendor and model id, so the order is total and deterministic.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from router.learning import Outcomes
from router.loader import Catalog, ModelRef
from router.pricing import estimate_cost
from router.risk import FeatureMatch, TriggerRef, class_loads, combined_risk

Mode = Literal["text_to_video", "image_to_video", "video_to_video"]
DEFAULT_DURATION_S = 5.0
Id = Annotated[str, Meta(min_length=1, max_length=80)]
IdList = Annotated[list[Id], Meta(max_length=200)]
AllowList = Annotated[list[Id], Meta(min_length=1, max_length=200)]


class Weights(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Relative weight of predicted quality (risk) and cost in the score."""

    risk: Annotated[float, Meta(ge=0, le=100)] = 0.8
    cost: Annotated[float, Meta(ge=0, le=100)] = 0.2


class Constraints(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """What a shot needs, independent of its prompt text."""

    duration_s: Annotated[float, Meta(gt=0, le=600)] | None = None
    aspect_ratio: Annotated[str, Meta(pattern=r"^\d{1,2}:\d{1,2}$")] | None = None
    resolution: Annotated[str, Meta(pattern=r"^\d{3,4}p$|^4k$")] | None = None
    mode: Mode = "text_to_video"
    audio: bool | None = None
    max_cost_usd: Annotated[float, Meta(ge=0, le=100_000)] | None = None
    vendors: AllowList | None = None
    models: AllowList | None = None
    exclude: IdList = []
    weights: Weights = Weights()
    top_k: Annotated[int, Meta(ge=1, le=200)] = 5


class Reason(msgspec.Struct, frozen=True, omit_defaults=True):
    """Why a candidate scored as it did: a failure class and the features (with spans) behind it."""

    kind: Literal["failure", "cost", "note"]
    message: str
    failure_id: str | None = None
    risk: float | None = None
    features: list[FeatureMatch] = []


class Candidate(msgspec.Struct, frozen=True):
    """A ranked model."""

    vendor: str
    model: str
    score: float
    risk: float
    quality: float
    """1 - risk: the predicted chance that no failure shows."""
    quality_score: float
    """quality / the best candidate's quality."""
    cost_score: float
    """the cheapest candidate's cost / this cost (0 when the price is unknown)."""
    est_cost_usd: float | None
    reasons: list[Reason]


class Exclusion(msgspec.Struct, frozen=True):
    """A model that cannot take the shot, and why."""

    vendor: str
    model: str
    reason: Literal[
        "allow_list",
        "excluded",
        "availability",
        "mode",
        "duration",
        "aspect_ratio",
        "resolution",
        "audio",
        "prompt_length",
        "price",
    ]
    detail: str


class RouteResult(msgspec.Struct, frozen=True):
    """Ranked candidates (best first) and every excluded model."""

    candidates: list[Candidate]
    excluded: list[Exclusion]
    duration_s: float
    catalog_version: str
    rules_version: str


def _allowed(ref: ModelRef, c: Constraints) -> tuple[str, str] | None:
    vid, mid = ref.vendor.id, ref.model.id
    if (
        c.vendors is not None
        and vid not in c.vendors
        and not set(ref.vendor.aliases) & set(c.vendors)
    ):
        return "allow_list", "vendor not in the request's vendors list"
    if c.models is not None and mid not in c.models:
        return "allow_list", "model not in the request's models list"
    if vid in c.exclude or mid in c.exclude:
        return "excluded", "named in the request's exclude list"
    if ref.model.status in {"retired", "deprecated"}:
        return "availability", f"model is {ref.model.status}"
    return None


def _capable(
    ref: ModelRef, c: Constraints, duration: float, prompt_len: int
) -> tuple[str, str] | None:
    caps = ref.model.capabilities
    if c.mode not in caps.modes:
        return "mode", f"does not offer {c.mode} (offers {', '.join(caps.modes)})"
    longest = max([*caps.durations_s, caps.max_duration_s or 0.0])
    if longest and duration > longest:
        return "duration", f"{duration:g} s requested; longest clip is {longest:g} s"
    if c.aspect_ratio and caps.aspect_ratios and c.aspect_ratio not in caps.aspect_ratios:
        return "aspect_ratio", f"{c.aspect_ratio} not offered ({', '.join(caps.aspect_ratios)})"
    if c.resolution and caps.resolutions and c.resolution not in caps.resolutions:
        return "resolution", f"{c.resolution} not offered ({', '.join(caps.resolutions)})"
    if c.audio and caps.native_audio is not True:
        return "audio", "no native audio" if caps.native_audio is False else "native audio unknown"
    if caps.max_prompt_chars and prompt_len > caps.max_prompt_chars:
        return "prompt_length", f"prompt is {prompt_len} chars; limit {caps.max_prompt_chars}"
    return None


def exclusion(
    ref: ModelRef, c: Constraints, duration: float, prompt_len: int, cost: float | None
) -> Exclusion | None:
    """The first reason this model cannot take the shot, or None if it can."""
    found = _allowed(ref, c) or _capable(ref, c, duration, prompt_len)
    if found is None and c.max_cost_usd is not None:
        if cost is None:
            found = ("price", "no published USD price, so the budget cannot be guaranteed")
        elif cost > c.max_cost_usd:
            found = ("price", f"estimated ${cost:.2f} exceeds max_cost_usd ${c.max_cost_usd:.2f}")
    if found is None:
        return None
    return Exclusion(ref.vendor.id, ref.model.id, found[0], found[1])  # type: ignore[arg-type]


Loads = dict[str, tuple[float, list[tuple[FeatureMatch, TriggerRef]]]]


def _reasons(
    catalog: Catalog, model_id: str, loads: Loads, outcomes: Outcomes | None
) -> tuple[float, list[Reason]]:
    suscept = catalog.susceptibility[model_id]
    risks: list[tuple[float, str, list[FeatureMatch]]] = []
    notes: list[Reason] = []
    for fid, (load, hits) in loads.items():
        value = suscept[fid].value
        if outcomes is not None:
            value, note = outcomes.adjust(model_id, fid, value)
            if note:
                notes.append(Reason("note", note, fid))
        risks.append((value * load, fid, [f for f, _ in hits]))
    risks.sort(key=lambda r: (-r[0], r[1]))
    combined = combined_risk((r for r, _, _ in risks), catalog.baseline[model_id])
    reasons = [
        Reason(
            "failure", f"{catalog.classes[fid].name}: risk {risk:.2f}", fid, round(risk, 4), feats
        )
        for risk, fid, feats in risks[:3]
        if risk >= 0.05
    ]
    return combined, reasons + notes


def model_risk(
    catalog: Catalog, model_id: str, features: list[FeatureMatch], outcomes: Outcomes | None = None
) -> float:
    """Combined risk of one model for a prompt's features (no constraints, no cost)."""
    return _reasons(catalog, model_id, class_loads(features, catalog.triggers), outcomes)[0]


def route(
    catalog: Catalog,
    prompt: str,
    features: list[FeatureMatch],
    c: Constraints,
    text_duration_s: float | None = None,
    outcomes: Outcomes | None = None,
) -> RouteResult:
    """Rank every eligible model for one shot; list every other model with its exclusion.

    `outcomes` (reported generations, router.learning) replaces each susceptibility by its
    posterior; reasons then say where reports moved a score.
    """
    duration = c.duration_s or text_duration_s or DEFAULT_DURATION_S
    loads = class_loads(features, catalog.triggers)
    scored: list[tuple[ModelRef, float | None, float, list[Reason]]] = []
    excluded: list[Exclusion] = []
    for ref in catalog.models.values():
        cost = estimate_cost(ref.vendor, ref.model, duration, c.resolution, c.audio)
        why = exclusion(ref, c, duration, len(prompt), cost)
        if why is not None:
            excluded.append(why)
            continue
        risk, reasons = _reasons(catalog, ref.model.id, loads, outcomes)
        scored.append((ref, cost, risk, reasons))
    return RouteResult(
        rank(scored, c.weights)[: c.top_k],
        excluded,
        duration,
        catalog.version,
        catalog.matcher.rules_version,
    )


def _cost_score(cost: float | None, cheapest: float) -> float:
    if cost is None:
        return 0.0
    return 1.0 if cost <= 0 or cheapest <= 0 else cheapest / cost


def rank(
    scored: list[tuple[ModelRef, float | None, float, list[Reason]]], weights: Weights
) -> list[Candidate]:
    """Score and sort candidates; the sort key makes the order total."""
    costs = [cost for _, cost, _, _ in scored if cost is not None and cost > 0]
    cheapest = min(costs, default=0.0)
    best = max((1.0 - risk for _, _, risk, _ in scored), default=1.0)
    total = (weights.risk + weights.cost) or 1.0
    out = []
    unpriced = Reason("cost", "no published USD price for these settings")
    for ref, cost, risk, found in scored:
        value = _cost_score(cost, cheapest)
        quality = 1.0 - risk
        relative = quality / best if best > 0 else 1.0
        score = (weights.risk * relative + weights.cost * value) / total
        reasons = found if cost is not None else [*found, unpriced]
        out.append(
            Candidate(
                ref.vendor.id,
                ref.model.id,
                round(score, 6),
                round(risk, 6),
                round(quality, 6),
                round(relative, 6),
                round(value, 6),
                cost,
                reasons,
            )
        )
    out.sort(
        key=lambda c: (
            -c.score,
            c.risk,
            c.est_cost_usd is None,
            c.est_cost_usd or 0.0,
            c.vendor,
            c.model,
        )
    )
    return out

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

import math
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from router.learning import Outcomes
from router.loader import Catalog, ModelRef
from router.pricing import estimate_cost
from router.risk import CORRELATION_EXPONENT, FeatureMatch, TriggerRef, class_loads, combined_risk
from router.routing_model import (
    UNPRICED,
    Candidate,
    Constraints,
    Exclusion,
    Reason,
    RouteResult,
    Weights,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
# (class id, trigger weight, eligible rows): a duration window shared by some models.
Window = tuple[str, float, IntArray]
DEFAULT_DURATION_S = 5.0
MEMO_SIZE = 4096
TOO_LONG = 2.0  # risk marker for a model excluded by the prompt length (never ranked)


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
    """Combined risk of one model and the (at most three) failure classes that drive it."""
    per_class = catalog.suscept_values[model_id]
    risks: list[tuple[float, str]] = []
    notes: list[Reason] = []
    for fid, (load, _) in loads.items():
        value = per_class[fid]
        if outcomes is not None:
            value, note = outcomes.adjust(model_id, fid, value)
            if note:
                notes.append(Reason("note", note, fid))
        risks.append((-value * load, fid))
    reasons = _failure_reasons(catalog, risks, _features_by_class(loads))  # sorts `risks`
    combined = combined_risk((-r for r, _ in risks), catalog.baseline[model_id])
    return combined, reasons + notes


def _features_by_class(loads: Loads) -> dict[str, list[FeatureMatch]]:
    """Each triggered class's features, listed once and shared by every reason that cites it."""
    return {fid: [f for f, _ in hits] for fid, (_, hits) in loads.items()}


def _failure_reasons(
    catalog: Catalog, risks: list[tuple[float, str]], features: dict[str, list[FeatureMatch]]
) -> list[Reason]:
    """Reasons for the (at most three) riskiest classes of (-risk, class id) pairs."""
    risks.sort()  # riskiest first; equal risks by class id
    messages = _risk_messages(catalog)
    return [
        Reason(
            "failure",
            messages[fid][round(-neg * 100)],
            fid,
            _round(-neg, 1e4),
            features[fid],
        )
        for neg, fid in risks[:3]
        if -neg >= 0.05
    ]


def _risk_messages(catalog: Catalog) -> dict[str, list[str]]:
    """Per class, "<name>: risk 0.00" ... "<name>: risk 1.00" (formatted once, not per reason)."""
    found: dict[str, list[str]] | None = catalog.memo.get("risk_messages")
    if found is None:
        found = catalog.memo["risk_messages"] = {
            fid: [f"{cls.name}: risk {k / 100:.2f}" for k in range(101)]
            for fid, cls in catalog.classes.items()
        }
    return found


def model_risk(
    catalog: Catalog, model_id: str, features: list[FeatureMatch], outcomes: Outcomes | None = None
) -> float:
    """Combined risk of one model for a prompt's features (no constraints, no cost)."""
    return _reasons(catalog, model_id, class_loads(features, catalog.triggers), outcomes)[0]


class Gate(NamedTuple):
    """The models that pass a request's constraints (with their cost) and the rest, with why.

    The arrays are in `eligible` order, so scoring a prompt is a few vector operations:
    `matrix[i, classes[fid]]` is model i's susceptibility to class fid, `survive` its baseline
    survival, `limits` its prompt limit in characters (0: none).
    """

    eligible: tuple[tuple[ModelRef, float | None], ...]
    excluded: tuple[Exclusion, ...]
    classes: dict[str, int]
    matrix: FloatArray
    survive: FloatArray
    cost_scores: FloatArray
    """cheapest eligible cost / this cost (0 when unknown)."""
    tie_rank: IntArray
    """Position in (price unknown, cost, vendor, model) order: the tail of the ranking key."""
    limits: FloatArray
    shortest_limit: float
    """The smallest prompt limit among `limits` (inf when none): most prompts are shorter."""
    windowed: tuple[tuple[int, str], ...]
    """Eligible models whose duration window applies at this duration (`model_loads`)."""
    windows: tuple[Window, ...]
    """The same grouped by (class, weight): the rows whose class load is raised."""


def _gate(catalog: Catalog, c: Constraints, duration: float) -> Gate:
    """Eligibility does not depend on the prompt text, so it is memoised per constraint set."""
    key = (
        None if c.vendors is None else tuple(c.vendors),
        None if c.models is None else tuple(c.models),
        tuple(c.exclude),
        c.mode,
        duration,
        c.aspect_ratio,
        c.resolution,
        c.audio,
        c.max_cost_usd,
    )
    memo = catalog.memo.setdefault("gate", {})
    found = memo.get(key)
    if found is None:
        eligible, excluded = [], []
        for ref in catalog.models.values():
            cost = estimate_cost(ref.vendor, ref.model, duration, c.resolution, c.audio)
            why = exclusion(ref, c, duration, 0, cost)
            if why is None:
                eligible.append((ref, cost))
            else:
                excluded.append(why)
        if len(memo) >= MEMO_SIZE:
            memo.clear()
        memo[key] = found = _build_gate(catalog, eligible, excluded, duration)
    return found


def _build_gate(
    catalog: Catalog,
    eligible: list[tuple[ModelRef, float | None]],
    excluded: list[Exclusion],
    duration: float,
) -> Gate:
    ids = [ref.model.id for ref, _ in eligible]
    classes = {fid: k for k, fid in enumerate(catalog.classes)}
    rows = [[catalog.suscept_values[m][fid] for fid in classes] for m in ids]
    costs = [cost for _, cost in eligible]
    cheapest = min((x for x in costs if x is not None and x > 0), default=0.0)
    ties = sorted(
        range(len(eligible)),
        key=lambda i: (costs[i] is None, costs[i] or 0.0, eligible[i][0].vendor.id, ids[i]),
    )
    tie_rank = np.empty(len(eligible), dtype=np.int64)
    tie_rank[ties] = np.arange(len(eligible))
    limits = [float(ref.model.capabilities.max_prompt_chars or 0) for ref, _ in eligible]
    windowed = tuple(
        (i, m)
        for i, m in enumerate(ids)
        if any(duration > seconds for _, seconds in catalog.windows.get(m, ()))
    )
    return Gate(
        tuple(eligible),
        tuple(excluded),
        classes,
        np.array(rows, dtype=np.float64).reshape(len(ids), len(classes)),
        np.array([catalog.base_survive[m] for m in ids], dtype=np.float64),
        np.array([_cost_score(x, cheapest) for x in costs], dtype=np.float64),
        tie_rank,
        np.array(limits, dtype=np.float64),
        min((x for x in limits if x > 0), default=float("inf")),
        windowed,
        _windows(catalog, windowed, duration),
    )


def _windows(
    catalog: Catalog, windowed: tuple[tuple[int, str], ...], duration: float
) -> tuple[Window, ...]:
    rows: dict[tuple[str, float], list[int]] = {}
    for i, model_id in windowed:
        for ref, seconds in catalog.windows[model_id]:
            if duration > seconds:
                rows.setdefault((ref.failure_id, ref.weight), []).append(i)
    return tuple(
        (fid, weight, np.array(ids, dtype=np.int64)) for (fid, weight), ids in rows.items()
    )


WINDOW_FEATURE = FeatureMatch(id="duration.long", confidence=1.0)


def model_loads(catalog: Catalog, model_id: str, loads: Loads, duration: float) -> Loads:
    """The prompt's class loads as they apply to one model: where the model's own evidence says
    a class shows past a shorter clip length than `duration.long` assumes (Luma's ~4 s), the
    class's duration trigger applies from that length on."""
    windows = catalog.windows.get(model_id)
    if not windows:
        return loads
    out = loads
    for ref, seconds in windows:
        load, hits = loads.get(ref.failure_id, (0.0, []))
        if duration <= seconds or any(f.id == WINDOW_FEATURE.id for f, _ in hits):
            continue
        if out is loads:
            out = dict(loads)
        out[ref.failure_id] = (
            1.0 - (1.0 - load) * (1.0 - ref.weight),
            [*hits, (WINDOW_FEATURE, ref)],
        )
    return out


def _survival(catalog: Catalog, model_id: str, loads: Loads, outcomes: Outcomes | None) -> float:
    per_class = catalog.suscept_values[model_id]
    survive = catalog.base_survive[model_id]
    for fid, (load, _) in loads.items():
        value = per_class[fid]
        if outcomes is not None:
            value = outcomes.adjust(model_id, fid, value)[0]
        survive *= 1.0 - value * load
    return survive


def _apply_window(
    gate: Gate,
    window: Window,
    survive: FloatArray,
    contrib: FloatArray | None,
    fids: list[str],
    loads: Loads,
) -> None:
    """`model_loads` for every model of one window at once: the class's duration trigger
    applies early, so those models' survival is recomputed with the raised class load."""
    fid, weight, rows = window
    load, hits = loads.get(fid, (0.0, []))
    if any(f.id == WINDOW_FEATURE.id for f, _ in hits):
        return  # the prompt's own duration trigger already loads this class
    raised = gate.matrix[rows, gate.classes[fid]] * (1.0 - (1.0 - load) * (1.0 - weight))
    if contrib is None or fid not in loads:
        survive[rows] *= 1.0 - raised
        return
    contrib[rows, fids.index(fid)] = raised
    survive[rows] = gate.survive[rows] * np.prod(1.0 - contrib[rows], axis=1)


def _risks(
    catalog: Catalog,
    gate: Gate,
    prompt_len: int,
    loads: Loads,
    outcomes: Outcomes | None,
    duration: float,
) -> tuple[FloatArray, FloatArray | None, list[Exclusion]]:
    """Combined risk of every eligible model (in `gate.eligible` order) as one vector operation
    over the triggered classes, and the per-class risks behind it (columns in `loads` order;
    None with `outcomes`); models whose prompt limit is exceeded get risk 2.0 and an
    exclusion."""
    contrib = None
    if outcomes is not None:
        survive = np.array(
            [_survival(catalog, ref.model.id, loads, outcomes) for ref, _ in gate.eligible],
            dtype=np.float64,
        )
        for i, model_id in gate.windowed:
            own = model_loads(catalog, model_id, loads, duration)
            if own is not loads:
                survive[i] = _survival(catalog, model_id, own, outcomes)
    else:
        fids = list(loads)
        if fids:
            load = np.array([value for value, _ in loads.values()], dtype=np.float64)
            contrib = gate.matrix[:, [gate.classes[fid] for fid in fids]] * load
            survive = gate.survive * np.prod(1.0 - contrib, axis=1)
        else:
            survive = gate.survive.copy()
        # Windows on triggered classes rewrite rows of `contrib` (so a second window of the
        # same model keeps the first); windows on untriggered classes add a factor after.
        for window in sorted(gate.windows, key=lambda w: w[0] not in loads):
            _apply_window(gate, window, survive, contrib, fids, loads)
    risks: FloatArray = 1.0 - np.power(np.maximum(survive, 0.0), CORRELATION_EXPONENT)
    too_long = []
    over: list[int] = []
    if prompt_len > gate.shortest_limit:
        over = np.flatnonzero((gate.limits > 0) & (gate.limits < prompt_len)).tolist()
    for i in over:
        ref = gate.eligible[i][0]
        risks[i] = TOO_LONG
        too_long.append(
            Exclusion(
                ref.vendor.id,
                ref.model.id,
                "prompt_length",
                f"prompt is {prompt_len} chars; limit {ref.model.capabilities.max_prompt_chars}",
            )
        )
    return risks, contrib, too_long


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
    posterior; reasons then say where reports moved a score. Reasons are built only for the
    `top_k` candidates returned.
    """
    duration = c.duration_s or text_duration_s or DEFAULT_DURATION_S
    gate = _gate(catalog, c, duration)
    loads = class_loads(features, catalog.triggers)
    risks, contrib, too_long = _risks(catalog, gate, len(prompt), loads, outcomes, duration)
    fids = list(loads)
    by_class = _features_by_class(loads)

    def explain(i: int, model_id: str) -> list[Reason]:
        if contrib is None or model_id in catalog.windows:
            own = model_loads(catalog, model_id, loads, duration)
            return _reasons(catalog, model_id, own, outcomes)[1]
        pairs = [(-r, f) for r, f in zip(contrib[i].tolist(), fids, strict=True)]
        return _failure_reasons(catalog, pairs, by_class)

    candidates = [
        Candidate(
            ref.vendor.id,
            ref.model.id,
            score,
            _round(risk, 1e6),
            _round(1.0 - risk, 1e6),
            relative,
            value,
            cost,
            explain(i, ref.model.id) + ([] if cost is not None else [UNPRICED]),
        )
        for score, relative, value, ref, cost, risk, i in rank_rows(
            gate, risks, c.weights, c.top_k, all_ranked=not too_long
        )
    ]
    excluded = list(gate.excluded) + too_long if too_long else list(gate.excluded)
    return RouteResult(
        candidates, excluded, duration, catalog.version, catalog.matcher.rules_version
    )


def _round(x: float, scale: float) -> float:
    """`x` to 1/scale, like round(x, digits) but without its exact decimal conversion, which
    costs more than the rest of a candidate's arithmetic (ties may land on the other side)."""
    return math.floor(x * scale + 0.5) / scale


def _cost_score(cost: float | None, cheapest: float) -> float:
    if cost is None:
        return 0.0
    return 1.0 if cost <= 0 or cheapest <= 0 else cheapest / cost


def rank_rows(
    gate: Gate, risks: FloatArray, weights: Weights, top_k: int, *, all_ranked: bool = False
) -> list[tuple[float, float, float, ModelRef, float | None, float, int]]:
    """The best `top_k` as (score, quality_score, cost_score, ref, cost, risk, index).

    The key (score desc, risk asc, price unknown, cost, vendor, model) is a total order, so ties
    never depend on catalog order. Models with risk above 1 (prompt too long) are not ranked;
    `all_ranked` says there are none.
    """
    if not risks.size:
        return []
    quality = 1.0 - risks
    if all_ranked:
        best = float(quality.max()) or 1.0
    else:
        ranked = risks <= 1.0
        if not ranked.any():
            return []
        best = float(quality[ranked].max()) or 1.0
    total = (weights.risk + weights.cost) or 1.0
    w_risk, w_cost = weights.risk / total, weights.cost / total
    scores = w_risk * quality / best
    if w_cost:
        scores += w_cost * gate.cost_scores
    # Sort on the figures as reported (rounded), so the published key is itself in order.
    scores = np.floor(scores * 1e6 + 0.5) / 1e6
    if not all_ranked:
        scores[~ranked] = -np.inf  # unranked models sort last and are cut below
    shown = np.floor(risks * 1e6 + 0.5) / 1e6
    order = np.lexsort((gate.tie_rank, shown, -scores))[:top_k]
    if not all_ranked:
        order = order[ranked[order]]
    rows = zip(
        order.tolist(),
        scores[order].tolist(),
        gate.cost_scores[order].tolist(),
        risks[order].tolist(),
        strict=True,
    )
    return [
        (s, _round((1.0 - r) / best, 1e6), _round(v, 1e6), *gate.eligible[i], r, i)
        for i, s, v, r in rows
    ]

"""Storyboards and shot lists: route many shots at once, keep groups on one model, fit a budget."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Annotated

import msgspec
from msgspec import Meta

from router.routing_model import Candidate, Constraints, Exclusion, RouteResult

MAX_SHOTS = 10_000


class Shot(Constraints, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """One shot of a batch: a prompt, its constraints, and an optional continuity group."""

    prompt: Annotated[str, Meta(min_length=1, max_length=10_000)]
    id: Annotated[str, Meta(max_length=200)] | None = None
    group: Annotated[str, Meta(max_length=200)] | None = None
    continuity: bool = False


class Storyboard(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """A batch with plan-wide options."""

    shots: list[Shot]
    budget_usd: Annotated[float, Meta(ge=0, le=10_000_000)] | None = None


class ShotPlan(msgspec.Struct, frozen=True):
    """The plan for one shot: the chosen model, the ranked alternatives, and exclusions.

    Exclusions are counted by reason; they are listed in full only when no model can take the
    shot (a 10,000-shot plan would otherwise repeat the same long list on every line).
    """

    index: int
    id: str | None
    group: str | None
    choice: Candidate | None
    downgraded: bool
    duration_s: float
    candidates: list[Candidate]
    excluded_by_reason: dict[str, int]
    excluded: list[Exclusion]


class PlanSummary(msgspec.Struct, frozen=True):
    """Totals for the whole batch."""

    shots: int
    routed: int
    total_cost_usd: float
    unknown_cost_shots: int
    budget_usd: float | None
    within_budget: bool | None
    downgraded: list[int]
    notes: list[str]


class Plan(msgspec.Struct, frozen=True):
    """`POST /v1/route/batch` (JSON form)."""

    results: list[ShotPlan]
    summary: PlanSummary


Router = Callable[[Shot], RouteResult]


def _group_choice(routes: Sequence[RouteResult]) -> str | None:
    """The model every shot of a group can use with the highest summed score."""
    common: dict[str, float] | None = None
    for result in routes:
        scores = {c.model: c.score for c in result.candidates}
        common = (
            scores
            if common is None
            else {m: common[m] + s for m, s in scores.items() if m in common}
        )
    if not common:
        return None
    return min(common, key=lambda m: (-common[m], m))


def _units(shots: Sequence[Shot]) -> list[list[int]]:
    """Shots that must share a model (continuity groups); every other shot is its own unit."""
    groups: dict[str, list[int]] = {}
    units: list[list[int]] = []
    for i, shot in enumerate(shots):
        if shot.continuity and shot.group:
            if shot.group not in groups:
                groups[shot.group] = []
                units.append(groups[shot.group])
            groups[shot.group].append(i)
        else:
            units.append([i])
    return units


def _pick(route: RouteResult, model: str | None) -> Candidate | None:
    return next((c for c in route.candidates if c.model == model), None)


def _cheaper_options(
    routes: list[RouteResult], unit: list[int], current: str
) -> list[tuple[float, float, str]]:
    """(score lost per dollar saved, dollars saved, model) for each cheaper model of the unit."""
    now = [_pick(routes[i], current) for i in unit]
    now_cost = sum(c.est_cost_usd or 0.0 for c in now if c)
    now_score = sum(c.score for c in now if c)
    options = []
    for cand in routes[unit[0]].candidates:
        alt = [_pick(routes[i], cand.model) for i in unit]
        if any(a is None or a.est_cost_usd is None for a in alt):
            continue
        cost = sum(a.est_cost_usd or 0.0 for a in alt if a)
        saved = now_cost - cost
        if saved > 1e-9:
            loss = now_score - sum(a.score for a in alt if a)
            options.append((loss / saved, saved, cand.model))
    return sorted(options)


def _fit_budget(
    routes: list[RouteResult],
    units: list[list[int]],
    choices: list[Candidate | None],
    budget: float,
) -> set[int]:
    """Greedily move units to cheaper models, least score lost per dollar first, until it fits."""
    downgraded: set[int] = set()
    total = sum(c.est_cost_usd or 0.0 for c in choices if c)
    while total > budget + 1e-9:
        best: tuple[float, float, str, list[int]] | None = None
        for unit in units:
            first = choices[unit[0]]
            if first is None:
                continue
            for ratio, saved, model in _cheaper_options(routes, unit, first.model)[:1]:
                if best is None or (ratio, -saved) < (best[0], -best[1]):
                    best = (ratio, saved, model, unit)
        if best is None:
            break
        _, saved, model, unit = best
        for i in unit:
            choices[i] = _pick(routes[i], model)
            downgraded.add(i)
        total -= saved
    return downgraded


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Large batches allocate many short-lived objects: pause the cyclic GC while routing."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _shot_plan(
    index: int, shot: Shot, choice: Candidate | None, downgraded: bool, route: RouteResult
) -> ShotPlan:
    by_reason: dict[str, int] = {}
    for ex in route.excluded:
        by_reason[ex.reason] = by_reason.get(ex.reason, 0) + 1
    return ShotPlan(
        index,
        shot.id,
        shot.group,
        choice,
        downgraded,
        route.duration_s,
        route.candidates[: shot.top_k],
        by_reason,
        [] if route.candidates else route.excluded,
    )


def plan(shots: Sequence[Shot], route_one: Router, budget_usd: float | None = None) -> Plan:
    """Route every shot (in order), apply continuity groups, then fit the budget if one is given."""
    units = _units(shots)
    # Groups and budgets may fall back beyond a shot's top_k: only then rank every model.
    widen = budget_usd is not None or any(len(u) > 1 for u in units)
    with _gc_paused():
        routes = [
            route_one(msgspec.structs.replace(shot, top_k=200) if widen else shot) for shot in shots
        ]
    choices: list[Candidate | None] = [r.candidates[0] if r.candidates else None for r in routes]
    notes: list[str] = []
    for unit in units:
        if len(unit) < 2:
            continue
        model = _group_choice([routes[i] for i in unit])
        if model is None:
            notes.append(f"group {shots[unit[0]].group!r}: no model can take every shot")
            continue
        for i in unit:
            choices[i] = _pick(routes[i], model)
    downgraded: set[int] = set()
    if budget_usd is not None:
        downgraded = _fit_budget(routes, units, choices, budget_usd)
    total = round(sum(c.est_cost_usd or 0.0 for c in choices if c), 4)
    unknown = sum(1 for c in choices if c is not None and c.est_cost_usd is None)
    results = [
        _shot_plan(i, s, choices[i], i in downgraded, routes[i]) for i, s in enumerate(shots)
    ]
    within = None if budget_usd is None else total <= budget_usd + 1e-9
    if within is False:
        notes.append("no cheaper plan fits the budget; the cheapest found is shown")
    summary = PlanSummary(
        len(shots),
        sum(c is not None for c in choices),
        total,
        unknown,
        budget_usd,
        within,
        sorted(downgraded),
        notes,
    )
    return Plan(results, summary)

"""Storyboards: order, continuity groups and budgets."""

from __future__ import annotations

import msgspec

from router.batch import Shot, Storyboard
from router.loader import Catalog
from router.service import route_batch


def board(shots: list[dict[str, object]], budget: float | None = None) -> Storyboard:
    return msgspec.convert({"shots": shots, "budget_usd": budget}, Storyboard)


def test_continuity_group_shares_one_model(catalog: Catalog) -> None:
    shots = [
        {
            "prompt": "Mara, a woman in a red coat, walks into a bar",
            "group": "mara",
            "continuity": True,
        },
        {"prompt": "Close-up: Mara laughs, then turns around", "group": "mara", "continuity": True},
        {"prompt": "Rain falls on a neon sign that says OPEN"},
        {
            "prompt": "Mara plays the piano, close-up of her hands",
            "group": "mara",
            "continuity": True,
        },
    ]
    plan = route_batch(catalog, board(shots))
    group_models = {r.choice.model for r in plan.results if r.group == "mara" and r.choice}
    assert len(group_models) == 1
    assert [r.index for r in plan.results] == [0, 1, 2, 3]


def test_budget_downgrades_shots_to_fit(catalog: Catalog) -> None:
    shots = [
        {"prompt": f"A dragon flies over a castle, shot {i}", "duration_s": 5.0} for i in range(6)
    ]
    free = route_batch(catalog, board(shots))
    priced = [r.choice.est_cost_usd for r in free.results if r.choice and r.choice.est_cost_usd]
    assert priced, "the top choice should have a known price"
    budget = free.summary.total_cost_usd * 0.5
    fitted = route_batch(catalog, board(shots, budget))
    assert fitted.summary.total_cost_usd <= free.summary.total_cost_usd
    if fitted.summary.within_budget:
        assert fitted.summary.total_cost_usd <= budget + 1e-6
        assert fitted.summary.downgraded
    for i in fitted.summary.downgraded:
        assert fitted.results[i].downgraded


def test_budget_already_met_changes_nothing(catalog: Catalog) -> None:
    shots = [{"prompt": "A cat sleeps on a windowsill"}]
    plan = route_batch(catalog, board(shots, 1_000_000.0))
    assert plan.summary.within_budget is True
    assert plan.summary.downgraded == []


def test_shot_is_a_strict_struct() -> None:
    try:
        msgspec.convert({"prompt": "x", "bogus": 1}, Shot)
    except msgspec.ValidationError as exc:
        assert "bogus" in str(exc)
    else:
        raise AssertionError("unknown field accepted")

"""Pre-flight on the real catalog: one entry per class, and model-specific duration windows."""

from __future__ import annotations

from router.loader import Catalog
from router.service import PreflightRequest, preflight_prompt

PROMPT = "A skateboarder rolling forward down a street"
TCD = "temporal_coherence_degradation"


def tcd_features(catalog: Catalog, model: str, vendor: str, duration: float) -> set[str]:
    req = PreflightRequest(prompt=PROMPT, vendor=vendor, model=model, duration_s=duration)
    result = preflight_prompt(catalog, req)
    assert len(result.classes) == len(catalog.classes)
    entry = next(c for c in result.classes if c.failure_id == TCD)
    return {t.feature for t in entry.triggers}


def test_luma_degrades_past_its_documented_window(catalog: Catalog) -> None:
    window = dict((r.failure_id, s) for r, s in catalog.windows["ray-2"])[TCD]
    assert window == 4.0
    assert "duration.long" not in tcd_features(catalog, "ray-2", "luma", 3.5)
    assert "duration.long" in tcd_features(catalog, "ray-2", "luma", 5.0)


def test_models_without_a_window_use_the_generic_threshold(catalog: Catalog) -> None:
    other = next(
        ref for mid, ref in catalog.models.items()
        if mid not in catalog.windows and ref.model.status not in {"retired", "deprecated"}
        and "text_to_video" in ref.model.capabilities.modes
    )  # fmt: skip
    vendor, model = other.vendor.id, other.model.id
    assert "duration.long" not in tcd_features(catalog, model, vendor, 5.0)
    assert "duration.long" in tcd_features(catalog, model, vendor, 8.0)


def test_rewrite_comes_with_every_non_green_class(catalog: Catalog) -> None:
    req = PreflightRequest(prompt=PROMPT + ", then turns around", vendor="luma", duration_s=9)
    result = preflight_prompt(catalog, req)
    assert result.light in {"yellow", "red"}
    for entry in result.classes:
        assert 0.0 <= entry.risk <= 1.0
        if entry.level != "green":
            assert entry.rewrite and entry.triggers

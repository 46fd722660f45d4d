"""Estimated cost of one clip on one model, from the catalog's published prices only."""

from __future__ import annotations

import math

from router.catalog import Model, Price, Vendor


def _usd(price: Price, vendor: Vendor) -> float | None:
    """The price's amount in USD, or None when it is not quoted in (or convertible to) USD."""
    if price.currency == "USD":
        return price.amount
    if price.currency == "credits" and vendor.credit_usd:
        return price.amount * vendor.credit_usd.usd_per_credit
    return None


def _clip_cost(price: Price, usd: float, duration_s: float) -> float:
    if price.per == "second":
        return usd * duration_s
    clips = math.ceil(duration_s / (price.clip_seconds or duration_s) - 1e-9)
    return usd * max(clips, 1)


def _matches(price: Price, resolution: str | None, audio: bool | None) -> bool:
    if resolution and price.resolution and price.resolution != resolution:
        return False
    return not (audio is not None and price.audio is not None and price.audio != audio)


def estimate_cost(
    vendor: Vendor,
    model: Model,
    duration_s: float,
    resolution: str | None = None,
    audio: bool | None = None,
) -> float | None:
    """Cheapest matching published price for a clip of `duration_s`, in USD; None if unknown.

    Prices are matched on resolution and audio when both the request and the price state them.
    The vendor's own prices win over resellers' (`channel` other than api/web).
    """
    best: tuple[int, int, float] | None = None
    for price in model.prices:
        usd = _usd(price, vendor)
        unsized = (
            price.per == "clip" and price.clip_seconds is None
        )  # "per request", length unstated
        if usd is None or unsized or not _matches(price, resolution, audio):
            continue
        reseller = 0 if price.channel in {"api", "web"} else 1
        # A clip price that covers the whole duration beats chaining several shorter clips.
        chained = int(price.per == "clip" and (price.clip_seconds or 0) + 1e-9 < duration_s)
        candidate = (reseller, chained, round(_clip_cost(price, usd, duration_s), 4))
        if best is None or candidate < best:
            best = candidate
    return None if best is None else best[2]

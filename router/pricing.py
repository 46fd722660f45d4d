"""Estimated cost of one clip on one model, from the catalog's published prices only."""

from __future__ import annotations

import math

from router.catalog import Model, Price, Vendor

DEFAULT_LINES = 720  # the resolution prices are compared at when the request names none


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
    The vendor's own prices win over resellers' (`channel` other than api/web). Without a
    requested resolution, prices are compared at 720p (else the nearest resolution above), so a
    360p price does not make one model look cheaper than another's HD price.
    """
    best: tuple[int, int, float, float] | None = None
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
        rank = 0.0 if resolution else _resolution_rank(price.resolution)
        candidate = (reseller, chained, rank, round(_clip_cost(price, usd, duration_s), 4))
        if best is None or candidate < best:
            best = candidate
    return None if best is None else best[3]


def _resolution_rank(resolution: str | None) -> float:
    """0 for 720p or an unstated resolution, small above 720p, large below it."""
    if resolution is None:
        return 0.0
    text = resolution.lower()
    lines = 2160 if text == "4k" else int(text[:-1]) if text[:-1].isdigit() else DEFAULT_LINES
    if lines >= DEFAULT_LINES:
        return (lines - DEFAULT_LINES) / 10_000
    return 1.0 + (DEFAULT_LINES - lines) / 10_000

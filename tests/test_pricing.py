from __future__ import annotations

import pytest

from router.catalog import Capabilities, CreditRate, Model, Price, RefundPolicy, Source, Vendor
from router.pricing import estimate_cost

SRC = Source(url="https://example.com/pricing", as_of="2026-01-01")


def make(prices: list[Price], credit_usd: CreditRate | None = None) -> tuple[Vendor, Model]:
    model = Model(
        id="m",
        name="M",
        status="ga",
        prices=prices,
        capabilities=Capabilities(modes=["text_to_video"], sources=[SRC]),
    )
    vendor = Vendor(
        id="v",
        name="V",
        refund_policy=RefundPolicy(summary="none found"),
        models=[model],
        credit_usd=credit_usd,
    )
    return vendor, model


def test_per_second_price_scales_with_duration() -> None:
    vendor, model = make([Price(amount=0.1, currency="USD", per="second", source=SRC)])
    assert estimate_cost(vendor, model, 8) == pytest.approx(0.8)


def test_per_clip_price_rounds_clips_up() -> None:
    vendor, model = make(
        [Price(amount=0.5, currency="USD", per="clip", clip_seconds=5, source=SRC)]
    )
    assert estimate_cost(vendor, model, 5) == pytest.approx(0.5)
    assert estimate_cost(vendor, model, 6) == pytest.approx(1.0)


def test_resolution_and_audio_pick_the_matching_price() -> None:
    vendor, model = make(
        [
            Price(amount=0.1, currency="USD", per="second", resolution="720p", source=SRC),
            Price(amount=0.3, currency="USD", per="second", resolution="1080p", source=SRC),
            Price(
                amount=0.5, currency="USD", per="second", resolution="1080p", audio=True, source=SRC
            ),
        ]
    )
    assert estimate_cost(vendor, model, 10, "1080p") == pytest.approx(3.0)
    assert estimate_cost(vendor, model, 10, "1080p", audio=True) == pytest.approx(3.0)
    assert estimate_cost(vendor, model, 10, "720p") == pytest.approx(1.0)


def test_vendor_price_beats_reseller_and_unknown_currency_is_none() -> None:
    vendor, model = make(
        [
            Price(amount=0.05, currency="USD", per="second", channel="fal.ai", source=SRC),
            Price(amount=0.2, currency="USD", per="second", channel="api", source=SRC),
        ]
    )
    assert estimate_cost(vendor, model, 5) == pytest.approx(1.0)
    vendor, model = make([Price(amount=3, currency="CNY", per="second", source=SRC)])
    assert estimate_cost(vendor, model, 5) is None


def test_credits_convert_only_with_a_credit_price() -> None:
    prices = [Price(amount=10, currency="credits", per="second", source=SRC)]
    vendor, model = make(prices)
    assert estimate_cost(vendor, model, 5) is None
    vendor, model = make(prices, CreditRate(usd_per_credit=0.01, source=SRC))
    assert estimate_cost(vendor, model, 5) == pytest.approx(0.5)


def test_without_a_resolution_prices_compare_at_720p() -> None:
    vendor, model = make(
        [
            Price(amount=0.01, currency="USD", per="second", resolution="360p", source=SRC),
            Price(amount=0.3, currency="USD", per="second", resolution="1080p", source=SRC),
            Price(amount=0.1, currency="USD", per="second", resolution="720p", source=SRC),
        ]
    )
    assert estimate_cost(vendor, model, 10) == pytest.approx(1.0)
    vendor, model = make(
        [
            Price(amount=0.01, currency="USD", per="second", resolution="360p", source=SRC),
            Price(amount=0.3, currency="USD", per="second", resolution="1080p", source=SRC),
        ]
    )
    assert estimate_cost(vendor, model, 10) == pytest.approx(3.0)
    assert estimate_cost(vendor, model, 10, "360p") == pytest.approx(0.1)

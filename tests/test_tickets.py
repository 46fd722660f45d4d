"""Support-ticket drafts: the vendor's own term, its own channel, its actual refund policy."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.di import Provide
from litestar.testing import TestClient

from router.api.problems import problem_response
from router.api.report_routes import create_ticket
from router.catalog import FailureCatalog, RefundPolicy, Vendor, decode_yaml
from router.loader import Catalog, ModelRef
from router.service import RequestError
from router.settings import PROJECT_ROOT
from router.ticket_cli import add_ticket_commands, render_text
from router.tickets import TicketRequest, clock, draft_ticket

TCD = "temporal_coherence_degradation"


def real_vendor(vendor_id: str) -> Vendor:
    return decode_yaml((PROJECT_ROOT / "vendors" / f"{vendor_id}.yaml").read_bytes(), Vendor)


def mini_catalog(*vendors: Vendor) -> Catalog:
    """A Catalog with just these vendors and the real failure classes (no rules, no graph)."""
    failures = decode_yaml(
        (PROJECT_ROOT / "catalog" / "failures.yaml").read_bytes(), FailureCatalog
    )
    fields: dict[str, Any] = dict.fromkeys(("relations", "rules", "matcher", "benchmarks"))
    return Catalog(
        root=PROJECT_ROOT,
        version="test",
        vendors={v.id: v for v in vendors},
        aliases={a: v.id for v in vendors for a in v.aliases},
        models={m.id: ModelRef(v, m) for v in vendors for m in v.models},
        failures=failures,
        classes={c.id: c for c in failures.classes},
        susceptibility={},
        baseline={},
        triggers={},
        **fields,
    )


@pytest.fixture(scope="module")
def cat() -> Catalog:
    return mini_catalog(real_vendor("luma"), real_vendor("runway"))


def ticket(cat: Catalog, **kw: Any) -> Any:
    base = {
        "vendor": "luma",
        "model": "ray-2",
        "failure_id": TCD,
        "generation_id": "gen-123",
        "timestamp_s": 3.2,
    }
    return draft_ticket(cat, msgspec.convert({**base, **kw}, TicketRequest))


def test_luma_ticket_uses_lumas_channel_never_runways(cat: Catalog) -> None:
    draft = ticket(cat)
    luma, runway = cat.vendors["luma"], cat.vendors["runway"]
    assert draft.channels, "Luma has a support channel in the catalog"
    assert {c.address for c in draft.channels} <= {s.address for s in luma.support}
    runway_only = {s.address for s in runway.support} - {s.address for s in luma.support}
    for address in runway_only:
        assert address not in draft.text
        assert all(c.address != address for c in draft.channels)
    assert "Runway" not in draft.text and "Discord" not in draft.text


def test_refund_text_equals_the_catalogs_policy(cat: Catalog) -> None:
    for vendor_id, model in (("luma", "ray-2"), ("runway", "gen-4")):
        draft = ticket(cat, vendor=vendor_id, model=model)
        policy = cat.vendors[vendor_id].refund_policy
        assert draft.refund_policy.summary == policy.summary
        assert draft.refund_policy.refunds_quality_failures == policy.refunds_quality_failures
        assert draft.refund_policy.source_url == (policy.source.url if policy.source else None)


def test_vendor_term_preferred_over_class_name(cat: Catalog) -> None:
    draft = ticket(cat, failure_id="camera_control_ignored")
    assert draft.term == "Camera Path Drift" and draft.term_source == "model_failure_mode"
    assert draft.subject.startswith("Camera Path Drift")
    generic = ticket(cat, vendor="runway", model="gen-4", failure_id="hand_deformity")
    assert generic.term == cat.classes["hand_deformity"].name
    assert generic.term_source == "failure_class"


def test_ticket_carries_the_evidence_and_strength(cat: Catalog) -> None:
    draft = ticket(cat, timestamp_s=63.25)
    assert [e.item for e in draft.evidence] == [
        "generation_id",
        "timestamp",
        "prompt",
        "settings",
        "screen_recording",
    ]
    assert "gen-123" in draft.text and "1:03.2" in draft.text
    assert draft.documentation_strength == cat.classes[TCD].documentation_strength
    assert clock(3.2) == "0:03.2"


def _vendor_with(cat: Catalog, **policy: Any) -> Catalog:
    luma = cat.vendors["luma"]
    changed = msgspec.structs.replace(
        luma, refund_policy=RefundPolicy(summary="Refunds are decided case by case.", **policy)
    )
    return mini_catalog(changed)


@pytest.mark.parametrize(
    ("flags", "failure", "must", "must_not"),
    [
        ({"refunds_quality_failures": False}, TCD, "does not refund", "review this generation"),
        ({}, TCD, "whether this generation qualifies", "under your refund policy"),
        (
            {"refunds_technical_failures": True},
            "operational_failure",
            "confirm the credits",
            "qualifies",
        ),
        ({}, "operational_failure", "whether the credits", "confirm the credits"),
    ],
)
def test_ticket_promises_nothing_the_policy_does_not_say(
    cat: Catalog, flags: dict[str, bool], failure: str, must: str, must_not: str
) -> None:
    draft = ticket(_vendor_with(cat, **flags), failure_id=failure)
    assert must in draft.text
    assert must_not not in draft.text
    for promise in ("will be refunded", "entitled", "guarantee"):
        assert promise not in draft.text.lower()


def test_plan_filter_and_missing_channel_said_plainly(cat: Catalog) -> None:
    pro = ticket(cat, vendor="runway", model="gen-4", plan="pro")
    free = ticket(cat, vendor="runway", model="gen-4", plan="free")
    assert any(c.channel == "in_app" for c in pro.channels)
    assert all("pro" in c.plans or "all" in c.plans for c in pro.channels)
    assert not any(c.channel == "in_app" for c in free.channels)
    luma = cat.vendors["luma"]
    silent = ticket(mini_catalog(msgspec.structs.replace(luma, support=[])))
    assert silent.channels == [] and silent.channel_note is not None
    assert "no support channel" in silent.channel_note


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"vendor": "nope"}, "vendor"),
        ({"model": "gen-4"}, "model"),
        ({"failure_id": "nope"}, "failure_id"),
    ],
)
def test_unknown_names_are_404(cat: Catalog, kw: dict[str, str], field: str) -> None:
    with pytest.raises(RequestError) as err:
        ticket(cat, **kw)
    assert err.value.status == 404 and err.value.field == field


def test_http_ticket_and_problem_details(cat: Catalog) -> None:
    app = Litestar(
        route_handlers=[create_ticket],
        dependencies={"catalog": Provide(lambda: cat, sync_to_thread=False)},
        exception_handlers={Exception: problem_response},
    )
    body = {
        "vendor": "luma",
        "model": "ray-2",
        "failure_id": TCD,
        "generation_id": "g-1",
        "timestamp_s": 2,
    }
    with TestClient(app) as client:
        ok = client.post("/v1/tickets", json=body)
        assert ok.status_code == 200, ok.text
        assert ok.json()["refund_policy"]["summary"] == cat.vendors["luma"].refund_policy.summary
        missing = client.post("/v1/tickets", json={**body, "model": "gen-4"})
        assert missing.status_code == 404
        assert missing.headers["content-type"].startswith("application/problem+json")
        bad = client.post("/v1/tickets", json={**body, "timestamp_s": -1})
        assert bad.status_code == 400


def test_cli_parser_and_text(cat: Catalog) -> None:
    import argparse

    common = argparse.ArgumentParser(add_help=False)
    parser = argparse.ArgumentParser(prog="ava-router")
    add_ticket_commands(parser.add_subparsers(dest="command"), common)
    args = parser.parse_args(
        [
            "ticket",
            "--vendor",
            "luma",
            "--model",
            "ray-2",
            "--failure",
            TCD,
            "--generation-id",
            "g-9",
            "--timestamp",
            "3.2",
            "--plan",
            "pro",
        ]
    )
    assert (args.vendor, args.failure, args.timestamp, args.plan) == ("luma", TCD, 3.2, "pro")
    text = render_text(ticket(cat))
    assert "Subject:" in text and cat.vendors["luma"].refund_policy.summary in text


def test_real_catalog_every_vendor_keeps_to_its_own_channels(catalog: Catalog) -> None:
    for vendor in catalog.vendors.values():
        model = vendor.models[0]
        draft = ticket(catalog, vendor=vendor.id, model=model.id)
        assert {c.address for c in draft.channels} <= {s.address for s in vendor.support}
        assert draft.refund_policy.summary == vendor.refund_policy.summary
        assert draft.channels or draft.channel_note

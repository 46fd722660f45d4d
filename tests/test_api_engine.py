"""Analyze, pre-flight, route and batch over the app: answers and problem details."""

from __future__ import annotations

import msgspec
import pytest
from litestar.testing import TestClient

from router.loader import Catalog

PROMPT = "A skateboarder rolling forward down a street, the camera orbits around him"


def problem(res: object) -> dict[str, object]:
    assert res.headers["content-type"].startswith("application/problem+json")  # type: ignore[attr-defined]
    return res.json()  # type: ignore[attr-defined, no-any-return]


def test_analyze_returns_features_with_spans(client: TestClient) -> None:  # type: ignore[type-arg]
    res = client.post("/v1/analyze", json={"prompt": PROMPT})
    assert res.status_code == 200
    body = res.json()
    ids = {f["id"] for f in body["features"]}
    assert {"camera.orbit", "subject.human"} <= ids
    orbit = next(f for f in body["features"] if f["id"] == "camera.orbit")
    start, end = orbit["spans"][0]
    assert "orbit" in PROMPT[start:end]
    assert body["rules_version"]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"prompt": "   "}, 400, "prompt"),
        ({"prompt": ""}, 400, "prompt"),
        ({"prompt": 42}, 400, "prompt"),
        ({"prompt": "x" * 10_001}, 400, "prompt"),
        ({"prompt": "ok", "colour": "red"}, 400, "colour"),
        ({}, 400, "prompt"),
    ],
)
def test_analyze_bad_input(
    client: TestClient, body: dict[str, object], status: int, field: str
) -> None:  # type: ignore[type-arg]
    res = client.post("/v1/analyze", json=body)
    assert res.status_code == status
    p = problem(res)
    assert p["title"] == "Invalid request"
    assert field in str(p["detail"])


def test_malformed_json_and_missing_body(client: TestClient) -> None:  # type: ignore[type-arg]
    res = client.post(
        "/v1/route", content=b'{"prompt": ', headers={"content-type": "application/json"}
    )
    assert res.status_code == 400
    assert problem(res)["status"] == 400
    res = client.post("/v1/route")
    assert res.status_code == 400
    problem(res)


def test_oversized_body_is_413(client: TestClient) -> None:  # type: ignore[type-arg]
    res = client.post(
        "/v1/analyze",
        content=b'{"prompt": "' + b"a" * 300_000 + b'"}',
        headers={"content-type": "application/json"},
    )
    assert res.status_code == 413
    assert problem(res)["title"] == "Request body too large"


def test_preflight_flags_long_luma_motion(client: TestClient, catalog: Catalog) -> None:  # type: ignore[type-arg]
    res = client.post(
        "/v1/preflight",
        json={
            "prompt": "A skateboarder rolling down a street, then turns around and rides back",
            "vendor": "luma",
            "duration_s": 9,
        },
    )
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["vendor"] == "luma"
    assert len(body["classes"]) == len(catalog.classes)
    tcd = next(c for c in body["classes"] if c["failure_id"] == "temporal_coherence_degradation")
    assert tcd["level"] in {"yellow", "red"}
    assert any(t["feature"] == "duration.long" for t in tcd["triggers"])
    assert tcd["rewrite"]
    assert body["light"] in {"yellow", "red"}


def test_preflight_errors(client: TestClient, catalog: Catalog) -> None:  # type: ignore[type-arg]
    res = client.post("/v1/preflight", json={"prompt": "a cat", "vendor": "nope"})
    assert res.status_code == 404
    assert problem(res)["errors"][0]["field"] == "vendor"  # type: ignore[index]
    res = client.post("/v1/preflight", json={"prompt": "a cat", "vendor": "luma", "model": "veo-3"})
    assert res.status_code == 404
    res = client.post("/v1/preflight", json={"prompt": "a cat", "vendor": "luma", "duration_s": -3})
    assert res.status_code == 400
    assert "duration_s" in str(problem(res)["detail"])


def test_route_ranks_and_excludes(client: TestClient, catalog: Catalog) -> None:  # type: ignore[type-arg]
    res = client.post("/v1/route", json={"prompt": PROMPT, "duration_s": 5, "top_k": 50})
    assert res.status_code == 200, res.text
    body = res.json()
    ranked = [(c["vendor"], c["model"]) for c in body["candidates"]]
    assert ranked
    scores = [c["score"] for c in body["candidates"]]
    assert scores == sorted(scores, reverse=True)
    seen = {m for _, m in ranked} | {e["model"] for e in body["excluded"]}
    assert len(ranked) == 50 or seen == set(catalog.models)
    assert body["catalog_version"] == catalog.version


def test_route_with_no_eligible_model_is_a_200_dry_run(client: TestClient) -> None:  # type: ignore[type-arg]
    res = client.post("/v1/route", json={"prompt": "a cat", "max_cost_usd": 0})
    assert res.status_code == 200
    body = res.json()
    assert body["candidates"] == []
    assert body["excluded"]
    assert {e["reason"] for e in body["excluded"]} >= {"price"}


def test_route_bad_lists(client: TestClient) -> None:  # type: ignore[type-arg]
    res = client.post("/v1/route", json={"prompt": "a cat", "vendors": []})
    assert res.status_code == 400
    assert problem(res)["errors"][0]["field"] == "vendors"  # type: ignore[index]
    res = client.post("/v1/route", json={"prompt": "a cat", "models": ["no-such-model"]})
    assert res.status_code == 404


def test_batch_keeps_order_and_streams_ndjson(client: TestClient) -> None:  # type: ignore[type-arg]
    shots = [{"prompt": f"shot {i}: a dog runs on the beach", "id": f"s{i}"} for i in range(5)]
    res = client.post("/v1/route/batch", json=shots)
    assert res.status_code == 200, res.text
    assert [r["id"] for r in res.json()["results"]] == [f"s{i}" for i in range(5)]
    res = client.post(
        "/v1/route/batch", json={"shots": shots}, headers={"accept": "application/x-ndjson"}
    )
    assert res.headers["content-type"].startswith("application/x-ndjson")
    lines = [msgspec.json.decode(line) for line in res.content.splitlines()]
    assert [line["id"] for line in lines[:-1]] == [f"s{i}" for i in range(5)]
    assert "summary" in lines[-1]


def test_batch_over_the_limit_is_413(client: TestClient) -> None:  # type: ignore[type-arg]
    res = client.post("/v1/route/batch", json=[{"prompt": "a"}] * 10_001)
    assert res.status_code == 413
    problem(res)

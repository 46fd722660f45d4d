"""Health, schema, catalog endpoints, problem details, CORS and security headers over the app."""

from __future__ import annotations

from litestar.testing import TestClient

from router.loader import Catalog

ORIGIN = "chrome-extension://abcdefghijklmnopabcdefghijklmnop"


def test_healthz_reports_catalog_version(client: TestClient, catalog: Catalog) -> None:  # type: ignore[type-arg]
    res = client.get("/healthz")
    assert res.status_code == 200
    body = res.json()
    assert body["status"] == "ok"
    assert body["catalog_version"] == catalog.version
    assert body["models"] == len(catalog.models)


def test_openapi_is_json_without_cdn_uis(client: TestClient) -> None:  # type: ignore[type-arg]
    res = client.get("/schema/openapi.json")
    assert res.status_code == 200
    spec = res.json()
    assert spec["openapi"].startswith("3.1")
    for path in ("/v1/analyze", "/v1/route", "/v1/preflight", "/v1/vendors/{vendor_id}"):
        assert path in spec["paths"]
    assert client.get("/schema/swagger").status_code == 404


def test_vendor_list_and_detail(client: TestClient, catalog: Catalog) -> None:  # type: ignore[type-arg]
    listing = client.get("/v1/vendors").json()
    assert {v["id"] for v in listing["vendors"]} == set(catalog.vendors)
    detail = client.get("/v1/vendors/luma").json()
    assert detail["vendor"]["id"] == "luma"
    first = detail["models"][0]
    assert first["model"]["capabilities"]["modes"]
    assert set(first["susceptibility"]) == set(catalog.classes)
    assert any(m["model"]["benchmarks"] for m in detail["models"])


def test_vendor_alias_and_unknown_vendor(client: TestClient) -> None:  # type: ignore[type-arg]
    assert client.get("/v1/vendors/sora").json()["vendor"]["id"] == "openai"
    res = client.get("/v1/vendors/nope")
    assert res.status_code == 404
    assert res.headers["content-type"].startswith("application/problem+json")
    problem = res.json()
    assert problem["title"] == "Not found"
    assert "nope" in problem["detail"]
    assert problem["status"] == 404


def test_failure_list_and_detail(client: TestClient) -> None:  # type: ignore[type-arg]
    ids = {f["id"] for f in client.get("/v1/failures").json()["failures"]}
    assert "temporal_coherence_degradation" in ids
    detail = client.get("/v1/failures/temporal_coherence_degradation").json()
    assert detail["failure"]["symptoms"]
    assert detail["manifestations"]
    assert detail["relations"]
    assert client.get("/v1/failures/nope").status_code == 404


def test_unknown_route_and_method_are_problems(client: TestClient) -> None:  # type: ignore[type-arg]
    res = client.get("/v1/nothing-here")
    assert res.status_code == 404
    assert res.headers["content-type"].startswith("application/problem+json")
    res = client.delete("/v1/vendors")
    assert res.status_code == 405
    assert res.json()["title"] == "Method not allowed"


def test_security_headers(client: TestClient) -> None:  # type: ignore[type-arg]
    res = client.get("/healthz")
    assert res.headers["x-content-type-options"] == "nosniff"
    assert res.headers["x-frame-options"] == "DENY"
    assert "default-src 'self'" in res.headers["content-security-policy"]


def test_cors_allows_only_the_configured_origin(client: TestClient) -> None:  # type: ignore[type-arg]
    ok = client.options(
        "/v1/analyze", headers={"origin": ORIGIN, "access-control-request-method": "POST"}
    )
    assert ok.status_code == 204
    assert ok.headers["access-control-allow-origin"] == ORIGIN
    bad = client.options(
        "/v1/analyze",
        headers={
            "origin": "chrome-extension://zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
            "access-control-request-method": "POST",
        },
    )
    assert "access-control-allow-origin" not in bad.headers
    simple = client.get("/healthz", headers={"origin": ORIGIN})
    assert simple.headers["access-control-allow-origin"] == ORIGIN

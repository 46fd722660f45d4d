"""The failure-graph HTTP API on the real catalog: answers, problem details, and the export."""

from __future__ import annotations

import io
from collections.abc import Iterator

import networkx as nx
import pytest
from litestar.testing import TestClient

from router.api import graph_routes
from router.api.app import create_app
from router.loader import Catalog
from router.settings import Settings

TCD = "temporal_coherence_degradation"


@pytest.fixture(scope="module")
def api(catalog: Catalog) -> Iterator[TestClient]:  # type: ignore[type-arg]
    app = create_app(Settings(), catalog)
    if not any(r.path == "/v1/graph/summary" for r in app.routes):
        # create_app has not wired the graph routes in yet: add them here.
        for route in graph_routes.ROUTES:
            app.register(route)
    with TestClient(app) as client:
        yield client


def test_related_done_criterion(api: TestClient) -> None:  # type: ignore[type-arg]
    res = api.get(f"/v1/failures/{TCD}/related", params={"depth": 2})
    assert res.status_code == 200
    body = res.json()
    assert body["failure"] == TCD and len(body["related"]) >= 3
    assert len({v for r in body["related"] for v in r["vendors"]}) >= 3
    for item in body["related"]:
        assert item["path"][0]["from_id"] == f"class:{TCD}"
        assert item["path"][-1]["to_id"] == f"class:{item['id']}"
        assert all(hop["kind"] and hop["sources"] for hop in item["path"])


def test_related_with_vendor_and_kinds(api: TestClient) -> None:  # type: ignore[type-arg]
    res = api.get(
        f"/v1/failures/{TCD}/related",
        params={"depth": 1, "vendor": "runway", "kinds": "co_occurs_with"},
    )
    assert res.status_code == 200
    body = res.json()
    assert body["vendor"] == "runway" and body["kinds"] == ["co_occurs_with"]
    for item in body["related"]:
        assert {h["kind"] for h in item["path"]} == {"co_occurs_with"}
        assert item["manifestations"] and {m["vendor"] for m in item["manifestations"]} == {
            "runway"
        }


@pytest.mark.parametrize(
    ("url", "params", "status", "field"),
    [
        (f"/v1/failures/{TCD}/related", {"depth": 4}, 400, "depth"),
        (f"/v1/failures/{TCD}/related", {"depth": 0}, 400, "depth"),
        (f"/v1/failures/{TCD}/related", {"kinds": "likes"}, 400, "kinds"),
        (f"/v1/failures/{TCD}/related", {"vendor": "acme"}, 404, "vendor"),
        ("/v1/failures/no_such_failure/related", {}, 404, "failure_id"),
        ("/v1/graph/equivalents/no_such_failure", {}, 404, "failure_id"),
        ("/v1/graph/exposure", {"features": "camera.nope"}, 404, "features"),
        ("/v1/graph/exposure", {}, 400, "features"),
        ("/v1/graph/path", {"source": TCD, "target": "nope"}, 404, "target"),
        ("/v1/graph", {"format": "gexf"}, 400, "format"),
    ],
)
def test_bad_queries_are_problems(
    api: TestClient,
    url: str,
    params: dict,
    status: int,
    field: str,  # type: ignore[type-arg]
) -> None:
    res = api.get(url, params=params)
    assert res.status_code == status
    assert res.headers["content-type"].startswith("application/problem+json")
    problem = res.json()
    assert problem["status"] == status and field in problem["detail"]
    assert [e["field"] for e in problem["errors"]] == [field]


def test_equivalents(api: TestClient, catalog: Catalog) -> None:  # type: ignore[type-arg]
    body = api.get(f"/v1/graph/equivalents/{TCD}").json()
    assert len(body["models"]) == len(catalog.models)
    values = [m["susceptibility"] for m in body["models"]]
    assert values == sorted(values)
    luma = next(v for v in body["vendors"] if v["vendor"] == "luma")
    assert "Temporal Coherence Degradation" in luma["terms"]


def test_exposure_from_features_and_prompt(api: TestClient) -> None:  # type: ignore[type-arg]
    by_features = api.get("/v1/graph/exposure", params={"features": "duration.long", "limit": 5})
    assert by_features.status_code == 200
    body = by_features.json()
    assert len(body["models"]) == 5 and TCD in body["triggered"]
    values = [m["exposure"] for m in body["models"]]
    assert values == sorted(values) and all(0 <= v <= 1 for v in values)
    by_prompt = api.get(
        "/v1/graph/exposure", params={"prompt": "a slow dolly shot of a woman typing on a keyboard"}
    )
    assert by_prompt.status_code == 200 and by_prompt.json()["features"]


def test_path_and_summary(api: TestClient) -> None:  # type: ignore[type-arg]
    body = api.get("/v1/graph/path", params={"source": TCD, "target": "identity_drift"}).json()
    assert body["found"] and body["hops"] and 0 < body["score"] <= 1
    summary = api.get("/v1/graph/summary").json()
    assert summary["central"] and summary["nodes"]["class"] >= 25
    assert any(TCD in c["members"] for c in summary["clusters"])


def test_export_json_and_graphml(api: TestClient) -> None:  # type: ignore[type-arg]
    data = api.get("/v1/graph", params={"format": "json"}).json()
    assert data["links"] and data["nodes"]
    res = api.get("/v1/graph", params={"format": "graphml"})
    assert res.headers["content-type"].startswith("application/graphml+xml")
    back = nx.read_graphml(io.BytesIO(res.content))
    assert back.number_of_nodes() == len(data["nodes"])
    assert back.number_of_edges() == len(data["links"])

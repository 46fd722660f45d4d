"""HTTP handlers for the failure graph: related failures, equivalents, exposure, paths, export.

Each handler takes the built `FailureGraph` (the `graph` dependency below), calls one pure query
from `router.graph_queries` and returns its Struct; `GraphError` becomes an RFC 9457 problem.
The graph is built once per catalog: `create_app` may put it on `app.state.graph` at start-up;
otherwise the first graph request builds it and stores it there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

import msgspec
from litestar import Response, Router, get
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, FromQuery, QueryParameter

from router.api.problems import ApiError, FieldError
from router.graph import FailureGraph, build_graph, export_graphml, export_json
from router.graph_queries import (
    RELATED_KINDS,
    Equivalents,
    Exposure,
    GraphError,
    PathResult,
    Related,
    equivalents,
    exposure,
    path,
    related,
    summary,
)
from router.graph_summary import GraphSummary
from router.loader import Catalog
from router.risk import FeatureMatch

__all__ = ["ROUTES", "provide_graph"]

GRAPHML = "application/graphml+xml"
STATE_KEY = "graph"
EXPORT_KEY = "graph_exports"
MAX_PROMPT = 10_000
MAX_LIST = 1_000  # characters in a comma-separated query parameter
T = TypeVar("T")
Order = Literal["asc", "desc"]
Limit = Annotated[int, QueryParameter(ge=1, le=50)]
_KIND = "(?:" + "|".join(RELATED_KINDS) + ")"
KINDS_PATTERN = rf"^{_KIND}(,{_KIND})*$"


class NodeLinkGraph(msgspec.Struct, frozen=True):
    """`GET /v1/graph?format=json`: networkx node-link data (edges under `links`)."""

    directed: bool
    multigraph: bool
    graph: dict[str, Any]
    nodes: list[dict[str, Any]]
    links: list[dict[str, Any]]


def provide_graph(catalog: NamedDependency[Catalog], state: State) -> FailureGraph:
    """The graph of the catalog being served; built on first use if start-up did not build it."""
    cached = state.get(STATE_KEY)
    if isinstance(cached, FailureGraph) and cached.catalog_version == catalog.version:
        return cached
    built = build_graph(catalog)
    state[STATE_KEY] = built
    return built


def _answer(query: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a query; turn its `GraphError` into a problem that names the parameter."""
    try:
        return query(*args, **kwargs)
    except GraphError as exc:
        slug = "invalid-parameter" if exc.status == 400 else "not-found"
        raise ApiError(exc.status, str(exc), slug, [FieldError(exc.param, exc.message)]) from None


def _split(raw: str | None, param: str) -> list[str]:
    if raw is None:
        return []
    if len(raw) > MAX_LIST:
        raise ApiError(
            400,
            f"{param}: longer than {MAX_LIST} characters",
            "invalid-parameter",
            [FieldError(param, f"longer than {MAX_LIST} characters")],
        )
    return [part.strip() for part in raw.split(",") if part.strip()]


@get("/v1/failures/{failure_id:str}/related", tags=["graph"])
async def related_failures(
    graph: NamedDependency[FailureGraph],
    *,
    failure_id: FromPath[str],
    depth: Annotated[int, QueryParameter(ge=1, le=3)] = 2,
    vendor: FromQuery[str | None] = None,
    kinds: Annotated[str | None, QueryParameter(pattern=KINDS_PATTERN, max_length=MAX_LIST)] = None,
    limit: Limit = 50,
) -> Related:
    """Failures related to a class or a model's manifestation (`manifest:<model>:<class>`).

    Ranked by the product of edge weights along the strongest path (depth 1-3); each result
    carries that path, hop by hop, with its sources. `kinds` is a comma-separated subset of
    co_occurs_with, amplified_by, causes, confused_with (default) and triggered_by (shared
    prompt trigger). With `vendor`, each result lists what that vendor's models call it.
    """
    chosen = _split(kinds, "kinds")
    return _answer(related, graph, failure_id, depth, vendor=vendor, kinds=chosen, limit=limit)


def _export(state: State, graph: FailureGraph, fmt: str) -> bytes:
    """Serialise the graph once per catalog version and format (GraphML takes tens of ms)."""
    cache = state.get(EXPORT_KEY)
    if not isinstance(cache, dict) or cache.get("version") != graph.catalog_version:
        cache = {"version": graph.catalog_version}
        state[EXPORT_KEY] = cache
    if fmt not in cache:
        if fmt == "graphml":
            cache[fmt] = export_graphml(graph).encode()
        else:
            cache[fmt] = msgspec.json.encode(export_json(graph))
    data: bytes = cache[fmt]
    return data


@get(
    "/v1/graph",
    tags=["graph"],
    responses={200: ResponseSpec(NodeLinkGraph, description="node-link JSON, or GraphML")},
)
async def export_graph(
    graph: NamedDependency[FailureGraph],
    state: State,
    format: FromQuery[Literal["json", "graphml"]] = "json",
) -> Response[bytes]:
    """The whole graph: node-link JSON (`format=json`) or GraphML (`format=graphml`)."""
    media = GRAPHML if format == "graphml" else "application/json"
    return Response(_export(state, graph, format), media_type=media)


@get("/v1/graph/equivalents/{failure_id:str}", tags=["graph"])
async def graph_equivalents(
    graph: NamedDependency[FailureGraph], failure_id: FromPath[str], order: FromQuery[Order] = "asc"
) -> Equivalents:
    """What each vendor and model calls a failure class, and how exposed each model is to it."""
    return _answer(equivalents, graph, failure_id, order)


@get("/v1/graph/exposure", tags=["graph"])
async def graph_exposure(
    graph: NamedDependency[FailureGraph],
    *,
    catalog: NamedDependency[Catalog],
    features: FromQuery[str | None] = None,
    prompt: Annotated[str | None, QueryParameter(max_length=MAX_PROMPT)] = None,
    order: FromQuery[Order] = "asc",
    limit: Limit = 20,
) -> Exposure:
    """Models ranked by exposure to the failures that `features` (or a `prompt`) trigger."""
    confidence = dict.fromkeys(_split(features, "features"), 1.0)
    if prompt and prompt.strip():
        for hit in catalog.matcher.analyze(prompt).features:
            confidence[hit.id] = max(confidence.get(hit.id, 0.0), hit.confidence)
    found = [FeatureMatch(id=fid, confidence=conf) for fid, conf in confidence.items()]
    if not found:
        raise ApiError(
            400,
            "features: give feature ids (features=a,b) or a prompt",
            "invalid-parameter",
            [FieldError("features", "no features given")],
        )
    return _answer(exposure, graph, found, order, limit)


@get("/v1/graph/path", tags=["graph"])
async def graph_path(
    graph: NamedDependency[FailureGraph],
    *,
    source: FromQuery[str],
    target: FromQuery[str],
    kinds: Annotated[str | None, QueryParameter(pattern=KINDS_PATTERN, max_length=MAX_LIST)] = None,
) -> PathResult:
    """The strongest chain of relations between two failures, each hop explained."""
    return _answer(path, graph, source, target, _split(kinds, "kinds"))


@get("/v1/graph/summary", tags=["graph"])
async def graph_summary(graph: NamedDependency[FailureGraph]) -> GraphSummary:
    """Node and edge counts, the most central failure classes, clusters of co-occurring ones."""
    return summary(graph)


ROUTES = [
    Router(
        path="/",
        route_handlers=[
            related_failures,
            export_graph,
            graph_equivalents,
            graph_exposure,
            graph_path,
            graph_summary,
        ],
        dependencies={"graph": Provide(provide_graph, sync_to_thread=False)},
    )
]

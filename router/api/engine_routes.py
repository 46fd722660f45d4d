"""HTTP handlers for the engine: analyze, pre-flight, route and batch routing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, NamedTuple

import anyio.to_thread
import msgspec
from litestar import Request, Response, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.response import Stream

from router.api.problems import ApiError, FieldError
from router.batch import MAX_SHOTS, Plan, Shot, Storyboard
from router.learning import Outcomes
from router.loader import Catalog
from router.preflight import Preflight
from router.routing_model import RouteResult
from router.rules import Analysis
from router.service import (
    PreflightRequest,
    Prompt,
    RequestError,
    RouteRequest,
    preflight_prompt,
    route_batch,
    route_prompt,
)

NDJSON = "application/x-ndjson"
SMALL_BODY = 256 * 1024  # a 10,000-character prompt JSON-escaped at worst (12 bytes/char) fits
BATCH_BODY = 64 * 1024 * 1024


class AnalyzeRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """`POST /v1/analyze`."""

    prompt: Prompt
    duration_s: Annotated[float, msgspec.Meta(gt=0, le=600)] | None = None


class Engine(NamedTuple):
    """What an engine handler needs, as ONE dependency: litestar resolves two or more
    dependencies of a handler in a task group, which costs more than routing itself."""

    catalog: Catalog
    outcomes: Outcomes | None


def _api_error(exc: RequestError) -> ApiError:
    return ApiError(
        exc.status,
        str(exc),
        "invalid-request" if exc.status == 400 else "not-found",
        [FieldError(exc.field, exc.message)],
    )


@post("/v1/analyze", status_code=200, tags=["engine"], request_max_body_size=SMALL_BODY)
async def analyze(engine: NamedDependency[Engine], data: JSONBody[AnalyzeRequest]) -> Analysis:
    """The prompt features with their character spans (code points and UTF-16)."""
    if not data.prompt.strip():
        raise _api_error(RequestError(400, "prompt", "must not be blank"))
    return engine.catalog.matcher.analyze(data.prompt, data.duration_s)


@post("/v1/preflight", status_code=200, tags=["engine"], request_max_body_size=SMALL_BODY)
async def preflight(engine: NamedDependency[Engine], data: JSONBody[PreflightRequest]) -> Preflight:
    """Per failure class of the model: light, risk, the words that caused it, and a rewrite."""
    try:
        return preflight_prompt(engine.catalog, data, engine.outcomes)
    except RequestError as exc:
        raise _api_error(exc) from None


@post("/v1/route", status_code=200, tags=["engine"], request_max_body_size=SMALL_BODY)
async def route(engine: NamedDependency[Engine], data: JSONBody[RouteRequest]) -> RouteResult:
    """Ranked models for one shot, and every excluded model with the reason."""
    try:
        return route_prompt(engine.catalog, data, engine.outcomes)
    except RequestError as exc:
        raise _api_error(exc) from None


def _ndjson(result: Plan) -> Iterator[bytes]:
    encoder = msgspec.json.Encoder()
    for item in result.results:
        yield encoder.encode(item) + b"\n"
    yield encoder.encode({"summary": result.summary}) + b"\n"


@post(
    "/v1/route/batch",
    status_code=200,
    tags=["engine"],
    request_max_body_size=BATCH_BODY,
)
async def route_batch_handler(
    engine: NamedDependency[Engine],
    request: Request[Any, Any, Any],
    data: JSONBody[list[Shot] | Storyboard],
) -> Response[Plan] | Stream:
    """Many shots in one call (array of shots, or {shots, budget_usd}); results in order.

    With `Accept: application/x-ndjson` the results stream one JSON object per line, then a
    final `{"summary": ...}` line.
    """
    board = data if isinstance(data, Storyboard) else Storyboard(shots=data)
    if len(board.shots) > MAX_SHOTS:
        raise ApiError(
            413,
            f"{len(board.shots)} shots; at most {MAX_SHOTS} per call",
            "too-many-shots",
            [FieldError("shots", f"at most {MAX_SHOTS} shots per call")],
        )
    try:
        # CPU-bound for large batches: keep the event loop free for other requests.
        result = await anyio.to_thread.run_sync(
            route_batch, engine.catalog, board, None, engine.outcomes
        )
    except RequestError as exc:
        raise _api_error(exc) from None
    if NDJSON in request.headers.get("accept", ""):
        return Stream(_ndjson(result), media_type=NDJSON)
    return Response(result)


ROUTES = [analyze, preflight, route, route_batch_handler]

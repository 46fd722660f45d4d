"""Operations: rate limiting, Prometheus metrics, catalog hot reload, and the benchmark echo."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import signal
from typing import Any

import anyio.to_thread
import msgspec
from litestar import Litestar, Request, post
from litestar.datastructures import State
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.params import JSONBody
from litestar.plugins.prometheus import PrometheusConfig, PrometheusController

from router.api.problems import ApiError, FieldError
from router.api.report_routes import require_api_key
from router.graph import build_graph
from router.loader import CatalogError, load_catalog
from router.settings import Settings

log = logging.getLogger("router.ops")
UNLIMITED_PATHS = ["/healthz", "/metrics", "/schema", "/static", "/favicon.ico"]
GRAPH_STATE_KEY = "graph"


def client_identity(request: Request[Any, Any, Any]) -> str:
    """Rate-limit bucket: the API key's hash when one is sent, else the client address."""
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and key.strip():
        return "key:" + hashlib.sha256(key.strip().encode()).hexdigest()[:16]
    return "addr:" + (request.client.host if request.client else "unknown")


def rate_limit_config(settings: Settings) -> RateLimitConfig | None:
    """Per key (else per address) requests per minute; None when `rate_limit` is 0."""
    if settings.rate_limit <= 0:
        return None
    return RateLimitConfig(
        rate_limit=("minute", settings.rate_limit),
        exclude=UNLIMITED_PATHS,
        identifier_for_request=client_identity,
    )


def metrics_config() -> PrometheusConfig:
    """Request metrics with grouped paths (no label per raw URL) and no self-scrapes."""
    return PrometheusConfig(
        app_name="ava_router",
        prefix="ava_router",
        group_path=True,
        exclude_unhandled_paths=True,
        exclude=["/metrics", "/healthz"],
    )


class Metrics(PrometheusController):
    """`GET /metrics` in the Prometheus text format; not part of the public API schema."""

    path = "/metrics"
    include_in_schema = False


class ReloadResult(msgspec.Struct, frozen=True):
    """`POST /v1/admin/reload`."""

    reloaded: bool
    catalog_version: str
    previous_version: str
    vendors: int
    models: int


def reload_catalog(state: State) -> ReloadResult:
    """Load and check the catalog again; swap it in only if it is clean (raises CatalogError)."""
    holder = state.holder
    settings: Settings = state.settings
    fresh = load_catalog(settings.root)
    graph = build_graph(fresh)
    previous = holder.current.version
    state[GRAPH_STATE_KEY] = graph
    holder.current = fresh  # one assignment: in-flight requests keep the catalog they started with
    log.info("catalog reloaded: %s -> %s", previous, fresh.version)
    return ReloadResult(True, fresh.version, previous, len(fresh.vendors), len(fresh.models))


@post("/v1/admin/reload", status_code=200, tags=["admin"], guards=[require_api_key])
async def admin_reload(request: Request[Any, Any, State]) -> ReloadResult:
    """Reload the catalog from disk (API key). A broken catalog is refused, its problems listed,
    and the current one keeps serving."""
    try:
        return await anyio.to_thread.run_sync(reload_catalog, request.app.state)
    except CatalogError as exc:
        errors = [FieldError(f"{p.file}:{p.path}", p.message) for p in exc.problems[:200]]
        raise ApiError(
            422,
            f"the catalog on disk has {len(exc.problems)} problem(s); still serving "
            f"{request.app.state.holder.current.version}",
            "catalog-invalid",
            errors,
        ) from None


@post("/bench/echo", status_code=200, include_in_schema=False)
async def bench_echo(data: JSONBody[dict[str, Any]]) -> dict[str, Any]:
    """The HTTP benchmark baseline: same server, same middleware, no engine work."""
    return data


def install_sighup(app: Litestar) -> None:
    """On SIGHUP, reload the catalog like `POST /v1/admin/reload` (logging problems, if any)."""

    def on_signal() -> None:
        async def run() -> None:
            try:
                await anyio.to_thread.run_sync(reload_catalog, app.state)
            except CatalogError as exc:
                log.error("SIGHUP reload refused: %d catalog problem(s)", len(exc.problems))
                for problem in exc.problems[:50]:
                    log.error("  %s", problem)

        task = asyncio.get_running_loop().create_task(run())
        app.state.reload_task = task  # keep a reference until done

    try:
        asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, on_signal)
    except (NotImplementedError, RuntimeError, ValueError):
        log.info("SIGHUP reload unavailable here (not the main thread or no signal support)")

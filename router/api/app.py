"""The litestar application factory: wiring only; handlers live in their own modules."""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from litestar import Litestar, get
from litestar.config.cors import CORSConfig
from litestar.di import NamedDependency, Provide
from litestar.enums import ScopeType
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from router import __version__
from router.api import catalog_routes, engine_routes, graph_routes, ops, report_routes, web_routes
from router.api.openapi import strict_openapi
from router.api.problems import problem_response
from router.graph import build_graph
from router.learning import Outcomes
from router.loader import Catalog, load_catalog
from router.settings import Settings, load_settings

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"content-security-policy", b"default-src 'self'; frame-ancestors 'none'; base-uri 'none'"),
]


def security_headers(app: ASGIApp) -> ASGIApp:
    """Add conservative security headers to every HTTP response."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await app(scope, receive, send_with_headers)

    return middleware


class CatalogHolder:
    """Holds the catalog being served, so a reload can swap it atomically."""

    def __init__(self, catalog: Catalog) -> None:
        self.current = catalog


class Health(msgspec.Struct, frozen=True):
    """`GET /healthz`."""

    status: str
    version: str
    catalog_version: str
    rules_version: str
    vendors: int
    models: int
    failure_classes: int


@get("/healthz", tags=["health"], cache_control=None)
async def healthz(catalog: NamedDependency[Catalog]) -> Health:
    """Liveness, with the version of the catalog being served."""
    return Health(
        "ok",
        __version__,
        catalog.version,
        catalog.matcher.rules_version,
        len(catalog.vendors),
        len(catalog.models),
        len(catalog.classes),
    )


def _cors(settings: Settings) -> CORSConfig | None:
    """CORS for the exact configured origins only (litestar's default would be `*`)."""
    if not settings.cors_origins:
        return None
    return CORSConfig(
        allow_origins=list(settings.cors_origins),
        allow_methods=["GET", "POST"],
        allow_headers=["content-type", "authorization", "x-request-id"],
        expose_headers=["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"],
        allow_credentials=False,
        max_age=600,
    )


def create_app(settings: Settings | None = None, catalog: Catalog | None = None) -> Litestar:
    """Build the API. Loads (and checks) the catalog first: a broken catalog never serves."""
    settings = settings or load_settings()
    holder = CatalogHolder(catalog or load_catalog(settings.root))

    store = report_routes.open_store(settings)

    def provide_catalog() -> Catalog:
        return holder.current

    def provide_outcomes() -> Outcomes | None:
        return store.outcomes() if settings.learning else None

    handlers: list[Any] = [
        healthz,
        *catalog_routes.ROUTES,
        *engine_routes.ROUTES,
        *graph_routes.ROUTES,
        *report_routes.ROUTES,
        *web_routes.ROUTES,
        ops.admin_reload,
    ]
    middleware: list[Any] = [security_headers]
    if settings.metrics:
        metrics = ops.metrics_config()
        handlers.append(ops.Metrics)
        middleware.append(metrics.middleware)
    limiter = ops.rate_limit_config(settings)
    if limiter is not None:
        middleware.append(limiter.middleware)
    if settings.bench_echo:
        handlers.append(ops.bench_echo)
    app = Litestar(
        route_handlers=handlers,
        dependencies={
            "catalog": Provide(provide_catalog, sync_to_thread=False),
            "settings": Provide(lambda: settings, sync_to_thread=False),
            "report_store": Provide(lambda: store, sync_to_thread=False),
            "outcomes": Provide(provide_outcomes, sync_to_thread=False),
            "engine": Provide(
                lambda: engine_routes.Engine(holder.current, provide_outcomes()),
                sync_to_thread=False,
            ),
        },
        on_startup=[ops.install_sighup],
        on_shutdown=[store.close],
        exception_handlers={Exception: problem_response},
        openapi_config=OpenAPIConfig(
            title="ava-router",
            version=__version__,
            path="/schema",
            render_plugins=[JsonRenderPlugin()],
            description="Pre-flight failure scoring and vendor routing for AI video generation.",
        ),
        cors_config=_cors(settings),
        middleware=middleware,
        request_max_body_size=64 * 1024,
        debug=False,
    )
    strict_openapi(app)
    app.state.holder = holder
    app.state[graph_routes.STATE_KEY] = build_graph(holder.current)
    app.state.settings = settings
    logging.getLogger("router").setLevel(settings.log_level.upper())
    return app

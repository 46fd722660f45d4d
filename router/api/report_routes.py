"""HTTP handlers for outcome reports (API key), their statistics, and support-ticket drafts.

Wiring (in `create_app`): `store = open_store(settings)`, add `*ROUTES` to the route handlers,
`"report_store": Provide(lambda: store, sync_to_thread=False)` to the dependencies,
`on_shutdown=[store.close]`, and `app.state.settings = settings` (the API-key guard reads it).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, TypeVar

import anyio.to_thread
import msgspec
from litestar import Request, Response, get, post
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException, ServiceUnavailableException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromQuery, JSONBody, QueryParameter

from router.api.problems import ApiError, FieldError
from router.learning import Outcomes, posterior
from router.loader import Catalog
from router.reports import (
    Report,
    ReportStore,
    StoredReport,
    StoreUnavailable,
    key_id,
    open_store,
    prompt_digest,
)
from router.service import RequestError
from router.settings import Settings
from router.tickets import GenerationId, TicketDraft, TicketRequest, draft_ticket, resolve_target

__all__ = ["ROUTES", "ReportStore", "open_store"]

T = TypeVar("T")
CatalogRef = Annotated[str, msgspec.Meta(min_length=1, max_length=80)]
SMALL_BODY = 256 * 1024  # a 10,000-character prompt JSON-escaped at worst still fits
RETRY_AFTER_S = "5"


class ReportRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """`POST /v1/reports`: what happened to one generation."""

    vendor: CatalogRef
    model: CatalogRef
    outcome: Literal["failed", "ok"]
    failure_id: CatalogRef | None = None
    generation_id: GenerationId
    timestamp_s: Annotated[float, msgspec.Meta(ge=0.0, le=3600.0)] | None = None
    prompt: Annotated[str, msgspec.Meta(max_length=10_000)] | None = None
    """Stored only as its SHA-256 and length."""


class ReportReceipt(msgspec.Struct, frozen=True, kw_only=True):
    """The answer to a report: 201 when stored, 200 with `duplicate: true` for a retry."""

    id: int | None
    duplicate: bool
    vendor: str
    model: str
    generation_id: str


class ReportHistory(msgspec.Struct, frozen=True, kw_only=True):
    """`GET /v1/reports`: the calling key's own reports, newest first."""

    count: int
    reports: list[StoredReport]


class ClassStat(msgspec.Struct, frozen=True, kw_only=True):
    """One failure class of one model: reports, catalog prior and posterior failure rate."""

    failure_id: str
    failed: int
    prior: float
    posterior: float


class ModelStat(msgspec.Struct, frozen=True, kw_only=True):
    """Reported outcomes for one model."""

    vendor: str
    model: str
    reports: int
    ok: int
    keys: int
    counted: float
    """Reports that count after the per-key cap."""
    weighted: bool
    """Whether the reports have reached the minimum and move the scores."""
    classes: list[ClassStat]


class ReportStats(msgspec.Struct, frozen=True, kw_only=True):
    """`GET /v1/reports/stats`."""

    learning: bool
    """Whether pre-flight and routing use the posteriors (`AVA_ROUTER_LEARNING`)."""
    prior_strength: float
    min_reports: int
    key_cap: int
    total: int
    models: list[ModelStat]


def require_api_key(connection: ASGIConnection[Any, Any, Any, State], _: BaseRouteHandler) -> None:
    """Guard: a Bearer key from `AVA_ROUTER_API_KEYS`, compared in constant time; runs before
    the body is read. Puts the key's SHA-256 on `request.state.key_id`; never logs the key."""
    settings: Settings = connection.app.state.settings
    scheme, _sep, presented = connection.headers.get("authorization", "").partition(" ")
    matched = False
    for key in settings.api_keys:  # every key is compared: timing does not tell which matched
        matched |= hmac.compare_digest(presented.strip().encode(), key.encode())
    if scheme.lower() != "bearer" or not presented.strip() or not matched:
        detail = (
            "send a valid API key as 'Authorization: Bearer <key>'"
            if settings.api_keys
            else "this server accepts no report keys (AVA_ROUTER_API_KEYS is not set)"
        )
        raise NotAuthorizedException(
            detail, headers={"WWW-Authenticate": 'Bearer realm="ava-router"'}
        )
    connection.state.key_id = key_id(presented.strip())


def _api_error(exc: RequestError) -> ApiError:
    slug = "invalid-request" if exc.status == 400 else "not-found"
    return ApiError(exc.status, str(exc), slug, [FieldError(exc.field, exc.message)])


async def _stored(work: Callable[[], T]) -> T:
    """Run a blocking store call in a worker thread; a database that is down becomes 503."""
    try:
        return await anyio.to_thread.run_sync(work)
    except StoreUnavailable:
        raise ServiceUnavailableException(
            "the report store is unavailable; nothing was recorded, try again shortly",
            headers={"Retry-After": RETRY_AFTER_S},
        ) from None


def _report(catalog: Catalog, data: ReportRequest, key: str) -> Report:
    try:
        vendor, model, cls = resolve_target(catalog, data.vendor, data.model, data.failure_id)
    except RequestError as exc:
        raise _api_error(exc) from None
    if data.outcome == "ok" and cls is not None:
        raise _api_error(RequestError(400, "failure_id", "only a failed outcome names a failure"))
    digest, chars = prompt_digest(data.prompt)
    return Report(
        key_id=key,
        vendor=vendor.id,
        model=model.id,
        outcome=data.outcome,
        failure_id=cls.id if cls else None,
        generation_id=data.generation_id,
        timestamp_s=data.timestamp_s,
        prompt_sha256=digest,
        prompt_chars=chars,
    )


@post(
    "/v1/reports",
    tags=["reports"],
    guards=[require_api_key],
    request_max_body_size=SMALL_BODY,
)
async def create_report(
    request: Request[Any, Any, State],
    catalog: NamedDependency[Catalog],
    report_store: NamedDependency[ReportStore],
    data: JSONBody[ReportRequest],
) -> Response[ReportReceipt]:
    """Record what happened to a generation; a retry of the same (vendor, generation_id) is a
    no-op answered 200 with `duplicate: true`."""
    report = _report(catalog, data, request.state.key_id)
    result = await _stored(lambda: report_store.add(report))
    receipt = ReportReceipt(
        id=result.id,
        duplicate=result.duplicate,
        vendor=report.vendor,
        model=report.model,
        generation_id=report.generation_id,
    )
    return Response(receipt, status_code=200 if result.duplicate else 201)


@get("/v1/reports", tags=["reports"], guards=[require_api_key])
async def list_reports(
    *,
    request: Request[Any, Any, State],
    catalog: NamedDependency[Catalog],
    report_store: NamedDependency[ReportStore],
    since: Annotated[
        str | None,
        QueryParameter(
            description="ISO 8601 date-time, e.g. 2026-11-01T00:00:00Z",
            pattern=r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$",
            max_length=40,
        ),
    ] = None,
    vendor: FromQuery[str | None] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100,
) -> ReportHistory:
    """The calling key's own reports (its personal failure history), newest first."""
    after = _parse_since(since)
    vendor_id = None
    if vendor is not None:
        found = catalog.vendor(vendor)
        if found is None:
            raise _api_error(RequestError(404, "vendor", f"unknown vendor {vendor!r}"))
        vendor_id = found.id
    rows = await _stored(
        lambda: report_store.history(request.state.key_id, after, vendor_id, limit)
    )
    return ReportHistory(count=len(rows), reports=rows)


def _parse_since(since: str | None) -> datetime | None:
    if since is None:
        return None
    try:
        parsed = datetime.fromisoformat(since)
    except ValueError:
        raise _api_error(RequestError(400, "since", "must be an ISO 8601 date-time")) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _model_stat(
    catalog: NamedDependency[Catalog], snapshot: Outcomes, model_id: str
) -> ModelStat | None:
    ref, priors = catalog.models.get(model_id), catalog.susceptibility.get(model_id)
    if ref is None or priors is None:
        return None  # reported before the model left the catalog
    evidence = snapshot.models[model_id]
    strength = snapshot.policy.prior_strength
    classes = [
        ClassStat(
            failure_id=cid,
            failed=evidence.failed.get(cid, 0),
            prior=round(s.value, 4),
            posterior=round(posterior(evidence, cid, s.value, strength), 4),
        )
        for cid, s in sorted(priors.items())
    ]
    return ModelStat(
        vendor=ref.vendor.id,
        model=model_id,
        reports=evidence.reports,
        ok=evidence.ok,
        keys=evidence.keys,
        counted=round(evidence.counted, 2),
        weighted=evidence.weighted,
        classes=classes,
    )


@get("/v1/reports/stats", tags=["reports"])
async def report_stats(
    catalog: NamedDependency[Catalog],
    settings: NamedDependency[Settings],
    report_store: NamedDependency[ReportStore],
) -> ReportStats:
    """Per model and class: report counts, the catalog prior and the posterior failure rate."""
    snapshot = await _stored(report_store.refresh)
    models = [_model_stat(catalog, snapshot, m) for m in snapshot.models]
    policy = snapshot.policy
    return ReportStats(
        learning=settings.learning,
        prior_strength=policy.prior_strength,
        min_reports=policy.min_reports,
        key_cap=policy.key_cap,
        total=sum(e.reports for e in snapshot.models.values()),
        models=[m for m in models if m is not None],
    )


@post("/v1/tickets", status_code=200, tags=["reports"], request_max_body_size=SMALL_BODY)
async def create_ticket(
    catalog: NamedDependency[Catalog], data: JSONBody[TicketRequest]
) -> TicketDraft:
    """A support-ticket draft: the vendor's term, its channel for the plan, the evidence to
    attach, and its refund policy as the catalog states it."""
    try:
        return draft_ticket(catalog, data)
    except RequestError as exc:
        raise _api_error(exc) from None


ROUTES = [create_report, list_reports, report_stats, create_ticket]

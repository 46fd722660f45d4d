"""The engine's entry points shared by the HTTP API, the CLI and the benchmarks.

Each takes the loaded Catalog and a typed request and returns a typed answer; errors a user can
fix raise `RequestError` naming the field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import msgspec
from msgspec import Meta

from router.batch import Plan, Shot, Storyboard, plan
from router.learning import Outcomes
from router.loader import Catalog, ModelRef
from router.preflight import Preflight, preflight
from router.risk import FeatureMatch
from router.routing import route
from router.routing_model import Constraints, Mode, RouteResult

MAX_PROMPT = 10_000
Prompt = Annotated[
    str, Meta(min_length=1, max_length=MAX_PROMPT, description="The prompt as the user typed it.")
]


class RequestError(Exception):
    """A request the catalog cannot serve: `status` is 400/404/422, `field` names the culprit."""

    def __init__(self, status: int, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.status = status
        self.field = field
        self.message = message


class RouteRequest(Constraints, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """`POST /v1/route`: a prompt and the constraints on the shot."""

    prompt: Prompt


class PreflightRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """`POST /v1/preflight`: a prompt, the vendor in use, and optionally its model and settings."""

    prompt: Prompt
    vendor: Annotated[str, Meta(min_length=1, max_length=80)]
    model: Annotated[str, Meta(min_length=1, max_length=80)] | None = None
    duration_s: Annotated[float, Meta(gt=0, le=600)] | None = None
    aspect_ratio: Annotated[str, Meta(pattern=r"^\d{1,2}:\d{1,2}$")] | None = None
    resolution: Annotated[str, Meta(pattern=r"^\d{3,4}p$|^4k$")] | None = None
    mode: Mode = "text_to_video"
    audio: bool | None = None


def features_of(
    catalog: Catalog, prompt: str, duration_s: float | None
) -> tuple[list[FeatureMatch], float | None]:
    """The prompt's features as scoring sees them, and the duration stated in the text."""
    if not prompt.strip():
        raise RequestError(400, "prompt", "must not be blank")
    analysis = catalog.matcher.analyze(prompt, duration_s)
    return analysis.features, analysis.duration_s


def _check_lists(catalog: Catalog, c: Constraints) -> None:
    for name, values in (("vendors", c.vendors), ("models", c.models)):
        if values is None:
            continue
        if not values:
            raise RequestError(400, name, "must not be an empty list (leave it out to allow all)")
        known = catalog.models if name == "models" else None
        for value in values:
            missing = value not in known if known is not None else catalog.vendor(value) is None
            if missing:
                raise RequestError(404, name, f"unknown {name[:-1]} {value!r}")


def route_prompt(
    catalog: Catalog, req: RouteRequest | Shot, outcomes: Outcomes | None = None
) -> RouteResult:
    """Rank the catalog's models for one shot (`outcomes`: learn from reported generations)."""
    _check_lists(catalog, req)
    feats, text_duration = features_of(catalog, req.prompt, req.duration_s)
    return route(catalog, req.prompt, feats, req, text_duration, outcomes)


def route_batch(
    catalog: Catalog,
    board: Storyboard,
    route_one: Callable[[Shot], RouteResult] | None = None,
    outcomes: Outcomes | None = None,
) -> Plan:
    """Route every shot of a storyboard, in order (`route_one` lets the CLI count progress)."""
    for i, shot in enumerate(board.shots):
        try:
            _check_lists(catalog, shot)
        except RequestError as exc:
            raise RequestError(exc.status, f"shots[{i}].{exc.field}", exc.message) from None
    one = route_one or (lambda s: route_prompt(catalog, s, outcomes))
    return plan(board.shots, one, board.budget_usd)


def resolve_model(catalog: Catalog, vendor_id: str, model_id: str | None) -> ModelRef | None:
    """The model a pre-flight is about; without `model`, the vendor's best-ranked available one."""
    vendor = catalog.vendor(vendor_id)
    if vendor is None:
        raise RequestError(
            404, "vendor", f"unknown vendor {vendor_id!r}; GET /v1/vendors lists them"
        )
    if model_id is not None:
        ref = catalog.models.get(model_id)
        if ref is None or ref.vendor.id != vendor.id:
            raise RequestError(404, "model", f"{vendor.id} has no model {model_id!r}")
        return ref
    return None


def preflight_prompt(
    catalog: Catalog, req: PreflightRequest, outcomes: Outcomes | None = None
) -> Preflight:
    """Score the prompt against every failure class of the chosen (or best) model of the vendor."""
    feats, text_duration = features_of(catalog, req.prompt, req.duration_s)
    constraints = Constraints(
        duration_s=req.duration_s,
        aspect_ratio=req.aspect_ratio,
        resolution=req.resolution,
        mode=req.mode,
        audio=req.audio,
    )
    ref = resolve_model(catalog, req.vendor, req.model)
    if ref is None:
        vendor = catalog.vendors[catalog.aliases.get(req.vendor.lower(), req.vendor.lower())]
        ranked = route(
            catalog,
            req.prompt,
            feats,
            msgspec.structs.replace(constraints, vendors=[vendor.id], top_k=1),
            text_duration,
            outcomes,
        )
        model_id = ranked.candidates[0].model if ranked.candidates else vendor.models[0].id
        ref = catalog.models[model_id]
    return preflight(catalog, ref, req.prompt, feats, constraints, text_duration, outcomes)

"""The routing request and response Structs, in a module of their own so `router.routing` holds
only the ranking logic (and could be compiled with mypyc, which cannot define msgspec Structs)."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from router.risk import FeatureMatch

Mode = Literal["text_to_video", "image_to_video", "video_to_video"]
Id = Annotated[str, Meta(min_length=1, max_length=80)]
IdList = Annotated[list[Id], Meta(max_length=200)]
AllowList = Annotated[list[Id], Meta(min_length=1, max_length=200)]


class Weights(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Relative weight of predicted quality (risk) and cost in the score."""

    risk: Annotated[float, Meta(ge=0, le=100)] = 0.8
    cost: Annotated[float, Meta(ge=0, le=100)] = 0.2


class Constraints(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """What a shot needs, independent of its prompt text."""

    duration_s: Annotated[float, Meta(gt=0, le=600)] | None = None
    aspect_ratio: Annotated[str, Meta(pattern=r"^\d{1,2}:\d{1,2}$")] | None = None
    resolution: Annotated[str, Meta(pattern=r"^\d{3,4}p$|^4k$")] | None = None
    mode: Mode = "text_to_video"
    audio: bool | None = None
    max_cost_usd: Annotated[float, Meta(ge=0, le=100_000)] | None = None
    vendors: AllowList | None = None
    models: AllowList | None = None
    exclude: IdList = []
    weights: Weights = Weights()
    top_k: Annotated[int, Meta(ge=1, le=200)] = 5


class Reason(msgspec.Struct, frozen=True, omit_defaults=True):
    """Why a candidate scored as it did: a failure class and the features (with spans) behind it."""

    kind: Literal["failure", "cost", "note"]
    message: str
    failure_id: str | None = None
    risk: float | None = None
    features: list[FeatureMatch] = []


class Candidate(msgspec.Struct, frozen=True):
    """A ranked model."""

    vendor: str
    model: str
    score: float
    risk: float
    quality: float
    """1 - risk: the predicted chance that no failure shows."""
    quality_score: float
    """quality / the best candidate's quality."""
    cost_score: float
    """the cheapest candidate's cost / this cost (0 when the price is unknown)."""
    est_cost_usd: float | None
    reasons: list[Reason]


class Exclusion(msgspec.Struct, frozen=True):
    """A model that cannot take the shot, and why."""

    vendor: str
    model: str
    reason: Literal[
        "allow_list",
        "excluded",
        "availability",
        "mode",
        "duration",
        "aspect_ratio",
        "resolution",
        "audio",
        "prompt_length",
        "price",
    ]
    detail: str


UNPRICED = Reason("cost", "no published USD price for these settings")


class RouteResult(msgspec.Struct, frozen=True):
    """Ranked candidates (best first) and every excluded model."""

    candidates: list[Candidate]
    excluded: list[Exclusion]
    duration_s: float
    catalog_version: str
    rules_version: str

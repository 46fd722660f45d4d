"""The catalog's data model: vendors, models, failure classes, relations, feature rules.

Everything here is a frozen msgspec Struct decoded straight from YAML, so a bad file fails
with a JSON path instead of a traceback. Cross-reference checks live in `router.loader`.
"""

from __future__ import annotations

from typing import Annotated, Literal, TypeVar

import msgspec
from msgspec import Meta, Struct

Id = Annotated[str, Meta(pattern=r"^[a-z0-9][a-z0-9_.\-]*$", max_length=80)]
FeatureId = Annotated[str, Meta(pattern=r"^[a-z]+\.[a-z0-9_]+$", max_length=80)]
Unit01 = Annotated[float, Meta(ge=0.0, le=1.0)]
Positive = Annotated[float, Meta(gt=0.0)]
NonNegative = Annotated[float, Meta(ge=0.0)]
Day = Annotated[str, Meta(pattern=r"^(\d{4}(-\d{2}(-\d{2})?)?|undated)$")]

Mode = Literal["text_to_video", "image_to_video", "video_to_video"]
Status = Literal["ga", "beta", "preview", "limited", "deprecated", "retired", "open_weights"]
Severity = Literal["low", "medium", "high"]
Strength = Literal["low", "medium", "high"]
EvidenceKind = Literal[
    "vendor_docs",
    "github_issue",
    "practitioner",
    "press",
    "reseller_docs",
    "failure_catalog",
    "benchmark",
    "user_report",
]
RelationKind = Literal["co_occurs_with", "amplified_by", "causes", "confused_with", "mitigated_by"]


class Base(Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Common settings for every catalog Struct."""


class Source(Base, frozen=True, kw_only=True):
    """Where a fact comes from, when the source says it was true, and whether we could check it."""

    url: Annotated[str, Meta(min_length=4)]
    as_of: Day
    verified: bool = True
    note: str | None = None


class Price(Base, frozen=True, kw_only=True):
    """One published price point. `per` is the billing unit; `clip_seconds` sizes a clip price."""

    amount: NonNegative
    currency: Literal["USD", "EUR", "CNY", "credits"]
    per: Literal["second", "clip"]
    clip_seconds: Positive | None = None
    resolution: str | None = None
    audio: bool | None = None
    channel: str = "api"
    source: Source


class CreditRate(Base, frozen=True, kw_only=True):
    """What one of the vendor's credits costs in USD, so credit prices can be compared."""

    usd_per_credit: Positive
    plan: str | None = None
    source: Source


class Capabilities(Base, frozen=True, kw_only=True):
    """What a model can be asked for. Unknown values are left out, never guessed."""

    modes: Annotated[list[Mode], Meta(min_length=1)]
    durations_s: list[Positive] = []
    max_duration_s: Positive | None = None
    resolutions: list[str] = []
    aspect_ratios: list[str] = []
    fps: list[Positive] = []
    native_audio: bool | None = None
    camera_controls: bool | None = None
    keyframes: bool | None = None
    negative_prompt: bool | None = None
    max_prompt_chars: Annotated[int, Meta(gt=0)] | None = None
    sources: Annotated[list[Source], Meta(min_length=1)]


class Evidence(Base, frozen=True, kw_only=True):
    """One piece of evidence that a model shows a failure."""

    kind: EvidenceKind
    source: Source
    note: str | None = None


class FailureMode(Base, frozen=True, kw_only=True):
    """A failure class as this model shows it, in the vendor's own words where it has them."""

    failure_id: Id
    vendor_term: str | None = None
    severity: Severity = "medium"
    above_duration_s: Positive | None = None
    """Clip length past which this model is documented to show the failure (from the evidence)."""
    triggers: str | None = None
    symptoms: str | None = None
    mitigation: str | None = None
    evidence: Annotated[list[Evidence], Meta(min_length=1)]


class Model(Base, frozen=True, kw_only=True):
    """A generation model offered by a vendor."""

    id: Id
    name: str
    status: Status
    released: Day | None = None
    capabilities: Capabilities
    prices: list[Price] = []
    benchmarks: dict[str, str] = {}
    failure_modes: list[FailureMode] = []
    notes: str | None = None


class SupportChannel(Base, frozen=True, kw_only=True):
    """How a user on a given plan reaches the vendor."""

    plans: Annotated[list[str], Meta(min_length=1)]
    channel: Literal[
        "email",
        "in_app",
        "help_center",
        "discord",
        "web_form",
        "chat",
        "api_console",
        "community_forum",
        "github_issues",
        "account_manager",
    ]
    address: str
    notes: str | None = None
    source: Source


class RefundPolicy(Base, frozen=True, kw_only=True):
    """What the vendor itself says about refunds; `summary` must not promise more."""

    summary: str
    refunds_quality_failures: bool | None = None
    refunds_technical_failures: bool | None = None
    source: Source | None = None


class VendorTerm(Base, frozen=True, kw_only=True):
    """The vendor's own name for a failure, to use in support tickets."""

    failure_id: Id
    term: str
    source: Source


class Vendor(Base, frozen=True, kw_only=True):
    """One vendor file under `vendors/`."""

    id: Id
    name: str
    aliases: list[Id] = []
    website: str | None = None
    handles_negation: bool | None = None
    credit_usd: CreditRate | None = None
    generation_id_location: str | None = None
    support: list[SupportChannel] = []
    refund_policy: RefundPolicy
    failure_terms: list[VendorTerm] = []
    models: Annotated[list[Model], Meta(min_length=1)]
    notes: str | None = None


class Trigger(Base, frozen=True, kw_only=True):
    """A prompt feature that raises the odds of a failure class, and how to rewrite around it."""

    feature: FeatureId
    weight: Unit01
    rewrite: str


class FailureClass(Base, frozen=True, kw_only=True):
    """A cross-vendor failure class."""

    id: Id
    name: str
    group: str
    definition: str
    symptoms: Annotated[list[str], Meta(min_length=1)]
    triggers: list[Trigger] = []
    prevention: list[str] = []
    documentation_strength: Strength
    escalation: str
    refundable: bool = False
    prior: Unit01
    sources: list[Source] = []


class Levels(Base, frozen=True, kw_only=True):
    """Risk thresholds for the traffic light: below `yellow` is green, at or above `red` is red."""

    yellow: Unit01
    red: Unit01


class FailureCatalog(Base, frozen=True, kw_only=True):
    """`catalog/failures.yaml`."""

    levels: Levels
    classes: Annotated[list[FailureClass], Meta(min_length=1)]


class Relation(Base, frozen=True, kw_only=True):
    """A typed, weighted edge between two failure classes (or a class and a mitigation)."""

    source: Id
    target: Id
    kind: RelationKind
    weight: Unit01
    note: str | None = None
    evidence: Annotated[list[Source], Meta(min_length=1)]


class Mitigation(Base, frozen=True, kw_only=True):
    """A remedy that `mitigated_by` relations point at."""

    id: Id
    name: str
    description: str


class RelationCatalog(Base, frozen=True, kw_only=True):
    """`catalog/relations.yaml`."""

    mitigations: list[Mitigation] = []
    relations: list[Relation]


T = TypeVar("T")


def decode_yaml(data: bytes, kind: type[T]) -> T:
    """Decode YAML bytes into a catalog Struct (raises msgspec.ValidationError with a path)."""
    return msgspec.yaml.decode(data, type=kind)

"""Support-ticket drafts for an observed failure. Pure: catalog and request in, draft out.

Everything vendor-specific comes from that vendor's own catalog file: its term for the failure,
its support channels for the user's plan (never another vendor's), and its refund policy,
quoted as the catalog states it. The ticket text asks; it never promises a refund the
policy does not give.
"""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta, Struct

from router.catalog import (
    FailureClass,
    Model,
    RefundPolicy,
    Source,
    Strength,
    SupportChannel,
    Vendor,
)
from router.loader import Catalog
from router.service import RequestError

__all__ = [
    "GenerationId",
    "TicketDraft",
    "TicketRequest",
    "draft_ticket",
    "resolve_target",
]

GenerationId = Annotated[
    str, Meta(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/\-]*$")
]
CatalogRef = Annotated[str, Meta(min_length=1, max_length=80)]
Seconds = Annotated[float, Meta(ge=0.0, le=3600.0)]
TermSource = Literal["model_failure_mode", "vendor_failure_terms", "failure_class"]


class TicketRequest(Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """`POST /v1/tickets`: the failure the user saw, where, and on which plan."""

    vendor: CatalogRef
    model: CatalogRef
    failure_id: CatalogRef
    generation_id: GenerationId
    timestamp_s: Seconds
    """Seconds into the clip where the failure first becomes visible."""
    plan: Annotated[str, Meta(min_length=1, max_length=40)] | None = None


class TicketChannel(Struct, frozen=True, kw_only=True):
    """One way to reach this vendor's support, with where the catalog learned it."""

    channel: str
    address: str
    plans: list[str]
    notes: str | None
    source_url: str
    verified: bool


class EvidenceItem(Struct, frozen=True, kw_only=True):
    """One thing to attach; `included` says whether the draft already carries it."""

    item: Literal["generation_id", "timestamp", "prompt", "settings", "screen_recording"]
    detail: str
    included: bool


class RefundSummary(Struct, frozen=True, kw_only=True):
    """The vendor's refund policy exactly as the catalog states it."""

    summary: str
    refunds_quality_failures: bool | None
    refunds_technical_failures: bool | None
    source_url: str | None
    source_as_of: str | None
    verified: bool | None


class TicketDraft(Struct, frozen=True, kw_only=True):
    """A support ticket ready to paste, with the facts it rests on."""

    vendor: str
    vendor_name: str
    model: str
    model_name: str
    failure_id: str
    failure_name: str
    term: str
    term_source: TermSource
    term_verified: bool
    channels: list[TicketChannel]
    channel_note: str | None
    documentation_strength: Strength
    evidence: list[EvidenceItem]
    refund_policy: RefundSummary
    subject: str
    text: str
    caveats: list[str]


def resolve_target(
    catalog: Catalog, vendor_id: str, model_id: str, failure_id: str | None
) -> tuple[Vendor, Model, FailureClass | None]:
    """Look up vendor (id or alias), one of its models, and a failure class; 404 when unknown."""
    vendor = catalog.vendor(vendor_id)
    if vendor is None:
        raise RequestError(404, "vendor", f"unknown vendor {vendor_id!r}; see GET /v1/vendors")
    model = next((m for m in vendor.models if m.id == model_id.strip().lower()), None)
    if model is None:
        known = ", ".join(m.id for m in vendor.models)
        raise RequestError(404, "model", f"{vendor.id} has no model {model_id!r} (known: {known})")
    if failure_id is None:
        return vendor, model, None
    cls = catalog.classes.get(failure_id)
    if cls is None:
        raise RequestError(
            404, "failure_id", f"unknown failure class {failure_id!r}; see GET /v1/failures"
        )
    return vendor, model, cls


def _term(vendor: Vendor, model: Model, cls: FailureClass) -> tuple[str, TermSource, bool]:
    """The vendor's own word for the failure: the model's, else the vendor's, else ours."""
    for mode in model.failure_modes:
        if mode.failure_id == cls.id and mode.vendor_term:
            verified = all(e.source.verified for e in mode.evidence)
            return mode.vendor_term, "model_failure_mode", verified
    for term in vendor.failure_terms:
        if term.failure_id == cls.id:
            return term.term, "vendor_failure_terms", term.source.verified
    return cls.name, "failure_class", True


def _channels(vendor: Vendor, plan: str | None) -> tuple[list[SupportChannel], str | None]:
    if not vendor.support:
        return [], (
            f"The catalog lists no support channel for {vendor.name}; check {vendor.website} "
            "for a contact route."
            if vendor.website
            else f"The catalog lists no support channel for {vendor.name}."
        )
    if plan is None:
        return list(vendor.support), None
    wanted = plan.strip().lower()
    fits = [s for s in vendor.support if {"all", wanted} & {p.lower() for p in s.plans}]
    if fits:
        return fits, None
    plans = sorted({p for s in vendor.support for p in s.plans})
    return [], (
        f"The catalog lists no {vendor.name} support channel for the {plan!r} plan "
        f"(it has channels for: {', '.join(plans)})."
    )


def _channel(s: SupportChannel) -> TicketChannel:
    return TicketChannel(
        channel=s.channel,
        address=s.address,
        plans=list(s.plans),
        notes=s.notes,
        source_url=s.source.url,
        verified=s.source.verified,
    )


def _refund(policy: RefundPolicy) -> RefundSummary:
    src: Source | None = policy.source
    return RefundSummary(
        summary=policy.summary,
        refunds_quality_failures=policy.refunds_quality_failures,
        refunds_technical_failures=policy.refunds_technical_failures,
        source_url=src.url if src else None,
        source_as_of=src.as_of if src else None,
        verified=src.verified if src else None,
    )


def _refund_ask(policy: RefundPolicy, technical: bool) -> str:
    """One sentence about credits that goes no further than the policy's own flags."""
    flag = policy.refunds_technical_failures if technical else policy.refunds_quality_failures
    if technical:
        if flag is True:
            return (
                "Your refund policy says credits for failed generations are returned; could "
                "you confirm the credits for this generation are back on my balance?"
            )
        if flag is False:
            return (
                "I understand your policy does not return credits for failed generations; "
                "I am reporting the failure so it can be investigated."
            )
        return "Could you tell me whether the credits for this generation can be returned?"
    if flag is True:
        return "Could you review this generation for a credit under your refund policy?"
    if flag is False:
        return (
            "I understand your policy does not refund completed generations for quality "
            "issues; I am reporting this so your team can investigate it."
        )
    return "Could you tell me whether this generation qualifies for a credit?"


def clock(seconds: float) -> str:
    """`3.2` → `0:03.2` (how video players show a position)."""
    minutes, rest = divmod(seconds, 60.0)
    return f"{int(minutes)}:{rest:04.1f}"


def _evidence(req: TicketRequest, vendor: Vendor) -> list[EvidenceItem]:
    where = f" ({vendor.generation_id_location.strip()})" if vendor.generation_id_location else ""
    at = clock(req.timestamp_s)
    return [
        EvidenceItem(item="generation_id", detail=f"{req.generation_id}{where}", included=True),
        EvidenceItem(
            item="timestamp", detail=f"first visible at {at} ({req.timestamp_s:g} s)", included=True
        ),
        EvidenceItem(
            item="prompt", detail="the exact prompt text of this generation", included=False
        ),
        EvidenceItem(
            item="settings",
            detail="model, mode, duration, resolution, aspect ratio, "
            "seed and any camera or motion settings used",
            included=False,
        ),
        EvidenceItem(
            item="screen_recording",
            detail=f"a screen recording or the downloaded clip showing the failure at {at}",
            included=False,
        ),
    ]


def _symptoms(model: Model, cls: FailureClass) -> str:
    # The model's own symptom text first; the class definition is vendor-neutral.
    mode = next((m for m in model.failure_modes if m.failure_id == cls.id and m.symptoms), None)
    return mode.symptoms.strip() if mode and mode.symptoms else cls.definition.strip()


def _text(req: TicketRequest, vendor: Vendor, model: Model, cls: FailureClass, term: str) -> str:
    at = clock(req.timestamp_s)
    # Name the class too when the vendor's term differs, so support can map it either way.
    aka = "" if term.lower() == cls.name.lower() else f" ({cls.name.lower()})"
    lines = [
        f"Hello {vendor.name} support,",
        "",
        f"My generation {req.generation_id} ({model.name}) shows {term}{aka}. "
        f"It first becomes visible at {at} into the clip.",
        "",
        f"What I see: {_symptoms(model, cls)}",
        "",
        "Attached: the exact prompt, the generation settings, and a screen recording of the "
        f"clip at {at}.",
        "",
        _refund_ask(vendor.refund_policy, technical=cls.refundable),
        "",
        "Thank you.",
    ]
    return "\n".join(lines)


def _caveats(term_verified: bool, term_source: TermSource, policy: RefundSummary) -> list[str]:
    notes = []
    if term_source == "failure_class":
        notes.append(
            "No vendor-specific term is known; the draft uses the cross-vendor class name."
        )
    elif not term_verified:
        notes.append("The failure term comes from a third-party source, not the vendor itself.")
    if policy.source_url is None:
        notes.append("The catalog has no source for this vendor's refund policy.")
    elif policy.verified is False:
        notes.append("The refund policy source is third-party and unverified.")
    return notes


def draft_ticket(catalog: Catalog, req: TicketRequest) -> TicketDraft:
    """A ticket for `req`, grounded only in this vendor's catalog entry."""
    vendor, model, cls = resolve_target(catalog, req.vendor, req.model, req.failure_id)
    assert cls is not None  # a failure_id was given, so resolve_target found its class
    term, term_source, term_verified = _term(vendor, model, cls)
    channels, channel_note = _channels(vendor, req.plan)
    refund = _refund(vendor.refund_policy)
    return TicketDraft(
        vendor=vendor.id,
        vendor_name=vendor.name,
        model=model.id,
        model_name=model.name,
        failure_id=cls.id,
        failure_name=cls.name,
        term=term,
        term_source=term_source,
        term_verified=term_verified,
        channels=[_channel(s) for s in channels],
        channel_note=channel_note,
        documentation_strength=cls.documentation_strength,
        evidence=_evidence(req, vendor),
        refund_policy=refund,
        subject=f"{term} in generation {req.generation_id} ({model.name})",
        text=_text(req, vendor, model, cls, term),
        caveats=_caveats(term_verified, term_source, refund),
    )

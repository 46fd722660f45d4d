"""Read-only views of the catalog for clients: vendor and failure listings and details."""

from __future__ import annotations

import msgspec

from router.catalog import FailureClass, Model, Relation, Vendor, VendorTerm
from router.loader import Catalog
from router.susceptibility import Susceptibility


class ModelSummary(msgspec.Struct, frozen=True):
    """A model in a vendor listing."""

    id: str
    name: str
    status: str
    modes: list[str]


class VendorSummary(msgspec.Struct, frozen=True):
    """A vendor in `GET /v1/vendors`."""

    id: str
    name: str
    aliases: list[str]
    website: str | None
    models: list[ModelSummary]


class VendorList(msgspec.Struct, frozen=True):
    """`GET /v1/vendors`."""

    catalog_version: str
    vendors: list[VendorSummary]


class ModelDetail(msgspec.Struct, frozen=True):
    """A model with its derived per-class susceptibility (see README, risk model)."""

    model: Model
    susceptibility: dict[str, Susceptibility]


class VendorDetail(msgspec.Struct, frozen=True):
    """`GET /v1/vendors/{vendor_id}`: the vendor file plus derived susceptibility per model."""

    catalog_version: str
    vendor: Vendor
    models: list[ModelDetail]


class FailureSummary(msgspec.Struct, frozen=True):
    """A failure class in `GET /v1/failures`."""

    id: str
    name: str
    group: str
    definition: str


class FailureList(msgspec.Struct, frozen=True):
    """`GET /v1/failures`."""

    catalog_version: str
    failures: list[FailureSummary]


class Manifestation(msgspec.Struct, frozen=True):
    """How one model shows a failure class."""

    vendor: str
    model: str
    vendor_term: str | None
    severity: str | None
    susceptibility: float


class FailureDetail(msgspec.Struct, frozen=True):
    """`GET /v1/failures/{failure_id}`."""

    catalog_version: str
    failure: FailureClass
    vendor_terms: dict[str, VendorTerm]
    relations: list[Relation]
    manifestations: list[Manifestation]


def vendor_list(catalog: Catalog) -> VendorList:
    """Summaries of every vendor, sorted by id."""
    return VendorList(
        catalog.version,
        [
            VendorSummary(
                v.id,
                v.name,
                list(v.aliases),
                v.website,
                [
                    ModelSummary(m.id, m.name, m.status, list(m.capabilities.modes))
                    for m in v.models
                ],
            )
            for v in catalog.vendors.values()
        ],
    )


def vendor_detail(catalog: Catalog, vendor: Vendor) -> VendorDetail:
    """One vendor in full, with each model's susceptibility per failure class."""
    return VendorDetail(
        catalog.version,
        vendor,
        [ModelDetail(m, catalog.susceptibility[m.id]) for m in vendor.models],
    )


def failure_list(catalog: Catalog) -> FailureList:
    """Summaries of every failure class, in catalog order."""
    return FailureList(
        catalog.version,
        [FailureSummary(c.id, c.name, c.group, c.definition) for c in catalog.failures.classes],
    )


def _manifestations(catalog: Catalog, failure_id: str) -> list[Manifestation]:
    found = []
    for mid, ref in catalog.models.items():
        mode = next((f for f in ref.model.failure_modes if f.failure_id == failure_id), None)
        term = mode.vendor_term if mode and mode.vendor_term else None
        if term is None:
            term = next(
                (t.term for t in ref.vendor.failure_terms if t.failure_id == failure_id), None
            )
        value = catalog.susceptibility[mid][failure_id].value
        found.append(
            Manifestation(ref.vendor.id, mid, term, mode.severity if mode else None, value)
        )
    return sorted(found, key=lambda m: (-m.susceptibility, m.vendor, m.model))


def failure_detail(catalog: Catalog, failure: FailureClass) -> FailureDetail:
    """One failure class with its vendor terms, relations and per-model exposure."""
    terms = {
        v.id: t
        for v in catalog.vendors.values()
        for t in v.failure_terms
        if t.failure_id == failure.id
    }
    relations = [r for r in catalog.relations.relations if failure.id in (r.source, r.target)]
    return FailureDetail(
        catalog.version, failure, terms, relations, _manifestations(catalog, failure.id)
    )

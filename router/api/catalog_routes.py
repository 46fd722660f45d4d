"""HTTP handlers for the catalog: vendors and failure classes."""

from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency
from litestar.params import FromPath

from router.api.problems import ApiError
from router.loader import Catalog
from router.views import (
    FailureDetail,
    FailureList,
    VendorDetail,
    VendorList,
    failure_detail,
    failure_list,
    vendor_detail,
    vendor_list,
)


@get("/v1/vendors", tags=["catalog"])
async def list_vendors(catalog: NamedDependency[Catalog]) -> VendorList:
    """Every vendor with its models."""
    return vendor_list(catalog)


@get("/v1/vendors/{vendor_id:str}", tags=["catalog"])
async def get_vendor(catalog: NamedDependency[Catalog], vendor_id: FromPath[str]) -> VendorDetail:
    """One vendor (by id or alias): models, capabilities, prices, benchmarks, failure modes."""
    vendor = catalog.vendor(vendor_id)
    if vendor is None:
        raise ApiError(
            404, f"no vendor {vendor_id!r}; GET /v1/vendors lists them", "unknown-vendor"
        )
    return vendor_detail(catalog, vendor)


@get("/v1/failures", tags=["catalog"])
async def list_failures(catalog: NamedDependency[Catalog]) -> FailureList:
    """Every cross-vendor failure class."""
    return failure_list(catalog)


@get("/v1/failures/{failure_id:str}", tags=["catalog"])
async def get_failure(
    catalog: NamedDependency[Catalog], failure_id: FromPath[str]
) -> FailureDetail:
    """One failure class: definition, triggers, vendor terms, relations, exposure per model."""
    failure = catalog.classes.get(failure_id)
    if failure is None:
        raise ApiError(
            404, f"no failure class {failure_id!r}; GET /v1/failures lists them", "unknown-failure"
        )
    return failure_detail(catalog, failure)


ROUTES = [list_vendors, get_vendor, list_failures, get_failure]

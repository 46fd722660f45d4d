"""Shared fixtures: the real catalog (loaded once) and an in-process API client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from litestar.testing import TestClient

from router.api.app import create_app
from router.loader import Catalog, load_catalog
from router.settings import PROJECT_ROOT, Settings


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(PROJECT_ROOT)


@pytest.fixture(scope="session")
def client(catalog: Catalog, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:  # type: ignore[type-arg]
    settings = Settings(
        cors_origins=("chrome-extension://abcdefghijklmnopabcdefghijklmnop",),
        db=str(tmp_path_factory.mktemp("db") / "reports.db"),
        rate_limit=0,
    )
    with TestClient(create_app(settings, catalog)) as test_client:
        yield test_client

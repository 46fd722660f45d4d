"""The report store and its HTTP API, on SQLite and (when available) PostgreSQL.

PostgreSQL tests need `AVA_ROUTER_TEST_PG_URL` (a URL `ci/postgres.sh` prints); with
`AVA_ROUTER_REQUIRE_PG=1` a missing URL fails them instead of skipping them.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import anyio
import msgspec
import pytest
import sqlalchemy as sa
from litestar import Litestar
from litestar.datastructures import State
from litestar.di import Provide
from litestar.testing import AsyncTestClient, TestClient

from router.api.problems import problem_response
from router.api.report_routes import ROUTES
from router.catalog import FailureCatalog, Vendor, decode_yaml
from router.learning import LearningPolicy
from router.loader import Catalog, ModelRef
from router.reports import (
    Report,
    ReportStore,
    StoreUnavailable,
    create_store_engine,
    database_url,
    key_id,
    open_store,
)
from router.settings import PROJECT_ROOT, Settings, load_settings
from router.susceptibility import Susceptibility

TCD = "temporal_coherence_degradation"
KEY, OTHER_KEY = "test-key-3f9a1c", "second-key-77b2"
BACKENDS = ["sqlite", "postgresql"]
PG_MISSING = "PostgreSQL tests skipped: set AVA_ROUTER_TEST_PG_URL (run `ci/postgres.sh` as root)"

StoreFactory = Callable[..., ReportStore]


# --- fixtures -------------------------------------------------------------------------------


def _pg_base_url() -> str:
    url = os.environ.get("AVA_ROUTER_TEST_PG_URL", "")
    if not url:
        if os.environ.get("AVA_ROUTER_REQUIRE_PG") == "1":
            pytest.fail("AVA_ROUTER_REQUIRE_PG=1 but AVA_ROUTER_TEST_PG_URL is not set")
        pytest.skip(PG_MISSING)
    return url


@pytest.fixture
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database for one test: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield str(tmp_path / "reports.db")
        return
    base = _pg_base_url()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(database_url(base), poolclass=sa.pool.NullPool)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    yield f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
    admin.dispose()


@pytest.fixture
def make_store(db: str) -> Iterator[StoreFactory]:
    """Open (and later close) stores on the test's database; two calls share one database."""
    opened: list[ReportStore] = []

    def make(**settings: Any) -> ReportStore:
        store = open_store(Settings(db=db, **settings))
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


def both(func: Any) -> Any:
    return pytest.mark.parametrize("db", BACKENDS, indirect=True)(func)


def report(gen: str, key: str = KEY, outcome: str = "failed", **kw: Any) -> Report:
    fields = {
        "vendor": "luma",
        "model": "ray-2",
        "generation_id": gen,
        "key_id": key_id(key),
        "outcome": outcome,
        "failure_id": TCD if outcome == "failed" else None,
        **kw,
    }
    return msgspec.convert(fields, Report)


# --- the store ------------------------------------------------------------------------------


@both
def test_a_retried_report_is_stored_once(make_store: StoreFactory) -> None:
    store = make_store()
    first, again = store.add(report("g-1")), store.add(report("g-1", key=OTHER_KEY))
    assert not first.duplicate and first.id is not None
    assert again.duplicate and again.id is None
    assert store.add(report("g-1", vendor="runway", model="gen-4")).duplicate is False
    assert store.total() == 2


@both
def test_200_concurrent_reports_are_200_rows(make_store: StoreFactory) -> None:
    store = make_store()
    barrier = threading.Barrier(200)

    def send(i: int) -> bool:
        barrier.wait()
        return store.add(report(f"gen-{i}", outcome="ok" if i % 3 else "failed")).duplicate

    with ThreadPoolExecutor(max_workers=200) as pool:
        duplicates = list(pool.map(send, range(200)))
    assert duplicates == [False] * 200
    assert store.total() == 200


@both
def test_concurrent_retries_of_one_generation_store_one_row(make_store: StoreFactory) -> None:
    store = make_store()
    barrier = threading.Barrier(50)

    def send(_: int) -> bool:
        barrier.wait()
        return store.add(report("same-gen")).duplicate

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(send, range(50)))
    assert results.count(False) == 1
    assert store.total() == 1


@both
def test_a_restart_keeps_every_report(make_store: StoreFactory) -> None:
    store = make_store()
    for i in range(25):
        store.add(report(f"g-{i}"))
    store.close()
    reopened = make_store()
    assert reopened.total() == 25
    assert len(reopened.history(key_id(KEY), limit=1000)) == 25
    assert reopened.add(report("g-3")).duplicate  # the unique key survived too


@both
def test_a_failed_write_leaves_nothing_behind(make_store: StoreFactory) -> None:
    store = make_store()
    store.ensure_schema()

    def explode(conn: Any, clause: Any, *_: Any) -> None:
        if "INSERT" in str(clause):
            raise sa.exc.OperationalError("INSERT", {}, RuntimeError("disk on fire"))

    sa.event.listen(store.engine, "after_execute", explode)
    with pytest.raises(StoreUnavailable):
        store.add(report("g-1"))
    sa.event.remove(store.engine, "after_execute", explode)
    assert store.total() == 0
    assert store.add(report("g-1")).duplicate is False  # the rolled-back row never existed


@pytest.mark.parametrize(
    "db",
    ["/nonexistent-dir-ava/reports.db", "postgresql://nobody:nothing@127.0.0.1:1/none"],
)
def test_an_unreachable_database_raises_store_unavailable(db: str) -> None:
    store = open_store(Settings(db=db))  # never raises: the service still starts
    with pytest.raises(StoreUnavailable):
        store.add(report("g-1"))
    with pytest.raises(StoreUnavailable):
        store.history(key_id(KEY))
    store.close()


@both
def test_neither_key_nor_prompt_is_stored(make_store: StoreFactory) -> None:
    store = make_store()
    prompt = "a secret storyboard line about a lighthouse"
    digest = hashlib.sha256(prompt.encode()).hexdigest()
    store.add(report("g-1", prompt_sha256=digest, prompt_chars=len(prompt)))
    with store.engine.connect() as conn:
        row = conn.exec_driver_sql("SELECT * FROM reports").one()
    values = " ".join(str(v) for v in row)
    assert KEY not in values and prompt not in values
    assert key_id(KEY) in values and digest in values


@both
def test_history_is_per_key_and_filtered(make_store: StoreFactory) -> None:
    store = make_store()
    store.add(report("a-1"))
    store.add(report("a-2", vendor="runway", model="gen-4"))
    store.add(report("b-1", key=OTHER_KEY))
    mine = store.history(key_id(KEY))
    assert {r.generation_id for r in mine} == {"a-1", "a-2"}
    assert [r.generation_id for r in store.history(key_id(KEY), vendor="runway")] == ["a-2"]
    later = datetime.now(UTC) + timedelta(minutes=1)
    assert store.history(key_id(KEY), since=later) == []
    assert all(r.created_at.tzinfo is not None for r in mine)


@both
def test_counts_feed_the_learning_snapshot(make_store: StoreFactory) -> None:
    store = make_store(learning_min_reports=2, learning_key_cap=10)
    store.add(report("g-1"))
    store.add(report("g-2", key=OTHER_KEY))
    store.add(report("g-3", outcome="ok"))
    snapshot = store.refresh()
    evidence = snapshot.models["ray-2"]
    assert (evidence.reports, evidence.ok, evidence.keys) == (3, 1, 2)
    assert snapshot.adjust("ray-2", TCD, 0.2)[0] > 0.2


def test_outcomes_never_waits_and_catches_up(tmp_path: Path) -> None:
    store = ReportStore(create_store_engine(str(tmp_path / "r.db")), LearningPolicy(), 0.0)
    assert store.outcomes().models == {}  # first call answers at once, rebuilds behind
    store.add(report("g-1"))
    for _ in range(200):
        if "ray-2" in store.outcomes().models:
            break
        threading.Event().wait(0.01)
    assert "ray-2" in store.outcomes().models
    store.close()


def test_database_url_and_settings() -> None:
    assert database_url("postgresql://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert database_url("x.db").startswith("sqlite:///") and database_url("x.db").endswith("/x.db")
    s = load_settings(
        {
            "AVA_ROUTER_API_KEYS": " k1 , k2,",
            "AVA_ROUTER_LEARNING": "on",
            "AVA_ROUTER_DB": "postgresql://h/db",
        }
    )
    assert s.api_keys == ("k1", "k2") and s.learning and s.db == "postgresql://h/db"
    assert "k1" not in repr(s)


# --- over HTTP ------------------------------------------------------------------------------


def mini_catalog() -> Catalog:
    vendors = [
        decode_yaml((PROJECT_ROOT / "vendors" / f"{v}.yaml").read_bytes(), Vendor)
        for v in ("luma", "runway")
    ]
    failures = decode_yaml(
        (PROJECT_ROOT / "catalog" / "failures.yaml").read_bytes(), FailureCatalog
    )
    models = {m.id: ModelRef(v, m) for v in vendors for m in v.models}
    suscept = {
        mid: {
            c.id: Susceptibility(
                value=0.2, prior=0.2, benchmark=None, n_dimensions=0, evidence=None, basis=[]
            )
            for c in failures.classes
        }
        for mid in models
    }
    fields: dict[str, Any] = dict.fromkeys(("relations", "rules", "matcher", "benchmarks"))
    return Catalog(
        root=PROJECT_ROOT,
        version="test",
        vendors={v.id: v for v in vendors},
        aliases={a: v.id for v in vendors for a in v.aliases},
        models=models,
        failures=failures,
        classes={c.id: c for c in failures.classes},
        susceptibility=suscept,
        baseline={},
        triggers={},
        **fields,
    )


CATALOG = mini_catalog()


def make_app(store: ReportStore, keys: tuple[str, ...] = (KEY, OTHER_KEY)) -> Litestar:
    """The report routes wired the way `create_app` wires them."""
    settings = Settings(api_keys=keys, db="unused")
    return Litestar(
        route_handlers=ROUTES,
        dependencies={
            "catalog": Provide(lambda: CATALOG, sync_to_thread=False),
            "settings": Provide(lambda: settings, sync_to_thread=False),
            "report_store": Provide(lambda: store, sync_to_thread=False),
        },
        exception_handlers={Exception: problem_response},
        state=State({"settings": settings}),
        on_shutdown=[store.close],
    )


def body(gen: str = "gen-1", **kw: Any) -> dict[str, Any]:
    return {
        "vendor": "luma",
        "model": "ray-2",
        "outcome": "failed",
        "failure_id": TCD,
        "generation_id": gen,
        "timestamp_s": 3.2,
        **kw,
    }


def auth(key: str = KEY) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@both
def test_http_201_then_200_duplicate(make_store: StoreFactory) -> None:
    with TestClient(make_app(make_store())) as client:
        first = client.post("/v1/reports", json=body(), headers=auth())
        again = client.post("/v1/reports", json=body(), headers=auth())
    assert first.status_code == 201 and first.json()["duplicate"] is False
    assert again.status_code == 200 and again.json()["duplicate"] is True


@pytest.mark.parametrize(
    "headers",
    [{}, auth("wrong-key"), {"Authorization": f"Basic {KEY}"}, {"Authorization": "Bearer "}],
)
def test_http_401_without_a_valid_key(tmp_path: Path, headers: dict[str, str]) -> None:
    store = open_store(Settings(db=str(tmp_path / "r.db")))
    with TestClient(make_app(store)) as client:
        for resp in (
            client.post("/v1/reports", json=body(), headers=headers),
            client.get("/v1/reports", headers=headers),
        ):
            assert resp.status_code == 401
            assert resp.headers["content-type"].startswith("application/problem+json")
            assert resp.headers["www-authenticate"].startswith("Bearer")
            assert KEY not in resp.text
    assert store.total() == 0


def test_http_401_when_no_keys_are_configured(tmp_path: Path) -> None:
    store = open_store(Settings(db=str(tmp_path / "r.db")))
    with TestClient(make_app(store, keys=())) as client:
        resp = client.post("/v1/reports", json=body(), headers=auth())
    assert resp.status_code == 401 and "AVA_ROUTER_API_KEYS" in resp.json()["detail"]


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"vendor": "nope"}, 404, "vendor"),
        ({"model": "gen-4"}, 404, "model"),
        ({"failure_id": "not_a_class"}, 404, "failure_id"),
        ({"outcome": "ok"}, 400, "failure_id"),
        ({"outcome": "meh"}, 400, "outcome"),
        ({"generation_id": "has space"}, 400, "generation_id"),
        ({"timestamp_s": -1}, 400, "timestamp_s"),
        ({"extra": 1}, 400, "extra"),
    ],
)
def test_http_validation(tmp_path: Path, change: dict[str, Any], status: int, field: str) -> None:
    store = open_store(Settings(db=str(tmp_path / "r.db")))
    with TestClient(make_app(store)) as client:
        resp = client.post("/v1/reports", json=body(**change), headers=auth())
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert any(field in e["field"] or field in e["message"] for e in resp.json()["errors"])
    assert store.total() == 0


def test_http_alias_is_stored_under_the_vendor_id(tmp_path: Path) -> None:
    alias = next(iter(CATALOG.vendors["luma"].aliases), None)
    if alias is None:
        pytest.skip("luma has no alias in the catalog")
    store = open_store(Settings(db=str(tmp_path / "r.db")))
    with TestClient(make_app(store)) as client:
        resp = client.post("/v1/reports", json=body(vendor=alias), headers=auth())
    assert resp.status_code == 201 and resp.json()["vendor"] == "luma"


@both
def test_http_200_concurrent_reports(make_store: StoreFactory) -> None:
    store = make_store()
    app = make_app(store)

    async def main() -> list[int]:
        async with AsyncTestClient(app) as client:
            statuses: list[int] = []

            async def send(i: int) -> None:
                resp = await client.post("/v1/reports", json=body(f"c-{i}"), headers=auth())
                statuses.append(resp.status_code)

            async with anyio.create_task_group() as tg:
                for i in range(200):
                    tg.start_soon(send, i)
            return statuses

    statuses = anyio.run(main)
    assert statuses == [201] * 200
    assert store.total() == 200


@pytest.mark.parametrize(
    "db", ["/nonexistent-dir-ava/reports.db", "postgresql://nobody:nothing@127.0.0.1:1/none"]
)
def test_http_503_when_the_database_is_down(db: str) -> None:
    store = open_store(Settings(db=db))
    with TestClient(make_app(store)) as client:
        for resp in (
            client.post("/v1/reports", json=body(), headers=auth()),
            client.get("/v1/reports", headers=auth()),
            client.get("/v1/reports/stats"),
        ):
            assert resp.status_code == 503, resp.text
            assert resp.headers["content-type"].startswith("application/problem+json")
            assert resp.headers["retry-after"] == "5"
            assert "nothing was recorded" in resp.json()["detail"]
            assert "nothing@" not in resp.text  # the URL's credentials never leak


@both
def test_http_history_is_the_callers_own(make_store: StoreFactory) -> None:
    with TestClient(make_app(make_store())) as client:
        client.post("/v1/reports", json=body("mine-1"), headers=auth())
        client.post(
            "/v1/reports",
            json=body("mine-2", vendor="runway", model="gen-4", failure_id=None, outcome="ok"),
            headers=auth(),
        )
        client.post("/v1/reports", json=body("theirs"), headers=auth(OTHER_KEY))
        mine = client.get("/v1/reports", headers=auth()).json()
        runway = client.get("/v1/reports", params={"vendor": "runway"}, headers=auth()).json()
        future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
        later = client.get("/v1/reports", params={"since": future}, headers=auth()).json()
        unknown = client.get("/v1/reports", params={"vendor": "nope"}, headers=auth())
    assert {r["generation_id"] for r in mine["reports"]} == {"mine-1", "mine-2"}
    assert [r["generation_id"] for r in runway["reports"]] == ["mine-2"]
    assert later["count"] == 0 and unknown.status_code == 404
    assert all("key_id" not in r for r in mine["reports"])


@both
def test_http_stats_show_counts_and_posterior(make_store: StoreFactory) -> None:
    store = make_store(learning_min_reports=4, learning_key_cap=2)
    with TestClient(make_app(store)) as client:
        for i, key in enumerate([KEY, KEY, OTHER_KEY, OTHER_KEY]):
            client.post("/v1/reports", json=body(f"s-{i}"), headers=auth(key))
        client.post("/v1/reports", json=body("s-extra"), headers=auth(KEY))  # over the cap
        stats = client.get("/v1/reports/stats").json()
    (model,) = stats["models"]
    assert (model["model"], model["vendor"], model["reports"], model["keys"]) == (
        "ray-2",
        "luma",
        5,
        2,
    )
    assert model["counted"] == 4 and model["weighted"] is True
    tcd = next(c for c in model["classes"] if c["failure_id"] == TCD)
    assert tcd["failed"] == 5 and tcd["prior"] == 0.2
    assert abs(tcd["posterior"] - (0.2 * 20 + 4) / (20 + 4)) < 1e-3


def test_keys_never_reach_the_logs(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    store = open_store(Settings(db=str(tmp_path / "r.db")))
    with TestClient(make_app(store)) as client:
        client.post("/v1/reports", json=body(), headers=auth())
        client.post("/v1/reports", json=body(), headers=auth("wrong-secret-key"))
    assert KEY not in caplog.text and "wrong-secret-key" not in caplog.text

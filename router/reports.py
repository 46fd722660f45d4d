"""The outcome-report store: one row per reported generation, in SQLite or PostgreSQL.

`AVA_ROUTER_DB` is a SQLite file path (default `ava-router.db` in the working directory; WAL
mode, a busy timeout) or a `postgresql://` URL (driven by psycopg 3). The schema belongs to the
Alembic migrations in `router/migrations/`, applied on first use (`alembic upgrade head`).

Privacy: the API key is stored only as its SHA-256 (`key_id`), the prompt only as its SHA-256
and length. Idempotency: UNIQUE(vendor, generation_id) with INSERT ... ON CONFLICT DO NOTHING,
so a retried report is stored once. Each write is one transaction. Any database failure
surfaces as `StoreUnavailable` (the HTTP layer answers 503), never as a half-written row.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, TypeVar

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from msgspec import Struct
from sqlalchemy import event, exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from router.learning import KeyCount, LearningPolicy, Outcomes, build_outcomes
from router.settings import Settings

__all__ = [
    "AddResult",
    "Report",
    "ReportStore",
    "StoreUnavailable",
    "StoredReport",
    "database_url",
    "key_id",
    "open_store",
    "prompt_digest",
]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_MS = 10_000
log = logging.getLogger("router.reports")
T = TypeVar("T")

metadata = sa.MetaData()
reports = sa.Table(
    "reports",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
    sa.Column("key_id", sa.String(64), nullable=False),
    sa.Column("vendor", sa.String(80), nullable=False),
    sa.Column("model", sa.String(80), nullable=False),
    sa.Column("outcome", sa.String(8), nullable=False),
    sa.Column("failure_id", sa.String(80)),
    sa.Column("generation_id", sa.String(200), nullable=False),
    sa.Column("timestamp_s", sa.Float()),
    sa.Column("prompt_sha256", sa.String(64)),
    sa.Column("prompt_chars", sa.Integer()),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
"""Mirror of the schema the migrations create, for building queries (not for DDL)."""


class StoreUnavailable(Exception):  # noqa: N818 (the name the HTTP layer maps to 503)
    """The report database cannot be reached or cannot complete a write; nothing was stored."""


class Report(Struct, frozen=True, kw_only=True):
    """A validated report, ready to store (vendor and model are canonical catalog ids)."""

    key_id: str
    vendor: str
    model: str
    outcome: Literal["failed", "ok"]
    failure_id: str | None = None
    generation_id: str
    timestamp_s: float | None = None
    prompt_sha256: str | None = None
    prompt_chars: int | None = None


class StoredReport(Struct, frozen=True, kw_only=True):
    """A stored report as its reporter sees it (never the key, never the prompt)."""

    id: int
    vendor: str
    model: str
    outcome: Literal["failed", "ok"]
    failure_id: str | None
    generation_id: str
    timestamp_s: float | None
    prompt_sha256: str | None
    prompt_chars: int | None
    created_at: datetime


class AddResult(Struct, frozen=True, kw_only=True):
    """What `add` did: stored a new row, or found the (vendor, generation_id) already there."""

    id: int | None
    duplicate: bool


def key_id(api_key: str) -> str:
    """The stored identity of an API key: its SHA-256, never the key itself."""
    return hashlib.sha256(api_key.encode()).hexdigest()


def prompt_digest(prompt: str | None) -> tuple[str | None, int | None]:
    """SHA-256 and length of a prompt: enough to match repeats without keeping the text."""
    if prompt is None:
        return None, None
    return hashlib.sha256(prompt.encode()).hexdigest(), len(prompt)


def database_url(db: str) -> str:
    """SQLAlchemy URL for `AVA_ROUTER_DB`: a PostgreSQL URL (psycopg 3) or a SQLite file path."""
    for prefix in ("postgresql://", "postgres://"):
        if db.startswith(prefix):
            return "postgresql+psycopg://" + db[len(prefix) :]
    if db.startswith(("postgresql+", "sqlite:")):
        return db
    return "sqlite:///" + str(Path(db).expanduser().resolve())


def _sqlite_engine(url: str) -> Engine:
    engine = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Driver autocommit, so the BEGIN below (not pysqlite's guesswork) opens every
        # transaction: DDL in migrations then rolls back as a whole too.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN")

    return engine


def create_store_engine(db: str) -> Engine:
    """An engine for `AVA_ROUTER_DB`, tuned per backend (nothing is connected yet)."""
    url = database_url(db)
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    return sa.create_engine(
        url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=10,
        pool_timeout=30,
        connect_args={"connect_timeout": 5},
    )


def migrate(engine: Engine) -> None:
    """`alembic upgrade head` on this engine, in one transaction."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


@contextmanager
def _guard(what: str) -> Iterator[None]:
    """Turn any database failure into StoreUnavailable (the caller's transaction rolled back)."""
    try:
        yield
    except (exc.DBAPIError, exc.TimeoutError, exc.DisconnectionError) as err:
        # The error class only: driver messages can carry host names.
        log.warning("report store unavailable during %s: %s", what, type(err).__name__)
        raise StoreUnavailable(f"the report database is unavailable ({what})") from err


def _as_utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; every stored time is UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class ReportStore:
    """Reports in one database. Thread-safe; the schema is migrated on first successful use."""

    def __init__(
        self, engine: Engine, policy: LearningPolicy | None = None, refresh_s: float = 30.0
    ) -> None:
        self.engine = engine
        self.policy = policy or LearningPolicy()
        self.refresh_s = refresh_s
        self._ready = False
        self._lock = threading.Lock()
        self._snapshot = Outcomes(policy=self.policy)
        self._built_at = float("-inf")
        self._stale = True
        self._rebuild = threading.Lock()

    @property
    def backend(self) -> str:
        """`sqlite` or `postgresql`."""
        return self.engine.dialect.name

    def ensure_schema(self) -> None:
        """Apply pending migrations once (retried on later calls while the database is down)."""
        if self._ready:
            return
        with self._lock:
            if self._ready:
                return
            try:
                with _guard("migration"):
                    migrate(self.engine)
            except StoreUnavailable:
                # A worker starting alongside may have won the race to create the schema.
                time.sleep(0.2)
                with _guard("migration"):
                    migrate(self.engine)
            self._ready = True

    def _run(self, what: str, work: Callable[[Connection], T]) -> T:
        self.ensure_schema()
        with _guard(what), self.engine.begin() as conn:
            return work(conn)

    def _insert(self, report: Report) -> Any:
        dialect = postgresql if self.backend == "postgresql" else sqlite
        values: dict[str, Any] = {f: getattr(report, f) for f in report.__struct_fields__}
        values["created_at"] = datetime.now(UTC)
        stmt = dialect.insert(reports).values(values)
        return stmt.on_conflict_do_nothing(index_elements=["vendor", "generation_id"]).returning(
            reports.c.id
        )

    def add(self, report: Report) -> AddResult:
        """Store a report once; a second report of the same (vendor, generation_id) is a no-op."""
        stmt = self._insert(report)
        new_id = self._run("write", lambda conn: conn.execute(stmt).scalar_one_or_none())
        if new_id is not None:
            self._stale = True
        return AddResult(id=new_id, duplicate=new_id is None)

    def history(
        self, key: str, since: datetime | None = None, vendor: str | None = None, limit: int = 100
    ) -> list[StoredReport]:
        """One key's own reports, newest first."""
        query = sa.select(*[c for c in reports.c if c.name != "key_id"]).where(
            reports.c.key_id == key
        )
        if since is not None:
            query = query.where(reports.c.created_at >= since.astimezone(UTC))
        if vendor is not None:
            query = query.where(reports.c.vendor == vendor)
        query = query.order_by(reports.c.created_at.desc(), reports.c.id.desc()).limit(limit)
        rows = self._run("read", lambda conn: conn.execute(query).mappings().all())
        return [StoredReport(**{**row, "created_at": _as_utc(row["created_at"])}) for row in rows]

    def counts(self) -> list[KeyCount]:
        """Report counts per (model, key, outcome, class): the input of the learning snapshot."""
        cols = (reports.c.model, reports.c.key_id, reports.c.outcome, reports.c.failure_id)
        query = sa.select(*cols, sa.func.count().label("n")).group_by(*cols).order_by(*cols)
        rows = self._run("read", lambda conn: conn.execute(query).all())
        return [
            KeyCount(model=m, key_id=k, outcome=o, failure_id=f, n=int(n)) for m, k, o, f, n in rows
        ]

    def total(self) -> int:
        """How many reports are stored."""
        query = sa.select(sa.func.count()).select_from(reports)
        return int(self._run("read", lambda conn: conn.execute(query).scalar_one()))

    def refresh(self) -> Outcomes:
        """Rebuild the learning snapshot from the store now (raises StoreUnavailable)."""
        # Marked fresh first: a failing database is retried after refresh_s, not on every call.
        self._stale = False
        self._built_at = time.monotonic()
        self._snapshot = build_outcomes(self.counts(), self.policy)
        return self._snapshot

    def _refresh_quietly(self) -> None:
        try:
            self.refresh()
        except StoreUnavailable:
            pass  # keep serving the last snapshot; _guard has logged it
        finally:
            self._rebuild.release()

    def outcomes(self) -> Outcomes:
        """The learning snapshot, for the hot path: never waits on the database.

        After a local write, or every `refresh_s` seconds, a background thread rebuilds it;
        meanwhile (and while the database is down) the last snapshot is served.
        """
        stale = self._stale or time.monotonic() - self._built_at >= self.refresh_s
        if stale and self._rebuild.acquire(blocking=False):
            threading.Thread(target=self._refresh_quietly, name="outcomes", daemon=True).start()
        return self._snapshot

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()


def policy_from(settings: Settings) -> LearningPolicy:
    """The learning policy the settings describe."""
    return LearningPolicy(
        prior_strength=float(settings.learning_prior_strength),
        min_reports=settings.learning_min_reports,
        key_cap=settings.learning_key_cap,
    )


def open_store(settings: Settings) -> ReportStore:
    """The store `AVA_ROUTER_DB` names. Tries to migrate now, but a database that is down
    only makes report calls answer 503 until it is back; it never stops the service starting."""
    store = ReportStore(
        create_store_engine(settings.db), policy_from(settings), float(settings.learning_refresh_s)
    )
    try:
        store.ensure_schema()
    except StoreUnavailable:
        log.warning("report store not reachable at start-up; will retry on first use")
    return store

"""Alembic environment: migrates the connection `router.reports.migrate` hands over.

Run from code (`router.reports.migrate`), which puts an open connection into
`config.attributes["connection"]`; `alembic -x url=...` style use without one also works.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine, pool

# Any fixed number: concurrent workers starting on one PostgreSQL database migrate one at a time.
PG_MIGRATION_LOCK = 0x61766172

config = context.config


def _run(connection: Connection) -> None:
    context.configure(connection=connection, render_as_batch=True)
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_MIGRATION_LOCK})")
        context.run_migrations()


def run_migrations() -> None:
    """Migrate the handed-over connection, or one opened from `sqlalchemy.url`."""
    if context.is_offline_mode():
        context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or ""
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.begin() as conn:
        _run(conn)


run_migrations()

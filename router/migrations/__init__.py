"""Alembic migrations of the report store (run programmatically by `router.reports`)."""

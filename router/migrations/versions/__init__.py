"""Alembic revisions of the report store, oldest first."""

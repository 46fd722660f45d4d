"""Create the reports table.

Revision ID: 0001_reports
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_reports"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """One row per reported generation; (vendor, generation_id) makes a retry a no-op."""
    op.create_table(
        "reports",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("vendor", sa.String(80), nullable=False),
        sa.Column("model", sa.String(80), nullable=False),
        sa.Column("outcome", sa.String(8), nullable=False),
        sa.Column("failure_id", sa.String(80), nullable=True),
        sa.Column("generation_id", sa.String(200), nullable=False),
        sa.Column("timestamp_s", sa.Float(), nullable=True),
        sa.Column("prompt_sha256", sa.String(64), nullable=True),
        sa.Column("prompt_chars", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("outcome IN ('failed', 'ok')", name="ck_reports_outcome"),
        sa.CheckConstraint(
            "outcome = 'failed' OR failure_id IS NULL", name="ck_reports_ok_has_no_failure"
        ),
        sa.UniqueConstraint("vendor", "generation_id", name="uq_reports_vendor_generation"),
    )
    op.create_index("ix_reports_key_created", "reports", ["key_id", "created_at"])
    op.create_index("ix_reports_model", "reports", ["model"])


def downgrade() -> None:
    """Drop the table (and every report in it)."""
    op.drop_index("ix_reports_model", table_name="reports")
    op.drop_index("ix_reports_key_created", table_name="reports")
    op.drop_table("reports")

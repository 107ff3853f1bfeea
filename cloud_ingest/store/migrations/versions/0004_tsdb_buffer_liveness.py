"""Durable time-series buffer and gateway/device liveness.

Revision ID: 0004
Revises: 0003

(Planned as 0002; the domain tables' 0003 landed first, so this one follows it.)
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIGINT_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _ts(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _id(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.String(64), nullable=nullable)


def upgrade() -> None:
    """Create tsdb_buffer and liveness."""
    op.create_table(
        "tsdb_buffer",
        sa.Column("id", _BIGINT_ID, primary_key=True, autoincrement=True),
        _ts("created_at"),
        sa.Column("point_count", sa.Integer(), nullable=False),
        sa.Column("lines", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tsdb_buffer"),
    )
    op.create_table(
        "liveness",
        _id("org_id"),
        _id("gateway_id"),
        _id("device_id"),
        sa.Column("device_kind", sa.String(16), nullable=False),
        _id("home_id", nullable=True),
        _id("resident_id", nullable=True),
        _ts("last_seen_at"),
        _ts("offline_since", nullable=True),
        sa.PrimaryKeyConstraint("org_id", "gateway_id", "device_id", name="pk_liveness"),
    )


def downgrade() -> None:
    """Drop tsdb_buffer and liveness."""
    op.drop_table("liveness")
    op.drop_table("tsdb_buffer")

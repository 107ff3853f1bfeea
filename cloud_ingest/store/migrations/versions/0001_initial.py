"""Initial ingest tables: events (the alert feed), readings, gateway_status, quarantine.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIGINT_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _ts(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _id(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.String(64), nullable=nullable)


def upgrade() -> None:
    """Create the four tables."""
    op.create_table(
        "events",
        sa.Column("seq", _BIGINT_ID, primary_key=True, autoincrement=True),
        sa.Column("message_id", sa.String(26), nullable=False),
        _id("org_id"),
        _id("gateway_id"),
        _id("home_id", nullable=True),
        _id("resident_id", nullable=True),
        _id("device_id", nullable=True),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("warning_class", sa.String(32), nullable=False),
        _ts("device_time", nullable=True),
        _ts("gateway_time"),
        _ts("received_at"),
        sa.Column("envelope_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_events"),
        sa.UniqueConstraint("message_id", name="uq_events_message_id"),
    )
    op.create_index("ix_events_received_at", "events", ["received_at"])

    op.create_table(
        "readings",
        sa.Column("id", _BIGINT_ID, primary_key=True, autoincrement=True),
        sa.Column("message_id", sa.String(26), nullable=False),
        _id("org_id"),
        _id("gateway_id"),
        _id("device_id", nullable=True),
        sa.Column("kind", sa.String(40), nullable=False),
        _ts("gateway_time"),
        _ts("received_at"),
        sa.Column("body_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_readings"),
        sa.UniqueConstraint("message_id", name="uq_readings_message_id"),
    )
    op.create_index("ix_readings_gateway_time", "readings", ["gateway_time"])

    op.create_table(
        "gateway_status",
        _id("org_id"),
        _id("gateway_id"),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("agent_version", sa.String(50), nullable=True),
        sa.Column("outbox_depth", sa.Integer(), nullable=True),
        _ts("gateway_time"),
        _ts("updated_at"),
        sa.Column("last_message_id", sa.String(26), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "gateway_id", name="pk_gateway_status"),
    )

    op.create_table(
        "quarantine",
        sa.Column("id", _BIGINT_ID, primary_key=True, autoincrement=True),
        _ts("received_at"),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("message_id", sa.String(26), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_quarantine"),
    )
    op.create_index("ix_quarantine_received_at", "quarantine", ["received_at"])
    op.create_index("ix_quarantine_message_id", "quarantine", ["message_id"])


def downgrade() -> None:
    """Drop the four tables."""
    op.drop_table("quarantine")
    op.drop_table("gateway_status")
    op.drop_table("readings")
    op.drop_table("events")

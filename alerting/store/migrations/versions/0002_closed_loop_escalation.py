"""Closed loop, escalation timers, routing facts, silences and push subscriptions.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 05:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_STATUS_OLD = ("open", "accepted", "resolved")
_STATUS_NEW = ("open", "accepted", "en_route", "contact_made", "closed", "resolved")
_NOTIFY_OLD = ("pending", "sending", "delivered", "failed")
_NOTIFY_NEW = (*_NOTIFY_OLD, "cancelled")
_OUTCOME_OLD = (
    "opened",
    "repeat",
    "operator_only",
    "cleared",
    "cleared_no_incident",
    "not_care_relevant",
    "malformed",
)
_OUTCOME_NEW = (*_OUTCOME_OLD, "muted", "operator_opened", "resolved")
_ACTION_OLD = (
    "opened",
    "event_attached",
    "cleared_event",
    "notification_delivered",
    "notification_retry",
    "notification_failed",
    "accepted",
)
_ACTION_NEW = (
    *_ACTION_OLD,
    "escalated",
    "en_route",
    "contact_made",
    "closed",
    "resolved",
    "muted",
    "ack_timeout",
    "cancelled",
)
_OLD_ACTIVE = "status <> 'resolved'"
_NEW_ACTIVE = "status NOT IN ('closed', 'resolved')"


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _recheck(table: str, name: str, column: str, values: tuple[str, ...]) -> None:
    with op.batch_alter_table(table) as batch:
        batch.drop_constraint(op.f(f"ck_{table}_{name}"), type_="check")
        batch.create_check_constraint(op.f(f"ck_{table}_{name}"), sa.text(_in(column, values)))


def _active_index(predicate: str) -> None:
    op.drop_index("uq_incidents_active_fingerprint", table_name="incidents")
    op.create_index(
        "uq_incidents_active_fingerprint",
        "incidents",
        ["fingerprint"],
        unique=True,
        postgresql_where=sa.text(predicate),
        sqlite_where=sa.text(predicate),
    )


def upgrade() -> None:
    """Apply."""
    utc = sa.DateTime(timezone=True)
    with op.batch_alter_table("incidents") as batch:
        batch.alter_column("resident_id", existing_type=sa.String(64), nullable=True)
        batch.add_column(
            sa.Column("audience", sa.String(16), server_default="care", nullable=False)
        )
        for name, type_ in (
            ("team_id", sa.String(64)),
            ("detector", sa.String(100)),
            ("evidence_json", sa.Text()),
            ("route_path", sa.String(500)),
            ("receivers", sa.String(500)),
            ("group_key", sa.String(300)),
            ("escalation_policy", sa.String(100)),
            ("next_escalation_at", utc),
            ("ack_deadline_at", utc),
            ("muted_reason", sa.String(32)),
            ("first_delivered_at", utc),
            ("en_route_at", utc),
            ("contact_at", utc),
            ("closed_at", utc),
            ("closed_by", sa.String(64)),
            ("outcome", sa.String(32)),
            ("close_note", sa.Text()),
            ("time_to_accept_s", sa.Float()),
            ("time_to_contact_s", sa.Float()),
        ):
            batch.add_column(sa.Column(name, type_, nullable=True))
        batch.add_column(sa.Column("labels_json", sa.Text(), server_default="{}", nullable=False))
        batch.add_column(
            sa.Column("escalation_step", sa.Integer(), server_default="0", nullable=False)
        )
        batch.add_column(
            sa.Column("escalation_round", sa.Integer(), server_default="0", nullable=False)
        )
    _recheck("incidents", "incident_status", "status", _STATUS_NEW)
    _active_index(_NEW_ACTIVE)
    op.create_index("ix_incidents_next_escalation_at", "incidents", ["next_escalation_at"])
    op.create_index("ix_incidents_ack_deadline_at", "incidents", ["ack_deadline_at"])
    op.create_index("ix_incidents_home_id", "incidents", ["home_id"])
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("step", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("round", sa.Integer(), nullable=True))
    _recheck("notifications", "notification_status", "status", _NOTIFY_NEW)
    _recheck("incident_events", "feed_outcome", "outcome", _OUTCOME_NEW)
    _recheck("incident_log", "log_action", "action", _ACTION_NEW)
    op.create_table(
        "silences",
        sa.Column("id", sa.String(26), nullable=False),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("matchers_json", sa.Text(), nullable=False),
        sa.Column("starts_at", utc, nullable=False),
        sa.Column("ends_at", utc, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("comment", sa.String(500), nullable=False),
        sa.Column("created_at", utc, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_silences")),
    )
    op.create_index(op.f("ix_silences_ends_at"), "silences", ["ends_at"])
    op.create_table(
        "push_subscriptions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("person_id", sa.String(64), nullable=False),
        sa.Column("endpoint", sa.String(2000), nullable=False),
        sa.Column("p256dh", sa.String(200), nullable=False),
        sa.Column("auth", sa.String(100), nullable=False),
        sa.Column("user_agent", sa.String(300), nullable=True),
        sa.Column("created_at", utc, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_push_subscriptions")),
        sa.UniqueConstraint("endpoint", name=op.f("uq_push_subscriptions_endpoint")),
    )
    op.create_index(op.f("ix_push_subscriptions_person_id"), "push_subscriptions", ["person_id"])


def downgrade() -> None:
    """Revert (incidents in the new statuses are closed as resolved first)."""
    op.drop_table("push_subscriptions")
    op.drop_table("silences")
    op.execute("UPDATE incidents SET status = 'resolved' WHERE status NOT IN ('open', 'accepted')")
    op.execute("UPDATE notifications SET status = 'failed' WHERE status = 'cancelled'")
    new_actions = _in("action", _ACTION_NEW[len(_ACTION_OLD) :])
    new_outcomes = _in("outcome", _OUTCOME_NEW[len(_OUTCOME_OLD) :])
    op.execute(f"DELETE FROM incident_log WHERE {new_actions}")  # noqa: S608 (constants)
    op.execute(f"UPDATE incident_events SET outcome = 'opened' WHERE {new_outcomes}")  # noqa: S608
    _recheck("incident_log", "log_action", "action", _ACTION_OLD)
    _recheck("incident_events", "feed_outcome", "outcome", _OUTCOME_OLD)
    _recheck("notifications", "notification_status", "status", _NOTIFY_OLD)
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("round")
        batch.drop_column("step")
    op.drop_index("ix_incidents_home_id", table_name="incidents")
    op.drop_index("ix_incidents_ack_deadline_at", table_name="incidents")
    op.drop_index("ix_incidents_next_escalation_at", table_name="incidents")
    _active_index(_OLD_ACTIVE)
    _recheck("incidents", "incident_status", "status", _STATUS_OLD)
    op.execute("DELETE FROM incidents WHERE resident_id IS NULL")
    with op.batch_alter_table("incidents") as batch:
        for name in (
            "escalation_round",
            "escalation_step",
            "labels_json",
            "time_to_contact_s",
            "time_to_accept_s",
            "close_note",
            "outcome",
            "closed_by",
            "closed_at",
            "contact_at",
            "en_route_at",
            "first_delivered_at",
            "muted_reason",
            "ack_deadline_at",
            "next_escalation_at",
            "escalation_policy",
            "group_key",
            "receivers",
            "route_path",
            "evidence_json",
            "detector",
            "team_id",
            "audience",
        ):
            batch.drop_column(name)
        batch.alter_column("resident_id", existing_type=sa.String(64), nullable=False)

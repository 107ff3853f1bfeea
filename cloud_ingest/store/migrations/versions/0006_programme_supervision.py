"""The programme's supervision data: districts, bed targets, hardship category, care visits.

Homes and residents name their district (行政区划 code); residents get an optional
special-hardship category; organisations get per-district yearly bed targets; care workers'
visits and calls to residents are recorded.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIGINT_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_CODE = sa.String(length=9)


def upgrade() -> None:
    """Create districts, programme_targets, care_visits; add the district and hardship columns."""
    op.create_table(
        "districts",
        sa.Column("code", _CODE, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_districts")),
    )
    with op.batch_alter_table("homes") as batch:  # batch: SQLite rebuilds the table
        batch.add_column(sa.Column("district_code", _CODE, nullable=True))
        batch.create_foreign_key(
            "fk_homes_district_code_districts", "districts", ["district_code"], ["code"]
        )
        batch.create_index(op.f("ix_homes_district_code"), ["district_code"])
    with op.batch_alter_table("residents") as batch:
        batch.add_column(sa.Column("district_code", _CODE, nullable=True))
        batch.add_column(sa.Column("hardship_category", sa.String(length=24), nullable=True))
        batch.create_foreign_key(
            "fk_residents_district_code_districts", "districts", ["district_code"], ["code"]
        )
        batch.create_index(op.f("ix_residents_district_code"), ["district_code"])
    op.create_table(
        "programme_targets",
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("district_code", _CODE, nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("beds_target", sa.Integer(), nullable=False),
        sa.Column("set_by", sa.String(length=64), nullable=True),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["district_code"], ["districts.code"]),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.id"]),
        sa.PrimaryKeyConstraint(
            "org_id", "district_code", "year", name=op.f("pk_programme_targets")
        ),
    )
    op.create_table(
        "care_visits",
        sa.Column("id", _BIGINT_ID, autoincrement=True, nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("resident_id", sa.String(length=64), nullable=False),
        sa.Column("home_id", sa.String(length=64), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["home_id"], ["homes.id"]),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.id"]),
        sa.ForeignKeyConstraint(["resident_id"], ["residents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_visits")),
    )
    op.create_index(op.f("ix_care_visits_org_id"), "care_visits", ["org_id"])
    op.create_index("ix_care_visits_resident_id_at", "care_visits", ["resident_id", "at"])


def downgrade() -> None:
    """Drop what upgrade added."""
    op.drop_table("care_visits")
    op.drop_table("programme_targets")
    with op.batch_alter_table("residents") as batch:
        batch.drop_index(op.f("ix_residents_district_code"))
        batch.drop_constraint("fk_residents_district_code_districts", type_="foreignkey")
        batch.drop_column("hardship_category")
        batch.drop_column("district_code")
    with op.batch_alter_table("homes") as batch:
        batch.drop_index(op.f("ix_homes_district_code"))
        batch.drop_constraint("fk_homes_district_code_districts", type_="foreignkey")
        batch.drop_column("district_code")
    op.drop_table("districts")

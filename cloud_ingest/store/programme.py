"""The programme's tables: districts, each organisation's bed targets, and care visits.

A home and a resident name their district in :mod:`cloud_ingest.store.domain`
(``district_code``); a resident's special-hardship category is there too. The supervision
dashboard (``dashboards/supervision.py``) reads these tables.

Example:
    >>> sorted(PROGRAMME_TABLES)
    ['care_visits', 'districts', 'programme_targets']
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cloud_ingest.programme import DISTRICT_CODE_LEN
from cloud_ingest.store.domain import DISTRICTS_TABLE
from cloud_ingest.store.models import ID_LEN, BigIntId, IngestBase
from contracts import directory as d


class District(IngestBase):
    """An administrative division (行政区划): the official code and its name.

    Shared by every organisation: the codes are public and the same for all.
    """

    __tablename__ = DISTRICTS_TABLE

    code: Mapped[str] = mapped_column(String(DISTRICT_CODE_LEN), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


class ProgrammeTarget(IngestBase):
    """How many family care beds an organisation is to run in a district in a year."""

    __tablename__ = "programme_targets"

    org_id: Mapped[str] = mapped_column(ForeignKey(f"{d.ORGANISATIONS_TABLE}.id"), primary_key=True)
    district_code: Mapped[str] = mapped_column(
        String(DISTRICT_CODE_LEN), ForeignKey(f"{DISTRICTS_TABLE}.code"), primary_key=True
    )
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    beds_target: Mapped[int] = mapped_column(Integer)
    set_by: Mapped[str | None] = mapped_column(String(ID_LEN))
    """The user who set it (NULL: loaded from the seed file)."""
    set_at: Mapped[datetime]


class CareVisit(IngestBase):
    """A visit to or contact with a resident (in person, by phone or video), as recorded."""

    __tablename__ = "care_visits"
    __table_args__ = (Index("ix_care_visits_resident_id_at", "resident_id", "at"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    org_id: Mapped[str] = mapped_column(ForeignKey(f"{d.ORGANISATIONS_TABLE}.id"), index=True)
    resident_id: Mapped[str] = mapped_column(
        ForeignKey(f"{d.RESIDENTS_TABLE}.id", ondelete="CASCADE")
    )
    home_id: Mapped[str | None] = mapped_column(ForeignKey(f"{d.HOMES_TABLE}.id"))
    at: Mapped[datetime]
    """When the visit or call took place."""
    kind: Mapped[str] = mapped_column(String(8))
    """A :class:`cloud_ingest.programme.VisitKind` value."""
    recorded_by: Mapped[str] = mapped_column(String(ID_LEN))
    """The user who recorded it (the care worker)."""
    recorded_at: Mapped[datetime]
    note: Mapped[str | None] = mapped_column(Text)


PROGRAMME_TABLES = frozenset(m.__tablename__ for m in (District, ProgrammeTarget, CareVisit))
"""Names of the tables defined here."""

"""The domain tables: organisations, care teams, people, residents, homes, gateways, devices.

Also partner credentials, one-time gateway provisioning codes and the audit log. The names
other components read are fixed in :mod:`contracts.directory`. Every row belongs to one
organisation (``org_id``); ids are pseudonymous and globally unique.

Example:
    >>> sorted(t for t in IngestBase.metadata.tables if t in DOMAIN_TABLES)[:4]
    ['audit_log', 'care_teams', 'commissioning_reports', 'devices']
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cloud_ingest.programme import DISTRICT_CODE_LEN
from cloud_ingest.store.models import ID_LEN, BigIntId, IngestBase
from contracts import directory as d

HASH_LEN = 200
"""Room for an Argon2id hash string."""
DISTRICTS_TABLE = "districts"
"""Defined in :mod:`cloud_ingest.store.programme`."""


def _org_fk() -> Any:
    return mapped_column(ForeignKey(f"{d.ORGANISATIONS_TABLE}.id"), index=True)


class Organisation(IngestBase):
    """A care organisation; nothing of one is visible to another."""

    __tablename__ = d.ORGANISATIONS_TABLE

    id: Mapped[str] = mapped_column(String(ID_LEN), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]


class CareTeam(IngestBase):
    """A team of care workers with a lead."""

    __tablename__ = d.CARE_TEAMS_TABLE

    id: Mapped[str] = mapped_column(String(ID_LEN), primary_key=True)
    org_id: Mapped[str] = _org_fk()
    name: Mapped[str] = mapped_column(String(200))
    lead_user_id: Mapped[str | None] = mapped_column(String(ID_LEN))


class User(IngestBase):
    """A person who logs in; ``id`` is also the person id alerting pages."""

    __tablename__ = d.USERS_TABLE

    id: Mapped[str] = mapped_column(String(ID_LEN), primary_key=True)
    org_id: Mapped[str] = _org_fk()
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(HASH_LEN))
    role: Mapped[str] = mapped_column(String(16))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime]


class TeamMember(IngestBase):
    """Membership of a user in a care team."""

    __tablename__ = d.TEAM_MEMBERS_TABLE

    team_id: Mapped[str] = mapped_column(
        ForeignKey(f"{d.CARE_TEAMS_TABLE}.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(
        ForeignKey(f"{d.USERS_TABLE}.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Resident(IngestBase):
    """A person cared for: pseudonymous id, profile, team and care workers."""

    __tablename__ = d.RESIDENTS_TABLE

    id: Mapped[str] = mapped_column(String(ID_LEN), primary_key=True)
    org_id: Mapped[str] = _org_fk()
    team_id: Mapped[str | None] = mapped_column(ForeignKey(f"{d.CARE_TEAMS_TABLE}.id"), index=True)
    primary_worker_id: Mapped[str | None] = mapped_column(ForeignKey(f"{d.USERS_TABLE}.id"))
    backup_worker_id: Mapped[str | None] = mapped_column(ForeignKey(f"{d.USERS_TABLE}.id"))
    full_name: Mapped[str] = mapped_column(String(200))
    birth_date: Mapped[date] = mapped_column(Date)
    disability_level: Mapped[str] = mapped_column(String(16))
    dementia: Mapped[bool] = mapped_column(Boolean)
    living_alone: Mapped[bool] = mapped_column(Boolean)
    address: Mapped[str | None] = mapped_column(Text)
    key_conditions: Mapped[list[str]] = mapped_column(JSON)
    eligibility_override: Mapped[bool | None] = mapped_column(Boolean)
    eligibility_override_reason: Mapped[str | None] = mapped_column(Text)
    district_code: Mapped[str | None] = mapped_column(
        String(DISTRICT_CODE_LEN), ForeignKey(f"{DISTRICTS_TABLE}.code"), index=True
    )
    """Where the resident lives (行政区划), for the programme's counts; see also the home's."""
    hardship_category: Mapped[str | None] = mapped_column(String(24))
    """A :class:`cloud_ingest.programme.HardshipCategory` value; NULL: not special-hardship."""
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ResidentContact(IngestBase):
    """An emergency contact of a resident (``priority`` 1 is called first)."""

    __tablename__ = d.RESIDENT_CONTACTS_TABLE

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    resident_id: Mapped[str] = mapped_column(
        ForeignKey(f"{d.RESIDENTS_TABLE}.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    relation: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(40))
    priority: Mapped[int] = mapped_column(Integer)


class ResidentAbsence(IngestBase):
    """A period the resident is away, in hospital or in respite care (no care pages)."""

    __tablename__ = d.RESIDENT_ABSENCES_TABLE

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    resident_id: Mapped[str] = mapped_column(
        ForeignKey(f"{d.RESIDENTS_TABLE}.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)


class Home(IngestBase):
    """A monitored home (usually one resident's)."""

    __tablename__ = d.HOMES_TABLE

    id: Mapped[str] = mapped_column(String(ID_LEN), primary_key=True)
    org_id: Mapped[str] = _org_fk()
    resident_id: Mapped[str | None] = mapped_column(
        ForeignKey(f"{d.RESIDENTS_TABLE}.id"), index=True
    )
    address: Mapped[str | None] = mapped_column(Text)
    district_code: Mapped[str | None] = mapped_column(
        String(DISTRICT_CODE_LEN), ForeignKey(f"{DISTRICTS_TABLE}.code"), index=True
    )
    """The district (行政区划) the home, and so its family care bed, is in."""
    created_at: Mapped[datetime]


class Gateway(IngestBase):
    """A home gateway and its credential (an Argon2id hash; set when it registers)."""

    __tablename__ = d.GATEWAYS_TABLE

    id: Mapped[str] = mapped_column(String(ID_LEN), primary_key=True)
    org_id: Mapped[str] = _org_fk()
    home_id: Mapped[str | None] = mapped_column(ForeignKey(f"{d.HOMES_TABLE}.id"), index=True)
    credential_hash: Mapped[str | None] = mapped_column(String(HASH_LEN))
    registered_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class ProvisioningCode(IngestBase):
    """A one-time code an installer types to register a gateway (stored as a SHA-256)."""

    __tablename__ = "provisioning_codes"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    code_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    org_id: Mapped[str] = _org_fk()
    gateway_id: Mapped[str] = mapped_column(
        ForeignKey(f"{d.GATEWAYS_TABLE}.id", ondelete="CASCADE"), index=True
    )
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_by: Mapped[str | None] = mapped_column(String(ID_LEN))
    created_at: Mapped[datetime]


class Device(IngestBase):
    """A sensor in a home (mattress, smoke sensor, wristband…)."""

    __tablename__ = d.DEVICES_TABLE

    id: Mapped[str] = mapped_column(String(ID_LEN), primary_key=True)
    org_id: Mapped[str] = _org_fk()
    gateway_id: Mapped[str | None] = mapped_column(ForeignKey(f"{d.GATEWAYS_TABLE}.id"), index=True)
    home_id: Mapped[str | None] = mapped_column(ForeignKey(f"{d.HOMES_TABLE}.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    serial: Mapped[str | None] = mapped_column(String(100))
    label: Mapped[str | None] = mapped_column(String(200))
    expected_interval_s: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime]


class Partner(IngestBase):
    """A partner system (e.g. a bank's fraud desk) that posts external events."""

    __tablename__ = "partners"

    id: Mapped[str] = mapped_column(String(ID_LEN), primary_key=True)
    org_id: Mapped[str] = _org_fk()
    name: Mapped[str] = mapped_column(String(200))
    key_hash: Mapped[str] = mapped_column(String(HASH_LEN))
    active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime]


class AuditEntry(IngestBase):
    """Who did or read what, when, about which resident, and from where."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(index=True)
    org_id: Mapped[str] = mapped_column(String(ID_LEN), index=True)
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(String(ID_LEN))
    action: Mapped[str] = mapped_column(String(64))
    resource_type: Mapped[str] = mapped_column(String(32))
    resource_id: Mapped[str | None] = mapped_column(String(ID_LEN))
    resident_id: Mapped[str | None] = mapped_column(String(ID_LEN), index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    client_addr: Mapped[str | None] = mapped_column(String(64))


class CommissioningReport(IngestBase):
    """What an installer's setup proved on the day, as the gateway uploaded it."""

    __tablename__ = "commissioning_reports"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    org_id: Mapped[str] = _org_fk()
    gateway_id: Mapped[str] = mapped_column(
        ForeignKey(f"{d.GATEWAYS_TABLE}.id", ondelete="CASCADE"), index=True
    )
    home_id: Mapped[str | None] = mapped_column(String(ID_LEN))
    submitted_at: Mapped[datetime]
    installer: Mapped[str] = mapped_column(String(200))
    passed: Mapped[bool] = mapped_column(Boolean)
    report_json: Mapped[str] = mapped_column(Text)


DOMAIN_TABLES = frozenset(
    m.__tablename__
    for m in (
        Organisation,
        CareTeam,
        User,
        TeamMember,
        Resident,
        ResidentContact,
        ResidentAbsence,
        Home,
        Gateway,
        ProvisioningCode,
        Device,
        Partner,
        AuditEntry,
        CommissioningReport,
    )
)
"""Names of the tables defined here."""

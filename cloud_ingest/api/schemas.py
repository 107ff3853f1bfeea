"""Request and response bodies of the REST API (they make its OpenAPI document)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from cloud_ingest.eligibility import DisabilityLevel
from contracts.auth import Role
from contracts.ids import Identifier, MessageId
from contracts.series import VitalsField


class Out(BaseModel):
    """Base of response bodies."""

    model_config = ConfigDict(frozen=True)


class In(BaseModel):
    """Base of request bodies: unknown fields are an error (catches typos)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class TokenOut(Out):
    """An OAuth2 bearer token (send it as ``Authorization: Bearer <access_token>``)."""

    access_token: str
    token_type: str = "bearer"  # noqa: S105 (the OAuth2 token type)
    expires_in: int = Field(description="seconds until the token expires; log in again then")


class MeOut(Out):
    """The logged-in person."""

    id: str
    org_id: str
    username: str
    display_name: str
    role: Role
    team_ids: list[str]


class EligibilityOut(Out):
    """The eligibility rule's answer (or an override of it) explained in two languages."""

    eligible: bool
    age_years: int
    reason_en: str
    reason_zh: str
    overridden: bool


class ContactOut(Out):
    """An emergency contact."""

    name: str
    relation: str | None
    phone: str
    priority: int


class AbsenceOut(Out):
    """A period away, in hospital or in respite care."""

    id: int
    kind: str
    starts_at: datetime
    ends_at: datetime | None
    note: str | None


class AbsenceIn(In):
    """A period the resident is not at home: no care pages are expected from their home."""

    kind: Literal["away", "hospital", "respite"]
    starts_at: AwareDatetime
    ends_at: AwareDatetime | None = Field(default=None, description="null: open-ended")
    note: str | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _ends_after_start(self) -> AbsenceIn:
        if self.ends_at is not None and self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at (or null while it goes on)")
        return self


class ResidentOut(Out):
    """A resident. Operators see ``null`` personal fields unless they give ``reveal_reason``."""

    id: str
    org_id: str
    team_id: str | None
    primary_worker_id: str | None
    backup_worker_id: str | None
    pseudonymous: bool = Field(description="true when name, birth date, address are withheld")
    full_name: str | None
    birth_date: date | None
    disability_level: DisabilityLevel
    dementia: bool
    living_alone: bool
    address: str | None
    key_conditions: list[str]
    eligibility: EligibilityOut


class ResidentDetailOut(ResidentOut):
    """A resident with emergency contacts and absences."""

    emergency_contacts: list[ContactOut] | None
    absences: list[AbsenceOut]


class EligibilityOverrideIn(In):
    """Override the eligibility rule for one resident (``eligible: null`` removes it)."""

    eligible: bool | None
    reason: str = Field(min_length=5, max_length=1000, description="why the rule does not fit")


class HomeOut(Out):
    """A monitored home."""

    id: str
    org_id: str
    resident_id: str | None
    address: str | None
    district_code: str | None = Field(description="the district (行政区划 code) it is in")
    gateway_ids: list[str]


class GatewayOut(Out):
    """A home gateway, its registration and last announced state."""

    id: str
    org_id: str
    home_id: str | None
    registered: bool
    registered_at: datetime | None
    state: str | None = Field(description="online/offline from its birth or last will")
    state_at: datetime | None
    agent_version: str | None


class DeviceOut(Out):
    """A sensor in a home."""

    id: str
    org_id: str
    gateway_id: str | None
    home_id: str | None
    kind: str
    serial: str | None
    label: str | None
    expected_interval_s: int | None


class DeviceIn(In):
    """A device a gateway has paired."""

    kind: str = Field(min_length=1, max_length=32, description="mattress, smoke, wristband, …")
    serial: str | None = Field(default=None, max_length=100)
    label: str | None = Field(default=None, max_length=200)
    expected_interval_s: int | None = Field(
        default=None, gt=0, le=7 * 86_400, description="how often it reports when healthy"
    )


class HomeResidentIn(In):
    """Bind a home to a resident (``null`` unbinds), with why (audited)."""

    resident_id: Identifier | None
    reason: str = Field(min_length=5, max_length=1000)


class EventOut(Out):
    """A stored event (from a gateway or a partner system)."""

    seq: int
    message_id: str
    org_id: str
    gateway_id: str
    home_id: str | None
    resident_id: str | None
    device_id: str | None
    type: str
    severity: str
    status: str
    warning_class: str
    device_time: datetime | None
    gateway_time: datetime
    received_at: datetime
    evidence: dict[str, Any]


class IncidentOut(Out):
    """An incident as the alert router keeps it (read-only here)."""

    id: str
    org_id: str
    resident_id: str
    home_id: str | None
    type: str
    warning_class: str
    severity: str
    status: str
    summary: str
    opened_at: datetime
    last_event_at: datetime
    event_count: int
    accepted_by: str | None
    accepted_at: datetime | None
    resolved_at: datetime | None


class QuarantineOut(Out):
    """A message the ingest could not accept, with why."""

    id: int
    received_at: datetime
    topic: str
    error: str
    message_id: str | None
    payload_base64: str
    payload_text: str = Field(description="the payload as UTF-8 (undecodable bytes replaced)")


class AuditOut(Out):
    """One audit row."""

    id: int
    at: datetime
    actor_kind: str
    actor_id: str | None
    action: str
    resource_type: str
    resource_id: str | None
    resident_id: str | None
    reason: str | None
    client_addr: str | None


class PartnerEventIn(In):
    """An event from a partner system about one resident (e.g. a bank's fraud warning)."""

    resident_id: Identifier
    type: Literal["fraud_warning", "possible_wandering"] = Field(
        description="what partners may report (devices report the rest)"
    )
    summary: str = Field(min_length=1, max_length=500)
    values: dict[str, float | int | bool | str] = Field(default_factory=dict, max_length=50)
    occurred_at: AwareDatetime | None = Field(
        default=None, description="when it happened, with a time zone"
    )
    message_id: MessageId | None = Field(
        default=None, description="a ULID of yours: sending it again is then not a new event"
    )


class PartnerEventOut(Out):
    """What became of a partner event."""

    message_id: str
    status: str = Field(description="stored, or duplicate when the message id was seen")


class ProvisioningCodeOut(Out):
    """A one-time provisioning code (shown once; give it to the installer)."""

    gateway_id: str
    code: str
    expires_at: datetime


class GatewayRegisterIn(In):
    """A gateway registering with the code its installer typed."""

    code: str = Field(min_length=8, max_length=64)


class GatewayCredentialsOut(Out):
    """The gateway's own credentials (shown once: store them with 0600 permissions)."""

    gateway_id: str
    org_id: str
    home_id: str | None
    username: str
    password: str
    topic_prefix: str


class SeriesPointOut(Out):
    """One sample."""

    t: datetime
    value: float


class SeriesValuesOut(Out):
    """One series (a device's, by source) with its samples."""

    labels: dict[str, str] = Field(description="device_id, device_kind, source, …")
    points: list[SeriesPointOut]


class SeriesOut(Out):
    """A vital sign of one resident over a time window."""

    resident_id: str
    field: VitalsField
    start: datetime
    end: datetime
    step_s: int
    series: list[SeriesValuesOut]


class CommissionedDeviceIn(In):
    """A device the installer set up."""

    id: Identifier
    kind: str = Field(min_length=1, max_length=32)
    serial: str | None = Field(default=None, max_length=100)


class CommissioningCheckIn(In):
    """One step of the commissioning self-test."""

    name: str = Field(min_length=1, max_length=100, description="e.g. bed_presence, smoke_test")
    passed: bool
    detail: str = Field(default="", max_length=1000, description="what was seen, or what to do")
    figures: dict[str, float | int | bool | str] = Field(default_factory=dict, max_length=50)


class CommissioningReportIn(In):
    """What the installer's setup proved on the day."""

    installer: str = Field(min_length=1, max_length=200)
    started_at: AwareDatetime
    finished_at: AwareDatetime
    devices: list[CommissionedDeviceIn] = Field(default_factory=list, max_length=50)
    checks: list[CommissioningCheckIn] = Field(min_length=1, max_length=100)


class CommissioningReceiptOut(Out):
    """A stored report."""

    id: int
    passed: bool = Field(description="true when every check passed")
    submitted_at: datetime


class CommissioningReportOut(Out):
    """A stored commissioning report."""

    id: int
    gateway_id: str
    home_id: str | None
    submitted_at: datetime
    installer: str
    passed: bool
    report: CommissioningReportIn

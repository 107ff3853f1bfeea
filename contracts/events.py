"""Events and the 银龄卫士 (silver-age guardian) taxonomy.

Every event type belongs to one warning class (居家异常 home anomaly, 走失 wandering, 诈骗 fraud)
and one dimension (behaviour/trajectory, physical condition, economic), has a default severity,
and an audience: care events page care workers, device-health events go to operators.

Example:
    >>> e = EventBody.of(EventType.FIRE, Evidence(summary="smoke detected",
    ...                  values={"battery_pct": 92}))
    >>> e.warning_class.value, e.dimension.value, e.severity.value
    ('home_anomaly', 'physical_condition', 'critical')
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, Self

from pydantic import Field, model_validator

from contracts.base import ContractModel


class WarningClass(StrEnum):
    """The 银龄卫士 warning classes."""

    HOME_ANOMALY = "home_anomaly"  # 居家异常
    WANDERING = "wandering"  # 走失
    FRAUD = "fraud"  # 诈骗 (only from partner systems)
    DEVICE_HEALTH = "device_health"  # not a care warning: for operators


class Dimension(StrEnum):
    """What an event is about."""

    BEHAVIOUR_TRAJECTORY = "behaviour_trajectory"
    PHYSICAL_CONDITION = "physical_condition"
    ECONOMIC = "economic"
    DEVICE = "device"


class Severity(StrEnum):
    """How urgent an event is; ordered from most to least urgent by :func:`severity_rank`."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"


def severity_rank(severity: Severity) -> int:
    """0 for critical … 4 for info, for sorting most severe first.

    >>> sorted([Severity.LOW, Severity.CRITICAL], key=severity_rank)
    [<Severity.CRITICAL: 'critical'>, <Severity.LOW: 'low'>]
    """
    return list(Severity).index(severity)


class Audience(StrEnum):
    """Who an event is for."""

    CARE = "care"  # pages care workers
    OPERATOR = "operator"  # device health, shown to the duty desk, never pages at night


class EventType(StrEnum):
    """Concrete event types."""

    FIRE = "fire"
    SMOKE_TEST = "smoke_test"
    FALL = "fall"
    SOS = "sos"
    BED_EXIT_NO_RETURN = "bed_exit_no_return"
    NOT_UP_BY_USUAL_TIME = "not_up_by_usual_time"
    PROLONGED_INACTIVITY = "prolonged_inactivity"
    HR_HIGH = "hr_high"
    HR_LOW = "hr_low"
    RR_HIGH = "rr_high"
    RR_LOW = "rr_low"
    APNEA = "apnea"
    POSSIBLE_WANDERING = "possible_wandering"
    FRAUD_WARNING = "fraud_warning"
    DEVICE_OFFLINE = "device_offline"
    DEVICE_TAMPER = "device_tamper"
    LOW_BATTERY = "low_battery"
    OFF_WRIST = "off_wrist"
    GATEWAY_OFFLINE = "gateway_offline"
    COMMISSIONING_TEST = "commissioning_test"  # setup's test alarm: pages installers only


@dataclass(frozen=True, slots=True)
class TaxonomyEntry:
    """Where an event type sits in the taxonomy."""

    warning_class: WarningClass
    dimension: Dimension
    severity: Severity
    audience: Audience


_HOME, _WANDER, _FRAUD, _DEV = (
    WarningClass.HOME_ANOMALY,
    WarningClass.WANDERING,
    WarningClass.FRAUD,
    WarningClass.DEVICE_HEALTH,
)
_BEH, _PHYS, _ECON, _DEVICE = (
    Dimension.BEHAVIOUR_TRAJECTORY,
    Dimension.PHYSICAL_CONDITION,
    Dimension.ECONOMIC,
    Dimension.DEVICE,
)
_C, _H, _M, _L, _I = Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO

TAXONOMY: dict[EventType, TaxonomyEntry] = {
    EventType.FIRE: TaxonomyEntry(_HOME, _PHYS, _C, Audience.CARE),
    EventType.SMOKE_TEST: TaxonomyEntry(_DEV, _DEVICE, _I, Audience.OPERATOR),
    EventType.FALL: TaxonomyEntry(_HOME, _PHYS, _C, Audience.CARE),
    EventType.SOS: TaxonomyEntry(_HOME, _PHYS, _C, Audience.CARE),
    EventType.BED_EXIT_NO_RETURN: TaxonomyEntry(_HOME, _BEH, _H, Audience.CARE),
    EventType.NOT_UP_BY_USUAL_TIME: TaxonomyEntry(_HOME, _BEH, _M, Audience.CARE),
    EventType.PROLONGED_INACTIVITY: TaxonomyEntry(_HOME, _BEH, _H, Audience.CARE),
    EventType.HR_HIGH: TaxonomyEntry(_HOME, _PHYS, _H, Audience.CARE),
    EventType.HR_LOW: TaxonomyEntry(_HOME, _PHYS, _H, Audience.CARE),
    EventType.RR_HIGH: TaxonomyEntry(_HOME, _PHYS, _H, Audience.CARE),
    EventType.RR_LOW: TaxonomyEntry(_HOME, _PHYS, _H, Audience.CARE),
    EventType.APNEA: TaxonomyEntry(_HOME, _PHYS, _C, Audience.CARE),
    EventType.POSSIBLE_WANDERING: TaxonomyEntry(_WANDER, _BEH, _H, Audience.CARE),
    EventType.FRAUD_WARNING: TaxonomyEntry(_FRAUD, _ECON, _M, Audience.CARE),
    EventType.DEVICE_OFFLINE: TaxonomyEntry(_DEV, _DEVICE, _L, Audience.OPERATOR),
    EventType.DEVICE_TAMPER: TaxonomyEntry(_DEV, _DEVICE, _M, Audience.OPERATOR),
    EventType.LOW_BATTERY: TaxonomyEntry(_DEV, _DEVICE, _L, Audience.OPERATOR),
    EventType.OFF_WRIST: TaxonomyEntry(_DEV, _DEVICE, _L, Audience.OPERATOR),
    EventType.GATEWAY_OFFLINE: TaxonomyEntry(_DEV, _DEVICE, _M, Audience.OPERATOR),
    EventType.COMMISSIONING_TEST: TaxonomyEntry(_DEV, _DEVICE, _I, Audience.OPERATOR),
}


class EventStatus(StrEnum):
    """Whether the condition began or ended (an ended condition may resolve an incident)."""

    RAISED = "raised"
    CLEARED = "cleared"


class Evidence(ContractModel):
    """What explains an event: a one-line summary, the numbers, and optionally a short signal.

    ``values`` holds named numbers with units in the names (``out_of_bed_min``,
    ``usual_max_min``); ``signal`` holds at most a few minutes of samples keyed by channel.
    """

    summary: str = Field(min_length=1, max_length=500)
    values: dict[str, float | int | bool | str] = Field(default_factory=dict)
    signal_rate_hz: float | None = Field(default=None, gt=0)
    signal: dict[str, list[float]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _signal_needs_rate(self) -> Self:
        if self.signal and self.signal_rate_hz is None:
            raise ValueError("signal_rate_hz is required when signal is given")
        if sum(len(v) for v in self.signal.values()) > 60_000:
            raise ValueError("evidence signal is limited to 60000 samples in all")
        return self


class EventBody(ContractModel):
    """A detected event. Build one with :meth:`EventBody.of`, which fills the taxonomy."""

    kind: Literal["event"] = "event"
    type: EventType
    status: EventStatus = EventStatus.RAISED
    warning_class: WarningClass
    dimension: Dimension
    severity: Severity
    evidence: Evidence
    detector: str | None = Field(default=None, max_length=100)

    @classmethod
    def of(
        cls,
        type_: EventType,
        evidence: Evidence,
        *,
        status: EventStatus = EventStatus.RAISED,
        severity: Severity | None = None,
        detector: str | None = None,
    ) -> EventBody:
        """Make an event of ``type_`` with the class, dimension and severity of the taxonomy."""
        entry = TAXONOMY[type_]
        return cls(
            type=type_,
            status=status,
            warning_class=entry.warning_class,
            dimension=entry.dimension,
            severity=severity or entry.severity,
            evidence=evidence,
            detector=detector,
        )

    @model_validator(mode="after")
    def _matches_taxonomy(self) -> Self:
        entry = TAXONOMY[self.type]
        if (self.warning_class, self.dimension) != (entry.warning_class, entry.dimension):
            raise ValueError(
                f"event type {self.type.value!r} belongs to warning_class "
                f"{entry.warning_class.value!r} and dimension {entry.dimension.value!r}"
            )
        return self

    @property
    def audience(self) -> Audience:
        """Whom this event is for."""
        return TAXONOMY[self.type].audience

"""Outcome codes an incident is closed with (the end of the closed loop, 闭环).

Example:
    >>> OutcomeCode("false_alarm").label_zh
    '误报'
    >>> needs_note(OutcomeCode.OTHER), needs_note(OutcomeCode.INJURY)
    (True, False)
"""

from __future__ import annotations

from enum import StrEnum


class OutcomeCode(StrEnum):
    """How an incident ended."""

    FALSE_ALARM = "false_alarm"
    ASSISTED_NO_INJURY = "assisted_no_injury"
    INJURY = "injury"
    EMERGENCY_SERVICES = "emergency_services"
    HOSPITAL = "hospital"
    RESIDENT_UNREACHABLE = "resident_unreachable"
    RESIDENT_AWAY = "resident_away"
    DEVICE_FAULT = "device_fault"
    OTHER = "other"

    @property
    def label_zh(self) -> str:
        """The zh-CN label shown in the app."""
        return _LABELS[self]


_LABELS = {
    OutcomeCode.FALSE_ALARM: "误报",
    OutcomeCode.ASSISTED_NO_INJURY: "已协助，无受伤",
    OutcomeCode.INJURY: "受伤",
    OutcomeCode.EMERGENCY_SERVICES: "已呼叫120/119",
    OutcomeCode.HOSPITAL: "已送医",
    OutcomeCode.RESIDENT_UNREACHABLE: "联系不上住户",
    OutcomeCode.RESIDENT_AWAY: "住户不在家",
    OutcomeCode.DEVICE_FAULT: "设备故障",
    OutcomeCode.OTHER: "其他",
}

FALSE_ALARM_OUTCOMES = frozenset({OutcomeCode.FALSE_ALARM, OutcomeCode.DEVICE_FAULT})
"""Outcomes counted as false alarms in the statistics."""


def needs_note(code: OutcomeCode) -> bool:
    """Whether closing with ``code`` needs a note saying what happened."""
    return code is OutcomeCode.OTHER

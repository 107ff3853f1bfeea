"""zh-CN labels for event types and severities, used in notifications and pages.

Declarative data: one line per event type, so a new type in ``contracts`` only needs a line.

Example:
    >>> from contracts.events import EventType, Severity
    >>> notice_title("fire", "critical", "res-0001")
    '【紧急】火警 · 住户 res-0001'
    >>> type_label("not_a_type")
    'not_a_type'
"""

from __future__ import annotations

from contracts.events import EventType, Severity, WarningClass

TYPE_LABELS: dict[EventType, str] = {
    EventType.FIRE: "火警",
    EventType.SMOKE_TEST: "烟感自检",
    EventType.FALL: "跌倒",
    EventType.SOS: "紧急呼叫",
    EventType.BED_EXIT_NO_RETURN: "离床未归",
    EventType.NOT_UP_BY_USUAL_TIME: "未按时起床",
    EventType.PROLONGED_INACTIVITY: "长时间无活动",
    EventType.HR_HIGH: "心率过高",
    EventType.HR_LOW: "心率过低",
    EventType.RR_HIGH: "呼吸过快",
    EventType.RR_LOW: "呼吸过慢",
    EventType.APNEA: "呼吸暂停",
    EventType.POSSIBLE_WANDERING: "疑似走失",
    EventType.FRAUD_WARNING: "诈骗预警",
    EventType.DEVICE_OFFLINE: "设备离线",
    EventType.DEVICE_TAMPER: "设备被拆",
    EventType.LOW_BATTERY: "电量低",
    EventType.OFF_WRIST: "手环未佩戴",
    EventType.GATEWAY_OFFLINE: "网关离线",
    EventType.COMMISSIONING_TEST: "安装调试测试（非真实告警）",
}

SEVERITY_LABELS: dict[Severity, str] = {
    Severity.CRITICAL: "紧急",
    Severity.HIGH: "高",
    Severity.MEDIUM: "中",
    Severity.LOW: "低",
    Severity.INFO: "提示",
}

WARNING_CLASS_LABELS: dict[WarningClass, str] = {
    WarningClass.HOME_ANOMALY: "居家异常",
    WarningClass.WANDERING: "走失",
    WarningClass.FRAUD: "诈骗",
    WarningClass.DEVICE_HEALTH: "设备状态",
}


def type_label(event_type: str) -> str:
    """The zh-CN name of an event type (the raw value if unknown)."""
    try:
        return TYPE_LABELS[EventType(event_type)]
    except (ValueError, KeyError):
        return event_type


def severity_label(severity: str) -> str:
    """The zh-CN name of a severity (the raw value if unknown)."""
    try:
        return SEVERITY_LABELS[Severity(severity)]
    except (ValueError, KeyError):
        return severity


def notice_title(event_type: str, severity: str, resident_id: str) -> str:
    """One line saying how urgent, what, and who (pseudonymous id only)."""
    return f"【{severity_label(severity)}】{type_label(event_type)} · 住户 {resident_id}"

"""Labels shown for codes the APIs return (message ids, translated in the templates).

Example:
    >>> type_label("fall"), outcome_codes()[0]
    ('Fall', 'false_alarm')
    >>> type_label("something_new")
    'something_new'
"""

from __future__ import annotations

from alerting.incidents.outcomes import OutcomeCode


def N_(text: str) -> str:  # noqa: N802 (the gettext convention for "mark, translate later")
    """Mark ``text`` for extraction; the template translates it."""
    return text


TYPES = {
    "fire": N_("Fire"),
    "smoke_test": N_("Smoke alarm test"),
    "fall": N_("Fall"),
    "sos": N_("SOS button"),
    "bed_exit_no_return": N_("Out of bed, not back"),
    "not_up_by_usual_time": N_("Not up by the usual time"),
    "prolonged_inactivity": N_("No activity for a long time"),
    "hr_high": N_("Heart rate high"),
    "hr_low": N_("Heart rate low"),
    "rr_high": N_("Breathing fast"),
    "rr_low": N_("Breathing slow"),
    "apnea": N_("Breathing pauses"),
    "possible_wandering": N_("Left home at night"),
    "fraud_warning": N_("Fraud warning"),
    "device_offline": N_("Device offline"),
    "device_tamper": N_("Device tampered with"),
    "low_battery": N_("Low battery"),
    "off_wrist": N_("Wristband not worn"),
    "gateway_offline": N_("Gateway offline"),
}
SEVERITIES = {
    "critical": N_("Critical"),
    "high": N_("High"),
    "medium": N_("Medium"),
    "low": N_("Low"),
    "info": N_("Info"),
}
STATUSES = {
    "open": N_("Waiting for someone to accept"),
    "accepted": N_("Accepted"),
    "en_route": N_("On the way"),
    "contact_made": N_("With the resident"),
    "resolved": N_("Resolved"),
    "closed": N_("Closed"),
}
OUTCOMES = {
    OutcomeCode.FALSE_ALARM: N_("False alarm"),
    OutcomeCode.ASSISTED_NO_INJURY: N_("Helped, no injury"),
    OutcomeCode.INJURY: N_("Injured"),
    OutcomeCode.EMERGENCY_SERVICES: N_("Called emergency services"),
    OutcomeCode.HOSPITAL: N_("Taken to hospital"),
    OutcomeCode.RESIDENT_UNREACHABLE: N_("Could not reach the resident"),
    OutcomeCode.RESIDENT_AWAY: N_("Resident not at home"),
    OutcomeCode.DEVICE_FAULT: N_("Device fault"),
    OutcomeCode.OTHER: N_("Other (say what in the note)"),
}
ACTIONS = {
    "opened": N_("Opened"),
    "event_attached": N_("Another event"),
    "cleared_event": N_("Source cleared"),
    "notification_delivered": N_("Page delivered"),
    "notification_retry": N_("Page retried"),
    "notification_failed": N_("Page failed"),
    "accepted": N_("Accepted"),
    "escalated": N_("Escalated"),
    "en_route": N_("On the way"),
    "contact_made": N_("Contact made"),
    "closed": N_("Closed"),
    "resolved": N_("Resolved"),
    "muted": N_("Muted"),
    "ack_timeout": N_("Not handled in time"),
    "cancelled": N_("Pages cancelled"),
}
VALUES = {
    "peak_g": N_("Impact (g)"),
    "orientation_change_deg": N_("Wrist turned (°)"),
    "stillness_s": N_("Still afterwards (s)"),
    "fall_probability": N_("Fall probability"),
    "cancel_window_s": N_("Time to cancel (s)"),
    "heart_rate_bpm": N_("Heart rate (bpm)"),
    "resp_rate_br_min": N_("Breathing (/min)"),
    "out_of_bed_min": N_("Out of bed (min)"),
    "usual_max_min": N_("Usual at most (min)"),
    "signal_quality": N_("Signal quality"),
}
SIGNALS = {
    "accel_g": N_("Wrist acceleration"),
    "heart_rate_bpm": N_("Heart rate"),
    "resp_rate_br_min": N_("Breathing rate"),
    "movement_index": N_("Movement"),
}
UNITS = {"accel_g": "g", "heart_rate_bpm": "bpm", "resp_rate_br_min": "/min"}


def type_label(code: str) -> str:
    """The message id of an event type (the code itself if unknown)."""
    return TYPES.get(code, code)


def outcome_codes() -> list[str]:
    """Outcome codes in the order the close form lists them."""
    return [code.value for code in OUTCOMES]


GATEWAY_STATES = {
    "online": N_("online"),
    "offline": N_("offline"),
    "unknown": N_("not heard from"),
}
DEVICE_STATES = {
    "ok": N_("Working"),
    "offline": N_("Offline"),
    "never": N_("Never heard from"),
}
DISABILITY = {
    "none": N_("None"),
    "mild": N_("Mild"),
    "moderate": N_("Moderate"),
    "severe": N_("Severe"),
}
ABSENCES = {
    "away": N_("Away"),
    "hospital": N_("In hospital"),
    "respite": N_("Respite care"),
}

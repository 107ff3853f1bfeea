"""Translatable one-line event summaries, built from an event's type and evidence numbers.

The detectors on the gateway write their summary in English (it goes into logs, the audit
trail and partner feeds). The care app shows, in a non-English locale, a message of its own
catalogs instead, filled with the evidence values the detector sent: a zh-CN care worker reads
"疑似跌倒：冲击 3.4 g，手腕转动 78°，之后静止 40 秒" rather than English. An event whose values
are missing (an older gateway, a type without an entry here) keeps the detector's text.

Example:
    >>> message, params = summary_message("fall", {"values": {
    ...     "peak_g": 3.42, "orientation_change_deg": 78.0, "stillness_s": 40.0}})
    >>> message % params
    'Suspected fall: impact 3.4 g, wrist turned 78°, still 40 s afterwards'
    >>> from care_app.i18n import load_translations
    >>> load_translations("zh_CN").gettext(message) % params
    '疑似跌倒：冲击 3.4 g，手腕转动 78°，之后静止 40 秒'
    >>> summary_message("fall", {"values": {"peak_g": 3.4}}) is None  # values missing
    True
    >>> summary_message("something_new", None) is None
    True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from care_app.labels import N_
from contracts.events import EventType


@dataclass(frozen=True)
class SummaryTemplate:
    """A message id with ``%(name)s`` placeholders and the evidence values it needs; ``when``
    lists values that must hold exactly (e.g. ``smoke`` true for an alarm, not its clearing)."""

    message: str
    needs: tuple[str, ...] = ()
    when: dict[str, Any] = field(default_factory=dict)


SUMMARIES: dict[str, SummaryTemplate] = {
    EventType.FALL: SummaryTemplate(
        N_(
            "Suspected fall: impact %(peak_g)s g, wrist turned %(orientation_change_deg)s°, "
            "still %(stillness_s)s s afterwards"
        ),
        ("peak_g", "orientation_change_deg", "stillness_s"),
    ),
    EventType.FIRE: SummaryTemplate(N_("The smoke alarm is sounding"), when={"smoke": True}),
    EventType.SMOKE_TEST: SummaryTemplate(N_("The smoke sensor's test button was pressed")),
    EventType.SOS: SummaryTemplate(N_("The SOS button on the wristband was pressed")),
    EventType.BED_EXIT_NO_RETURN: SummaryTemplate(
        N_("Out of bed for %(out_of_bed_min)s min and not back"), ("out_of_bed_min",)
    ),
    EventType.APNEA: SummaryTemplate(
        N_("Breathing paused for %(pause_s)s s (limit %(limit_s)s s)"), ("pause_s", "limit_s")
    ),
    EventType.HR_HIGH: SummaryTemplate(
        N_("Heart rate high: %(heart_rate_bpm)s bpm"), ("heart_rate_bpm",)
    ),
    EventType.HR_LOW: SummaryTemplate(
        N_("Heart rate low: %(heart_rate_bpm)s bpm"), ("heart_rate_bpm",)
    ),
    EventType.RR_HIGH: SummaryTemplate(
        N_("Breathing fast: %(resp_rate_br_min)s breaths/min"), ("resp_rate_br_min",)
    ),
    EventType.RR_LOW: SummaryTemplate(
        N_("Breathing slow: %(resp_rate_br_min)s breaths/min"), ("resp_rate_br_min",)
    ),
    EventType.LOW_BATTERY: SummaryTemplate(N_("Battery low: %(battery_pct)s%%"), ("battery_pct",)),
}


def _number(value: Any) -> str:
    """A value as shown: one decimal at most, none when it is whole.

    >>> _number(3.42), _number(78.0), _number(15), _number("x")
    ('3.4', '78', '15', 'x')
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    rounded = round(float(value), 1)
    return str(int(rounded)) if rounded.is_integer() else str(rounded)


def summary_message(
    event_type: str, evidence: dict[str, Any] | None
) -> tuple[str, dict[str, str]] | None:
    """The message id and its parameters for this event, or ``None`` to keep the detector's
    own summary (no entry for the type, or a needed value missing)."""
    template = SUMMARIES.get(event_type)
    values = (evidence or {}).get("values") or {}
    if template is None or not isinstance(values, dict):
        return None
    if any(values.get(k) != v for k, v in template.when.items()):
        return None
    if any(values.get(name) is None for name in template.needs):
        return None
    return template.message, {name: _number(values[name]) for name in template.needs}

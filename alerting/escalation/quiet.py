"""Quiet hours for family members: non-critical pages to family wait until the morning.

Care workers on duty are always paged; family members are woken at night only for critical
incidents (fire, SOS, a fall, apnea …). A page held back is stored with its send time set to
the end of the quiet hours, so it is cancelled like any other pending page if someone accepts
the incident first.

Example:
    >>> from datetime import UTC, datetime
    >>> quiet = QuietHours.model_validate({"start": "22:00", "end": "07:00"})
    >>> quiet_until(quiet, datetime(2026, 11, 24, 16, 30, tzinfo=UTC), "Asia/Shanghai")
    datetime.datetime(2026, 11, 24, 23, 0, tzinfo=datetime.timezone.utc)
    >>> quiet_until(quiet, datetime(2026, 11, 24, 3, 0, tzinfo=UTC), "Asia/Shanghai") is None
    True
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from contracts.config import ConfigModel


class QuietHours(ConfigModel):
    """Local times between which non-critical family pages wait (``end`` may be after
    midnight)."""

    start: time
    end: time


def quiet_until(quiet: QuietHours, now: datetime, timezone: str) -> datetime | None:
    """The end of the quiet hours ``now`` falls in (UTC), or ``None`` outside them."""
    local = now.astimezone(ZoneInfo(timezone))
    clock = local.time()
    if quiet.start < quiet.end:
        inside = quiet.start <= clock < quiet.end
        end_day = local.date()
    else:
        inside = clock >= quiet.start or clock < quiet.end
        end_day = local.date() + timedelta(days=1) if clock >= quiet.start else local.date()
    if not inside:
        return None
    end = datetime.combine(end_day, quiet.end, tzinfo=local.tzinfo)
    return end.astimezone(UTC)

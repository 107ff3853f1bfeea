"""The residents' local time in dashboard SQL: one zone for shifts, ages and months.

It is the REST API's default zone (``ApiSettings.timezone``), the one the care app and the API
count local days in.

Example:
    >>> LOCAL_TIMEZONE
    'Asia/Shanghai'
    >>> local_sql("opened_at")
    "(opened_at AT TIME ZONE 'Asia/Shanghai')"
"""

from __future__ import annotations

from cloud_ingest.api.settings import ApiSettings

LOCAL_TIMEZONE: str = ApiSettings.model_fields["timezone"].default
"""Shifts, months and ages are counted in the residents' local time (the API's default zone)."""


def local_sql(column: str) -> str:
    """SQL: the timestamptz ``column`` as a local timestamp in :data:`LOCAL_TIMEZONE`."""
    return f"({column} AT TIME ZONE '{LOCAL_TIMEZONE}')"

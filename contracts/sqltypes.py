"""Column types shared by the services' SQLAlchemy models (the ingest store, the alert router).

Example:
    >>> from datetime import datetime
    >>> UtcDateTime().process_result_value(datetime(2026, 1, 1), None).isoformat()
    '2026-01-01T00:00:00+00:00'
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect, TypeDecorator

__all__ = ["UtcDateTime"]


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp that comes back aware (UTC) on every backend.

    SQLite keeps no zone: UTC is stored there without one and attached again on reading.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Store UTC; refuse naive times, whose meaning is unknown.

        Raises:
            ValueError: ``value`` is naive (pass a timezone-aware time).
        """
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass a timezone-aware time")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect | None) -> datetime | None:
        """Attach UTC to what SQLite returns without a zone."""
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

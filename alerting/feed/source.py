"""Reading the ingest's ``events`` table (names from :mod:`contracts.feed`).

With several ingest workers, rows can commit out of ``seq`` order, so a reader that only asked
for ``seq > highest_seen`` could miss a row that commits late with a lower ``seq``. We re-read
a lag window below the highest processed ``seq`` and skip rows already recorded in
``incident_events`` (the ``NOT EXISTS``), which keeps the query cheap and processing idempotent.

Example:
    >>> lag_floor(5000, 1000), lag_floor(300, 1000)
    (4000, 0)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, column, exists, inspect, select, table

from alerting.store.models import IncidentEvent
from contracts.feed import (
    EVENT_FEED_ENVELOPE,
    EVENT_FEED_MESSAGE_ID,
    EVENT_FEED_RECEIVED_AT,
    EVENT_FEED_SEQ,
    EVENT_FEED_TABLE,
)
from contracts.sqltypes import UtcDateTime

events_table = table(
    EVENT_FEED_TABLE,
    column(EVENT_FEED_SEQ),
    column(EVENT_FEED_MESSAGE_ID),
    column(EVENT_FEED_ENVELOPE),
    column(EVENT_FEED_RECEIVED_AT, UtcDateTime()),
)
"""The columns of the feed that are part of the contract (nothing else is)."""


@dataclass(frozen=True, slots=True)
class EventRow:
    """One stored event as the feed hands it over."""

    seq: int
    message_id: str
    envelope_json: str
    received_at: datetime
    """When the ingest stored it."""


def lag_floor(high_seq: int, lag_window: int) -> int:
    """The ``seq`` above which rows are still (re)considered."""
    return max(0, high_seq - lag_window)


def events_table_exists(connection: Connection) -> bool:
    """Whether the ingest has created its table yet."""
    return inspect(connection).has_table(EVENT_FEED_TABLE)


def unprocessed_rows(connection: Connection, *, low: int, limit: int) -> list[EventRow]:
    """Rows above ``low`` that are not yet in ``incident_events``, oldest ``seq`` first."""
    seq = events_table.c[EVENT_FEED_SEQ]
    message_id = events_table.c[EVENT_FEED_MESSAGE_ID]
    processed = exists().where(IncidentEvent.message_id == message_id)
    query = (
        select(
            seq,
            message_id,
            events_table.c[EVENT_FEED_ENVELOPE],
            events_table.c[EVENT_FEED_RECEIVED_AT],
        )
        .where(seq > bindparam("low", low), ~processed)
        .order_by(seq)
        .limit(limit)
    )
    rows = connection.execute(query).all()
    return [
        EventRow(
            int(r[0]), str(r[1]), r[2] if isinstance(r[2], str) else bytes(r[2]).decode(), r[3]
        )
        for r in rows
    ]

"""The stored-event feed: how the alert router reads what the ingest stored.

Components talk through the database only through names fixed here. ``cloud_ingest`` owns the
table and writes one row per accepted event message, in commit order of ``seq``;
``alerting`` reads rows with ``seq`` above its own cursor and decodes ``envelope_json`` with
:func:`contracts.envelope.decode_envelope`. Nothing else in the table is part of the contract.
"""

from __future__ import annotations

EVENT_FEED_TABLE = "events"
"""Table name."""
EVENT_FEED_SEQ = "seq"
"""Monotonically increasing integer primary key."""
EVENT_FEED_MESSAGE_ID = "message_id"
"""The envelope's message id (unique)."""
EVENT_FEED_ENVELOPE = "envelope_json"
"""The envelope exactly as validated, as JSON text."""
EVENT_FEED_RECEIVED_AT = "received_at"
"""When the ingest stored the row (UTC): the router measures its feed lag from it."""
EVENT_FEED_NOTIFY_CHANNEL = "sg_event_feed"
"""On PostgreSQL the ingest sends ``NOTIFY`` on this channel in the transaction that adds feed
rows (delivered at commit), so a reader that ``LISTEN``s reads at once instead of at its next
poll. Polling stays the source of truth: a missed notification only costs one poll interval."""

INCIDENTS_TABLE = "incidents"
"""The alert router's incidents (owned and written by ``alerting``; others only read)."""
INCIDENT_COLUMNS = (
    "id",
    "org_id",
    "resident_id",
    "home_id",
    "type",
    "warning_class",
    "severity",
    "status",
    "summary",
    "opened_at",
    "last_event_at",
    "event_count",
    "accepted_by",
    "accepted_at",
    "resolved_at",
)
"""Columns of :data:`INCIDENTS_TABLE` other components may read (times are UTC)."""

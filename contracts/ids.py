"""Sortable unique message ids (ULID: 48-bit millisecond time + 80 random bits).

Example:
    >>> from datetime import UTC, datetime
    >>> a = new_message_id(datetime(2026, 1, 1, tzinfo=UTC))
    >>> b = new_message_id(datetime(2026, 1, 2, tzinfo=UTC))
    >>> a < b, len(a)
    (True, 26)
    >>> message_id_time(a).isoformat()
    '2026-01-01T00:00:00+00:00'
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import StringConstraints
from ulid import ULID

MESSAGE_ID_PATTERN = r"^[0-7][0-9A-HJKMNP-TV-Z]{25}$"

MessageId = Annotated[str, StringConstraints(pattern=MESSAGE_ID_PATTERN)]
"""A ULID in its canonical 26-character Crockford base32 form."""


def new_message_id(now: datetime) -> str:
    """Return a new ULID whose time part is ``now`` (timezone-aware)."""
    return str(ULID.from_datetime(now))


def message_id_time(message_id: str) -> datetime:
    """Return the creation time encoded in a message id."""
    return ULID.from_str(message_id).datetime


IDENTIFIER_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"

Identifier = Annotated[str, StringConstraints(pattern=IDENTIFIER_PATTERN)]
"""A pseudonymous id (organisation, gateway, home, resident, device, person).

Lower-case letters, digits, ``_`` and ``-``; safe inside an MQTT topic level. Never a name or an
ID-card number: those stay in the cloud's resident profile.
"""

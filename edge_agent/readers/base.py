"""What every home-broker reader shares: the update it yields and how it keeps bad payloads.

A reader is pure parsing (no MQTT): the agent hands in each (topic, payload) it receives, the
reader returns a :class:`DeviceUpdate` for a configured device, or None for foreign topics,
cleared retained messages and malformed payloads. A malformed payload is counted, logged once
per device, kept (the last few in memory; the agent also keeps them in the outbox database for
``silverguard edge outbox status``) and never fatal.

Example:
    >>> from datetime import UTC, datetime
    >>> log = MalformedLog("wristband", keep=2)
    >>> now = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    >>> for i in range(3):
    ...     log.add("band-1", "wristband/b1/status", b"{", "not JSON", now)
    >>> log.count, len(log.kept), log.kept[-1].source
    (3, 2, 'wristband')
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass
from datetime import datetime

from contracts.readings import DeviceReading

logger = logging.getLogger(__name__)

KEEP_MALFORMED = 50
"""How many malformed payloads a reader keeps in memory for inspection."""


@dataclass(frozen=True, slots=True)
class DeviceUpdate:
    """A configured device sent a reading (``device_time``: its own clock, if it sent one)."""

    device_id: str
    reading: DeviceReading
    device_time: datetime | None = None


@dataclass(frozen=True, slots=True)
class MalformedPayload:
    """A payload that could not be understood, kept for inspection."""

    received_at: datetime
    topic: str
    payload: bytes
    reason: str
    source: str = ""


class MalformedLog:
    """Counts malformed payloads, keeps the last ``keep`` and logs the first one per device."""

    def __init__(self, source: str, *, keep: int = KEEP_MALFORMED) -> None:
        self.source = source
        self.kept: deque[MalformedPayload] = deque(maxlen=keep)
        self.count = 0
        self._logged_devices: set[str] = set()

    def add(self, device_id: str, topic: str, payload: bytes, reason: str, now: datetime) -> None:
        """Count and keep one malformed payload from ``device_id``."""
        self.count += 1
        self.kept.append(MalformedPayload(now, topic, bytes(payload), reason, self.source))
        if device_id not in self._logged_devices:
            self._logged_devices.add(device_id)
            logger.warning(
                "ignoring a malformed %s payload from %s on %s (%s); further ones from this "
                "device are only counted: check the device's bridge or firmware version",
                self.source,
                device_id,
                topic,
                reason,
            )

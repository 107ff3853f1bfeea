"""Wristband messages (see :mod:`contracts.devices.wristband`) → readings, for configured bands.

Pure parsing, no MQTT. Unknown bands and foreign topics are ignored; a malformed payload is
counted, logged once per band, kept for inspection and never fatal.

Example:
    >>> from datetime import UTC, datetime
    >>> now = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    >>> r = WristbandReader("wristband", {"c8f09e3a11b2": "band-0001"})
    >>> r.subscriptions()
    ['wristband/+/accel', 'wristband/+/status']
    >>> u = r.parse("wristband/c8f09e3a11b2/status", b'{"hr": 71, "sos": true, "x": 1}', now)
    >>> u.device_id, u.reading.heart_rate_bpm, u.reading.sos_pressed
    ('band-0001', 71.0, True)
    >>> r.parse("wristband/0000/status", b'{"sos": true}', now) is None  # not our band
    True
    >>> r.parse("wristband/c8f09e3a11b2/accel", b'{"xyz": []}', now) is None
    True
    >>> r.malformed_count, r.messages
    (1, 1)
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Mapping
from datetime import datetime

from contracts.devices.wristband import (
    WristbandAccelPayload,
    WristbandStatusPayload,
    WristbandTopicKind,
    parse_wristband_topic,
    wristband_topic,
)
from contracts.errors import PayloadValidationError
from edge_agent.readers.base import KEEP_MALFORMED, DeviceUpdate, MalformedLog, MalformedPayload

SOURCE = "wristband"


class WristbandReader:
    """Turns the configured bands' accel and status messages into device updates."""

    def __init__(
        self, base_topic: str, bands: Mapping[str, str], *, keep_malformed: int = KEEP_MALFORMED
    ) -> None:
        self._base = base_topic
        self._bands = dict(bands)
        self._log = MalformedLog(SOURCE, keep=keep_malformed)
        self.messages = 0
        """Messages of configured bands understood so far."""

    @property
    def malformed(self) -> deque[MalformedPayload]:
        """The last malformed payloads."""
        return self._log.kept

    @property
    def malformed_count(self) -> int:
        """How many payloads could not be understood."""
        return self._log.count

    def subscriptions(self) -> list[str]:
        """The topic filters to subscribe to on the home broker."""
        return [wristband_topic("+", kind, self._base) for kind in WristbandTopicKind]

    def parse(self, topic: str, payload: bytes, now: datetime) -> DeviceUpdate | None:
        """The update in one message, or None if it is not ours, empty, or malformed."""
        parsed = parse_wristband_topic(topic, self._base)
        if parsed is None:
            return None
        band_id, kind = parsed
        device_id = self._bands.get(band_id)
        if device_id is None or not payload.strip():
            return None
        try:
            raw = json.loads(payload)
        except (ValueError, RecursionError) as exc:
            self._log.add(device_id, topic, payload, f"not JSON: {exc}", now)
            return None
        if not isinstance(raw, dict):
            self._log.add(device_id, topic, payload, "not a JSON object", now)
            return None
        try:
            if kind is WristbandTopicKind.ACCEL:
                accel = WristbandAccelPayload.parse_payload(raw)
                update = DeviceUpdate(device_id, accel.to_reading(), accel.device_time())
            else:
                status = WristbandStatusPayload.parse_payload(raw)
                update = DeviceUpdate(device_id, status.to_reading(), status.device_time())
        except (PayloadValidationError, ValueError) as exc:
            self._log.add(device_id, topic, payload, str(exc), now)
            return None
        self.messages += 1
        return update

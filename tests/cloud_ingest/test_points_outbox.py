"""A gateway heartbeat's outbox disk health (``readers.outbox``) becomes device-health points;
an older agent's heartbeat without it gives none of them, and non-numbers are left out."""

from __future__ import annotations

from datetime import UTC, datetime

from cloud_ingest.tsdb.points import points_of
from contracts import GatewayState
from contracts.envelope import Envelope
from contracts.ids import new_message_id
from contracts.status import GatewayStatusBody

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def _fields(readers: dict[str, dict[str, int | float | bool | str | None]] | None) -> str:
    envelope = Envelope(
        message_id=new_message_id(NOW),
        org_id="org-a",
        gateway_id="gw-1",
        gateway_time=NOW,
        body=GatewayStatusBody(state=GatewayState.ONLINE, outbox_depth=3, readers=readers),
    )
    [line] = points_of(envelope)
    return line.split(" ")[1]


def test_the_outbox_disk_health_of_a_heartbeat_is_stored() -> None:
    outbox: dict[str, int | float | bool | str | None] = {
        "disk_full": True,
        "held_alarms": 2,
        "dropped_telemetry": 120,
        "reserve_bytes": 0,
        "reserve_error": "cannot make the outbox's disk reserve …",
    }
    assert _fields({"outbox": outbox}) == (
        "online=1,outbox_depth=3,outbox_disk_full=1,outbox_dropped_telemetry=120,"
        "outbox_held_alarms=2"
    )


def test_a_heartbeat_without_outbox_health_gives_none_of_its_fields() -> None:
    assert _fields(None) == "online=1,outbox_depth=3"
    assert _fields({"outbox": {"disk_full": "yes"}}) == "online=1,outbox_depth=3"

"""The durable outbox on a real SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from contracts import Envelope, EventBody, EventType, Evidence, SmokeReading, new_message_id
from contracts.envelope import decode_envelope
from contracts.topics import TopicKind
from edge_agent.errors import OutboxError
from edge_agent.outbox.store import OutboxLane, OutboxStore

T0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def envelope(at: datetime, *, fire: bool = False) -> Envelope:
    body = (
        EventBody.of(EventType.FIRE, Evidence(summary="smoke"))
        if fire
        else SmokeReading(smoke=False)
    )
    return Envelope(
        message_id=new_message_id(at),
        org_id="org-demo",
        gateway_id="gw-0001",
        gateway_time=at,
        body=body,
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[OutboxStore]:
    s = OutboxStore(tmp_path / "outbox.db", ack_timeout_s=10)
    yield s
    s.close()


def test_alarms_go_before_older_telemetry(store: OutboxStore) -> None:
    readings = [envelope(T0 + timedelta(seconds=i)) for i in range(3)]
    fire = envelope(T0 + timedelta(seconds=5), fire=True)
    for r in readings:
        store.put(r, OutboxLane.TELEMETRY)
    store.put(fire, OutboxLane.ALARM)
    due = store.due(T0, 10)
    assert [i.message_id for i in due] == [fire.message_id] + [r.message_id for r in readings]
    assert due[0].topic_kind is TopicKind.EVENT
    assert due[1].topic_kind is TopicKind.READING
    assert decode_envelope(due[0].payload) == fire
    assert [i.message_id for i in store.due(T0, 2)] == [fire.message_id, readings[0].message_id]
    assert store.depth() == {OutboxLane.ALARM: 1, OutboxLane.TELEMETRY: 3}


def test_sent_items_are_resent_only_after_the_ack_timeout(store: OutboxStore) -> None:
    e = envelope(T0)
    store.put(e, OutboxLane.TELEMETRY)
    store.mark_sent([e.message_id], T0)
    assert store.due(T0 + timedelta(seconds=9), 10) == []
    again = store.due(T0 + timedelta(seconds=10), 10)
    assert [(i.message_id, i.send_count) for i in again] == [(e.message_id, 1)]


def test_ack_is_idempotent_and_only_ack_removes(store: OutboxStore) -> None:
    e = envelope(T0)
    store.put(e, OutboxLane.ALARM)
    store.put(e, OutboxLane.ALARM)  # same id twice: one row
    store.mark_sent([e.message_id], T0)
    assert store.depth()[OutboxLane.ALARM] == 1
    assert store.ack([e.message_id, "01JDZ3S3G2J8T0V0G8W6ZQ4C0Y"]) == 1
    assert store.ack([e.message_id]) == 0
    assert store.depth() == {OutboxLane.ALARM: 0, OutboxLane.TELEMETRY: 0}


def test_oldest_unsent_age(store: OutboxStore) -> None:
    assert store.oldest_unsent_age(T0) is None
    store.put(envelope(T0), OutboxLane.TELEMETRY)
    store.put(envelope(T0 + timedelta(seconds=30)), OutboxLane.ALARM)
    assert store.oldest_unsent_age(T0 + timedelta(minutes=1)) == timedelta(minutes=1)


def test_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "outbox.db"
    e = envelope(T0, fire=True)
    first = OutboxStore(path)
    first.put(e, OutboxLane.ALARM)
    first.save_detector_state("edge.fire/v1", {"version": 1, "sensors": {}}, T0)
    first.close()
    second = OutboxStore(path)
    try:
        assert [i.message_id for i in second.due(T0, 10)] == [e.message_id]
        assert second.load_detector_state("edge.fire/v1") == {"version": 1, "sensors": {}}
        assert second.load_detector_state("other") is None
    finally:
        second.close()


def test_wal_and_full_sync(store: OutboxStore) -> None:
    conn = store._conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_an_unusable_path_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(OutboxError, match="cannot open the outbox"):
        OutboxStore(blocker / "outbox.db")


def test_events_and_detector_state_land_together(store: OutboxStore) -> None:
    fire = envelope(T0, fire=True)
    store.put_with_state([(fire, OutboxLane.ALARM)], ("fire", {"smoke": True}, T0))
    assert [item.message_id for item in store.due(T0, 10)] == [fire.message_id]
    assert store.load_detector_state("fire") == {"smoke": True}


def test_a_failed_write_keeps_neither_events_nor_state(store: OutboxStore) -> None:
    store.save_detector_state("fire", {"smoke": False}, T0)
    store._conn.execute("DROP TABLE detector_state")  # the state write will fail mid-transaction
    store._conn.execute(
        "CREATE TABLE detector_state (name TEXT PRIMARY KEY, snapshot TEXT NOT NULL "
        "CHECK (snapshot NOT LIKE '%true%'), updated_at REAL)"
    )
    with pytest.raises(OutboxError):
        store.put_with_state(
            [(envelope(T0, fire=True), OutboxLane.ALARM)], ("fire", {"smoke": True}, T0)
        )
    assert store.due(T0, 10) == []  # the event did not land without its state

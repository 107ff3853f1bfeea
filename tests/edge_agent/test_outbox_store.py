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
from edge_agent.outbox.kept import KEEP_MALFORMED_ROWS
from edge_agent.outbox.limits import OutboxLimits
from edge_agent.outbox.store import OutboxLane, OutboxStore
from edge_agent.readers.base import MalformedPayload

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
    conn = store._db.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_an_unusable_path_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(OutboxError, match="cannot open the outbox"):
        OutboxStore(blocker / "outbox.db")


def test_events_and_detector_state_land_together(store: OutboxStore) -> None:
    fire = envelope(T0, fire=True)
    store.put_with_state([(fire, OutboxLane.ALARM)], [("fire", {"smoke": True}, T0)])
    assert [item.message_id for item in store.due(T0, 10)] == [fire.message_id]
    assert store.load_detector_state("fire") == {"smoke": True}


def test_a_failed_write_keeps_neither_events_nor_state(store: OutboxStore) -> None:
    store.save_detector_state("fire", {"smoke": False}, T0)
    store._db.conn.execute("DROP TABLE detector_state")  # the state write will fail mid-transaction
    store._db.conn.execute(
        "CREATE TABLE detector_state (name TEXT PRIMARY KEY, snapshot TEXT NOT NULL "
        "CHECK (snapshot NOT LIKE '%true%'), updated_at REAL)"
    )
    with pytest.raises(OutboxError):
        store.put_with_state(
            [(envelope(T0, fire=True), OutboxLane.ALARM)], [("fire", {"smoke": True}, T0)]
        )
    assert store.due(T0, 10) == []  # the event did not land without its state


def limited_store(tmp_path: Path, **limits: float) -> OutboxStore:
    return OutboxStore(
        tmp_path / "limited.db", ack_timeout_s=10, limits=OutboxLimits.model_validate(limits)
    )


def test_a_full_outbox_sheds_the_oldest_telemetry_and_keeps_every_alarm(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = limited_store(tmp_path, max_messages=100)
    alarms: list[str] = []
    readings: list[str] = []
    for i in range(300):
        at = T0 + timedelta(seconds=i)
        env = envelope(at, fire=i % 3 == 0)
        (alarms if i % 3 == 0 else readings).append(env.message_id)
        store.put(env, OutboxLane.ALARM if i % 3 == 0 else OutboxLane.TELEMETRY)
    depth = store.depth()
    assert depth[OutboxLane.ALARM] == 100  # all 100 alarms kept
    assert depth[OutboxLane.TELEMETRY] == 0
    assert store.counters() == {"shed.full": 200}
    # past the bound with alarms only: nothing is dropped, and it says so
    store.put(envelope(T0 + timedelta(hours=1), fire=True), OutboxLane.ALARM)
    assert store.depth()[OutboxLane.ALARM] == 101
    assert "all are alarms: none is dropped" in caplog.text
    assert "dropped the 1 oldest telemetry messages" in caplog.text
    due = [i.message_id for i in store.due(T0 + timedelta(hours=2), 1000)]
    assert due[:100] == alarms
    store.close()


def test_shedding_keeps_the_newest_telemetry(tmp_path: Path) -> None:
    store = limited_store(tmp_path, max_messages=100)
    ids = []
    for i in range(150):
        env = envelope(T0 + timedelta(seconds=i))
        ids.append(env.message_id)
        store.put(env, OutboxLane.TELEMETRY)
    assert [i.message_id for i in store.due(T0 + timedelta(hours=1), 1000)] == ids[50:]
    store.close()


def test_the_byte_bound_sheds_too(tmp_path: Path) -> None:
    store = limited_store(tmp_path, max_bytes=64 * 1024)
    for i in range(500):
        store.put(envelope(T0 + timedelta(seconds=i)), OutboxLane.TELEMETRY)
    _, size, _ = store.lane_stats()[OutboxLane.TELEMETRY]
    assert size <= 64 * 1024
    assert store.counters()["shed.full"] > 0
    store.close()
    reopened = limited_store(tmp_path, max_bytes=64 * 1024)  # totals are recounted on open
    assert reopened._bytes == size
    reopened.close()


def test_old_telemetry_is_pruned_by_age_but_alarms_stay(tmp_path: Path) -> None:
    store = limited_store(tmp_path, telemetry_max_age_h=1)
    store.put(envelope(T0), OutboxLane.TELEMETRY)
    store.put(envelope(T0, fire=True), OutboxLane.ALARM)
    fresh = envelope(T0 + timedelta(minutes=90))
    store.put(fresh, OutboxLane.TELEMETRY)
    assert store.prune_aged(T0 + timedelta(minutes=100)) == 1
    assert store.depth() == {OutboxLane.ALARM: 1, OutboxLane.TELEMETRY: 1}
    assert store.counters() == {"shed.age": 1}
    store.close()


def test_lane_order_is_the_order_stored_even_within_one_millisecond(store: OutboxStore) -> None:
    envs = [envelope(T0, fire=True) for _ in range(50)]  # same ms: ULIDs sort randomly
    for env in envs:
        store.put(env, OutboxLane.ALARM)
    assert [i.message_id for i in store.due(T0, 100)] == [e.message_id for e in envs]


def test_in_flight_telemetry_is_capped_but_alarms_never(store: OutboxStore) -> None:
    for i in range(10):
        store.put(envelope(T0 + timedelta(milliseconds=i)), OutboxLane.TELEMETRY)
    store.put(envelope(T0, fire=True), OutboxLane.ALARM)
    first = store.due(T0, 100, max_telemetry=3)
    assert [i.lane for i in first] == [OutboxLane.ALARM] + [OutboxLane.TELEMETRY] * 3
    store.mark_sent([i.message_id for i in first], T0)
    assert store.in_flight(T0) == 3
    assert store.in_flight(T0, OutboxLane.ALARM) == 1
    assert store.due(T0, 100, max_telemetry=0) == []


def test_unacked_telemetry_backs_off_but_alarms_are_resent_every_ack_timeout(
    store: OutboxStore,
) -> None:
    """A slow cloud (no acks, still connected): telemetry is sent at 0, 10, 30, 70, 150 s and
    then every 160 s; an alarm every 10 s. While it waits, telemetry counts as in flight."""
    reading, fire = envelope(T0), envelope(T0, fire=True)
    store.put(reading, OutboxLane.TELEMETRY)
    store.put(fire, OutboxLane.ALARM)
    sent: dict[str, list[float]] = {reading.message_id: [], fire.message_id: []}
    for second in range(0, 500):
        now = T0 + timedelta(seconds=second)
        due = store.due(now, 10)
        store.mark_sent([i.message_id for i in due], now)
        for item in due:
            sent[item.message_id].append(second)
        if second == 100:
            assert store.in_flight(now) == 1  # sent at 70, next at 150
    assert sent[reading.message_id] == [0, 10, 30, 70, 150, 310, 470]
    assert sent[fire.message_id] == list(range(0, 500, 10))
    store.requeue_unacked()  # a reconnect sends it again at once, whatever its wait
    assert [i.message_id for i in store.due(T0 + timedelta(seconds=500), 10)] == [
        fire.message_id,
        reading.message_id,
    ]


def test_after_a_reconnect_everything_unacked_is_due_again_in_order(store: OutboxStore) -> None:
    envs = [envelope(T0 + timedelta(seconds=i), fire=True) for i in range(5)]
    for env in envs:
        store.put(env, OutboxLane.ALARM)
    store.mark_sent([e.message_id for e in envs[:3]], T0)
    assert [i.message_id for i in store.due(T0, 10)] == [e.message_id for e in envs[3:]]
    assert store.requeue_unacked() == 3
    assert [i.message_id for i in store.due(T0, 10)] == [e.message_id for e in envs]


def test_malformed_payloads_are_kept_bounded_and_counted(store: OutboxStore) -> None:
    bad = [
        MalformedPayload(T0, "wristband/b1/status", f"{i}".encode(), "not JSON", "wristband")
        for i in range(KEEP_MALFORMED_ROWS + 5)
    ]
    store.put_with_state([], [], bad)
    kept = store.malformed(limit=1000)
    assert len(kept) == KEEP_MALFORMED_ROWS
    assert kept[0].payload == f"{KEEP_MALFORMED_ROWS + 4}".encode()
    assert store.counters() == {"malformed.wristband": KEEP_MALFORMED_ROWS + 5}


def test_alarms_commit_with_full_sync_and_telemetry_with_normal(store: OutboxStore) -> None:
    def sync() -> int:
        return int(store._db.conn.execute("PRAGMA synchronous").fetchone()[0])

    store.put(envelope(T0), OutboxLane.TELEMETRY)
    assert sync() == 1  # NORMAL
    store.put(envelope(T0, fire=True), OutboxLane.ALARM)
    assert sync() == 2  # FULL
    store.put_with_state([], [("edge.fire/v1", {}, T0)])
    assert sync() == 2


def test_several_detector_states_land_with_their_events(store: OutboxStore) -> None:
    store.put_with_state(
        [(envelope(T0, fire=True), OutboxLane.ALARM)],
        [("edge.fire/v1", {"a": 1}, T0), ("edge.fall/v1", {"b": 2}, T0)],
    )
    assert store.load_detector_state("edge.fire/v1") == {"a": 1}
    assert store.load_detector_state("edge.fall/v1") == {"b": 2}

"""IngestStore on PostgreSQL and SQLite: idempotent by message id, quarantine kept byte-exact."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import RowMapping, create_engine, select

from cloud_ingest.errors import StoreError
from cloud_ingest.store import EventRow, GatewayStatusRow, IngestStore, ReadingRow
from cloud_ingest.store.engine import make_engine
from contracts import AckStatus, GatewayState, decode_envelope, encode_envelope
from contracts.clock import FakeClock
from tests.cloud_ingest.support import NOW, event_envelope, reading_envelope, status_envelope


def _rows(url: str, model: type[EventRow | ReadingRow | GatewayStatusRow]) -> list[RowMapping]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            order = model.__mapper__.primary_key[0]
            return [r._mapping for r in conn.execute(select(model.__table__).order_by(order))]
    finally:
        engine.dispose()


def test_event_is_stored_once_then_duplicate(
    store: IngestStore, database_url: str, clock: FakeClock
) -> None:
    env = event_envelope()
    raw = encode_envelope(env)
    assert store.store(env, raw) is AckStatus.STORED
    clock.advance(timedelta(seconds=5))
    assert store.store(env, raw) is AckStatus.DUPLICATE
    rows = _rows(database_url, EventRow)
    assert len(rows) == 1
    row = rows[0]
    assert row["message_id"] == env.message_id
    assert decode_envelope(row["envelope_json"]) == env
    assert row["type"] == "fire"
    assert row["severity"] == "critical"
    assert row["warning_class"] == "home_anomaly"
    assert row["status"] == "raised"
    assert row["home_id"] == "home-1"


def test_event_times_come_back_timezone_aware(store: IngestStore, database_url: str) -> None:
    shanghai = datetime(2026, 11, 24, 11, 0, tzinfo=timezone(timedelta(hours=8)))
    env = event_envelope(at=shanghai)
    store.store(env, encode_envelope(env))
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:  # ORM-typed columns: the UtcDateTime type decodes them
            got = conn.execute(
                select(EventRow.gateway_time, EventRow.received_at, EventRow.device_time)
            ).one()
    finally:
        engine.dispose()
    assert got.gateway_time == shanghai
    assert got.gateway_time.tzinfo is not None
    assert got.received_at == NOW
    assert got.device_time == shanghai


def test_event_seq_increases_in_insert_order(store: IngestStore, database_url: str) -> None:
    envs = [event_envelope(at=NOW + timedelta(seconds=i)) for i in range(5)]
    for env in envs:
        store.store(env, encode_envelope(env))
    store.store(envs[0], encode_envelope(envs[0]))  # a duplicate takes no visible row
    rows = _rows(database_url, EventRow)
    seqs = [r["seq"] for r in rows]
    assert seqs == sorted(seqs)
    assert len(set(seqs)) == 5
    assert [r["message_id"] for r in rows] == [e.message_id for e in envs]


def test_reading_is_stored_once(store: IngestStore, database_url: str) -> None:
    env = reading_envelope()
    assert store.store(env, encode_envelope(env)) is AckStatus.STORED
    assert store.store(env, encode_envelope(env)) is AckStatus.DUPLICATE
    rows = _rows(database_url, ReadingRow)
    assert len(rows) == 1
    assert rows[0]["kind"] == "reading.smoke"
    assert '"battery_pct":88' in rows[0]["body_json"]
    assert _rows(database_url, EventRow) == []


def test_gateway_status_last_received_wins(
    store: IngestStore, database_url: str, clock: FakeClock
) -> None:
    birth = status_envelope(GatewayState.ONLINE)
    assert store.store(birth, encode_envelope(birth)) is AckStatus.STORED
    assert store.store(birth, encode_envelope(birth)) is AckStatus.DUPLICATE
    clock.advance(timedelta(minutes=1))
    # The last will was registered at connect time, so it is older than the birth: it must
    # still win, because it arrived later.
    will = status_envelope(GatewayState.OFFLINE, at=NOW - timedelta(seconds=1))
    assert store.store(will, encode_envelope(will)) is AckStatus.STORED
    rows = _rows(database_url, GatewayStatusRow)
    assert len(rows) == 1
    assert rows[0]["state"] == "offline"
    assert rows[0]["last_message_id"] == will.message_id
    assert rows[0]["agent_version"] == "0.1.0"


def test_quarantine_keeps_raw_bytes_newest_first(store: IngestStore, clock: FakeClock) -> None:
    store.quarantine("sg/v1/org-t/gw-1/event", b"\xff\x00garbage", "not JSON", None)
    clock.advance(timedelta(seconds=1))
    store.quarantine(
        "sg/v1/org-t/gw-1/reading", b"{}", "invalid Envelope", "01JDZ3S3G2J8T0V0G8W6ZQ4C0Y"
    )
    newest, oldest = store.list_quarantine(limit=10)
    assert oldest.payload == b"\xff\x00garbage"
    assert oldest.message_id is None
    assert oldest.topic == "sg/v1/org-t/gw-1/event"
    assert newest.message_id == "01JDZ3S3G2J8T0V0G8W6ZQ4C0Y"
    assert newest.error == "invalid Envelope"
    assert newest.received_at == NOW + timedelta(seconds=1)
    assert len(store.list_quarantine(limit=1)) == 1


def test_unmigrated_database_raises_store_error_saying_what_to_do(
    database_url: str, clock: FakeClock
) -> None:
    store = IngestStore(database_url, clock=clock)
    try:
        env = event_envelope()
        with pytest.raises(StoreError, match="silverguard ingest migrate"):
            store.store(env, encode_envelope(env))
        with pytest.raises(StoreError):
            store.quarantine("t", b"x", "e", None)
    finally:
        store.close()

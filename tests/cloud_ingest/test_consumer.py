"""The consumer on a real Mosquitto (MQTT v5) and PostgreSQL: store once, then ack."""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from cloud_ingest.config import IngestSettings, LivenessSettings
from cloud_ingest.store import (
    EventRow,
    GatewayStatusRow,
    IngestBase,
    IngestStore,
    QuarantineRow,
    ReadingRow,
)
from cloud_ingest.store.engine import make_engine
from contracts import AckStatus, GatewayState, TopicKind, encode_envelope
from contracts.clock import FakeClock
from contracts.config import MqttProtocol
from tests.cloud_ingest.support import (
    event_envelope,
    gateway,
    ingest_settings,
    reading_envelope,
    running_ingest,
    status_envelope,
)
from tests.servers import MosquittoInstance

pytestmark = pytest.mark.integration


@pytest.fixture
def org() -> str:
    """An org id of this test's own: the session broker is shared."""
    return f"org-{secrets.token_hex(4)}"


@pytest.fixture
def group() -> str:
    """A shared-subscription group of this test's own."""
    return f"ingest-{secrets.token_hex(4)}"


def _count(url: str, model: type[IngestBase], **where: str) -> int:
    engine = make_engine(url)
    try:
        table = model.__table__
        query = select(func.count()).select_from(table)
        for column, value in where.items():
            query = query.where(table.c[column] == value)
        with engine.connect() as conn:
            return int(conn.execute(query).scalar_one())
    finally:
        engine.dispose()


async def test_event_is_stored_once_and_acked(
    mosquitto_broker: MosquittoInstance, postgres_url: str, org: str, group: str
) -> None:
    settings = ingest_settings(postgres_url, mosquitto_broker.port, group=group)
    env = event_envelope(org)
    async with running_ingest(settings), gateway(mosquitto_broker.port, org, "gw-1") as gw:
        await gw.send(env)
        assert await gw.wait_for_ack(env.message_id) is AckStatus.STORED
        assert _count(postgres_url, EventRow, message_id=env.message_id) == 1
        await gw.send(env)  # the gateway did not see the ack and sends again
        await gw.wait_for_count(2)
        assert gw.acks == [
            (env.message_id, AckStatus.STORED),
            (env.message_id, AckStatus.DUPLICATE),
        ]
        assert _count(postgres_url, EventRow, message_id=env.message_id) == 1


async def test_readings_and_status_are_stored_and_acked(
    mosquitto_broker: MosquittoInstance, postgres_url: str, org: str, group: str
) -> None:
    settings = ingest_settings(postgres_url, mosquitto_broker.port, group=group)
    reading = reading_envelope(org)
    birth = status_envelope(GatewayState.ONLINE, org)
    async with running_ingest(settings), gateway(mosquitto_broker.port, org, "gw-1") as gw:
        await gw.send(reading)
        await gw.send(birth)
        assert await gw.wait_for_ack(reading.message_id) is AckStatus.STORED
        assert await gw.wait_for_ack(birth.message_id) is AckStatus.STORED
    assert _count(postgres_url, ReadingRow, message_id=reading.message_id) == 1
    assert _count(postgres_url, GatewayStatusRow, org_id=org, state="online") == 1


async def test_garbage_is_quarantined_and_the_next_message_still_processed(
    mosquitto_broker: MosquittoInstance, postgres_url: str, org: str, group: str
) -> None:
    settings = ingest_settings(postgres_url, mosquitto_broker.port, group=group)
    garbage = b"\xff\x00not an envelope"
    bad_event = event_envelope(org)
    broken_id = bad_event.message_id
    broken = encode_envelope(bad_event).replace(b'"fire"', b'"volcano"')
    env = event_envelope(org)
    async with running_ingest(settings), gateway(mosquitto_broker.port, org, "gw-1") as gw:
        await gw.publish(TopicKind.EVENT, garbage)
        await gw.publish(TopicKind.EVENT, broken)
        await gw.send(env)
        assert await gw.wait_for_ack(broken_id) is AckStatus.QUARANTINED
        assert await gw.wait_for_ack(env.message_id) is AckStatus.STORED
    assert gw.acks == [(broken_id, AckStatus.QUARANTINED), (env.message_id, AckStatus.STORED)]
    store = IngestStore(postgres_url, clock=FakeClock(datetime(2026, 1, 1, tzinfo=UTC)))
    mine = [q for q in store.list_quarantine(100) if q.topic == f"sg/v1/{org}/gw-1/event"]
    store.close()
    assert [q.payload for q in mine] == [broken, garbage]
    assert mine[1].message_id is None
    assert mine[0].message_id == broken_id
    assert "invalid Envelope" in mine[1].error


async def test_gateway_speaking_for_another_is_quarantined(
    mosquitto_broker: MosquittoInstance, postgres_url: str, org: str, group: str
) -> None:
    settings = ingest_settings(postgres_url, mosquitto_broker.port, group=group)
    impostor = event_envelope(org, "gw-2")
    async with running_ingest(settings), gateway(mosquitto_broker.port, org, "gw-1") as gw:
        await gw.send(impostor)  # on gw-1's topic, claiming to be gw-2
        assert await gw.wait_for_ack(impostor.message_id) is AckStatus.QUARANTINED
    assert _count(postgres_url, EventRow, message_id=impostor.message_id) == 0
    assert _count(postgres_url, QuarantineRow, message_id=impostor.message_id) == 1
    engine = create_engine(postgres_url)
    with engine.connect() as conn:
        error = conn.execute(
            select(QuarantineRow.error).where(QuarantineRow.message_id == impostor.message_id)
        ).scalar_one()
    engine.dispose()
    assert "may only speak for itself" in error


async def test_database_failure_means_no_ack_and_the_resend_is_stored(
    mosquitto_broker: MosquittoInstance, postgres_url: str, org: str, group: str
) -> None:
    settings = ingest_settings(postgres_url, mosquitto_broker.port, group=group)
    env = event_envelope(org)
    sentinel = reading_envelope(org)
    admin = create_engine(postgres_url)
    async with running_ingest(settings), gateway(mosquitto_broker.port, org, "gw-1") as gw:
        with admin.begin() as conn:
            conn.execute(text("ALTER TABLE events RENAME TO events_away"))
        await gw.send(env)
        await gw.send(sentinel)  # processed after env: once acked, env has had its turn
        assert await gw.wait_for_ack(sentinel.message_id) is AckStatus.STORED
        assert [mid for mid, _ in gw.acks] == [sentinel.message_id]
        with admin.begin() as conn:
            conn.execute(text("ALTER TABLE events_away RENAME TO events"))
        await gw.send(env)  # the gateway's resend
        assert await gw.wait_for_ack(env.message_id) is AckStatus.STORED
    admin.dispose()
    assert _count(postgres_url, EventRow, message_id=env.message_id) == 1


async def test_message_the_database_refuses_for_good_is_quarantined_not_retried(
    mosquitto_broker: MosquittoInstance, postgres_url: str, org: str, group: str
) -> None:
    settings = ingest_settings(postgres_url, mosquitto_broker.port, group=group)
    env = event_envelope(org)
    admin = create_engine(postgres_url)
    async with running_ingest(settings), gateway(mosquitto_broker.port, org, "gw-1") as gw:
        with admin.begin() as conn:
            conn.execute(text("ALTER TABLE events ADD CONSTRAINT no_fire CHECK (type <> 'fire')"))
        await gw.send(env)
        assert await gw.wait_for_ack(env.message_id) is AckStatus.QUARANTINED
    admin.dispose()
    assert _count(postgres_url, EventRow) == 0
    assert _count(postgres_url, QuarantineRow, message_id=env.message_id) == 1


async def test_two_workers_in_one_group_split_the_load_and_store_each_once(
    mosquitto_broker: MosquittoInstance, postgres_url: str, org: str, group: str
) -> None:
    # Clocks a year apart would make each worker's liveness sweep see the other's gateways
    # as long silent: no liveness here.
    settings = ingest_settings(
        postgres_url, mosquitto_broker.port, group=group, liveness=LivenessSettings(enabled=False)
    )
    # Each worker stamps received_at from its own clock, which tells who stored what.
    clock_a = FakeClock(datetime(2030, 1, 1, tzinfo=UTC))
    clock_b = FakeClock(datetime(2031, 1, 1, tzinfo=UTC))
    n = 40
    envs = [
        event_envelope(org, at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=i))
        for i in range(n)
    ]
    async with (
        running_ingest(settings, clock=clock_a),
        running_ingest(settings, clock=clock_b),
        gateway(mosquitto_broker.port, org, "gw-1") as gw,
    ):
        for env in envs:
            await gw.send(env)
        await gw.wait_for_count(n)
        await asyncio.sleep(0.2)  # room for a wrongly doubled delivery to show up
    assert sorted(mid for mid, _ in gw.acks) == sorted(e.message_id for e in envs)
    assert {status for _, status in gw.acks} == {AckStatus.STORED}
    engine = create_engine(postgres_url)
    with engine.connect() as conn:
        rows = conn.execute(select(EventRow.message_id, EventRow.received_at)).all()
    engine.dispose()
    assert len(rows) == n
    assert len({r.message_id for r in rows}) == n
    by_a = sum(r.received_at.year == 2030 for r in rows)
    by_b = sum(r.received_at.year == 2031 for r in rows)
    assert by_a > 0
    assert by_b > 0
    assert by_a + by_b == n


async def test_an_alarm_lane_worker_takes_the_events_and_the_other_the_telemetry(
    mosquitto_broker: MosquittoInstance, postgres_url: str, org: str, group: str
) -> None:
    base = ingest_settings(
        postgres_url, mosquitto_broker.port, group=group, liveness=LivenessSettings(enabled=False)
    )
    alarm_lane = base.model_copy(update={"kinds": (TopicKind.EVENT,)})
    telemetry = base.model_copy(update={"kinds": (TopicKind.READING, TopicKind.STATUS)})
    # Each worker stamps received_at from its own clock, which tells who stored what.
    clock_alarms = FakeClock(datetime(2030, 1, 1, tzinfo=UTC))
    clock_telemetry = FakeClock(datetime(2031, 1, 1, tzinfo=UTC))
    at = datetime(2026, 1, 1, tzinfo=UTC)
    envs = [event_envelope(org, at=at + timedelta(seconds=i)) for i in range(5)]
    envs += [reading_envelope(org, at=at + timedelta(seconds=i)) for i in range(5)]
    async with (
        running_ingest(alarm_lane, clock=clock_alarms),
        running_ingest(telemetry, clock=clock_telemetry),
        gateway(mosquitto_broker.port, org, "gw-1") as gw,
    ):
        for env in envs:
            await gw.send(env)
        await gw.wait_for_count(len(envs))
    engine = create_engine(postgres_url)
    with engine.connect() as conn:
        events = conn.execute(select(EventRow.received_at)).scalars().all()
        readings = conn.execute(select(ReadingRow.received_at)).scalars().all()
    engine.dispose()
    assert [t.year for t in events] == [2030] * 5
    assert [t.year for t in readings] == [2031] * 5


def test_ack_is_not_a_kind_a_worker_takes() -> None:
    with pytest.raises(ValueError, match="'ack' is what the ingest publishes"):
        IngestSettings(kinds=(TopicKind.EVENT, TopicKind.ACK))


async def test_plain_subscription_over_mqtt_311_and_reconnect_after_broker_restart(
    private_mosquitto: MosquittoInstance, tmp_path: Path, org: str
) -> None:
    url = f"sqlite:///{tmp_path}/var/ingest.db"
    settings = ingest_settings(url, private_mosquitto.port, group=None, protocol=MqttProtocol.V311)
    first, second = event_envelope(org), event_envelope(org)
    async with running_ingest(settings):
        async with gateway(private_mosquitto.port, org, "gw-1") as gw:
            await gw.send(first)
            assert await gw.wait_for_ack(first.message_id) is AckStatus.STORED
        private_mosquitto.stop()
        private_mosquitto.start()
        async with asyncio.timeout(15):
            while True:  # the ack only arrives once the ingest has resubscribed
                async with gateway(private_mosquitto.port, org, "gw-1") as gw:
                    await gw.send(second)
                    try:
                        assert await gw.wait_for_ack(second.message_id, 0.5) is not None
                        break
                    except TimeoutError:
                        continue
    assert _count(url, EventRow) == 2

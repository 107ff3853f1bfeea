"""Forwards the outbox to the cloud broker and deletes what the cloud acknowledges.

One long-lived aiomqtt client inside the documented reconnect loop (exponential backoff),
client id = gateway id, persistent session, ack topic subscribed at QoS 1, a retained
``online`` birth on the status topic and a retained ``offline`` last will; every
``heartbeat_s`` the retained status is refreshed with the outbox depth per lane, the oldest
unacked message's age, shed counts and reader health. Messages are published at QoS 1 in
batches (a backlog drains at broker speed, not one a second), alarm lane first; a message
leaves the outbox only on the cloud's ack. Telemetry in flight (sent, not acked) is capped at
``outbox_limits.max_in_flight`` so a backlog cannot flood the broker's queues; alarms are never
held back. After a reconnect everything unacked is sent again, in lane order. While the cloud
is unreachable, messages simply wait in the outbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable
from datetime import datetime
from typing import ParamSpec, TypeVar

import aiomqtt

from contracts.ack import AckStatus
from contracts.clock import Clock
from contracts.envelope import Envelope, decode_ack, encode_envelope
from contracts.errors import PayloadValidationError
from contracts.ids import new_message_id
from contracts.mqtt import raise_if_cancelled
from contracts.status import GatewayState, GatewayStatusBody, LaneStatus
from contracts.topics import TopicKind, build_topic
from edge_agent.config import EdgeSettings
from edge_agent.errors import OutboxError
from edge_agent.mqtt import ReconnectBackoff, make_client
from edge_agent.outbox.held import HeldAlarms
from edge_agent.outbox.store import OutboxLane, OutboxStore

logger = logging.getLogger(__name__)
_P = ParamSpec("_P")
_R = TypeVar("_R")

AGENT_VERSION = "0.1.0"
KEEP_BAD_ACKS = 20
GOODBYE_TIMEOUT_S = 2.0
ACK_BATCH = 500
"""At most this many ack messages that queued up are applied in one transaction."""


class CloudForwarder:
    """Sends due outbox messages to the cloud and applies the cloud's acks."""

    def __init__(
        self,
        settings: EdgeSettings,
        store: OutboxStore,
        clock: Clock,
        *,
        on_forwarded: Callable[[str], None] | None = None,
        on_acked: Callable[[str], None] | None = None,
        reader_health: Callable[[], dict[str, dict[str, int | float | bool | str | None]]]
        | None = None,
        held: HeldAlarms | None = None,
    ) -> None:
        self._settings = settings
        self._held = held
        self._store = store
        self._clock = clock
        self._on_forwarded = on_forwarded
        self._on_acked = on_acked
        self._reader_health = reader_health
        self._wake = asyncio.Event()
        self.connected = asyncio.Event()
        """Set while connected and subscribed to the ack topic."""
        self._ack_topic = self._topic(TopicKind.ACK)
        self._status_topic = self._topic(TopicKind.STATUS)
        self._poll_s = max(0.05, min(1.0, settings.ack_timeout_s / 4))
        self.bad_acks: deque[bytes] = deque(maxlen=KEEP_BAD_ACKS)
        self.bad_ack_count = 0
        will = aiomqtt.Will(
            self._status_topic, self._status_payload(GatewayState.OFFLINE), qos=1, retain=True
        )
        self._client = make_client(
            settings.cloud_broker,
            identifier=settings.gateway_id,
            persistent_session=True,
            will=will,
        )

    def wake(self) -> None:
        """Something new is in the outbox: send it now."""
        self._wake.set()

    async def run(self) -> None:
        """Forward until cancelled, reconnecting with exponential backoff."""
        backoff = ReconnectBackoff()
        broker = f"{self._settings.cloud_broker.host}:{self._settings.cloud_broker.port}"
        while True:
            try:
                async with self._client as client:
                    await client.subscribe(self._ack_topic, qos=1)
                    await self._try_write(self._store.requeue_unacked)
                    await self._publish_heartbeat(client)
                    logger.info("connected to the cloud broker %s", broker)
                    backoff.reset()
                    self.connected.set()
                    try:
                        async with asyncio.TaskGroup() as tasks:
                            tasks.create_task(self._receive_acks(client))
                            tasks.create_task(self._send_due(client))
                            tasks.create_task(self._heartbeat_forever(client))
                    except asyncio.CancelledError:
                        await self._say_goodbye(client)
                        raise
            except* aiomqtt.MqttError as group:
                self.connected.clear()
                logger.warning(
                    "cloud broker %s unreachable (%s); messages wait in the outbox",
                    broker,
                    group.exceptions[0],
                )
            await asyncio.sleep(backoff.next_delay_s())

    async def _say_goodbye(self, client: aiomqtt.Client) -> None:
        """On a clean stop, say offline ourselves (the broker sends the will only on a drop)."""
        payload = self._status_payload(GatewayState.OFFLINE)
        with contextlib.suppress(aiomqtt.MqttError, TimeoutError):
            async with asyncio.timeout(GOODBYE_TIMEOUT_S):
                await client.publish(self._status_topic, payload, qos=1, retain=True)
        self.connected.clear()
        logger.info("disconnected from the cloud broker (agent stopping)")

    async def _publish_heartbeat(self, client: aiomqtt.Client) -> None:
        payload = await asyncio.to_thread(self.heartbeat_payload)
        await client.publish(self._status_topic, payload, qos=1, retain=True)

    async def _heartbeat_forever(self, client: aiomqtt.Client) -> None:
        while True:
            await asyncio.sleep(self._settings.heartbeat_s)
            await self._publish_heartbeat(client)
            raise_if_cancelled()

    def heartbeat_payload(self) -> bytes:
        """The retained ``online`` status with outbox and reader health (blocking: SQLite)."""
        now = self._clock.now()
        stats = self._store.lane_stats()
        counters = self._store.counters()
        shed = sum(v for k, v in counters.items() if k.startswith("shed."))
        lanes = {
            lane.name.lower(): LaneStatus(
                depth=count,
                oldest_unsent_age_s=_age_s(now, oldest),
                shed=shed if lane is OutboxLane.TELEMETRY else 0,
            )
            for lane, (count, _, oldest) in stats.items()
        }
        ages = [lane.oldest_unsent_age_s for lane in lanes.values() if lane.oldest_unsent_age_s]
        body = GatewayStatusBody(
            state=GatewayState.ONLINE,
            agent_version=AGENT_VERSION,
            outbox_depth=sum(lane.depth for lane in lanes.values()),
            outbox_lanes=lanes,
            oldest_unsent_age_s=max(ages, default=None),
            shed_total=shed,
            readers=self._reader_health() if self._reader_health else None,
        )
        return self._status_envelope(body)

    async def _send_due(self, client: aiomqtt.Client) -> None:
        batch = self._settings.forward_batch
        window = self._settings.outbox_limits.max_in_flight
        while True:
            self._wake.clear()
            now = self._clock.now()
            in_flight = await asyncio.to_thread(self._store.in_flight, now)
            items = self._held.due(now)[:batch] if self._held else []
            items += await asyncio.to_thread(
                self._store.due,
                now,
                batch - len(items),
                max_telemetry=max(0, window - in_flight),
            )
            # QoS 1 publishes of one batch are in flight together; paho keeps their order.
            await asyncio.gather(
                *(client.publish(self._topic(i.topic_kind), i.payload, qos=1) for i in items)
            )
            raise_if_cancelled()
            sent = [item.message_id for item in items]
            for item in items:
                if item.send_count:
                    logger.info(
                        "resent %s (%s lane, attempt %d): no ack from the cloud yet",
                        item.message_id,
                        item.lane.name.lower(),
                        item.send_count + 1,
                    )
            if sent:
                if self._held:
                    self._held.mark_sent(sent, self._clock.now())
                await self._try_write(self._store.mark_sent, sent, self._clock.now())
                for message_id in sent:
                    if self._on_forwarded:
                        self._on_forwarded(message_id)
            if len(items) == batch:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll_s)

    async def _receive_acks(self, client: aiomqtt.Client) -> None:
        messages = client.messages
        async for first in messages:
            batch = [first]
            while len(messages) and len(batch) < ACK_BATCH:  # what has queued up meanwhile
                batch.append(await anext(messages))
            acked: list[str] = []
            for message in batch:
                if message.topic.matches(self._ack_topic):
                    payload = message.payload
                    if not isinstance(payload, bytes | bytearray):
                        payload = str(payload).encode()
                    acked += self._acked_ids(bytes(payload))
            if acked:
                await self._apply_acks(acked)

    def _acked_ids(self, payload: bytes) -> list[str]:
        try:
            ack = decode_ack(payload)
        except PayloadValidationError as exc:
            self._bad_ack(payload, str(exc))
            return []
        if (ack.org_id, ack.gateway_id) != (self._settings.org_id, self._settings.gateway_id):
            self._bad_ack(payload, f"addressed to {ack.org_id}/{ack.gateway_id}, not to us")
            return []
        for message_id, status in ack.body.acked:
            if status is AckStatus.QUARANTINED:
                logger.warning(
                    "the cloud quarantined message %s as invalid; it is dropped from the outbox "
                    "(resending would not help): check the agent and contracts versions",
                    message_id,
                )
        return [message_id for message_id, _ in ack.body.acked]

    async def _apply_acks(self, message_ids: list[str]) -> None:
        """Delete acked messages in one transaction (acks that queued up are applied together)."""
        removed = self._held.ack(message_ids) if self._held else []
        removed += await self._try_write(self._store.ack_ids, message_ids) or []
        for message_id in removed:
            if self._on_acked:
                self._on_acked(message_id)
        if removed:
            self._wake.set()  # room in the in-flight window

    async def _try_write(
        self, write: Callable[_P, _R], *args: _P.args, **kwargs: _P.kwargs
    ) -> _R | None:
        """Run an outbox write; if it fails (a full disk) go on without it: a message not
        marked sent is sent again, an ack not applied is acked again on the resend."""
        try:
            return await asyncio.to_thread(write, *args, **kwargs)
        except OutboxError as exc:
            logger.warning("outbox write skipped (%s); the message will be sent again", exc)
            return None

    def _bad_ack(self, payload: bytes, reason: str) -> None:
        self.bad_ack_count += 1
        self.bad_acks.append(payload)
        if self.bad_ack_count == 1:
            logger.warning(
                "ignoring a malformed ack on %s (%s); further ones are only counted: check the "
                "cloud ingest's version",
                self._ack_topic,
                reason,
            )

    def _status_payload(self, state: GatewayState) -> bytes:
        return self._status_envelope(GatewayStatusBody(state=state, agent_version=AGENT_VERSION))

    def _status_envelope(self, body: GatewayStatusBody) -> bytes:
        now: datetime = self._clock.now()
        envelope = Envelope(
            message_id=new_message_id(now),
            org_id=self._settings.org_id,
            gateway_id=self._settings.gateway_id,
            home_id=self._settings.home_id,
            gateway_time=now,
            body=body,
        )
        return encode_envelope(envelope)

    def _topic(self, kind: TopicKind) -> str:
        return build_topic(self._settings.org_id, self._settings.gateway_id, kind)


def _age_s(now: datetime, oldest: float | None) -> float | None:
    if oldest is None:
        return None
    return max(0.0, round(now.timestamp() - oldest, 3))

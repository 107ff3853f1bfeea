"""Forwards the outbox to the cloud broker and deletes what the cloud acknowledges.

One long-lived aiomqtt client inside the documented reconnect loop (exponential backoff),
client id = gateway id, persistent session, ack topic subscribed at QoS 1, a retained
``online`` birth on the status topic and a retained ``offline`` last will. Messages are
published at QoS 1, alarm lane first; a message leaves the outbox only on the cloud's ack.
While the cloud is unreachable, messages simply wait in the outbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable
from datetime import datetime

import aiomqtt

from contracts.ack import AckStatus
from contracts.clock import Clock
from contracts.envelope import Envelope, decode_ack, encode_envelope
from contracts.errors import PayloadValidationError
from contracts.ids import new_message_id
from contracts.status import GatewayState, GatewayStatusBody
from contracts.topics import TopicKind, build_topic
from edge_agent.config import EdgeSettings
from edge_agent.mqtt import ReconnectBackoff, make_client
from edge_agent.outbox.store import OutboxStore

logger = logging.getLogger(__name__)

AGENT_VERSION = "0.1.0"
KEEP_BAD_ACKS = 20
GOODBYE_TIMEOUT_S = 2.0


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
    ) -> None:
        self._settings = settings
        self._store = store
        self._clock = clock
        self._on_forwarded = on_forwarded
        self._on_acked = on_acked
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
                    await self._publish_birth(client)
                    logger.info("connected to the cloud broker %s", broker)
                    backoff.reset()
                    self.connected.set()
                    try:
                        async with asyncio.TaskGroup() as tasks:
                            tasks.create_task(self._receive_acks(client))
                            tasks.create_task(self._send_due(client))
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

    async def _publish_birth(self, client: aiomqtt.Client) -> None:
        depth = await asyncio.to_thread(self._store.depth)
        payload = self._status_payload(GatewayState.ONLINE, sum(depth.values()))
        await client.publish(self._status_topic, payload, qos=1, retain=True)

    async def _send_due(self, client: aiomqtt.Client) -> None:
        batch = self._settings.forward_batch
        while True:
            self._wake.clear()
            items = await asyncio.to_thread(self._store.due, self._clock.now(), batch)
            sent: list[str] = []
            for item in items:
                await client.publish(self._topic(item.topic_kind), item.payload, qos=1)
                sent.append(item.message_id)
                if item.send_count:
                    logger.info(
                        "resent %s (%s lane, attempt %d): no ack from the cloud yet",
                        item.message_id,
                        item.lane.name.lower(),
                        item.send_count + 1,
                    )
            if sent:
                await asyncio.to_thread(self._store.mark_sent, sent, self._clock.now())
                for message_id in sent:
                    if self._on_forwarded:
                        self._on_forwarded(message_id)
            if len(items) == batch:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll_s)

    async def _receive_acks(self, client: aiomqtt.Client) -> None:
        async for message in client.messages:
            if not message.topic.matches(self._ack_topic):
                continue
            payload = message.payload
            if not isinstance(payload, bytes | bytearray):
                payload = str(payload).encode()
            await self._apply_ack(bytes(payload))

    async def _apply_ack(self, payload: bytes) -> None:
        try:
            ack = decode_ack(payload)
        except PayloadValidationError as exc:
            self._bad_ack(payload, str(exc))
            return
        if (ack.org_id, ack.gateway_id) != (self._settings.org_id, self._settings.gateway_id):
            self._bad_ack(payload, f"addressed to {ack.org_id}/{ack.gateway_id}, not to us")
            return
        for message_id, status in ack.body.acked:
            if status is AckStatus.QUARANTINED:
                logger.warning(
                    "the cloud quarantined message %s as invalid; it is dropped from the outbox "
                    "(resending would not help): check the agent and contracts versions",
                    message_id,
                )
        removed = await asyncio.to_thread(
            self._store.ack_ids, [message_id for message_id, _ in ack.body.acked]
        )
        for message_id in removed:
            if self._on_acked:
                self._on_acked(message_id)

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

    def _status_payload(self, state: GatewayState, depth: int | None = None) -> bytes:
        now: datetime = self._clock.now()
        envelope = Envelope(
            message_id=new_message_id(now),
            org_id=self._settings.org_id,
            gateway_id=self._settings.gateway_id,
            home_id=self._settings.home_id,
            gateway_time=now,
            body=GatewayStatusBody(state=state, agent_version=AGENT_VERSION, outbox_depth=depth),
        )
        return encode_envelope(envelope)

    def _topic(self, kind: TopicKind) -> str:
        return build_topic(self._settings.org_id, self._settings.gateway_id, kind)

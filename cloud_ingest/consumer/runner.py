"""The async shell: one MQTT client in a reconnect loop, feeding the sync processor.

Each message is checked and stored in a worker thread, and only then acked (QoS 1) to the
gateway's ack topic. A message whose store failed is not acked, so the gateway resends it.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass

import aiomqtt
from paho.mqtt.reasoncodes import ReasonCode

from cloud_ingest.config import IngestSettings
from cloud_ingest.consumer.processor import MessageProcessor
from cloud_ingest.errors import BrokerError, StoreError
from cloud_ingest.store import IngestStore, migrate
from contracts.clock import Clock, SystemClock
from contracts.mqtt import ReconnectBackoff, mqtt_client
from contracts.topics import TopicKind, subscription

log = logging.getLogger(__name__)

SUBSCRIBED_KINDS = (TopicKind.EVENT, TopicKind.READING, TopicKind.STATUS)


async def run_ingest(
    settings: IngestSettings,
    *,
    clock: Clock | None = None,
    ready: asyncio.Event | None = None,
) -> None:
    """Consume gateway messages until cancelled; ``ready`` is set once subscribed.

    Raises:
        StoreError: the database could not be migrated at start.
        BrokerError: the broker refused the subscriptions (retrying would not help).
    """
    clock = clock or SystemClock()
    if settings.migrate_on_start:
        await asyncio.to_thread(migrate, settings.database_url)
    store = IngestStore(settings.database_url, clock=clock)
    processor = MessageProcessor(store, clock)
    backoff = ReconnectBackoff(
        initial_s=settings.reconnect_initial_s, max_s=settings.reconnect_max_s
    )
    identifier = settings.client_id or f"sg-ingest-{secrets.token_hex(6)}"
    database = _DatabaseHealth()
    broker = f"{settings.broker.host}:{settings.broker.port}"
    try:
        while True:
            try:
                async with _client(settings, identifier) as client:
                    await _subscribe(client, settings)
                    backoff.reset()
                    log.info("ingest %s subscribed at %s", identifier, broker)
                    if ready is not None:
                        ready.set()
                    await _consume(client, processor, database)
            except aiomqtt.MqttError as exc:
                delay_s = backoff.next_delay_s()
                log.warning(
                    "MQTT connection to %s lost or refused (%s); reconnecting in %.1f s",
                    broker,
                    exc,
                    delay_s,
                )
                await asyncio.sleep(delay_s)
    finally:
        store.close()
        log.info("ingest %s stopped: %s", identifier, processor.counters)


@dataclass
class _DatabaseHealth:
    """Logs when the database stops and starts accepting writes (state changes only)."""

    available: bool = True

    def failed(self, exc: StoreError) -> None:
        if self.available:
            log.error("%s Messages are not acked until it recovers; gateways will resend.", exc)
        self.available = False

    def succeeded(self) -> None:
        if not self.available:
            log.info("database accepts writes again; acking resumes")
        self.available = True


def _client(settings: IngestSettings, identifier: str) -> aiomqtt.Client:
    # not persistent: a restarted worker need not get old messages; gateways resend unacked ones
    return mqtt_client(settings.broker, identifier=identifier, persistent_session=False)


async def _subscribe(client: aiomqtt.Client, settings: IngestSettings) -> None:
    filters = [subscription(k, shared_group=settings.shared_group) for k in SUBSCRIBED_KINDS]
    granted: list[int | ReasonCode] = list(await client.subscribe([(f, 1) for f in filters]))
    refused = [f for f, code in zip(filters, granted, strict=True) if _is_refusal(code)]
    if refused:
        raise BrokerError(
            f"the broker refused the subscription(s) {', '.join(refused)}: check the ingest's "
            "ACL on the broker, or set shared_group: null if the broker has no shared "
            "subscriptions"
        )


def _is_refusal(code: int | ReasonCode) -> bool:
    """A SUBACK code that refuses (v5 reason code, or 0x80 in MQTT 3.1.1)."""
    if isinstance(code, ReasonCode):
        return bool(code.is_failure)
    return code >= 0x80


async def _consume(
    client: aiomqtt.Client, processor: MessageProcessor, database: _DatabaseHealth
) -> None:
    async for message in client.messages:
        topic = message.topic.value
        payload = _as_bytes(message.payload)
        try:
            ack = await asyncio.to_thread(processor.process, topic, payload)
        except StoreError as exc:
            processor.counters.store_failed += 1
            database.failed(exc)
            continue
        except Exception:  # a bug must not stop the ingest: keep going, unacked
            processor.counters.store_failed += 1
            log.exception("unexpected error on a message from %s; not acked", topic)
            continue
        database.succeeded()
        if ack is not None:
            await client.publish(ack.topic, ack.payload, qos=1)


def _as_bytes(payload: str | bytes | bytearray | int | float | None) -> bytes:
    """The payload as received (paho delivers bytes; the rest is for type completeness).

    >>> _as_bytes(b"x"), _as_bytes(None), _as_bytes("é")
    (b'x', b'', b'\\xc3\\xa9')
    """
    if isinstance(payload, bytes):
        return payload
    if isinstance(payload, bytearray):
        return bytes(payload)
    return b"" if payload is None else str(payload).encode()

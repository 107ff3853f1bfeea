"""The async shell: one MQTT client in a reconnect loop, feeding the sync processor in batches.

A reader task moves messages from the broker into a queue; the batch loop takes what has
accumulated (up to ``batch_max``), has it checked and stored in a worker thread, and only
then publishes the acks (QoS 1) to the gateways' ack topics. A message whose store failed is
not acked, so its gateway resends it. Beside the consumer run the time-series drain and the
liveness sweep, and the Prometheus endpoint when configured.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

import aiomqtt
from paho.mqtt.reasoncodes import ReasonCode

from cloud_ingest.config import IngestSettings
from cloud_ingest.consumer.processor import OutgoingAck, Received
from cloud_ingest.consumer.runtime import IngestRuntime, build_runtime, every, in_thread
from cloud_ingest.errors import BrokerError
from cloud_ingest.metrics import IngestMetrics
from cloud_ingest.store import migrate
from contracts.clock import Clock, SystemClock
from contracts.mqtt import ReconnectBackoff, mqtt_client
from contracts.topics import subscription

log = logging.getLogger(__name__)

ACKS_IN_FLIGHT = 1000
"""Acks published (QoS 1) and awaiting the broker's PUBACK at once, at most."""
ACK_BATCHES_IN_FLIGHT = 4
"""Batches whose acks may still be publishing while the next batch is stored."""


async def run_ingest(
    settings: IngestSettings,
    *,
    clock: Clock | None = None,
    ready: asyncio.Event | None = None,
    on_runtime: Callable[[IngestRuntime], None] | None = None,
) -> None:
    """Consume gateway messages until cancelled; ``ready`` is set once subscribed.

    Raises:
        StoreError: the database could not be migrated at start.
        BrokerError: the broker refused the subscriptions (retrying would not help).
        IngestError: the metrics port is taken.
    """
    clock = clock or SystemClock()
    if settings.migrate_on_start:
        await asyncio.to_thread(migrate, settings.database_url)
    runtime = build_runtime(settings, clock)
    if on_runtime is not None:
        on_runtime(runtime)
    background: list[asyncio.Task[None]] = []
    if runtime.telemetry is not None and settings.tsdb is not None:
        drain = runtime.telemetry.drain_once
        background.append(every(settings.tsdb.drain_interval_s, "time-series drain", drain))
    if runtime.liveness is not None:
        sweep = runtime.liveness.sweep
        background.append(every(settings.liveness.check_interval_s, "liveness sweep", sweep))
    try:
        await _consume_forever(runtime, ready)
    finally:
        for task in background:
            task.cancel()
        for task in background:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        runtime.close()
        log.info("ingest stopped: %s", runtime.processor.counters)


async def _consume_forever(runtime: IngestRuntime, ready: asyncio.Event | None) -> None:
    settings = runtime.settings
    backoff = ReconnectBackoff(
        initial_s=settings.reconnect_initial_s, max_s=settings.reconnect_max_s
    )
    identifier = settings.client_id or f"sg-ingest-{secrets.token_hex(6)}"
    database = _DatabaseHealth()
    broker = f"{settings.broker.host}:{settings.broker.port}"
    while True:
        try:
            async with _client(settings, identifier) as client:
                await _subscribe(client, settings)
                backoff.reset()
                log.info("ingest %s subscribed at %s", identifier, broker)
                if ready is not None:
                    ready.set()
                await _consume(client, runtime, database)
        except aiomqtt.MqttError as exc:
            delay_s = backoff.next_delay_s()
            log.warning(
                "MQTT connection to %s lost or refused (%s); reconnecting in %.1f s",
                broker,
                exc,
                delay_s,
            )
            await asyncio.sleep(delay_s)


@dataclass
class _DatabaseHealth:
    """Logs when the database stops and starts storing messages (state changes only)."""

    available: bool = True

    def check(self, failed_before: int, failed_after: int) -> None:
        if failed_after > failed_before and self.available:
            log.error(
                "the database did not store some messages; they are not acked until it "
                "recovers (gateways resend them). Check that it runs and is migrated."
            )
            self.available = False
        elif failed_after == failed_before and not self.available:
            log.info("database stores messages again; acking resumes")
            self.available = True


def _client(settings: IngestSettings, identifier: str) -> aiomqtt.Client:
    # not persistent: a restarted worker need not get old messages; gateways resend unacked ones
    client = mqtt_client(
        settings.broker,
        identifier=identifier,
        persistent_session=False,
        max_inflight_messages=ACKS_IN_FLIGHT,
    )
    client.pending_calls_threshold = ACKS_IN_FLIGHT  # a batch acks many gateways at once
    return client


async def _subscribe(client: aiomqtt.Client, settings: IngestSettings) -> None:
    filters = [subscription(k, shared_group=settings.shared_group) for k in settings.kinds]
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
    client: aiomqtt.Client, runtime: IngestRuntime, database: _DatabaseHealth
) -> None:
    """Process batches until the connection drops (raises ``aiomqtt.MqttError`` then).

    Messages received but not yet processed when it drops are not acked: gateways resend.
    """
    queue: asyncio.Queue[Received] = asyncio.Queue()
    metrics = runtime.metrics

    async def read() -> None:
        async for message in client.messages:
            queue.put_nowait(
                Received(message.topic.value, _as_bytes(message.payload), time.perf_counter())
            )
            metrics.queue_depth.set(queue.qsize())

    reader = asyncio.create_task(read())
    publishing: set[asyncio.Task[None]] = set()
    try:
        while True:
            batch = await _next_batch(
                queue, reader, runtime.settings.batch_max, runtime.settings.batch_linger_s
            )
            metrics.queue_depth.set(queue.qsize())
            acks = await _process(runtime, database, batch)
            # the next batch is stored while this one's acks wait for their PUBACKs
            publishing.add(asyncio.create_task(_publish_all(client, acks, metrics)))
            publishing = {task for task in publishing if not task.done()}
            if len(publishing) > ACK_BATCHES_IN_FLIGHT:
                await asyncio.wait(publishing, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (reader, *publishing):
            task.cancel()
        for task in (reader, *publishing):
            with contextlib.suppress(asyncio.CancelledError, aiomqtt.MqttError):
                await task


async def _next_batch(
    queue: asyncio.Queue[Received], reader: asyncio.Task[None], batch_max: int, linger_s: float
) -> list[Received]:
    """Wait for a message, then take what else is waiting (up to ``batch_max``).

    Unless ``batch_max`` messages are waiting already, first wait ``linger_s`` for more: one
    message per transaction and time-series write would cost several times the CPU of
    each message in a batch, and under load a worker that stores what has just arrived ends
    up doing exactly that.
    """
    if queue.empty():
        getter = asyncio.ensure_future(queue.get())
        await asyncio.wait({getter, reader}, return_when=asyncio.FIRST_COMPLETED)
        if not getter.done():
            getter.cancel()
            reader.result()  # the connection dropped: raises its MqttError
            raise aiomqtt.MqttError("the broker stopped delivering messages")
        batch = [getter.result()]
    else:
        batch = [queue.get_nowait()]
    if linger_s > 0 and queue.qsize() < batch_max - 1:
        await asyncio.sleep(linger_s)
    while len(batch) < batch_max and not queue.empty():
        batch.append(queue.get_nowait())
    return batch


async def _process(
    runtime: IngestRuntime, database: _DatabaseHealth, batch: list[Received]
) -> list[OutgoingAck]:
    """Store a batch (in a thread); the acks to publish once it is durable."""
    processor = runtime.processor
    failed_before = processor.counters.store_failed
    try:
        acks = await in_thread(processor.process_batch, batch)
    except Exception:  # a bug must not stop the ingest: keep going, unacked
        processor.counters.store_failed += len(batch)
        log.exception("unexpected error on a batch of %d; not acked", len(batch))
        return []
    database.check(failed_before, processor.counters.store_failed)
    return acks


async def _publish_all(
    client: aiomqtt.Client, acks: list[OutgoingAck], metrics: IngestMetrics
) -> None:
    """Publish a batch's acks; one lost with the connection is resent by its gateway's
    own resend (and then acked as a duplicate)."""
    try:
        await asyncio.gather(*(_publish(client, ack, metrics) for ack in acks))
    except aiomqtt.MqttError as exc:
        log.debug("acks not published (%s); gateways will resend", exc)


async def _publish(client: aiomqtt.Client, ack: OutgoingAck, metrics: IngestMetrics) -> None:
    await client.publish(ack.topic, ack.payload, qos=1)
    now = time.perf_counter()
    for received_at_s in ack.received_at_s:
        metrics.ack_latency.observe(now - received_at_s)


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

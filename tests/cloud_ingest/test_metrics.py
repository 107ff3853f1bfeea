"""The worker serves Prometheus metrics that count what it really did."""

from __future__ import annotations

import asyncio
import secrets
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from cloud_ingest import metrics as names
from cloud_ingest.config import MetricsEndpoint
from cloud_ingest.consumer.runtime import IngestRuntime
from contracts import AckStatus, TopicKind
from tests.cloud_ingest.support import (
    event_envelope,
    gateway,
    ingest_settings,
    reading_envelope,
    running_ingest,
)
from tests.servers import MosquittoInstance

pytestmark = pytest.mark.integration


def _scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        text = response.read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_metrics_endpoint_counts_messages_latencies_and_quarantine(
    mosquitto_broker: MosquittoInstance, postgres_url: str
) -> None:
    org = f"org-{secrets.token_hex(4)}"
    settings = ingest_settings(
        postgres_url,
        mosquitto_broker.port,
        group=f"g-{org}",
        metrics=MetricsEndpoint(host="127.0.0.1", port=0),
    )
    runtimes: list[IngestRuntime] = []
    event, reading = event_envelope(org), reading_envelope(org)
    async with (
        running_ingest(settings, on_runtime=runtimes.append),
        gateway(mosquitto_broker.port, org, "gw-1") as gw,
    ):
        await gw.send(event)
        await gw.send(reading)
        await gw.send(event)
        await gw.publish(TopicKind.EVENT, b"{not json")
        sentinel = event_envelope(org)
        await gw.send(sentinel)
        assert await gw.wait_for_ack(sentinel.message_id) is AckStatus.STORED
        server = runtimes[0].metrics_server
        assert server is not None
        latency_count = (f"{names.ACK_LATENCY}_count", ())
        async with asyncio.timeout(15):  # an ack's latency is observed once its PUBACK is in
            while (samples := await asyncio.to_thread(_scrape, server.port))[latency_count] < 4:
                await asyncio.sleep(0.1)
    stored = f"{names.MESSAGES_STORED}_total"
    assert samples[(stored, (("kind", "event"), ("status", "stored")))] == 2
    assert samples[(stored, (("kind", "event"), ("status", "duplicate")))] == 1
    assert samples[(stored, (("kind", "reading"), ("status", "stored")))] == 1
    assert samples[(f"{names.MESSAGES_QUARANTINED}_total", (("kind", "event"),))] == 1
    assert samples[(f"{names.MESSAGES_RECEIVED}_total", (("kind", "event"),))] == 4
    assert samples[(f"{names.ACK_LATENCY}_count", ())] == 4  # the garbage has no id to ack
    assert samples[(f"{names.DB_WRITE_LATENCY}_count", ())] >= 1
    assert samples[(f"{names.MESSAGE_AGE}_count", ())] == 4
    assert (names.QUEUE_DEPTH, ()) in samples

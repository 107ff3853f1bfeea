"""The pipeline dashboard on a real ingest: a gateway stand-in sends messages (some garbage)
through Mosquitto, the ingest stores them in PostgreSQL and serves /metrics; each scrape is
imported into VictoriaMetrics at the time it was taken (as its scraper would), then every
panel's query is expanded and run."""

from __future__ import annotations

import asyncio
import secrets
import time
import urllib.request
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from cloud_ingest.config import MetricsEndpoint
from cloud_ingest.consumer.runtime import IngestRuntime
from cloud_ingest.store.engine import make_engine
from contracts import AckStatus, TopicKind
from dashboards.build import all_dashboards
from dashboards.expand import TimeRange
from tests.cloud_ingest.support import (
    event_envelope,
    gateway,
    ingest_settings,
    reading_envelope,
    running_ingest,
)
from tests.dashboards.runner import PromResult, SqlResult, run_panel
from tests.servers import MosquittoInstance, VictoriaMetricsInstance

pytestmark = pytest.mark.integration


def _scrape_into(port: int, victoria_url: str) -> None:
    """One scrape of the worker's /metrics, stamped now, imported into VictoriaMetrics."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        text = response.read().decode()
    stamp = int(time.time() * 1000)
    lines = [
        f"{line} {stamp}"
        for line in text.splitlines()
        if line and not line.startswith("#") and "_created" not in line.split(" ")[0]
    ]
    httpx.post(
        f"{victoria_url}/api/v1/import/prometheus", content="\n".join(lines) + "\n", timeout=10
    ).raise_for_status()


async def test_every_pipeline_panel_shows_the_real_ingest(
    private_mosquitto: MosquittoInstance, postgres_url: str, victoria: VictoriaMetricsInstance
) -> None:
    org = f"org-{secrets.token_hex(4)}"
    settings = ingest_settings(
        postgres_url,
        private_mosquitto.port,
        group=f"g-{org}",
        metrics=MetricsEndpoint(host="127.0.0.1", port=0),
    )
    runtimes: list[IngestRuntime] = []
    start = datetime.now(UTC)
    async with (
        running_ingest(settings, on_runtime=runtimes.append),
        gateway(private_mosquitto.port, org, "gw-1") as gw,
    ):
        server = runtimes[0].metrics_server
        assert server is not None
        for round_ in range(4):
            for _ in range(5):
                await gw.send(reading_envelope(org, at=datetime.now(UTC)))
            await gw.publish(TopicKind.EVENT, b"{not json")
            last = event_envelope(org, at=datetime.now(UTC))
            await gw.send(last)
            assert await gw.wait_for_ack(last.message_id) is AckStatus.STORED
            await asyncio.sleep(1.2)  # scrapes at distinct seconds
            await asyncio.to_thread(_scrape_into, server.port, victoria.url)
            assert round_ < 4
        await asyncio.sleep(1.2)
        await asyncio.to_thread(_scrape_into, server.port, victoria.url)
    flush = await asyncio.to_thread(httpx.get, f"{victoria.url}/internal/force_flush")
    flush.raise_for_status()
    end = datetime.now(UTC)  # the panels show the rates and latencies now
    r = TimeRange(end - timedelta(minutes=5), end, max_data_points=400)
    assert end - start < timedelta(seconds=45)  # every scrape in the last step's rate window
    engine = make_engine(postgres_url)
    try:
        [dashboard] = [d for d in all_dashboards() if d.uid == "sg-pipeline"]
        results = {
            p.title: await asyncio.to_thread(run_panel, p, engine, victoria.url, r, {})
            for p in dashboard.panels
        }
    finally:
        engine.dispose()
    assert set(results) == set(CHECKS)
    for title, result in results.items():
        CHECKS[title](result)


def _series(result: SqlResult | PromResult, label: str) -> dict[str, float]:
    assert isinstance(result, PromResult)
    assert result.series, "no series: the panel would show No data"
    return {labels[label]: value for labels, value in result.series}


def _received(result: SqlResult | PromResult) -> None:
    rates = _series(result, "kind")
    assert {"event", "reading"} <= set(rates)
    assert all(0 < rates[kind] < 100 for kind in ("event", "reading"))  # a few a second
    # the gateway's birth status is counted once, so its rate over the window may be 0
    assert all(0 <= v < 100 for v in rates.values())


def _stored(result: SqlResult | PromResult) -> None:
    rates = _series(result, "status")
    assert "stored" in rates
    assert 0 < rates["stored"] < 100


def _quarantined(result: SqlResult | PromResult) -> None:
    assert isinstance(result, SqlResult)
    assert result.columns == ("time", "quarantined", "example_error")
    assert sum(result.column("quarantined")) >= 4  # one garbage payload a round (at least)
    assert all(result.column("example_error"))


def _latency(result: SqlResult | PromResult) -> None:
    q = _series(result, "q")
    assert set(q) == {"p50", "p95"}
    assert 0 < q["p50"] <= q["p95"] <= 10


CHECKS = {
    "Messages in per second, by kind": _received,
    "Messages stored per second, by status": _stored,
    "Quarantined messages": _quarantined,
    "Ack latency (receipt to ack)": _latency,
    "End-to-end lag (gateway time to storage)": _latency,
}

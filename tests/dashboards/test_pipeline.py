"""The pipeline dashboard on a real ingest and alert router: a gateway stand-in sends messages
(some garbage, and fire events) through Mosquitto, the ingest stores them in PostgreSQL and
serves /metrics; the router opens the fire's incident, pages three hooks of a real webhook
receiver (one answers 200, one 500 then 200, one 400) and serves its /metrics. Each scrape of
both is imported into VictoriaMetrics at the time it was taken, with its scrape job's
``service`` label (as the scraper would), then every panel's query is expanded and run."""

from __future__ import annotations

import asyncio
import secrets
import time
import urllib.request
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from alerting.config import RouterMetricsEndpoint
from cloud_ingest.config import MetricsEndpoint
from cloud_ingest.consumer.runtime import IngestRuntime
from cloud_ingest.store.engine import make_engine
from contracts import AckStatus, TopicKind
from dashboards.build import all_dashboards
from dashboards.expand import TimeRange
from tests.alerting.support import (
    TOKEN_SECRET,
    TOKEN_SECRET_ENV,
    WEBHOOK_SECRET,
    WEBHOOK_SECRET_ENV,
    make_settings,
    running_router,
    running_webhook_receiver,
)
from tests.cloud_ingest.support import (
    event_envelope,
    gateway,
    ingest_settings,
    reading_envelope,
    running_ingest,
)
from tests.dashboards.runner import PromResult, SqlResult, run_panel
from tests.servers import MosquittoInstance, VictoriaMetricsInstance, free_port

pytestmark = pytest.mark.integration


def _scrape_into(port: int, victoria_url: str, service: str) -> None:
    """One scrape of a daemon's /metrics, stamped now, imported into VictoriaMetrics with the
    scrape job's ``service`` label (deploy/victoriametrics/scrape.yaml)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        text = response.read().decode()
    stamp = int(time.time() * 1000)
    lines = [
        f"{line} {stamp}"
        for line in text.splitlines()
        if line and not line.startswith("#") and "_created" not in line.split(" ")[0]
    ]
    httpx.post(
        f"{victoria_url}/api/v1/import/prometheus",
        params={"extra_label": f"service={service}"},
        content="\n".join(lines) + "\n",
        timeout=10,
    ).raise_for_status()


async def test_every_pipeline_panel_shows_the_real_ingest_and_router(
    private_mosquitto: MosquittoInstance,
    postgres_url: str,
    victoria: VictoriaMetricsInstance,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(TOKEN_SECRET_ENV, TOKEN_SECRET)
    monkeypatch.setenv(WEBHOOK_SECRET_ENV, WEBHOOK_SECRET)
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
        running_webhook_receiver() as receiver,
        running_ingest(settings, on_runtime=runtimes.append),
        gateway(private_mosquitto.port, org, "gw-1") as gw,
    ):
        server = runtimes[0].metrics_server
        assert server is not None
        hooks = (receiver.url("ok"), receiver.url("flaky"), receiver.url("reject"))
        router = make_settings(
            postgres_url, webhook_urls=hooks, email_address=None, api_port=free_port()
        )
        endpoint = RouterMetricsEndpoint(host="127.0.0.1", port=free_port())
        router = router.model_copy(update={"metrics": endpoint})
        ports = {"ingest": server.port, "alerting": endpoint.port}

        async def scrape() -> None:
            for service, port in ports.items():
                await asyncio.to_thread(_scrape_into, port, victoria.url, service)

        async with running_router(router), httpx.AsyncClient(timeout=10) as client:
            await scrape()  # the counters at zero, before anything happened
            for _round in range(4):
                for _ in range(5):
                    await gw.send(reading_envelope(org, at=datetime.now(UTC)))
                await gw.publish(TopicKind.EVENT, b"{not json")
                last = event_envelope(org, at=datetime.now(UTC))  # a fire: one incident
                await gw.send(last)
                assert await gw.wait_for_ack(last.message_id) is AckStatus.STORED
                health = await client.get(f"{router.public_base_url}/healthz")
                assert health.status_code == 200  # the router API's own traffic
                await asyncio.sleep(1.2)  # scrapes at distinct seconds
                await scrape()
            await asyncio.sleep(1.2)
            await scrape()
    # the fire paged three hooks once: ok took it, flaky after a 500 and a retry, reject never
    assert receiver.hits == {"ok": 1, "flaky": 2, "reject": 1}
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


def _by(result: SqlResult | PromResult, *labels: str) -> dict[tuple[str, ...], float]:
    assert isinstance(result, PromResult)
    assert result.series, "no series: the panel would show No data"
    return {tuple(ls[label] for label in labels): value for ls, value in result.series}


def _delivery_latency(result: SqlResult | PromResult) -> None:
    q = _by(result, "channel", "q")
    assert set(q) == {("webhook", "p50"), ("webhook", "p95")}
    assert 0 < q["webhook", "p50"] <= q["webhook", "p95"] < 5  # a local receiver answers


def _failures(result: SqlResult | PromResult) -> None:
    failed = _by(result, "channel", "kind")
    assert failed == {  # every configured channel is listed, email too (nothing sent by mail)
        ("webhook", "retryable"): 1.0,
        ("webhook", "permanent"): 1.0,
        ("email", "retryable"): 0.0,
        ("email", "permanent"): 0.0,
    }


def _first_page(result: SqlResult | PromResult) -> None:
    q = _series(result, "q")
    assert set(q) == {"p50", "p95"}
    assert 0 < q["p50"] <= q["p95"] < 10  # opened and paged within the round


def _http_requests(result: SqlResult | PromResult) -> None:
    rates = _by(result, "service", "status")
    assert set(rates) == {("alerting", "200")}  # the API serves the router's own probes
    assert 0 < rates["alerting", "200"] < 10


def _http_latency(result: SqlResult | PromResult) -> None:
    q = _by(result, "service", "q")
    assert set(q) == {("alerting", "p50"), ("alerting", "p95")}
    assert 0 < q["alerting", "p50"] <= q["alerting", "p95"] < 5


CHECKS = {
    "Messages in per second, by kind": _received,
    "Messages stored per second, by status": _stored,
    "Quarantined messages": _quarantined,
    "Ack latency (receipt to ack)": _latency,
    "End-to-end lag (gateway time to storage)": _latency,
    "Notification delivery latency per channel": _delivery_latency,
    "Notification delivery failures per channel and kind": _failures,
    "Incident opened to first page delivered": _first_page,
    "HTTP requests per second by service and status": _http_requests,
    "HTTP request latency by service": _http_latency,
}

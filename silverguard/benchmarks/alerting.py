"""``silverguard bench alerting``: alert in → notification received, ours vs Alertmanager.

The same set of alerts (one per resident, type ``fall``) is sent, at the same pace, through

* Silverguard's router: each event is stored by the cloud ingest's store (the moment it is
  committed is "alert in"); the router picks it up from the event feed, opens an incident and
  pages the care worker by signed webhook;
* Prometheus Alertmanager (Debian's package) with the same grouping per resident and a webhook
  receiver, once tuned (``group_wait: 0s``) and once with its default ``group_wait: 30s``;
  "alert in" is its v2 API answering the POST.

"Notification received" is the webhook arriving at a local receiver. Printed: p50/p95/p99/max
latency and notifications per second for each, in one JSON object.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import platform
import secrets
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from alerting.config import AlertingSettings
from alerting.service import run_alerting
from cloud_ingest.store.migrate import migrate as migrate_ingest
from cloud_ingest.store.store import IngestStore
from contracts.clock import SystemClock
from contracts.envelope import Envelope, encode_envelope
from contracts.events import EventBody, EventType, Evidence
from contracts.ids import new_message_id
from silverguard.benchmarks.alertmanager import (
    alertmanager_version,
    post_alert,
    running_alertmanager,
)
from silverguard.benchmarks.stats import latency_summary
from silverguard.ports import free_port
from silverguard.sinks import WebhookReceiver
from silverguard.sinks.http_server import LocalHttpServer

__all__ = ["AlertingBenchOptions", "router_settings", "run_alerting_bench"]

TOKEN_ENV = "SG_BENCH_ALERTING_TOKEN_SECRET"  # noqa: S105 (a variable's name, not a secret)
WEBHOOK_ENV = "SG_BENCH_ALERTING_WEBHOOK_SECRET"
DEFAULT_GROUP_WAIT_S = 30.0
"""Alertmanager's documented default ``group_wait``."""


@dataclass(frozen=True)
class AlertingBenchOptions:
    """What to send and how fast."""

    alerts: int = 200
    rate_per_s: float = 50.0
    default_alerts: int = 20
    with_default: bool = True
    database_url: str | None = None
    poll_interval_s: float = 0.05
    timeout_s: float = 120.0


@dataclass
class _Arrivals:
    sent: dict[str, float] = field(default_factory=dict)
    received: dict[str, float] = field(default_factory=dict)
    duplicates: int = 0

    def arrive(self, resident: str) -> None:
        if resident in self.received:
            self.duplicates += 1
        else:
            self.received[resident] = time.monotonic()

    def figures(self, wall_s: float) -> dict[str, Any]:
        latencies = [self.received[r] - t for r, t in self.sent.items() if r in self.received]
        # "in" is taken just before the submitting call (the ingest's store / Alertmanager's
        # API), so both sides count their own intake.
        delivered = len(latencies)
        return {
            "sent": len(self.sent),
            "delivered": delivered,
            "duplicates": self.duplicates,
            "latency": latency_summary(latencies),
            "notifications_per_s": round(delivered / wall_s, 1) if wall_s > 0 else None,
        }

    async def wait(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while len(self.received) < len(self.sent) and time.monotonic() < deadline:
            await asyncio.sleep(0.01)


async def _paced(n: int, rate: float, send: Callable[[int], Awaitable[None]]) -> float:
    """Call ``send(i)`` n times at ``rate`` per second; returns when the last was sent."""
    start = time.monotonic()
    for i in range(n):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        await send(i)
    return start


def _resident(prefix: str, i: int) -> str:
    return f"res-{prefix}{i:05d}"


def router_settings(
    database_url: str, receiver_url: str, options: AlertingBenchOptions
) -> AlertingSettings:
    """The bench router: one care worker paged by signed webhook at ``receiver_url``."""
    api_port = free_port()
    return AlertingSettings.model_validate(
        {
            "org_id": "org-bench",
            "database_url": database_url,
            "public_base_url": f"http://127.0.0.1:{api_port}",
            "api": {"host": "127.0.0.1", "port": api_port},
            "poll_interval_s": options.poll_interval_s,
            "token_secret_env": TOKEN_ENV,
            "people": [
                {
                    "id": "cw-0001",
                    "name": "bench",
                    "contacts": [{"channel": "webhook", "url": receiver_url}],
                }
            ],
            "receivers": [{"name": "duty", "people": ["cw-0001"]}],
            "route": {"receiver": "duty"},
            "channels": {"webhook": {"secret_env": WEBHOOK_ENV, "timeout_s": 5}},
            "delivery": {"interval_s": options.poll_interval_s},
        }
    )


@contextlib.asynccontextmanager
async def _router(settings: AlertingSettings) -> AsyncIterator[None]:
    ready = asyncio.Event()
    task = asyncio.create_task(run_alerting(settings, ready=ready))
    try:
        await asyncio.wait_for(ready.wait(), timeout=30)
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def _fall_envelope(resident: str) -> Envelope:
    now = datetime.now(UTC)
    return Envelope(
        message_id=new_message_id(now),
        org_id="org-bench",
        gateway_id="gw-bench",
        home_id=f"home-{resident[4:]}",
        resident_id=resident,
        device_id="band-bench",
        device_time=now,
        gateway_time=now,
        body=EventBody.of(EventType.FALL, Evidence(summary="bench fall")),
    )


async def bench_silverguard(options: AlertingBenchOptions, workdir: Path) -> dict[str, Any]:
    """Our router, fed through the ingest's store, paging by signed webhook."""
    os.environ.setdefault(TOKEN_ENV, secrets.token_urlsafe(24))
    os.environ.setdefault(WEBHOOK_ENV, secrets.token_urlsafe(24))
    database_url = options.database_url or f"sqlite:///{workdir / 'bench.db'}"
    await asyncio.to_thread(migrate_ingest, database_url)
    arrivals = _Arrivals()
    receiver = WebhookReceiver(
        os.environ[WEBHOOK_ENV].encode(),
        on_delivery=lambda d: arrivals.arrive(str(d.payload["resident_id"])),
    )
    store = IngestStore(database_url, clock=SystemClock())
    try:
        async with receiver:
            settings = router_settings(database_url, receiver.url("duty"), options)
            async with _router(settings):

                async def send(i: int) -> None:
                    resident = _resident("b", i)
                    envelope = _fall_envelope(resident)
                    raw = encode_envelope(envelope)
                    arrivals.sent[resident] = time.monotonic()
                    await asyncio.to_thread(store.store, envelope, raw)

                start = await _paced(options.alerts, options.rate_per_s, send)
                await arrivals.wait(options.timeout_s)
                wall = max(arrivals.received.values(), default=start) - start
    finally:
        store.close()
    figures = arrivals.figures(wall)
    figures["rejected_signatures"] = len(receiver.rejected)
    figures["database"] = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    figures["poll_interval_s"] = options.poll_interval_s
    return figures


async def bench_alertmanager(
    alerts: int, rate: float, *, group_wait_s: float, timeout_s: float
) -> dict[str, Any]:
    """Alertmanager with the same grouping per resident and a webhook receiver."""
    arrivals = _Arrivals()

    async def hook(request: Request) -> JSONResponse:
        payload = await request.json()
        for alert in payload.get("alerts", []):
            arrivals.arrive(str(alert["labels"]["resident"]))
        return JSONResponse({"ok": True})

    app = Starlette(routes=[Route("/am", hook, methods=["POST"])])
    async with (
        LocalHttpServer(app) as sink,
        running_alertmanager(
            f"{sink.base_url}/am", group_wait_s=group_wait_s, group_interval_s=1
        ) as base,
        httpx.AsyncClient() as client,
    ):

        async def send(i: int) -> None:
            resident = _resident("a", i)
            arrivals.sent[resident] = time.monotonic()
            await post_alert(client, base, resident, "fall")

        start = await _paced(alerts, rate, send)
        await arrivals.wait(timeout_s + group_wait_s)
        wall = max(arrivals.received.values(), default=start) - start
    figures = arrivals.figures(wall)
    figures["group_wait_s"] = group_wait_s
    return figures


async def run_alerting_bench(options: AlertingBenchOptions) -> dict[str, Any]:
    """Run every side and return the JSON-ready figures."""
    with tempfile.TemporaryDirectory(prefix="sg-bench-alerting-") as tmp:
        ours = await bench_silverguard(options, Path(tmp))
    tuned = await bench_alertmanager(
        options.alerts, options.rate_per_s, group_wait_s=0, timeout_s=options.timeout_s
    )
    result: dict[str, Any] = {
        "benchmark": "alerting",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "alerts": options.alerts,
        "rate_per_s": options.rate_per_s,
        "silverguard": ours,
        "alertmanager": {"version": alertmanager_version(), "tuned_group_wait_0s": tuned},
        "goal": "our p99 orders of magnitude below Alertmanager's default and ≤ its tuned p99",
    }
    if options.with_default:
        result["alertmanager"]["default_group_wait_30s"] = await bench_alertmanager(
            options.default_alerts,
            options.rate_per_s,
            group_wait_s=DEFAULT_GROUP_WAIT_S,
            timeout_s=options.timeout_s,
        )
    return result

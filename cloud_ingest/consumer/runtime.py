"""What one ingest worker is made of, and how it runs blocking work beside the event loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from cloud_ingest.config import IngestSettings
from cloud_ingest.consumer.processor import MessageProcessor
from cloud_ingest.errors import IngestError
from cloud_ingest.liveness import LivenessSweep
from cloud_ingest.metrics import IngestMetrics
from cloud_ingest.store import IngestStore
from cloud_ingest.tsdb import TelemetrySink, TsdbWriter
from contracts.clock import Clock
from contracts.metrics import MetricsPortError, MetricsServer

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass
class IngestRuntime:
    """What one running worker is made of (tests and the bench look inside)."""

    settings: IngestSettings
    store: IngestStore
    processor: MessageProcessor
    metrics: IngestMetrics
    telemetry: TelemetrySink | None
    liveness: LivenessSweep | None
    metrics_server: MetricsServer | None = None

    def close(self) -> None:
        """Release the database, the time-series client and the metrics port."""
        if self.metrics_server is not None:
            self.metrics_server.close()
        if self.telemetry is not None:
            self.telemetry.close()
        self.store.close()


def build_runtime(settings: IngestSettings, clock: Clock) -> IngestRuntime:
    """Wire a worker from its settings (no I/O but opening the metrics port).

    Raises:
        IngestError: the metrics port cannot be opened.
        ConfigError: a named secret (token, password) is not set.
    """
    store = IngestStore(settings.database_url, clock=clock)
    metrics = IngestMetrics()
    telemetry = None
    if settings.tsdb is not None:
        telemetry = TelemetrySink(TsdbWriter(settings.tsdb), store.engine, settings.tsdb, metrics)
    liveness = None
    if settings.liveness.enabled:
        liveness = LivenessSweep(store, settings.liveness, clock, metrics)
    processor = MessageProcessor(
        store, clock, metrics, telemetry, track_liveness=settings.liveness.enabled
    )
    runtime = IngestRuntime(settings, store, processor, metrics, telemetry, liveness)
    if settings.metrics is not None:
        try:
            runtime.metrics_server = MetricsServer(
                metrics.registry, settings.metrics.host, settings.metrics.port
            )
        except MetricsPortError as exc:
            runtime.close()
            raise IngestError(str(exc)) from exc
    return runtime


async def in_thread(work: Callable[..., T], *args: object) -> T:
    """``asyncio.to_thread``, but a cancelled caller still waits for the thread to finish.

    So nothing is left using the database when the worker closes it on the way out.
    """
    future = asyncio.ensure_future(asyncio.to_thread(work, *args))
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            await future
        raise


def every(interval_s: float, what: str, work: Callable[[], object]) -> asyncio.Task[None]:
    """Run ``work`` in a thread every ``interval_s`` until cancelled; errors are logged once."""

    async def loop() -> None:
        failing = False
        while True:
            try:
                await in_thread(work)
            except Exception as exc:  # a background chore must never stop the ingest
                if not failing:
                    log.error("%s failed (retrying every %.1f s): %s", what, interval_s, exc)
                failing = True
            else:
                if failing:
                    log.info("%s works again", what)
                failing = False
            await asyncio.sleep(interval_s)

    return asyncio.create_task(loop(), name=what)

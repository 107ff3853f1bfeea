"""``silverguard bench e2e``: a sensor's alarm → the care worker's notification, with a fleet of
homes streaming at real rates through the whole cloud chain.

Everything is a real process on this machine: a private Mosquitto (the cloud broker), a
throwaway PostgreSQL database on the local server, a private VictoriaMetrics, ingest workers
(``silverguard ingest run``), the alert router (``silverguard alerting run``) paging by signed
webhook to a receiver in this process that verifies each signature, the fleet of homes
(:mod:`firmware_sim.fleet` at :class:`~firmware_sim.fleet.HomeRates`, 250 homes a process,
each home its own gateway identity) and a raw-broker probe (its own process).

After ``warmup_s`` of streaming, ``alarms`` falls are injected over ``duration_s`` (one per
home, spread over the fleet), each timed from the moment its gateway publishes it to the
moment its notification arrives. Printed: that latency (p50/p95/p99/max), the ingest lag
(publish → stored and acked, gateway-side; and device time → received, from the database),
CPU per component over the measured window (``/proc/<pid>/stat``), and the raw broker latency
(publish → receipt of a probe topic) measured in the same run.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import platform
import secrets
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alerting.store.db import migrate as migrate_alerting
from cloud_ingest.store import migrate as migrate_ingest
from firmware_sim.errors import FirmwareSimError
from firmware_sim.fleet import HomeRates
from firmware_sim.fleet_shards import FleetPlan, ShardedFleet
from silverguard.benchmarks.alerting import (
    TOKEN_ENV,
    WEBHOOK_ENV,
    AlertingBenchOptions,
    router_settings,
)
from silverguard.benchmarks.e2e_load import run_probe
from silverguard.benchmarks.e2e_report import (
    Arrivals,
    ChainPids,
    database_lag,
    homes_per_core,
    postgres_backend_pids,
    postgres_bytes,
    router_stages,
    stage_latencies,
    summarise,
)
from silverguard.benchmarks.e2e_servers import (
    RouterProcess,
    running_victoria_metrics,
    victoria_metrics_bytes,
)
from silverguard.benchmarks.ingest import PG_ADMIN_URL_DEFAULT
from silverguard.benchmarks.ingest_servers import (
    PG_ADMIN_URL_ENV,
    IngestWorker,
    running_mosquitto_process,
    throwaway_database,
)
from silverguard.benchmarks.proc_cpu import CpuSampler
from silverguard.sinks import WebhookReceiver

__all__ = ["E2eBenchOptions", "run_e2e_bench"]

ORG = "org-bench"


@dataclass(frozen=True)
class E2eBenchOptions:
    """What to run and measure."""

    homes: int = 1000
    duration_s: float = 60.0
    warmup_s: float = 10.0
    alarm_rate_per_s: float = 1.0
    workers: int = 1
    alarm_lane: bool = True
    batch_max: int = 500
    router_poll_interval_s: float = 0.2
    probe_rate_per_s: float = 10.0
    pg_admin_url: str = ""
    timeout_s: float = 120.0

    @property
    def alarms(self) -> int:
        """Alarms to inject: one per home at most, so each opens its own incident."""
        return max(1, min(self.homes, round(self.duration_s * self.alarm_rate_per_s)))


def run_e2e_bench(options: E2eBenchOptions) -> dict[str, Any]:
    """Start the chain, stream, inject, measure; return the JSON-ready figures.

    Raises:
        RuntimeError: a server or process could not be started, or the fleet failed; the
            message says which and what to do.
    """
    admin_url = options.pg_admin_url or os.environ.get(PG_ADMIN_URL_ENV, PG_ADMIN_URL_DEFAULT)
    os.environ.setdefault(TOKEN_ENV, secrets.token_urlsafe(24))
    os.environ.setdefault(WEBHOOK_ENV, secrets.token_urlsafe(24))
    with (
        tempfile.TemporaryDirectory(prefix="sg-bench-e2e-") as tmp,
        running_mosquitto_process(Path(tmp)) as (port, broker_pid),
        throwaway_database(admin_url) as database_url,
        running_victoria_metrics(Path(tmp)) as (vm_url, vm_pid),
    ):
        migrate_ingest(database_url)
        migrate_alerting(database_url)
        with _workers(options, Path(tmp), database_url, port, vm_url) as workers:
            pids = ChainPids(broker=[broker_pid], victoria_metrics=[vm_pid])
            pids.ingest = [w.process.pid for w in workers[options.alarm_lane :]]
            pids.ingest_alarm_lane = [w.process.pid for w in workers[: options.alarm_lane]]
            measured = asyncio.run(
                _measure(options, Path(tmp), database_url, admin_url, port, pids)
            )
            measured["stored_by_worker"] = [w.stored() for w in workers]
            measured["storage"] = {
                "postgresql": postgres_bytes(database_url),
                "victoria_metrics_bytes": victoria_metrics_bytes(vm_url, Path(tmp)),
            }
        measured["database_lag"] = database_lag(database_url)
        measured["alarms"]["stages"] = stage_latencies(
            measured.pop("injected"),
            measured.pop("arrivals"),
            router_stages(database_url),
            time.time() - time.monotonic(),
        )
    return _result(options, measured)


@contextlib.contextmanager
def _workers(
    options: E2eBenchOptions, workdir: Path, database_url: str, port: int, vm_url: str
) -> Iterator[list[IngestWorker]]:
    """The ingest workers: the alarm lane's first (if any), then the others."""
    config = {
        "database_url": database_url,
        "broker": {"host": "127.0.0.1", "port": port, "protocol": "5"},
        "shared_group": "ingest",
        "batch_max": options.batch_max,
        "migrate_on_start": False,
        "tsdb": {"url": vm_url},
    }
    workers: list[IngestWorker] = []
    telemetry = config
    if options.alarm_lane:  # alarms on their own connection: never behind telemetry
        telemetry = {**config, "kinds": ["reading", "status"]}
    try:
        if options.alarm_lane:
            lane = {**config, "kinds": ["event"], "batch_linger_s": 0}  # alarms wait for nothing
            workers.append(IngestWorker(lane, workdir, "alarm-lane"))
        for i in range(options.workers):
            workers.append(IngestWorker(telemetry, workdir, f"ingest-{i}"))
        for worker in workers:
            worker.wait_subscribed()
        yield workers
    finally:
        for worker in workers:
            worker.stop()


async def _measure(  # noqa: PLR0917 (the chain's coordinates)
    options: E2eBenchOptions,
    workdir: Path,
    database_url: str,
    admin_url: str,
    port: int,
    pids: ChainPids,
) -> dict[str, Any]:
    arrivals = Arrivals()
    receiver = WebhookReceiver(os.environ[WEBHOOK_ENV].encode(), on_delivery=arrivals.arrive)
    async with receiver:
        settings = router_settings(
            database_url,
            receiver.url("duty"),
            AlertingBenchOptions(poll_interval_s=options.router_poll_interval_s),
        ).model_dump(mode="json", exclude_defaults=True)
        settings["org_id"] = ORG
        router = RouterProcess(settings, workdir)
        try:
            await asyncio.to_thread(router.wait_healthy)
            pids.router = [router.pid]
            pids.bench = [os.getpid()]
            measured = await _run_load(options, admin_url, database_url, port, pids, arrivals)
        finally:
            router.stop()
    measured["rejected_signatures"] = len(receiver.rejected)
    return measured


async def _run_load(  # noqa: PLR0917 (the chain's coordinates)
    options: E2eBenchOptions,
    admin_url: str,
    database_url: str,
    port: int,
    pids: ChainPids,
    arrivals: Arrivals,
) -> dict[str, Any]:
    spawn = multiprocessing.get_context("spawn")
    probe_results, probe_go = spawn.Queue(), spawn.Event()
    plan = FleetPlan(
        port=port,
        homes=options.homes,
        org=ORG,
        duration_s=options.duration_s,
        warmup_s=options.warmup_s,
        injected_alarms=options.alarms,
        drain_s=options.timeout_s,
    )
    fleet = ShardedFleet(plan)
    probe = spawn.Process(
        target=run_probe,
        args=(port, options.duration_s, options.probe_rate_per_s, probe_results, probe_go),
        daemon=True,
    )
    try:
        probe.start()
        await asyncio.to_thread(fleet.start)
        pids.fleet = fleet.pids
        pids.probe = [probe.pid or 0]
        pids.postgresql = await asyncio.to_thread(postgres_backend_pids, admin_url, database_url)
        fleet.go()
        await asyncio.sleep(options.warmup_s)
        sampler = CpuSampler(pids.components())
        sampler.start()
        probe_go.set()
        await asyncio.sleep(options.duration_s)
        cpu = sampler.stop()
        outcome = await asyncio.to_thread(fleet.results, options.timeout_s + 120)
        await arrivals.wait_for({r for r, _, _ in outcome["injected"]}, options.timeout_s)
        probe_outcome = await asyncio.to_thread(probe_results.get, timeout=30)
    except FirmwareSimError as exc:
        raise RuntimeError(f"the fleet of homes failed: {exc}") from exc
    finally:
        fleet.close()
        probe.join(10)
        if probe.is_alive():
            probe.kill()
    return summarise(outcome, probe_outcome, arrivals, cpu) | {
        "injected": outcome["injected"],
        "arrivals": arrivals,
    }


def _result(options: E2eBenchOptions, measured: dict[str, Any]) -> dict[str, Any]:
    rates = HomeRates()
    measured["cpu"]["homes_per_core"] = {
        name: homes_per_core(options.homes, usage)
        for name, usage in measured["cpu"]["by_component"].items()
    }
    return {
        "benchmark": "e2e",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
        },
        "options": asdict(options) | {"alarms": options.alarms},
        "home_rates_s": asdict(rates),
        "messages_per_home_per_s": round(rates.messages_per_home_per_s(), 4),
        **measured,
        "goal": "alarm → notification p99 ≤ 100 ms at 1,000 homes on this 2-core machine",
    }

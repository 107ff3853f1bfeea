"""Bookkeeping of ``silverguard bench e2e``: arrivals at the receiver, the chain's PIDs, the
database's own lag figures, and the summary of one run.

Example:
    >>> pids = ChainPids(broker=[10], ingest=[11, 12])
    >>> pids.components()["ingest"]
    [11, 12]
    >>> sorted(pids.components())[:3]
    ['bench', 'broker', 'fleet']
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass, field
from typing import Any

import psycopg
import sqlalchemy as sa

from contracts.feed import EVENT_FEED_TABLE
from silverguard.benchmarks.proc_cpu import CpuUsage
from silverguard.benchmarks.stats import latency_summary
from silverguard.sinks.webhook_receiver import ReceivedWebhook

__all__ = [
    "Arrivals",
    "ChainPids",
    "database_lag",
    "homes_per_core",
    "postgres_backend_pids",
    "postgres_bytes",
    "router_stages",
    "stage_latencies",
    "summarise",
]

ALARM_TYPE = "fall"


@dataclass
class ChainPids:
    """The processes of each component (``ingest``: the workers taking telemetry, or all
    messages without an alarm lane; PostgreSQL: the backends serving the bench's database;
    ``bench``: this process, i.e. the webhook receiver)."""

    broker: list[int] = field(default_factory=list)
    ingest: list[int] = field(default_factory=list)
    ingest_alarm_lane: list[int] = field(default_factory=list)
    router: list[int] = field(default_factory=list)
    postgresql: list[int] = field(default_factory=list)
    victoria_metrics: list[int] = field(default_factory=list)
    fleet: list[int] = field(default_factory=list)
    probe: list[int] = field(default_factory=list)
    bench: list[int] = field(default_factory=list)

    def components(self) -> dict[str, list[int]]:
        """PIDs by component name."""
        return {name: list(pids) for name, pids in vars(self).items()}


@dataclass
class Arrivals:
    """First arrival (monotonic) of a fall notification per resident, and duplicates."""

    first: dict[str, float] = field(default_factory=dict)
    duplicates: int = 0
    other: int = 0

    def arrive(self, delivery: ReceivedWebhook) -> None:
        """The receiver's ``on_delivery`` hook."""
        if delivery.payload.get("type") != ALARM_TYPE:
            self.other += 1
            return
        resident = str(delivery.payload["resident_id"])
        if resident in self.first:
            self.duplicates += 1
        else:
            self.first[resident] = delivery.received_monotonic

    async def wait_for(self, residents: set[str], timeout_s: float) -> None:
        """Wait until each of ``residents`` was paged, or ``timeout_s`` passed."""
        deadline = time.monotonic() + timeout_s
        while not residents <= self.first.keys() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)


def postgres_backend_pids(admin_url: str, database_url: str) -> list[int]:
    """The server processes connected to the bench's database right now."""
    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        rows = conn.execute(
            "select pid from pg_stat_activity where datname = %s", (name,)
        ).fetchall()
    return [int(pid) for (pid,) in rows]


def database_lag(database_url: str) -> dict[str, Any]:
    """Device (gateway) time → received by a worker, p50/p99 in ms, from the stored rows."""
    query = """
        select count(*),
               percentile_cont(0.5) within group (order by ms),
               percentile_cont(0.99) within group (order by ms),
               max(ms)
        from (select extract(epoch from received_at - {time}) * 1000 as ms from {table}) t
    """
    engine = sa.create_engine(database_url)
    out: dict[str, Any] = {}
    try:
        with engine.connect() as conn:
            for table, column in (("readings", "gateway_time"), (EVENT_FEED_TABLE, "device_time")):
                n, p50, p99, top = conn.execute(
                    sa.text(query.format(time=column, table=table))
                ).one()
                out[table] = {
                    "n": n,
                    "p50_ms": None if p50 is None else round(float(p50), 1),
                    "p99_ms": None if p99 is None else round(float(p99), 1),
                    "max_ms": None if top is None else round(float(top), 1),
                }
    finally:
        engine.dispose()
    return out


@dataclass(frozen=True, slots=True)
class AlarmPath:
    """Where one injected alarm was when (wall-clock epoch seconds, from the database)."""

    stored: float
    """The ingest stored it (``events.received_at``)."""
    routed: float
    """The router began the transaction that opened its incident (``processed_at``)."""
    page_created: float | None
    """The incident's first page row was created (``notifications.created_at``: the router's
    time for the transaction that opened the incident, so equal to ``routed`` since the
    hand-over of first pages)."""


def router_stages(database_url: str) -> dict[str, AlarmPath]:
    """Per event message id: when it was stored, routed, and its first page created."""
    query = sa.text(
        f"""
        select e.message_id,
               extract(epoch from e.received_at),
               extract(epoch from ie.processed_at),
               extract(epoch from (select min(n.created_at) from notifications n
                                   where n.incident_id = ie.incident_id))
        from {EVENT_FEED_TABLE} e join incident_events ie on ie.message_id = e.message_id
        """  # noqa: S608 (our table name)
    )
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(query).all()
    finally:
        engine.dispose()
    return {
        str(mid): AlarmPath(float(stored), float(routed), None if page is None else float(page))
        for mid, stored, routed, page in rows
    }


def stage_latencies(
    injected: list[tuple[str, str, float]],
    arrivals: Arrivals,
    paths: dict[str, AlarmPath],
    wall_minus_monotonic: float,
) -> dict[str, dict[str, float | int | None]]:
    """The alarm → notification latency split into its stages (p50/p95/p99 each).

    ``injected`` holds (resident, message id, published on the monotonic clock), as the
    fleet reports it; the arrivals are monotonic too, and ``wall_minus_monotonic`` maps both
    onto the database's wall clock (one machine, one clock).

    Example:
        >>> arrivals = Arrivals(first={"r1": 100.080})
        >>> paths = {"m1": AlarmPath(stored=1100.002, routed=1100.010, page_created=1100.050)}
        >>> stages = stage_latencies([("r1", "m1", 100.0)], arrivals, paths, 1000.0)
        >>> [stages[k]["p50_ms"] for k in ("publish_to_stored", "stored_to_routed",
        ...                                 "routed_to_page_created", "page_created_to_arrival")]
        [2.0, 8.0, 40.0, 30.0]
    """
    stages: dict[str, list[float]] = {
        "publish_to_stored": [],
        "stored_to_routed": [],
        "routed_to_page_created": [],
        "page_created_to_arrival": [],
    }
    for resident, message_id, published in injected:
        path = paths.get(message_id)
        arrived = arrivals.first.get(resident)
        if path is None or path.page_created is None or arrived is None:
            continue
        stages["publish_to_stored"].append(path.stored - (published + wall_minus_monotonic))
        stages["stored_to_routed"].append(path.routed - path.stored)
        stages["routed_to_page_created"].append(path.page_created - path.routed)
        stages["page_created_to_arrival"].append(arrived + wall_minus_monotonic - path.page_created)
    return {name: latency_summary(values) for name, values in stages.items()}


def postgres_bytes(database_url: str) -> dict[str, Any]:
    """Rows and on-disk bytes (with indexes and TOAST) of the readings and events tables."""
    engine = sa.create_engine(database_url)
    out: dict[str, Any] = {}
    try:
        with engine.connect() as conn:
            for table in ("readings", EVENT_FEED_TABLE):
                rows, size = conn.execute(
                    sa.text(f"select count(*), pg_total_relation_size('{table}') from {table}")  # noqa: S608 (our table names)
                ).one()
                out[table] = {
                    "rows": rows,
                    "bytes": size,
                    "bytes_per_row": round(size / rows) if rows else None,
                }
    finally:
        engine.dispose()
    return out


def homes_per_core(homes: int, usage: dict[str, float]) -> float | None:
    """Homes one core would carry at the measured CPU share (linear extrapolation).

    Example:
        >>> homes_per_core(1000, {"pct_of_one_core": 25.0})
        4000.0
        >>> homes_per_core(1000, {"pct_of_one_core": 0.0}) is None
        True
    """
    pct = usage["pct_of_one_core"]
    return round(homes * 100 / pct, -1) if pct > 0 else None


def summarise(
    fleet: dict[str, Any],
    probe: dict[str, Any],
    arrivals: Arrivals,
    cpu: dict[str, CpuUsage],
) -> dict[str, Any]:
    """The run's figures from the fleet's and probe's outcomes, the arrivals and the CPU."""
    latencies = [
        arrivals.first[resident] - published
        for resident, _message_id, published in fleet["injected"]
        if resident in arrivals.first
    ]
    cores = os.cpu_count() or 1
    total = sum(usage.seconds for usage in cpu.values())
    wall = max((usage.wall_s for usage in cpu.values()), default=0.0)
    return {
        "alarms": {
            "injected": len(fleet["injected"]),
            "notified": len(latencies),
            "duplicates": arrivals.duplicates,
            "other_notifications": arrivals.other,
            "latency_publish_to_notification": latency_summary(latencies),
            "gateway_ack_delay": latency_summary(fleet["alarm_ack_delays_s"]),
        },
        "ingest_lag_publish_to_stored_acked": latency_summary(fleet["telemetry_ack_delays_s"]),
        "fleet": {
            "messages_sent": fleet["messages_sent"],
            "messages_per_s": round(fleet["messages_sent"] / fleet["streamed_s"], 1),
            "resends": fleet["resends"],
            "unacked_after_drain": fleet["unacked"],
        },
        "raw_broker_probe": {
            "sent": probe["sent"],
            "latency_publish_to_receipt": latency_summary(probe["delays_s"]),
        },
        "cpu": {
            "window_s": round(wall, 1),
            "by_component": {name: usage.as_dict(cores) for name, usage in cpu.items()},
            "total": CpuUsage(total, wall).as_dict(cores),
        },
    }

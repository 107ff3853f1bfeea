"""``silverguard bench ingest``: stored-and-acked messages/s of 1..N ingest workers, and the raw
paho subscriber rate on the same broker in the same run.

Everything is real and local: a private Mosquitto (MQTT v5), a throwaway PostgreSQL database
per phase, ingest workers as ``silverguard ingest run`` processes in one shared-subscription
group, and a gateway fleet (one process, paho, QoS 1, ``--gateways`` gateways) that publishes
mattress-vitals readings and counts the cloud's acks. A message counts once its ack arrived,
i.e. after the worker's database commit. The raw phase: one paho subscriber process (QoS 1,
shared subscription) that only counts, fed by the same fleet. Rates are messages divided by
the time from the first publish to the last ack (or, raw, the last delivery), so a phase is
never faster than the fleet can publish: ``publisher_per_s`` says how fast that was. On a
small machine the fleet, the broker, PostgreSQL and the workers share the cores.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import secrets
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing.synchronize import Event as EventType
from pathlib import Path
from typing import Any

from paho.mqtt.client import Client, MQTTMessage
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from cloud_ingest.store import migrate
from contracts.envelope import Envelope, encode_envelope
from contracts.ids import new_message_id
from contracts.readings import MattressVitals
from contracts.topics import TopicKind, build_topic
from silverguard.benchmarks.ingest_servers import (
    PG_ADMIN_URL_ENV,
    IngestWorker,
    running_mosquitto,
    throwaway_database,
)
from silverguard.benchmarks.proc_cpu import CpuSampler

__all__ = ["IngestBenchOptions", "run_ingest_bench"]

log = logging.getLogger(__name__)

PG_ADMIN_URL_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"
_ORG = "org-bench"


@dataclass(frozen=True)
class IngestBenchOptions:
    """What to measure."""

    workers: tuple[int, ...] = (1, 2)
    messages: int = 20_000
    gateways: int = 50
    batch_max: int = 500
    pg_admin_url: str = ""
    timeout_s: float = 300.0
    rate: float = 0.0
    """Messages/s the fleet publishes at (0: as fast as paho allows)."""
    batch_linger_s: float | None = None
    """The workers' batch_linger_s (None: their default)."""


def run_ingest_bench(options: IngestBenchOptions) -> dict[str, Any]:
    """Run the raw phase and one phase per worker count; return the figures.

    Raises:
        RuntimeError: a server or a worker could not be started, or a phase timed out.
    """
    admin_url = options.pg_admin_url or os.environ.get(PG_ADMIN_URL_ENV, PG_ADMIN_URL_DEFAULT)
    spawn = multiprocessing.get_context("spawn")
    with (
        tempfile.TemporaryDirectory(prefix="sg-bench-ingest-") as tmp,
        running_mosquitto(Path(tmp)) as port,
    ):
        raw = _raw_phase(spawn, port, options)
        phases = []
        for count in options.workers:
            with throwaway_database(admin_url) as database_url:
                phases.append(
                    _ingest_phase(
                        spawn,
                        port=port,
                        database_url=database_url,
                        count=count,
                        workdir=Path(tmp),
                        options=options,
                    )
                )
    by_workers = {p["workers"]: p["stored_acked_per_s"] for p in phases}
    result: dict[str, Any] = {
        "benchmark": "ingest",
        "messages": options.messages,
        "gateways": options.gateways,
        "message_kind": "reading.mattress_vitals (QoS 1)",
        "batch_max": options.batch_max,
        "cpu_count": os.cpu_count(),
        "raw_paho_subscriber": raw,
        "ingest": phases,
        "ratio_to_raw": {
            str(k): round(v / raw["delivered_per_s"], 3) for k, v in by_workers.items()
        },
    }
    if 1 in by_workers and 2 in by_workers:
        result["scaling_1_to_2"] = round(by_workers[2] / by_workers[1], 3)
    result["note"] = (
        f"{os.cpu_count()} CPU(s) shared by the publishing fleet, Mosquitto, PostgreSQL and "
        "the workers: rates are a floor of what the ingest does on its own cores"
    )
    return result


def _payloads(count: int, gateways: int) -> list[tuple[str, bytes]]:
    start = datetime.now(UTC)
    out = []
    for i in range(count):
        gateway_id = f"gw-{i % gateways:04d}"
        at = start + timedelta(milliseconds=i)
        envelope = Envelope(
            message_id=new_message_id(at),
            org_id=_ORG,
            gateway_id=gateway_id,
            home_id=f"home-{i % gateways:04d}",
            resident_id=f"res-{i % gateways:04d}",
            device_id=f"bed-{i % gateways:04d}",
            gateway_time=at,
            body=MattressVitals(in_bed=True, heart_rate_bpm=60 + i % 20, resp_rate_br_min=14),
        )
        out.append((build_topic(_ORG, gateway_id, TopicKind.READING), encode_envelope(envelope)))
    return out


def _client(name: str) -> Client:
    return Client(
        callback_api_version=CallbackAPIVersion.VERSION2,
        client_id=f"{name}-{secrets.token_hex(4)}",
        protocol=MQTTProtocolVersion.MQTTv5,
    )


@dataclass(frozen=True)
class _FleetJob:
    port: int
    count: int
    gateways: int
    want_acks: bool
    rate: float = 0.0


def _fleet(job: _FleetJob, results: Any, go: EventType) -> None:
    """Process: publish ``count`` readings as fast as paho allows; count acks if asked."""
    port, count, want_acks = job.port, job.count, job.want_acks
    payloads = _payloads(count, job.gateways)
    acked: set[str] = set()
    last_ack = [0.0]

    def on_message(_c: Client, _u: object, message: MQTTMessage) -> None:
        body = json.loads(message.payload)
        for message_id, _status in body["body"]["acked"]:
            acked.add(message_id)
        last_ack[0] = time.time()

    client = _client("fleet")
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    client.on_message = on_message
    client.connect("127.0.0.1", port)
    client.loop_start()
    if want_acks:
        client.subscribe(f"sg/v1/{_ORG}/+/ack", qos=1)
    time.sleep(0.5)
    go.wait()
    started = time.time()
    infos = []
    for i, (topic, payload) in enumerate(payloads):
        if job.rate > 0 and (ahead_s := started + i / job.rate - time.time()) > 0:
            time.sleep(ahead_s)  # paced: a steady load, as gateways send, not one burst
        infos.append(client.publish(topic, payload, qos=1))
    for info in infos:
        info.wait_for_publish(timeout=60)
    published = time.time()
    deadline = published + 120
    while want_acks and len(acked) < count and time.time() < deadline:
        time.sleep(0.02)
    client.loop_stop()
    client.disconnect()
    results.put(
        {"started": started, "published": published, "acked": len(acked), "last": last_ack[0]}
    )


def _raw_subscriber(port: int, count: int, ready: EventType, results: Any) -> None:
    """Process: a paho QoS 1 subscriber that only counts what it is delivered."""
    seen = [0, 0.0]

    def on_message(_c: Client, _u: object, _message: MQTTMessage) -> None:
        seen[0] += 1
        seen[1] = time.time()

    def on_subscribe(
        _c: Client, _u: object, _mid: int, _codes: list[ReasonCode], _p: Properties | None
    ) -> None:
        ready.set()

    client = _client("raw")
    client.on_message = on_message
    client.on_subscribe = on_subscribe
    client.connect("127.0.0.1", port)
    client.subscribe("$share/raw/sg/v1/+/+/reading", qos=1)
    client.loop_start()
    deadline = time.time() + 300
    while seen[0] < count and time.time() < deadline:
        time.sleep(0.02)
    client.loop_stop()
    client.disconnect()
    results.put({"delivered": int(seen[0]), "last": seen[1]})


def _raw_phase(spawn: Any, port: int, options: IngestBenchOptions) -> dict[str, Any]:
    results = spawn.Queue()
    ready, go = spawn.Event(), spawn.Event()
    subscriber = spawn.Process(
        target=_raw_subscriber, args=(port, options.messages, ready, results)
    )
    subscriber.start()
    if not ready.wait(30):
        subscriber.kill()
        raise RuntimeError("the raw paho subscriber did not subscribe within 30 s")
    fleet_results = spawn.Queue()
    fleet = spawn.Process(
        target=_fleet,
        args=(_FleetJob(port, options.messages, options.gateways, False), fleet_results, go),
    )
    fleet.start()
    go.set()
    sent = fleet_results.get(timeout=options.timeout_s)
    got = results.get(timeout=options.timeout_s)
    fleet.join(10)
    subscriber.join(10)
    seconds = got["last"] - sent["started"]
    return {
        "delivered": got["delivered"],
        "seconds": round(seconds, 3),
        "delivered_per_s": round(got["delivered"] / seconds, 1),
        "publisher_per_s": round(options.messages / (sent["published"] - sent["started"]), 1),
    }


def _ingest_phase(
    spawn: Any,
    *,
    port: int,
    database_url: str,
    count: int,
    workdir: Path,
    options: IngestBenchOptions,
) -> dict[str, Any]:
    migrate(database_url)
    config = {
        "database_url": database_url,
        "broker": {"host": "127.0.0.1", "port": port, "protocol": "5"},
        "shared_group": f"bench-{secrets.token_hex(3)}",
        "batch_max": options.batch_max,
        "migrate_on_start": False,
        "liveness": {"enabled": True},
    }
    if options.batch_linger_s is not None:
        config["batch_linger_s"] = options.batch_linger_s
    workers = [IngestWorker(config, workdir, f"w{count}-{i}") for i in range(count)]
    try:
        for worker in workers:
            worker.wait_subscribed()
        results, go = spawn.Queue(), spawn.Event()
        fleet = spawn.Process(
            target=_fleet,
            args=(
                _FleetJob(port, options.messages, options.gateways, True, options.rate),
                results,
                go,
            ),
        )
        fleet.start()
        cpu = CpuSampler({"workers": [worker.process.pid for worker in workers]})
        cpu.start()
        go.set()
        outcome = results.get(timeout=options.timeout_s)
        worker_cpu_s = cpu.stop()["workers"].seconds
        fleet.join(10)
        stored = [worker.stored() for worker in workers]
    finally:
        for worker in workers:
            worker.stop()
    if outcome["acked"] < options.messages:
        raise RuntimeError(
            f"{count} worker(s): only {outcome['acked']} of {options.messages} acked in time"
        )
    seconds = outcome["last"] - outcome["started"]
    rate = options.messages / seconds
    return {
        "workers": count,
        "acked": outcome["acked"],
        "seconds": round(seconds, 3),
        "stored_acked_per_s": round(rate, 1),
        "per_worker_per_s": round(rate / count, 1),
        "stored_by_worker": stored,
        "publisher_per_s": round(options.messages / (outcome["published"] - outcome["started"]), 1),
        "worker_cpu_ms_per_message": round(1000 * worker_cpu_s / options.messages, 3),
    }

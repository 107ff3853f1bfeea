"""Faults between the gateways and the database: the cloud broker restarts, an ingest worker
is SIGKILLed. Several homes (each its own gateway identity) keep sending alarms and telemetry
throughout; afterwards every alarm and reading is stored exactly once and every one was acked.
"""

from __future__ import annotations

import json
import logging
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest

from cloud_ingest.store import migrate
from contracts.feed import EVENT_FEED_TABLE
from contracts.series import VITALS, VitalsField, flat_name
from firmware_sim.fleet import ORG, Fleet
from silverguard.benchmarks.ingest_servers import IngestWorker
from tests.faults.checks import query_rows
from tests.faults.private_pg import private_postgres
from tests.servers import MosquittoInstance, mosquitto, victoria_metrics

pytestmark = [pytest.mark.faults, pytest.mark.integration, pytest.mark.timeout(240)]
logger = logging.getLogger(__name__)
HOMES = 6


def _stored(database_url: str, table: str) -> dict[str, int]:
    query = f"select message_id, count(*) from {table} group by message_id"
    return {row[0]: row[1] for row in query_rows(database_url, query)}


def _assert_exactly_once(fleet: Fleet, database_url: str, fault: str) -> None:
    events = _stored(database_url, EVENT_FEED_TABLE)
    readings = _stored(database_url, "readings")
    alarms, telemetry = fleet.alarm_ids, fleet.reading_ids
    assert alarms
    assert telemetry
    assert [m for m in alarms if events.get(m) != 1] == []
    assert [m for m in telemetry if readings.get(m) != 1] == []
    assert set(events) == set(alarms)  # nothing stored that was not sent
    report = {
        "fault": fault,
        "alarms": len(alarms),
        "readings": len(telemetry),
        "send_to_ack_ms": fleet.delays_ms(),
    }
    line = json.dumps(report, sort_keys=True)
    print(line)
    logger.info("fault report %s", line)


def _ingest_config(database_url: str, port: int) -> dict[str, Any]:
    return {
        "database_url": database_url,
        "broker": {"host": "127.0.0.1", "port": port, "protocol": "5"},
        "shared_group": "ingest",
        "batch_max": 200,
        "migrate_on_start": False,
    }


@pytest.fixture
def chain(tmp_path: Path, postgres_url: str) -> Iterator[tuple[MosquittoInstance, str, Path]]:
    migrate(postgres_url)
    with mosquitto(tmp_path / "cloud") as broker:
        yield broker, postgres_url, tmp_path


def _run(fleet: Fleet, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.1)


def test_cloud_broker_restart_loses_and_duplicates_nothing(
    chain: tuple[MosquittoInstance, str, Path],
) -> None:
    broker, database_url, workdir = chain
    worker = IngestWorker(_ingest_config(database_url, broker.port), workdir, "w0")
    fleet = Fleet(broker.port, HOMES)
    try:
        worker.wait_subscribed()
        fleet.start()
        _run(fleet, 3)
        broker.stop()  # in-flight and queued messages die with it (persistence off)
        _run(fleet, 2)
        broker.start()
        _run(fleet, 4)
        fleet.stop_sending()
        fleet.drain()
        assert worker.process.poll() is None, "the worker must survive a broker restart"
    finally:
        fleet.close()
        worker.stop()
    _assert_exactly_once(fleet, database_url, "cloud broker restart")


def test_an_ingest_worker_sigkilled_loses_and_duplicates_nothing(
    chain: tuple[MosquittoInstance, str, Path],
) -> None:
    broker, database_url, workdir = chain
    config = _ingest_config(database_url, broker.port)
    workers = [IngestWorker(config, workdir, f"w{i}") for i in range(2)]
    fleet = Fleet(broker.port, HOMES)
    try:
        for worker in workers:
            worker.wait_subscribed()
        fleet.start()
        _run(fleet, 3)
        workers[0].process.send_signal(signal.SIGKILL)  # mid-batch: no goodbye, no ack
        workers[0].process.wait(10)
        _run(fleet, 3)
        replacement = IngestWorker(config, workdir, "w2")
        workers.append(replacement)
        replacement.wait_subscribed()
        _run(fleet, 2)
        fleet.stop_sending()
        fleet.drain()
    finally:
        fleet.close()
        for worker in workers:
            worker.stop()
    _assert_exactly_once(fleet, database_url, "ingest worker SIGKILLed")


def test_postgresql_restart_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    with private_postgres() as pg, mosquitto(tmp_path / "cloud") as broker:
        migrate(pg.url)
        worker = IngestWorker(_ingest_config(pg.url, broker.port), tmp_path, "w0")
        fleet = Fleet(broker.port, HOMES)
        try:
            worker.wait_subscribed()
            fleet.start()
            _run(fleet, 3)
            pg.stop("immediate")  # a crash: open transactions and connections cut
            _run(fleet, 3)
            pg.start()
            _run(fleet, 3)
            fleet.stop_sending()
            fleet.drain()
            assert worker.process.poll() is None, "the worker must survive a database restart"
        finally:
            fleet.close()
            worker.stop()
        _assert_exactly_once(fleet, pg.url, "PostgreSQL restart")


def test_time_series_server_down_loses_and_duplicates_no_sample(
    chain: tuple[MosquittoInstance, str, Path],
) -> None:
    broker, database_url, workdir = chain
    with victoria_metrics(workdir / "vm") as vm:
        config = {
            **_ingest_config(database_url, broker.port),
            "tsdb": {"url": vm.url, "drain_interval_s": 0.2, "timeout_s": 2},
        }
        worker = IngestWorker(config, workdir, "w0")
        fleet = Fleet(broker.port, HOMES)
        try:
            worker.wait_subscribed()
            fleet.start()
            _run(fleet, 3)
            vm.stop()  # telemetry goes to the durable buffer meanwhile
            _run(fleet, 4)
            vm.start()
            _run(fleet, 2)
            fleet.stop_sending()
            fleet.drain()
            name = flat_name(VITALS, VitalsField.HEART_RATE_BPM)
            deadline = time.monotonic() + 60
            while True:  # the buffer drains in the background after the server is back
                series = vm.export(f'{{__name__="{name}",org_id="{ORG}"}}')
                samples = sum(len(cast("list[int]", s["timestamps"])) for s in series)
                if samples >= len(fleet.reading_ids) or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
        finally:
            fleet.close()
            worker.stop()
    assert samples == len(fleet.reading_ids)
    _assert_exactly_once(fleet, database_url, "time-series server down")

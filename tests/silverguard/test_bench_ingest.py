"""``silverguard bench ingest`` runs on real Mosquitto and PostgreSQL and prints its figures as
JSON (the figures themselves are not asserted: the machine is shared)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from silverguard.cli import app

pytestmark = pytest.mark.integration


def test_bench_ingest_prints_json_with_every_message_acked() -> None:
    args = ["bench", "ingest", "--json", "--workers", "1", "--messages", "300", "--gateways", "5"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output.strip().splitlines()[-1])
    assert figures["raw_paho_subscriber"]["delivered"] == 300
    [phase] = figures["ingest"]
    assert phase["workers"] == 1
    assert phase["acked"] == 300
    assert phase["stored_by_worker"] == [300]
    assert phase["worker_cpu_ms_per_message"] > 0  # the worker's own CPU over the phase
    assert phase["stored_acked_per_s"] > 0
    assert set(figures["ratio_to_raw"]) == {"1"}


def test_bench_ingest_paces_the_fleet_at_rate() -> None:
    args = ["bench", "ingest", "--json", "--workers", "1", "--messages", "300", "--rate", "200"]
    result = CliRunner().invoke(app, [*args, "--batch-linger-s", "0.02"])
    assert result.exit_code == 0, result.output
    [phase] = json.loads(result.output.strip().splitlines()[-1])["ingest"]
    assert phase["acked"] == 300
    assert phase["publisher_per_s"] <= 210  # 300 messages at 200/s take 1.5 s, not a burst


def test_bench_ingest_refuses_bad_worker_counts() -> None:
    result = CliRunner().invoke(app, ["bench", "ingest", "--workers", "0,x"])
    assert result.exit_code == 2
    assert "worker counts" in result.output

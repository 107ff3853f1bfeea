"""The end-to-end benchmark runs the whole chain for real at a tiny size: every injected alarm
reaches the signed-webhook receiver once, the JSON on stdout has every figure, a human summary
goes to stderr. Timings are reported, never judged here."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]

COMPONENTS = {
    "broker",
    "ingest",
    "ingest_alarm_lane",
    "router",
    "postgresql",
    "victoria_metrics",
    "fleet",
    "probe",
    "bench",
}


def _bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "silverguard", "bench", "e2e", *args],
        capture_output=True,
        text=True,
        timeout=220,
        check=False,
    )


def test_every_injected_alarm_is_notified_once_and_every_figure_is_printed() -> None:
    run = _bench("--homes", "5", "--duration", "5", "--warmup", "1", "--json")
    assert run.returncode == 0, run.stderr[-3000:]
    figures = json.loads(run.stdout)
    alarms = figures["alarms"]
    assert (alarms["injected"], alarms["notified"], alarms["duplicates"]) == (5, 5, 0)
    assert alarms["latency_publish_to_notification"]["n"] == 5
    assert alarms["latency_publish_to_notification"]["p99_ms"] > 0
    assert figures["rejected_signatures"] == 0
    assert figures["fleet"]["unacked_after_drain"] == 0
    assert figures["fleet"]["messages_sent"] >= 5 * 5  # vitals at 1 Hz for ≥ 5 s, and more
    assert figures["ingest_lag_publish_to_stored_acked"]["n"] > 0
    assert figures["raw_broker_probe"]["latency_publish_to_receipt"]["n"] > 0
    assert set(figures["cpu"]["by_component"]) == COMPONENTS
    assert figures["cpu"]["by_component"]["ingest"]["cpu_s"] > 0
    assert figures["options"]["alarm_lane"] is True
    assert len(figures["stored_by_worker"]) == 2  # the alarm lane's worker and one other
    assert figures["stored_by_worker"][0] == 5  # the alarm lane stored the alarms, only them
    assert figures["database_lag"]["events"]["n"] == 5
    stored_rows = figures["database_lag"]["readings"]["n"] + 5  # and gateway statuses
    assert sum(figures["stored_by_worker"]) >= stored_rows > 5
    storage = figures["storage"]
    assert storage["postgresql"]["events"]["rows"] == 5
    assert storage["postgresql"]["readings"]["bytes_per_row"] > 0
    assert storage["victoria_metrics_bytes"] > 0
    assert figures["cpu"]["homes_per_core"].keys() == COMPONENTS
    assert "alarm → notification" in run.stderr
    assert "raw broker (probe)" in run.stderr


def test_an_unreachable_postgresql_is_named_with_what_to_do() -> None:
    run = _bench(
        "--homes", "1", "--duration", "1", "--pg-admin-url", "postgresql://u@127.0.0.1:1/p"
    )
    assert run.returncode == 1
    message = " ".join(run.stderr.split())
    assert "PostgreSQL is not reachable at postgresql://u@127.0.0.1:1/p" in message
    assert "--pg-admin-url" in message
    assert run.stdout == ""

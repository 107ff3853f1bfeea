"""``silverguard bench edge`` runs a home for a moment and prints its figures as JSON (figures
are reported, never asserted)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from silverguard.cli import app

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("collect_amqtt_leaks")]


def test_bench_edge_prints_the_agent_and_raw_bcg_figures() -> None:
    tiny = ["--duration", "1", "--warmup", "0", "--beds", "10", "--backlog", "50"]
    result = CliRunner().invoke(app, ["bench", "edge", *tiny, "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    agent = figures["agent"]
    assert {"cpu_pct_of_one_core", "rss_mb", "peak_rss_mb", "messages_acked_per_s"} <= set(agent)
    assert agent["rss_mb"] > 0  # read from the live agent process
    assert figures["raw_bcg"]["beds_in_batch"] == 10
    backlog = figures["backlog"]
    assert (backlog["messages"], backlog["alarms"]) == (51, 1)
    assert backlog["alarms_first"] is True  # a property of the order, not a timing
    assert figures["goals"] == {
        "cpu_pct_of_one_core": 1.0,
        "rss_mb": 80.0,
        "raw_beds_per_core": 10_000,
    }

"""The alerting benchmark runs both routers for real and reports figures (never judged here)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from silverguard.cli import app


def test_bench_alerting_runs_both_sides_and_prints_json() -> None:
    result = CliRunner().invoke(
        app, ["bench", "alerting", "--alerts", "3", "--rate", "20", "--no-with-default", "--json"]
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    ours = figures["silverguard"]
    tuned = figures["alertmanager"]["tuned_group_wait_0s"]
    for side in (ours, tuned):
        assert (side["sent"], side["delivered"], side["duplicates"]) == (3, 3, 0)
        assert side["latency"]["p50_ms"] > 0
    assert ours["rejected_signatures"] == 0
    assert figures["alertmanager"]["version"].startswith("alertmanager, version")
    assert "default_group_wait_30s" not in figures["alertmanager"]


def test_a_missing_alertmanager_is_named_with_the_install_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        "silverguard.benchmarks.alertmanager.ALERTMANAGER_BINARY", "no-such-alertmanager"
    )
    result = CliRunner().invoke(
        app, ["bench", "alerting", "--alerts", "1", "--no-with-default", "--json"]
    )
    assert result.exit_code == 1
    assert "apt-get install prometheus-alertmanager" in " ".join(result.output.split())

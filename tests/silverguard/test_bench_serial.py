"""``silverguard bench serial`` runs and prints its figures as JSON (figures are not asserted)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from silverguard.cli import app


def test_bench_serial_prints_json() -> None:
    result = CliRunner().invoke(app, ["bench", "serial", "--frames", "1000", "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["clean"]["frames"] == 1000
    damaged = figures["damaged"]
    assert damaged["frames_ok"] + damaged["torn_frames"] + damaged["crc_errors"] == 1000
    assert figures["one_raw_mattress_cpu_pct_of_core"] > 0

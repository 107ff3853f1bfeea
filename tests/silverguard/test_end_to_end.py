"""The first real path, end to end: smoke alarm → edge → cloud → incident → pages → accepted.

Runs against a real Mosquitto (MQTT v5, ingest on a shared subscription) as the cloud broker,
another real Mosquitto as the home broker, and a throwaway PostgreSQL database.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from contracts.config import MqttEndpoint, MqttProtocol
from silverguard.demo.cli import EXAMPLES_DIR
from silverguard.demo.report import Timeline
from silverguard.demo.runner import DemoOptions, run_demo
from tests.servers import mosquitto

pytestmark = pytest.mark.integration


async def test_smoke_alarm_reaches_care_worker_on_real_servers(
    tmp_path: Path, postgres_url: str
) -> None:
    with mosquitto(tmp_path / "home") as home, mosquitto(tmp_path / "cloud") as cloud:
        options = DemoOptions(
            config_dir=EXAMPLES_DIR,
            workdir=tmp_path / "work",
            scenarios=("smoke_test", "kitchen_fire"),
            duration_s=60,
            home_broker=MqttEndpoint(port=home.port, protocol=MqttProtocol.V311),
            cloud_broker=MqttEndpoint(port=cloud.port, protocol=MqttProtocol.V5),
            database_url=postgres_url,
        )
        report = await run_demo(options, Timeline(console=None))

    assert report.complete, report.model_dump_json(indent=2)
    by_type = {e.detected_event_type: e for e in report.events}
    fire = by_type["fire"]
    assert fire.webhook_delivery_ms is not None
    assert fire.email_delivery_ms is not None
    assert fire.accepted_by == "cw-0001"
    assert fire.accepted_at is not None
    test_press = by_type["smoke_test"]
    assert test_press.stored_in_cloud
    assert test_press.webhook_delivery_ms is None
    assert test_press.email_delivery_ms is None

    engine = sa.create_engine(postgres_url)
    with engine.connect() as conn:
        fires = conn.execute(sa.text("select count(*) from events where type = 'fire'"))
        assert fires.scalar_one() == 1
        incidents = conn.execute(
            sa.text("select type, status, accepted_by, accepted_at from incidents")
        ).all()
    engine.dispose()
    assert len(incidents) == 1
    assert incidents[0].type == "fire"
    assert incidents[0].status == "accepted"
    assert incidents[0].accepted_by == "cw-0001"
    assert incidents[0].accepted_at is not None


@pytest.mark.timeout(300)
def test_demo_command_reports_json() -> None:
    """The README's demo, as a user runs it: embedded brokers, SQLite, JSON out, every
    default scenario (smoke test, abnormal vitals, night exit, fall, kitchen fire)."""
    env = dict(os.environ)
    result = subprocess.run(
        [sys.executable, "-m", "silverguard", "demo", "--duration", "200", "--json"],
        capture_output=True,
        text=True,
        timeout=260,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    assert report["complete"] is True
    detected = {e["detected_event_type"]: e for e in report["events"]}
    assert set(detected) == {"smoke_test", "hr_high", "bed_exit_no_return", "fall", "fire"}
    for kind in ("hr_high", "bed_exit_no_return", "fall", "fire"):
        assert detected[kind]["accepted_by"] == "cw-0001", detected[kind]
    explained = " ".join(str(row["detail"]) for row in report["timeline"])
    assert "heart rate 135 bpm" in explained  # each alert explains itself with numbers
    assert "out of bed" in explained
    assert "impact" in explained
    fire = next(e for e in report["events"] if e["expected_event_type"] == "fire")
    assert fire["detected_event_type"] == "fire"
    assert 0 < fire["webhook_delivery_ms"] < 30_000
    assert 0 < fire["email_delivery_ms"] < 30_000
    assert fire["accepted_by"]

"""``silverguard sim fleet`` against a real Mosquitto and an ingest worker on PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from cloud_ingest.store import migrate
from silverguard.benchmarks.ingest_servers import IngestWorker
from silverguard.cli import app
from tests.servers import mosquitto

pytestmark = pytest.mark.integration


def test_fleet_homes_each_speak_as_their_own_gateway_and_everything_is_acked(
    tmp_path: Path, postgres_url: str
) -> None:
    migrate(postgres_url)
    with mosquitto(tmp_path / "cloud") as broker:
        config = {
            "database_url": postgres_url,
            "broker": {"host": "127.0.0.1", "port": broker.port, "protocol": "5"},
            "migrate_on_start": False,
        }
        worker = IngestWorker(config, tmp_path, "w0")
        try:
            worker.wait_subscribed()
            args = ["sim", "fleet", "--homes", "5", "--port", str(broker.port)]
            run = CliRunner().invoke(app, [*args, "--duration", "3", "--alarm-every", "4"])
        finally:
            worker.stop()
    assert run.exit_code == 0, run.output
    result = json.loads(run.output)
    assert result["unacked"] == 0
    assert result["alarms"] >= 2
    assert result["readings"] >= 5
    engine = sa.create_engine(postgres_url)
    try:
        with engine.connect() as conn:
            events = conn.execute(sa.text("select count(*) from events")).scalar_one()
            gateways = conn.execute(
                sa.text("select count(distinct gateway_id) from readings")
            ).scalar_one()
    finally:
        engine.dispose()
    assert events == result["alarms"]
    assert gateways == 5  # each home its own gateway identity


def test_fleet_without_a_cloud_leaves_its_messages_unacked(tmp_path: Path) -> None:
    with mosquitto(tmp_path / "cloud") as broker:
        args = ["sim", "fleet", "--homes", "1", "--port", str(broker.port), "--duration", "0.5"]
        run = CliRunner().invoke(app, [*args, "--no-wait-acks"])
    assert run.exit_code == 0, run.output
    assert json.loads(run.output)["unacked"] >= 1

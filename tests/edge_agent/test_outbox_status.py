"""``silverguard edge outbox status``: depth per lane, oldest age, shed and malformed counts."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml
from typer.testing import CliRunner

from edge_agent.cli import app
from edge_agent.outbox.store import OutboxLane, OutboxStore
from edge_agent.readers.base import MalformedPayload
from tests.edge_agent.conftest import edge_settings
from tests.edge_agent.test_outbox_store import envelope
from tests.servers import MosquittoInstance


def config_with_outbox(tmp_path: Path) -> Path:
    unused = MosquittoInstance(port=1, workdir=tmp_path)
    settings = edge_settings(tmp_path, unused, unused, outbox_limits={"max_messages": 100})
    path = tmp_path / "edge.yaml"
    path.write_text(yaml.safe_dump(settings.model_dump(mode="json")))
    store = OutboxStore(settings.outbox_path, limits=settings.outbox_limits)
    old = datetime.now(UTC) - timedelta(minutes=10)
    store.put(envelope(old, fire=True), OutboxLane.ALARM)
    for i in range(120):
        store.put(envelope(old + timedelta(seconds=i)), OutboxLane.TELEMETRY)
    bad = MalformedPayload(old, "zigbee2mqtt/smoke_kitchen", b"{", "not JSON", "zigbee2mqtt")
    store.put_with_state([], [], [bad])
    store.close()
    return path


def test_status_as_json(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["outbox", "status", "--config", str(config_with_outbox(tmp_path)), "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["lanes"]["alarm"]["depth"] == 1
    assert report["lanes"]["telemetry"]["depth"] == 99
    assert 590 < report["lanes"]["alarm"]["oldest_unacked_age_s"] < 900
    assert report["shed"] == {"full": 21}
    assert report["malformed"] == {"zigbee2mqtt": 1}
    assert report["recent_malformed"][0]["topic"] == "zigbee2mqtt/smoke_kitchen"


def test_status_as_a_table(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["outbox", "status", "--config", str(config_with_outbox(tmp_path))]
    )
    assert result.exit_code == 0, result.output
    assert "alarm" in result.stdout
    assert "telemetry" in result.stdout
    assert "telemetry shed: full: 21" in result.stdout


def test_no_outbox_yet_is_a_clear_error(tmp_path: Path) -> None:
    unused = MosquittoInstance(port=1, workdir=tmp_path)
    settings = edge_settings(tmp_path, unused, unused)
    path = tmp_path / "edge.yaml"
    path.write_text(yaml.safe_dump(settings.model_dump(mode="json")))
    result = CliRunner().invoke(app, ["outbox", "status", "--config", str(path)])
    assert result.exit_code == 1
    assert "has the agent run yet" in " ".join(result.stderr.split())
    assert not settings.outbox_path.exists()  # looking does not create one

"""Settings: the example file loads, and mistakes are explained."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from contracts.config import MqttProtocol
from edge_agent.cli import app
from edge_agent.config import load_edge_settings
from edge_agent.errors import EdgeConfigError

EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "examples" / "edge.yaml"


def test_the_example_config_loads() -> None:
    s = load_edge_settings(EXAMPLE)
    assert (s.org_id, s.gateway_id, s.home_id, s.resident_id) == (
        "org-demo",
        "gw-0001",
        "home-0001",
        "res-0001",
    )
    assert s.zigbee2mqtt.smoke_sensors == {"smoke_kitchen": "smoke-0001"}
    assert s.home_broker.protocol is MqttProtocol.V311
    assert s.home_broker.host == s.cloud_broker.host == "127.0.0.1"
    assert s.home_broker.port != s.cloud_broker.port


def test_a_typo_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "edge.yaml"
    bad.write_text(EXAMPLE.read_text().replace("ack_timeout_s:", "ack_timeout:"))
    with pytest.raises(EdgeConfigError, match="ack_timeout: Extra inputs are not permitted"):
        load_edge_settings(bad)


def test_a_friendly_name_with_a_wildcard_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "edge.yaml"
    bad.write_text(EXAMPLE.read_text().replace("smoke_kitchen:", "smoke/kitchen:"))
    with pytest.raises(EdgeConfigError, match="cannot contain"):
        load_edge_settings(bad)


def test_check_config_prints_a_summary() -> None:
    result = CliRunner().invoke(app, ["check-config", "--config", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    assert "smoke_kitchen → smoke-0001" in result.output
    assert "MQTT 3.1.1" in result.output


def test_check_config_explains_a_missing_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["check-config", "--config", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1
    assert "cannot read config file" in result.output

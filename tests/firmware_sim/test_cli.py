"""The emulators' command line, against a real broker."""

from __future__ import annotations

from typer.testing import CliRunner

from firmware_sim.cli import app
from tests.servers import MosquittoInstance, free_port


def test_scenarios_lists_them() -> None:
    result = CliRunner().invoke(app, ["scenarios"])
    assert result.exit_code == 0
    assert "kitchen_fire" in result.output
    assert "smoke_test" in result.output


def test_smoke_publishes(mosquitto_broker: MosquittoInstance) -> None:
    args = ["smoke", "--host", mosquitto_broker.host, "--port", str(mosquitto_broker.port)]
    result = CliRunner().invoke(app, [*args, "--name", "smoke_cli", "--smoke"])
    assert result.exit_code == 0, result.output
    assert '"smoke": true' in result.output


def test_scenario_to_a_dead_broker_fails_clearly() -> None:
    args = ["scenario", "kitchen_fire", "--port", str(free_port()), "--time-scale", "0"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert "is it running" in result.output


def test_unknown_scenario() -> None:
    result = CliRunner().invoke(app, ["scenario", "flood"])
    assert result.exit_code == 1
    assert "kitchen_fire" in result.output

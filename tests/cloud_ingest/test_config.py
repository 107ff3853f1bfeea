"""The example config loads; bad configs fail with a message naming the key and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cloud_ingest.cli import app
from cloud_ingest.config import load_ingest_settings
from contracts.config import ConfigError, MqttProtocol

EXAMPLE = Path(__file__).parents[2] / "deploy" / "examples" / "ingest.yaml"
CLUSTER = EXAMPLE.with_name("ingest-cluster.yaml")


def test_example_config_loads() -> None:
    settings = load_ingest_settings(EXAMPLE)
    assert settings.database_url.startswith("sqlite:///var/")
    assert settings.broker.host == "127.0.0.1"
    assert settings.broker.protocol is MqttProtocol.V5
    assert settings.shared_group == "ingest"
    assert (settings.tsdb, settings.metrics) == (None, None)
    assert settings.liveness.gateway_offline_after_s == 180
    assert settings.liveness.device_cadence_s["smoke"] == 4 * 3600


def test_cluster_example_config_loads() -> None:
    settings = load_ingest_settings(CLUSTER)
    assert settings.database_url.startswith("postgresql+psycopg://")
    assert settings.tsdb is not None
    assert str(settings.tsdb.url) == "http://tsdb.example.internal:8086/"
    assert settings.tsdb.token_env == "SG_INFLUX_TOKEN"
    assert settings.metrics is not None
    assert settings.metrics.port == 9310
    assert settings.api.metrics is not None
    assert settings.api.metrics.port == 9312
    assert settings.batch_max == 500


@pytest.mark.parametrize(
    ("yaml_text", "complaint"),
    [
        ("database_url: mysql://x/y\n", "sqlite or postgresql"),
        ("database_url: '::'\n", "not a SQLAlchemy database URL"),
        ("shared_group: a/b\n", "shared_group"),
        ("brokr: {}\n", "brokr"),
        ("reconnect_initial_s: 5\nreconnect_max_s: 1\n", "reconnect_max_s"),
        ("tsdb: {url: 'not a url'}\n", "tsdb.url"),
        ("tsdb: {url: 'http://x:8086', token_env: 'lower'}\n", "token_env"),
        ("metrics: {port: 70000}\n", "metrics.port"),
        ("liveness: {device_cadence_s: {mattress: 0}}\n", "mattress"),
    ],
)
def test_bad_config_names_the_problem(tmp_path: Path, yaml_text: str, complaint: str) -> None:
    path = tmp_path / "ingest.yaml"
    path.write_text(yaml_text)
    with pytest.raises(ConfigError, match=complaint):
        load_ingest_settings(path)


def test_cli_check_config_and_migrate(tmp_path: Path) -> None:
    db = tmp_path / "var" / "ingest.db"
    path = tmp_path / "ingest.yaml"
    path.write_text(EXAMPLE.read_text().replace("sqlite:///var/ingest.db", f"sqlite:///{db}"))
    runner = CliRunner()
    checked = runner.invoke(app, ["check-config", "--config", str(path)])
    assert checked.exit_code == 0, checked.output
    assert "valid" in checked.output
    migrated = runner.invoke(app, ["migrate", "--config", str(path)])
    assert migrated.exit_code == 0, migrated.output
    assert db.exists()


def test_cli_reports_a_bad_config_and_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "ingest.yaml"
    path.write_text("nonsense_key: 1\n")
    result = CliRunner().invoke(app, ["check-config", "--config", str(path)])
    assert result.exit_code == 2
    assert "nonsense_key" in result.output

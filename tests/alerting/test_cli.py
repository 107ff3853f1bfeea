"""The CLI: check-config names missing secrets, migrate creates the tables."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect
from typer.testing import CliRunner

from alerting.cli import app
from alerting.store.db import create_db_engine

EXAMPLE = Path(__file__).parents[2] / "deploy" / "examples" / "alerting.yaml"


def test_check_config_reports_missing_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SG_ALERTING_TOKEN_SECRET", raising=False)
    result = CliRunner().invoke(app, ["check-config", "--config", str(EXAMPLE)])
    assert result.exit_code == 2
    assert "SG_ALERTING_TOKEN_SECRET is not set" in result.output


def test_check_config_ok(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SG_ALERTING_TOKEN_SECRET", "x")
    monkeypatch.setenv("SG_WEBHOOK_SECRET", "y")
    result = CliRunner().invoke(app, ["check-config", "--config", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    assert "route → night-duty" in result.output


def test_migrate_command(tmp_path: Path) -> None:
    db = tmp_path / "var" / "alerting.db"
    config = tmp_path / "alerting.yaml"
    config.write_text(
        EXAMPLE.read_text(encoding="utf-8").replace(
            "sqlite:///./var/alerting.db", f"sqlite:///{db}"
        ),
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["migrate", "--config", str(config)])
    assert result.exit_code == 0, result.output
    engine = create_db_engine(f"sqlite:///{db}")
    assert "incidents" in inspect(engine).get_table_names()
    engine.dispose()

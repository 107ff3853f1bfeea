"""What a user of ``silverguard demo`` sees when something is wrong."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from silverguard.cli import app
from silverguard.demo.cli import EXAMPLES_DIR

pytestmark = pytest.mark.usefixtures("collect_amqtt_leaks")


def test_a_config_without_email_is_refused_with_advice(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES_DIR, tmp_path / "cfg")
    alerting = yaml.safe_load((tmp_path / "cfg" / "alerting.yaml").read_text())
    del alerting["channels"]["email"]
    for person in alerting["people"]:
        person["contacts"] = [c for c in person["contacts"] if c["channel"] != "email"]
    (tmp_path / "cfg" / "alerting.yaml").write_text(yaml.safe_dump(alerting, allow_unicode=True))
    result = CliRunner().invoke(app, ["demo", "--config-dir", str(tmp_path / "cfg")])
    assert result.exit_code == 2
    assert "must configure both channels.webhook and channels.email" in result.output


def test_a_run_cut_short_says_what_did_not_happen(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "demo",
            "--duration",
            "0.1",
            "--json",
            "--scenario",
            "kitchen_fire",
            "--workdir",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["complete"] is False
    [fire] = report["events"]
    assert fire["expected_event_type"] == "fire"
    assert fire["missing"]  # e.g. "webhook delivery": the user is told what did not happen

"""``silverguard setup`` on the command line: flags for scripting, clear errors."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from silverguard.cli import app
from silverguard.ports import free_port


def test_every_step_has_a_flag() -> None:
    result = CliRunner().invoke(app, ["setup", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for flag in ("--non-interactive", "--code", "--serial-port", "--systemd-dir",
                 "--no-systemctl", "--eligibility-override-reason", "--state-dir"):  # fmt: skip
        assert flag in result.output


def test_non_interactive_without_a_resident_says_which_flag(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["setup", "--non-interactive", "--cloud-url", "http://127.0.0.1:9", "--cloud-broker",
         "127.0.0.1", "--band-id", "b1", "--installer", "li", "--state-dir", str(tmp_path)],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "Resident id" in result.output


def test_an_unreachable_cloud_stops_at_registration_with_advice(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["setup", "--non-interactive", "--cloud-url", f"http://127.0.0.1:{free_port()}",
         "--cloud-broker", "127.0.0.1", "--band-id", "b1", "--installer", "li",
         "--resident", "res-0001", "--code", "ABCD-EFGH", "--state-dir", str(tmp_path)],
        env={"COLUMNS": "300"},
    )  # fmt: skip
    assert result.exit_code == 1
    assert "cannot reach the cloud API" in result.output
    assert "what to do: check the gateway's internet link" in result.output
    assert not (tmp_path / "setup-state.json").exists()  # nothing done, nothing recorded

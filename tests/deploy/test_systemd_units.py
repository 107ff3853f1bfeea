"""The systemd units in deploy/systemd pass ``systemd-analyze verify`` (systemd 252, Debian 12).

``verify`` runs here without a running systemd; the units' /opt/silverguard/.venv is replaced by
this checkout's venv so that it can also check that each ExecStart binary exists. Any message
(an unknown key, a bad value) fails the test, not only a non-zero exit code.
"""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
VENV = Path(sys.executable).parent.parent


def _verify(unit: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is missing: run ./scripts/test (apt-get install systemd)"
    copy = tmp_path / unit.name
    copy.write_text(unit.read_text().replace("/opt/silverguard/.venv", str(VENV)))
    return subprocess.run(
        [analyze, "verify", str(copy)], check=False, capture_output=True, text=True, timeout=60
    )


def test_every_daemon_has_a_unit() -> None:
    names = {unit.stem for unit in UNITS}
    assert names == {
        "silverguard-edge",
        "silverguard-ingest",
        "silverguard-api",
        "silverguard-alerting",
    }


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.stem)
def test_systemd_analyze_accepts_the_unit(unit: Path, tmp_path: Path) -> None:
    done = _verify(unit, tmp_path)
    assert (done.returncode, done.stderr.strip()) == (0, "")


def test_a_broken_unit_is_caught(tmp_path: Path) -> None:
    broken = tmp_path / "src" / "silverguard-edge.service"
    broken.parent.mkdir()
    broken.write_text(UNITS[0].read_text().replace("\nRestart=", "\nRestartt=", 1))
    assert "Unknown key" in _verify(broken, tmp_path).stderr


def _service(unit: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(unit.read_text())
    return parser["Service"]


def test_the_edge_unit_is_hardened_and_reaches_the_serial_port() -> None:
    service = _service(DEPLOY / "systemd" / "silverguard-edge.service")
    assert service["ProtectSystem"] == "strict"
    assert service["NoNewPrivileges"] == "true"
    assert service["PrivateTmp"] == "true"
    assert service["ReadWritePaths"] == "/var/lib/silverguard"
    assert service["SupplementaryGroups"] == "dialout"
    assert service["Restart"] == "always"
    assert "WatchdogSec" not in service  # the agent does not notify systemd (see the unit)

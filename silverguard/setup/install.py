"""Write the agent's configuration and install its systemd unit."""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

import yaml

from edge_agent.config import EdgeSettings, load_edge_settings
from silverguard.setup.errors import SetupError
from silverguard.setup.state import write_private

log = logging.getLogger(__name__)

UNIT_NAME = "silverguard-edge.service"
PASSWORD_ENV = "SILVERGUARD_GATEWAY_PASSWORD"  # noqa: S105 (a variable's name, not a secret)
DEFAULT_UNIT = Path(__file__).resolve().parents[2] / "deploy" / "systemd" / UNIT_NAME


def write_agent_config(settings: EdgeSettings, config_path: Path, password: str) -> Path:
    """Write edge.yaml (0600) and, next to it, edge.env with the password (0600); check both.

    Returns the environment file's path.
    """
    data = settings.model_dump(mode="json", exclude_defaults=True)
    header = (
        "# Written by silverguard setup; check with: silverguard edge check-config --config FILE\n"
    )
    write_private(config_path, header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    env_path = config_path.with_name("edge.env")
    write_private(env_path, f"{PASSWORD_ENV}={password}\n")
    load_edge_settings(config_path)  # what systemd's ExecStartPre will check
    return env_path


def install_unit(systemd_dir: Path, *, use_systemctl: bool, unit: Path = DEFAULT_UNIT) -> Path:
    """Copy the unit into ``systemd_dir``; with systemctl, reload, enable and (re)start it."""
    if not unit.exists():
        raise SetupError(
            f"the unit file {unit} is missing", advice="reinstall Silverguard in /opt/silverguard"
        )
    systemd_dir.mkdir(parents=True, exist_ok=True)
    target = systemd_dir / UNIT_NAME
    shutil.copyfile(unit, target)
    if use_systemctl:
        for args in (["daemon-reload"], ["enable", UNIT_NAME], ["restart", UNIT_NAME]):
            command = [shutil.which("systemctl") or "/usr/bin/systemctl", *args]
            done = subprocess.run(  # noqa: S603 (our own argument list, no shell)
                command, capture_output=True, text=True, check=False
            )
            if done.returncode != 0:
                raise SetupError(
                    f"systemctl {' '.join(args)} failed: {done.stderr.strip()}",
                    advice="see journalctl -u silverguard-edge for the agent's reason; fix it "
                    "and run setup again",
                )
    log.info("installed %s", target)
    return target

"""The ``mattress:`` settings block: the example loads, mistakes are named."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from contracts.devices.mattress_serial import MattressMode
from edge_agent.cli import app
from edge_agent.config import load_edge_settings
from edge_agent.errors import EdgeConfigError

EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "examples" / "edge.yaml"


def example_with_mattress(tmp_path: Path, change: tuple[str, str] | None = None) -> Path:
    """The example config with its commented-out mattress block switched on."""
    text = EXAMPLE.read_text()
    text, found = re.subn(r"(?m)^# mattress:$", "mattress:", text)
    assert found == 1, "the example must carry a commented-out mattress block"
    text = re.sub(r"(?m)^#   ", "  ", text)
    if change:
        text = text.replace(*change)
    path = tmp_path / "edge.yaml"
    path.write_text(text)
    return path


def test_the_example_has_no_mattress_unless_switched_on(tmp_path: Path) -> None:
    assert load_edge_settings(EXAMPLE).mattress is None
    mattress = load_edge_settings(example_with_mattress(tmp_path)).mattress
    assert mattress is not None
    assert mattress.port.startswith("/dev/serial/by-id/")
    assert (mattress.device_id, mattress.mode, mattress.baud_rate) == (
        "mattress-0001",
        MattressMode.VITALS,
        115_200,
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("mode: vitals", "mode: bcg"), "mattress.mode: Input should be 'raw' or 'vitals'"),
        (("mode: vitals", "modus: vitals"), "mattress.modus: Extra inputs are not permitted"),
        (("baud_rate: 115200", "baud_rate: 12"), "mattress.baud_rate"),
        (("device_id: mattress-0001", "device_id: Mattress 1"), "mattress.device_id"),
        (("reconnect_max_s: 10", "reconnect_max_s: 0.1"), "at least reconnect_initial_s"),
    ],
)
def test_mistakes_are_named(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    with pytest.raises(EdgeConfigError, match=re.escape(message)):
        load_edge_settings(example_with_mattress(tmp_path, change))


def test_check_config_shows_the_mattress(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["check-config", "--config", str(example_with_mattress(tmp_path))]
    )
    assert result.exit_code == 0, result.output
    assert "mattress mattress-0001 on /dev/serial/by-id/" in result.output
    assert "(vitals mode, 115200 baud)" in result.output
    plain = CliRunner().invoke(app, ["check-config", "--config", str(EXAMPLE)])
    assert "mattress: none" in plain.output

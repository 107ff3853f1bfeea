"""Settings of the emulators: which broker to publish to and how fast to play scenarios.

Example:
    >>> SimSettings().broker.port, SimSettings().time_scale
    (1883, 1.0)
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from contracts.config import ConfigError, ConfigModel, MqttEndpoint, load_yaml_model
from firmware_sim.errors import FirmwareSimError


class SimSettings(ConfigModel):
    """Where the emulated devices publish."""

    broker: MqttEndpoint = Field(default_factory=MqttEndpoint)
    base_topic: str = Field(default="zigbee2mqtt", min_length=1)
    time_scale: float = Field(default=1.0, ge=0, description="wall seconds per scenario second")


def load_sim_settings(path: Path) -> SimSettings:
    """Load the emulators' YAML settings (raises :class:`FirmwareSimError`)."""
    try:
        return load_yaml_model(path, SimSettings)
    except ConfigError as exc:
        raise FirmwareSimError(str(exc)) from exc

"""The edge agent's settings, validated once at start.

Example:
    >>> from pathlib import Path
    >>> s = EdgeSettings(org_id="org-demo", gateway_id="gw-0001", home_id="home-0001",
    ...                  resident_id="res-0001", home_broker=MqttEndpoint(port=1883),
    ...                  cloud_broker=MqttEndpoint(port=8883), outbox_path=Path("outbox.db"),
    ...                  zigbee2mqtt={"smoke_sensors": {"smoke_kitchen": "smoke-0001"}})
    >>> s.zigbee2mqtt.base_topic, s.ack_timeout_s, s.forward_batch
    ('zigbee2mqtt', 10.0, 100)
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationInfo, field_validator

from contracts.config import ConfigError, ConfigModel, MqttEndpoint, load_yaml_model
from contracts.devices.mattress_serial import MattressMode
from contracts.ids import Identifier
from edge_agent.detectors.settings import DetectionSettings
from edge_agent.errors import EdgeConfigError
from edge_agent.outbox.limits import OutboxLimits

__all__ = [
    "EdgeSettings",
    "MattressSettings",
    "MqttEndpoint",
    "WristbandSettings",
    "Zigbee2MqttSettings",
    "load_edge_settings",
]


class Zigbee2MqttSettings(ConfigModel):
    """Where Zigbee2MQTT publishes, and which of its devices are our smoke sensors."""

    base_topic: str = Field(default="zigbee2mqtt", min_length=1)
    smoke_sensors: dict[str, Identifier] = Field(
        default_factory=dict, description="Zigbee2MQTT friendly name -> Silverguard device id"
    )

    @field_validator("base_topic")
    @classmethod
    def _topic_safe_base(cls, value: str) -> str:
        return _check_base_topic(value)

    @field_validator("smoke_sensors")
    @classmethod
    def _topic_safe_names(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_topic_names(value, "rename the device in Zigbee2MQTT")


class WristbandSettings(ConfigModel):
    """Where the wristbands' BLE→MQTT bridge publishes, and which bands are ours."""

    base_topic: str = Field(default="wristband", min_length=1)
    bands: dict[str, Identifier] = Field(
        default_factory=dict, description="band id in the topic -> Silverguard device id"
    )

    @field_validator("base_topic")
    @classmethod
    def _topic_safe_base(cls, value: str) -> str:
        return _check_base_topic(value)

    @field_validator("bands")
    @classmethod
    def _topic_safe_names(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_topic_names(value, "configure the band's bridge to use its id")


class MattressSettings(ConfigModel):
    """The smart mattress on a USB-serial port (see ``contracts.devices.mattress_serial``)."""

    port: str = Field(
        min_length=1, description="serial device, best a stable /dev/serial/by-id/… link"
    )
    baud_rate: int = Field(default=115_200, ge=1200, le=4_000_000)
    device_id: Identifier
    mode: MattressMode = Field(
        description="raw: 100 Hz BCG the agent turns into vitals; vitals: the firmware's own",
    )
    reconnect_initial_s: float = Field(default=0.5, gt=0, le=60)
    reconnect_max_s: float = Field(default=10.0, gt=0, le=600)

    @field_validator("reconnect_max_s")
    @classmethod
    def _max_not_below_initial(cls, value: float, info: ValidationInfo) -> float:
        initial = info.data.get("reconnect_initial_s")
        if initial is not None and value < initial:
            raise ValueError("reconnect_max_s must be at least reconnect_initial_s")
        return value


class EdgeSettings(ConfigModel):
    """Everything one home gateway's agent needs."""

    org_id: Identifier
    gateway_id: Identifier
    home_id: Identifier
    resident_id: Identifier
    home_broker: MqttEndpoint
    cloud_broker: MqttEndpoint
    zigbee2mqtt: Zigbee2MqttSettings = Field(default_factory=Zigbee2MqttSettings)
    wristbands: WristbandSettings = Field(default_factory=WristbandSettings)
    mattress: MattressSettings | None = Field(
        default=None, description="the mattress on a serial port; leave out if there is none"
    )
    detection: DetectionSettings = Field(default_factory=DetectionSettings)
    outbox_path: Path
    ack_timeout_s: float = Field(
        default=10.0, gt=0, le=3600, description="resend a message the cloud has not acked"
    )
    forward_batch: int = Field(default=100, ge=1, le=10_000)
    outbox_limits: OutboxLimits = Field(default_factory=OutboxLimits)
    heartbeat_s: float = Field(
        default=60.0, gt=0, le=3600, description="how often the retained status is refreshed"
    )
    checkpoint_s: float = Field(
        default=10.0,
        gt=0,
        le=3600,
        description="detector state is saved with every event, and at least this often",
    )


def _check_base_topic(value: str) -> str:
    if any(ch in value for ch in "+#") or value.startswith("/") or value.endswith("/"):
        raise ValueError("base_topic must be a plain MQTT topic prefix such as 'zigbee2mqtt'")
    return value


def _check_topic_names(value: dict[str, str], advice: str) -> dict[str, str]:
    for name in value:
        if not name or any(ch in name for ch in "/+#"):
            raise ValueError(f"name {name!r} cannot contain '/', '+' or '#': {advice}")
    return value


def load_edge_settings(path: Path) -> EdgeSettings:
    """Load and validate the agent's YAML settings.

    Raises:
        EdgeConfigError: the file cannot be read or is invalid (the message names each bad key).
    """
    try:
        return load_yaml_model(path, EdgeSettings)
    except ConfigError as exc:
        raise EdgeConfigError(str(exc)) from exc

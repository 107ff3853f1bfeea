"""Everything ``silverguard setup`` needs, from flags or prompts."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from contracts.config import ConfigModel, MqttEndpoint
from contracts.ids import Identifier


class SetupOptions(ConfigModel):
    """The installer's answers (flags in ``--non-interactive`` mode)."""

    cloud_url: str = Field(min_length=1, description="the cloud API, e.g. https://api.example.org")
    code: str | None = Field(default=None, description="one-time provisioning code")
    installer: str = Field(min_length=1, description="who commissions (goes into the report)")
    router_url: str | None = Field(
        default=None,
        description="the alert router's API, e.g. https://alerts.example.org (the test alarm)",
    )
    cloud_broker_host: str
    cloud_broker_port: int = Field(default=8883, ge=1, le=65535)
    ca_file: Path | None = None
    home_broker: MqttEndpoint = Field(default_factory=MqttEndpoint)
    z2m_base_topic: str = "zigbee2mqtt"
    smoke_name: str = "smoke_kitchen"
    smoke_device_id: Identifier = "smoke-0001"
    band_id: str = Field(min_length=1, description="the id printed on the wristband")
    band_device_id: Identifier = "band-0001"
    mattress_device_id: Identifier = "mattress-0001"
    serial_ports: list[str] = Field(default_factory=list)
    resident_id: Identifier
    bind_reason: str = Field(default="installed and commissioned by setup", min_length=5)
    eligibility_override_reason: str | None = Field(default=None, min_length=5)
    operator_user: str | None = None
    operator_password: str | None = None
    config_path: Path = Path("/etc/silverguard/edge.yaml")
    outbox_path: Path = Path("/var/lib/silverguard/outbox.db")
    state_dir: Path = Path("/var/lib/silverguard/setup")
    systemd_dir: Path = Path("/etc/systemd/system")
    use_systemctl: bool = True
    step_timeout_s: float = Field(default=120.0, gt=0, le=3600)

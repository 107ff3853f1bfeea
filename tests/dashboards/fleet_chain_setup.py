"""The fleet chain's homes, ports and configs: each daemon's example or test config with this
run's ids, ports and paths, and timings shortened so the scenario takes seconds.

Example:
    >>> home = Home(2)
    >>> home.gateway_id, home.resident_id, home.band_id
    ('gw-0002', 'res-0002', 'band-0002')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from alerting.config import AlertingSettings, RouterMetricsEndpoint
from care_app.config import CareAppMetricsEndpoint, CareAppSettings
from cloud_ingest.api.settings import ApiMetricsEndpoint
from cloud_ingest.config import (
    IngestSettings,
    LivenessSettings,
    MetricsEndpoint,
    TsdbSettings,
    load_ingest_settings,
)
from contracts.config import MqttEndpoint, MqttProtocol, load_yaml_model
from contracts.devices.mattress_serial import MattressMode
from edge_agent.config import EdgeSettings, MattressSettings, load_edge_settings
from firmware_sim.scenarios import BAND, FALL, SMOKE_KITCHEN
from silverguard.demo.cli import EXAMPLES_DIR
from tests.alerting.escalation_support import JWT_SECRET_ENV, escalation_settings
from tests.cloud_ingest.support import ingest_settings
from tests.servers import free_port

ORG = "org-demo"
HOMES = (1, 2, 3)
FIRE_HOME, FALL_HOME, QUIET_HOME = HOMES
"""Home 1 has the fire, home 2 the fall; home 3's band falls silent and its gateway stops."""
HEART_RATE_BPM = {1: 58.0, 2: 64.0, 3: 70.0}
RESP_RATE_BR_MIN = {1: 13.0, 2: 15.0, 3: 17.0}
BAND_BATTERY_PCT = {1: 85, 2: 65, 3: 45}
SMOKE_BATTERY_PCT = 92
"""What the emulated HS1SA reports (firmware_sim.zigbee2mqtt.HS1SA_NORMAL_STATE)."""
OFF_WRIST_HOME = 1
"""Home 1's resident took the band off (for a shower): it reports ``on_wrist: false``."""
HEARTBEAT_S = 1.0
BAND_STATUS_EVERY_S = 1.0
SILENT_AFTER_S = 3.0
"""Home 3's band sends its last status this long after the start."""
INGEST_AFTER_S = 3.0
"""The gateways come up this long before the cloud ingest: their outboxes hold what is not
acked yet (the fleet health panels' oldest unsent item), resent once the ingest acks."""
ACK_TIMEOUT_S = 2.0
"""The gateways resend what the cloud has not acked after this (10 s at home)."""
FALL_CANCEL_WINDOW_S = 5.0
"""The band's "I'm OK" window (30 s at home), short so the test takes seconds."""
FALL_IMPACT_AFTER_S = FALL.steps[-1].at_s + 2.5
"""When the FALL scenario's impact comes: its fall step, then 2 s upright and half a block."""
MISSED_HEARTBEATS = 10
"""Gateways and devices count as offline after 10 s of silence (a loaded test machine may
hold a heartbeat back for seconds; home 3's gateway says goodbye when it stops)."""
ESCALATE_AFTER_S = 2.0
"""A critical incident pages the backup and the team lead after this, if nobody accepted."""
MALFORMED = b'{"schema": "sg/v0", "note": "an outdated gateway firmware"}'
"""What a gateway on outdated firmware publishes: the ingest quarantines it."""


@dataclass(frozen=True)
class Home:
    """One home's ids (every device named after the home's number)."""

    n: int

    @property
    def gateway_id(self) -> str:
        return f"gw-{self.n:04d}"

    @property
    def home_id(self) -> str:
        return f"home-{self.n:04d}"

    @property
    def resident_id(self) -> str:
        return f"res-{self.n:04d}"

    @property
    def smoke_id(self) -> str:
        return f"smoke-{self.n:04d}"

    @property
    def band_id(self) -> str:
        return f"band-{self.n:04d}"

    @property
    def bed_id(self) -> str:
        return f"bed-{self.n:04d}"


@dataclass(frozen=True)
class ChainPorts:
    """The ports chosen before VictoriaMetrics starts (its scrape config names them)."""

    ingest_metrics: int = field(default_factory=free_port)
    router_api: int = field(default_factory=free_port)
    router_metrics: int = field(default_factory=free_port)
    webhook: int = field(default_factory=free_port)
    api: int = field(default_factory=free_port)
    api_metrics: int = field(default_factory=free_port)
    care_app: int = field(default_factory=free_port)
    care_app_metrics: int = field(default_factory=free_port)

    def scrape_targets(self) -> dict[str, list[int]]:
        """Each scrape job's /metrics ports in this run."""
        return {
            "silverguard-ingest": [self.ingest_metrics],
            "silverguard-alerting": [self.router_metrics],
            "silverguard-api": [self.api_metrics],
            "silverguard-care-app": [self.care_app_metrics],
        }


def scrape_config(targets: Mapping[str, list[int]], interval_s: int = 1) -> str:
    """deploy/victoriametrics/scrape.yaml with this run's targets and a short interval.

    Raises:
        AssertionError: the deploy config has a job this chain runs no daemon for.
    """
    path = EXAMPLES_DIR.parent / "victoriametrics" / "scrape.yaml"
    config: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    config["global"] = {"scrape_interval": f"{interval_s}s", "scrape_timeout": f"{interval_s}s"}
    for job in config["scrape_configs"]:
        name = job["job_name"]
        assert name in targets, f"{path} scrapes {name!r}: run that daemon in fleet_chain.py"
        for static in job["static_configs"]:
            static["targets"] = [f"127.0.0.1:{port}" for port in targets[name]]
    return yaml.safe_dump(config)


def edge_config(home: Home, workdir: Path, home_port: int, cloud_port: int) -> EdgeSettings:
    """The example gateway's config as home ``home``'s, on this run's brokers and paths."""
    example = load_edge_settings(EXAMPLES_DIR / "edge.yaml")
    fall = example.detection.fall.model_copy(update={"cancel_window_s": FALL_CANCEL_WINDOW_S})
    return example.model_copy(
        update={
            "gateway_id": home.gateway_id,
            "home_id": home.home_id,
            "resident_id": home.resident_id,
            "home_broker": MqttEndpoint(port=home_port, protocol=MqttProtocol.V311),
            "cloud_broker": MqttEndpoint(port=cloud_port, protocol=MqttProtocol.V5),
            "zigbee2mqtt": example.zigbee2mqtt.model_copy(
                update={"smoke_sensors": {SMOKE_KITCHEN: home.smoke_id}}
            ),
            "wristbands": example.wristbands.model_copy(update={"bands": {BAND: home.band_id}}),
            "mattress": MattressSettings(
                port=str(workdir / f"tty-{home.n}"), device_id=home.bed_id, mode=MattressMode.VITALS
            ),
            "detection": example.detection.model_copy(update={"fall": fall}),
            "outbox_path": workdir / f"outbox-{home.n}.db",
            "heartbeat_s": HEARTBEAT_S,
            "ack_timeout_s": ACK_TIMEOUT_S,
        }
    )


STANDARD_POLICY = {
    "name": "standard",
    "steps": [{"after_s": 0, "notify": ["primary"]}, {"after_s": 600, "notify": ["backup"]}],
}
"""The duty desk's policy for device health: its second step comes long after the test."""


def api_config(database_url: str, ports: ChainPorts) -> IngestSettings:
    """The example ingest config as the REST API daemon's (``silverguard ingest api``): this
    run's database, port and metrics port; tokens signed with the router's secret."""
    example = load_ingest_settings(EXAMPLES_DIR / "ingest.yaml")
    api = example.api.model_copy(
        update={
            "port": ports.api,
            "jwt_secret_env": JWT_SECRET_ENV,
            "metrics": ApiMetricsEndpoint(host="127.0.0.1", port=ports.api_metrics),
        }
    )
    return example.model_copy(
        update={"database_url": database_url, "migrate_on_start": False, "api": api}
    )


SESSION_SECRET_ENV = "SG_CARE_APP_SESSION_SECRET"
"""The care app's session secret variable (deploy/examples/care-app.yaml names it)."""


def care_app_config(ports: ChainPorts) -> CareAppSettings:
    """The example care app config on this run's ports, talking to this run's API and router."""
    example = load_yaml_model(EXAMPLES_DIR / "care-app.yaml", CareAppSettings)
    return example.model_copy(
        update={
            "cloud_api_url": f"http://127.0.0.1:{ports.api}",
            "alerting_api_url": f"http://127.0.0.1:{ports.router_api}",
            "port": ports.care_app,
            "metrics": CareAppMetricsEndpoint(host="127.0.0.1", port=ports.care_app_metrics),
            "session_secret_env": SESSION_SECRET_ENV,
        }
    )


def write_config(path: Path, settings: BaseModel) -> Path:
    """``settings`` as the YAML file a daemon's ``--config`` reads."""
    data = settings.model_dump(mode="json", by_alias=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def router_settings(database_url: str, ports: ChainPorts) -> AlertingSettings:
    """The router of the test directory: homes 1–3 in team north, fire/fall critical."""
    residents = [
        {
            "id": Home(n).resident_id,
            "team": "t-north",
            "home": Home(n).home_id,
            "primary": "cw-0001",
            "backup": "cw-0002",
            "family": ["fam-0001"],
        }
        for n in HOMES
    ]
    critical = {
        "name": "critical",
        "steps": [
            {"after_s": 0, "notify": ["primary"]},
            {"after_s": ESCALATE_AFTER_S, "notify": ["backup", "team_lead"]},
            {"after_s": 600, "notify": ["family"]},
        ],
    }
    return escalation_settings(
        database_url,
        hook_url=f"http://127.0.0.1:{ports.webhook}/hooks",
        api_port=ports.router_api,
        escalation_policies=[critical, STANDARD_POLICY],
        directory={"teams": [{"id": "t-north", "lead": "tl-0001"}], "residents": residents},
        poll_interval_s=0.05,
    ).model_copy(
        update={"metrics": RouterMetricsEndpoint(host="127.0.0.1", port=ports.router_metrics)}
    )


def ingest_config(
    database_url: str, cloud_port: int, ports: ChainPorts, vm_url: str
) -> IngestSettings:
    """One ingest worker writing to ``vm_url``, with liveness on the fleet's short cadences."""
    return ingest_settings(
        database_url,
        cloud_port,
        group="ingest",
        migrate_on_start=False,
        tsdb=TsdbSettings.model_validate({"url": vm_url, "drain_interval_s": 0.2}),
        metrics=MetricsEndpoint(host="127.0.0.1", port=ports.ingest_metrics),
        liveness=LivenessSettings(
            gateway_heartbeat_s=HEARTBEAT_S,
            missed_heartbeats=MISSED_HEARTBEATS,
            device_cadence_s={"wristband": BAND_STATUS_EVERY_S, "mattress": 1.0},
            check_interval_s=0.5,
        ),
    )

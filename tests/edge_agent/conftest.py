"""Fixtures of the edge agent's tests: two private brokers (home and cloud) and settings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from contracts.config import MqttEndpoint, MqttProtocol
from edge_agent.config import EdgeSettings
from tests.servers import MosquittoInstance, mosquitto


@pytest.fixture
def home_broker(tmp_path: Path) -> Iterator[MosquittoInstance]:
    """The home gateway's own Mosquitto."""
    with mosquitto(tmp_path / "home-mosquitto") as broker:
        yield broker


@pytest.fixture
def cloud_broker(tmp_path: Path) -> Iterator[MosquittoInstance]:
    """The cloud's Mosquitto (the test may stop and start it)."""
    with mosquitto(tmp_path / "cloud-mosquitto") as broker:
        yield broker


BAND_ID = "c8f09e3a11b2"
"""The emulated wristband's id on the home broker."""


def edge_settings(
    tmp_path: Path,
    home: MosquittoInstance,
    cloud: MosquittoInstance,
    *,
    ack_timeout_s: float = 10.0,
    cloud_protocol: MqttProtocol = MqttProtocol.V5,
    **overrides: object,
) -> EdgeSettings:
    """Settings of an agent between ``home`` and ``cloud``, with its outbox in ``tmp_path``."""
    return EdgeSettings(
        org_id="org-demo",
        gateway_id="gw-0001",
        home_id="home-0001",
        resident_id="res-0001",
        home_broker=MqttEndpoint(host=home.host, port=home.port, protocol=MqttProtocol.V311),
        cloud_broker=MqttEndpoint(host=cloud.host, port=cloud.port, protocol=cloud_protocol),
        zigbee2mqtt={"smoke_sensors": {"smoke_kitchen": "smoke-0001"}},
        wristbands={"bands": {BAND_ID: "band-0001"}},
        outbox_path=tmp_path / "outbox.db",
        ack_timeout_s=ack_timeout_s,
        **overrides,
    )

"""A client for the emulators, built from a configured endpoint."""

from __future__ import annotations

import secrets

import aiomqtt

from contracts.config import ConfigError, MqttEndpoint
from contracts.mqtt import mqtt_client
from firmware_sim.errors import FirmwareSimError


def sim_client(endpoint: MqttEndpoint, *, name: str) -> aiomqtt.Client:
    """A short-lived client for ``endpoint`` with a unique id (raises FirmwareSimError)."""
    try:
        return mqtt_client(endpoint, identifier=f"sim-{name}-{secrets.token_hex(3)}")
    except ConfigError as exc:
        raise FirmwareSimError(str(exc)) from exc

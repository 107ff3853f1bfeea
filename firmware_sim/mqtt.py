"""A client for the emulators, built from a configured endpoint."""

from __future__ import annotations

import secrets

import aiomqtt

from contracts.config import ConfigError, MqttEndpoint, MqttProtocol
from firmware_sim.errors import FirmwareSimError


def sim_client(endpoint: MqttEndpoint, *, name: str) -> aiomqtt.Client:
    """A short-lived client for ``endpoint`` with a unique id (raises FirmwareSimError)."""
    try:
        password = endpoint.password()
    except ConfigError as exc:
        raise FirmwareSimError(str(exc)) from exc
    protocol = (
        aiomqtt.ProtocolVersion.V5
        if endpoint.protocol is MqttProtocol.V5
        else aiomqtt.ProtocolVersion.V311
    )
    tls = (
        aiomqtt.TLSParameters(ca_certs=str(endpoint.ca_file) if endpoint.ca_file else None)
        if endpoint.tls
        else None
    )
    return aiomqtt.Client(
        endpoint.host,
        endpoint.port,
        identifier=f"sim-{name}-{secrets.token_hex(3)}",
        username=endpoint.username,
        password=password,
        protocol=protocol,
        keepalive=endpoint.keepalive_s,
        tls_params=tls,
    )

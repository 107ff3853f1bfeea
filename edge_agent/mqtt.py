"""The edge agent's broker clients: the shared factory, with config errors made ours."""

from __future__ import annotations

import aiomqtt

from contracts.config import ConfigError, MqttEndpoint
from contracts.mqtt import ReconnectBackoff, mqtt_client
from edge_agent.errors import EdgeConfigError

__all__ = ["ReconnectBackoff", "make_client"]


def make_client(
    endpoint: MqttEndpoint,
    *,
    identifier: str,
    persistent_session: bool,
    will: aiomqtt.Will | None = None,
) -> aiomqtt.Client:
    """A client for ``endpoint`` (see :func:`contracts.mqtt.mqtt_client`).

    Raises:
        EdgeConfigError: the endpoint names a password variable that is not set.
    """
    try:
        return mqtt_client(
            endpoint, identifier=identifier, persistent_session=persistent_session, will=will
        )
    except ConfigError as exc:
        raise EdgeConfigError(f"broker {endpoint.host}:{endpoint.port}: {exc}") from exc

"""How every Silverguard component connects to a broker: one client factory, one backoff.

Building a client does no I/O (it connects in ``async with``, inside a running event loop);
keeping this next to
:class:`contracts.config.MqttEndpoint` means the edge agent, the ingest and the emulators
agree on protocol versions, sessions, TLS and keepalive.

Example:
    >>> b = ReconnectBackoff(initial_s=0.5, max_s=4.0)
    >>> [b.next_delay_s() for _ in range(6)]
    [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    >>> b.reset(); b.next_delay_s()
    0.5
    >>> [resend_wait_s(10, sends, 160) for sends in range(1, 8)]
    [10.0, 20.0, 40.0, 80.0, 160.0, 160.0, 160.0]
"""

from __future__ import annotations

import asyncio

import aiomqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from contracts.config import MqttEndpoint, MqttProtocol

SESSION_EXPIRY_S = 7 * 24 * 3600
"""How long an MQTT v5 broker keeps a persistent session (and its queued QoS 1) while away."""


class ReconnectBackoff:
    """Exponential backoff between reconnect attempts; ``reset`` after a good connection."""

    def __init__(self, *, initial_s: float = 0.5, max_s: float = 30.0, factor: float = 2.0) -> None:
        if not 0 < initial_s <= max_s or factor < 1:
            raise ValueError("need 0 < initial_s <= max_s and factor >= 1")
        self._initial_s = initial_s
        self._max_s = max_s
        self._factor = factor
        self._next_s = initial_s

    def next_delay_s(self) -> float:
        """The delay before the next attempt (grows until ``max_s``)."""
        delay = self._next_s
        self._next_s = min(self._max_s, self._next_s * self._factor)
        return delay

    def reset(self) -> None:
        """Start again from the initial delay (call once connected)."""
        self._next_s = self._initial_s


def resend_wait_s(ack_timeout_s: float, sends: int, max_s: float) -> float:
    """How long a message published ``sends`` times waits for the cloud's ack before it is
    published again: ``ack_timeout_s`` after the first send, doubled with each further one, at
    most ``max_s`` (and never less than ``ack_timeout_s``).

    Resending at a fixed interval while the cloud is slow (not away) multiplies its load by
    the backlog's age over the timeout, which is how a slow ingest turns into congestion
    collapse; doubling keeps the resends of a message to a logarithm of that age. After a
    reconnect everything unacked is sent again at once, whatever its wait.

    >>> resend_wait_s(10, 0, 160), resend_wait_s(10, 1, 160), resend_wait_s(10, 3, 160)
    (10.0, 10.0, 40.0)
    >>> resend_wait_s(10, 200, 160), resend_wait_s(10, 5, 5)
    (160.0, 10.0)
    """
    doublings = min(max(sends - 1, 0), 32)
    return float(max(ack_timeout_s, min(ack_timeout_s * 2.0**doublings, max_s)))


def mqtt_client(
    endpoint: MqttEndpoint,
    *,
    identifier: str,
    persistent_session: bool = False,
    will: aiomqtt.Will | None = None,
    max_inflight_messages: int | None = None,
) -> aiomqtt.Client:
    """A client for ``endpoint``; with ``persistent_session`` the broker keeps our session.

    ``max_inflight_messages`` raises paho's limit (20) of our QoS 1 publishes awaiting their
    PUBACK, for a client that publishes many at once (the ingest's acks).

    Raises:
        ConfigError: the endpoint names a password variable that is not set.
    """
    password = endpoint.password()
    tls_params = (
        aiomqtt.TLSParameters(
            ca_certs=str(endpoint.ca_file) if endpoint.ca_file else None,
            certfile=str(endpoint.cert_file) if endpoint.cert_file else None,
            keyfile=str(endpoint.key_file) if endpoint.key_file else None,
        )
        if endpoint.tls
        else None
    )
    if endpoint.protocol is MqttProtocol.V5:
        properties = None
        if persistent_session:
            properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
            properties.SessionExpiryInterval = SESSION_EXPIRY_S
        return aiomqtt.Client(
            endpoint.host,
            endpoint.port,
            identifier=identifier,
            username=endpoint.username,
            password=password,
            protocol=aiomqtt.ProtocolVersion.V5,
            clean_start=not persistent_session,
            properties=properties,
            keepalive=endpoint.keepalive_s,
            will=will,
            tls_params=tls_params,
            max_inflight_messages=max_inflight_messages,
        )
    return aiomqtt.Client(
        endpoint.host,
        endpoint.port,
        identifier=identifier,
        username=endpoint.username,
        password=password,
        protocol=aiomqtt.ProtocolVersion.V311,
        clean_session=not persistent_session,
        keepalive=endpoint.keepalive_s,
        will=will,
        tls_params=tls_params,
        max_inflight_messages=max_inflight_messages,
    )


def raise_if_cancelled() -> None:
    """Honour a stop request that Python 3.11's ``asyncio.wait_for`` swallowed.

    aiomqtt waits for a publish with ``asyncio.wait_for``; on Python 3.11 a cancellation that
    lands just as the publish completes is swallowed (CPython gh-86296, fixed in 3.12): the
    publish returns normally and the daemon's loop would run on, so ``silverguard edge run``
    could hang on Ctrl-C or SIGTERM. The task still reports ``cancelling()``, so a loop that
    calls this after each publish stops as it was asked.

    >>> async def loop_that_was_asked_to_stop() -> str:
    ...     asyncio.current_task().cancel()
    ...     try:
    ...         await asyncio.sleep(0)
    ...     except asyncio.CancelledError:
    ...         pass  # what 3.11's wait_for does when the publish completed meanwhile
    ...     raise_if_cancelled()
    ...     return "ran on"
    >>> async def main() -> bool:
    ...     task = asyncio.create_task(loop_that_was_asked_to_stop())
    ...     await asyncio.wait({task})
    ...     return task.cancelled()
    >>> asyncio.run(main())
    True
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError

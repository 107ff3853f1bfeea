"""The raw-broker probe of ``silverguard bench e2e``, in its own process (the fleet of homes is
:class:`firmware_sim.fleet_shards.ShardedFleet`).

Times are ``time.monotonic()`` readings: on Linux that is ``CLOCK_MONOTONIC``, one clock for
every process of the machine, like the fleet's publish times and the receiver's arrivals.
"""

from __future__ import annotations

import secrets
import threading
import time
from multiprocessing.synchronize import Event as EventType
from typing import Any

from paho.mqtt.client import Client, MQTTMessage
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

__all__ = ["PROBE_TOPIC", "run_probe"]

PROBE_TOPIC = "bench/e2e/probe"


def _probe_client(role: str) -> Client:
    return Client(
        callback_api_version=CallbackAPIVersion.VERSION2,
        client_id=f"e2e-probe-{role}-{secrets.token_hex(3)}",
        protocol=MQTTProtocolVersion.MQTTv5,
    )


def run_probe(port: int, seconds: float, rate_per_s: float, results: Any, go: EventType) -> None:
    """Process: one client publishes timestamped QoS 1 probes at ``rate_per_s`` for
    ``seconds``, another (its own connection, so a slow receipt never holds the publisher's
    in-flight window) subscribes; put the publish → receipt delays on ``results``."""
    delays: list[float] = []
    subscribed = threading.Event()

    def on_message(_c: Client, _u: object, message: MQTTMessage) -> None:
        delays.append(time.monotonic() - float(message.payload))

    def on_subscribe(
        _c: Client, _u: object, _mid: int, _codes: list[ReasonCode], _p: Properties | None
    ) -> None:
        subscribed.set()

    subscriber, publisher = _probe_client("sub"), _probe_client("pub")
    subscriber.on_message = on_message
    subscriber.on_subscribe = on_subscribe
    for client in (subscriber, publisher):
        client.connect("127.0.0.1", port)
        client.loop_start()
    subscriber.subscribe(PROBE_TOPIC, qos=1)
    subscribed.wait(30)
    go.wait()
    start = time.monotonic()
    sent = 0
    while time.monotonic() - start < seconds:
        publisher.publish(PROBE_TOPIC, repr(time.monotonic()).encode(), qos=1)
        sent += 1
        time.sleep(max(0.0, start + sent / rate_per_s - time.monotonic()))
    time.sleep(1.0)  # the last probes' receipt
    for client in (subscriber, publisher):
        client.disconnect()
        client.loop_stop()
    results.put({"sent": sent, "delays_s": delays})

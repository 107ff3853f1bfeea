"""The raw-broker probe of ``silverguard bench e2e``, in its own process (the fleet of homes is
:class:`firmware_sim.fleet_shards.ShardedFleet`).

Times are ``time.monotonic()`` readings: on Linux that is ``CLOCK_MONOTONIC``, one clock for
every process of the machine, like the fleet's publish times and the receiver's arrivals.
"""

from __future__ import annotations

import secrets
import time
from multiprocessing.synchronize import Event as EventType
from typing import Any

from paho.mqtt.client import Client, MQTTMessage
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

__all__ = ["PROBE_TOPIC", "run_probe"]

PROBE_TOPIC = "bench/e2e/probe"


def run_probe(port: int, seconds: float, rate_per_s: float, results: Any, go: EventType) -> None:
    """Process: publish timestamped QoS 1 probes to a topic this client subscribes to, at
    ``rate_per_s`` for ``seconds``; put the publish → receipt delays on ``results``."""
    delays: list[float] = []
    subscribed = [False]

    def on_message(_c: Client, _u: object, message: MQTTMessage) -> None:
        delays.append(time.monotonic() - float(message.payload))

    def on_subscribe(
        _c: Client, _u: object, _mid: int, _codes: list[ReasonCode], _p: Properties | None
    ) -> None:
        subscribed[0] = True

    client = Client(
        callback_api_version=CallbackAPIVersion.VERSION2,
        client_id=f"e2e-probe-{secrets.token_hex(3)}",
        protocol=MQTTProtocolVersion.MQTTv5,
    )
    client.on_message = on_message
    client.on_subscribe = on_subscribe
    client.connect("127.0.0.1", port)
    client.subscribe(PROBE_TOPIC, qos=1)
    client.loop_start()
    go.wait()
    start = time.monotonic()
    sent = 0
    while time.monotonic() - start < seconds:
        if subscribed[0]:
            client.publish(PROBE_TOPIC, repr(time.monotonic()).encode(), qos=1)
            sent += 1
        time.sleep(max(0.0, start + (sent + 1) / rate_per_s - time.monotonic()))
    time.sleep(1.0)  # the last probes' receipt
    client.loop_stop()
    client.disconnect()
    results.put({"sent": sent, "delays_s": delays})

"""The load of ``silverguard bench e2e``, each in its own process: the fleet of homes (with the
injected alarms) and the raw-broker probe.

Times are ``time.monotonic()`` readings: on Linux that is ``CLOCK_MONOTONIC``, one clock for
every process of the machine, so a publish time taken here and an arrival time taken in the
bench's process (the webhook receiver) subtract directly.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from multiprocessing.synchronize import Event as EventType
from typing import Any

from paho.mqtt.client import Client, MQTTMessage
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from firmware_sim.fleet import Fleet, HomeRates

__all__ = ["FleetJob", "alarm_homes", "run_fleet", "run_probe"]

PROBE_TOPIC = "bench/e2e/probe"


@dataclass(frozen=True)
class FleetJob:
    """What the fleet process does: stream for ``warmup_s + duration_s`` and inject alarms
    during the ``duration_s`` part, then wait for every message's ack (``drain_s`` at most)."""

    port: int
    homes: int
    org: str
    warmup_s: float
    duration_s: float
    alarms: int
    drain_s: float = 120.0


def alarm_homes(homes: int, alarms: int) -> list[int]:
    """Distinct homes for ``alarms`` alarms (≤ ``homes``), spread evenly over the fleet.

    Example:
        >>> alarm_homes(10, 4)
        [0, 2, 5, 7]
        >>> alarm_homes(3, 3)
        [0, 1, 2]
    """
    return [k * homes // alarms for k in range(alarms)]


def _wait_connected(fleet: Fleet, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not all(g.client.is_connected() for g in fleet.gateways):
        if time.monotonic() > deadline:
            up = sum(g.client.is_connected() for g in fleet.gateways)
            raise RuntimeError(f"only {up} of {len(fleet.gateways)} gateways connected")
        time.sleep(0.05)


def run_fleet(job: FleetJob, results: Any, ready: EventType, go: EventType) -> None:
    """Process: connect every home, stream at real rates, inject the alarms, drain; put the
    figures (or ``{"error": ...}``) on ``results``."""
    fleet = Fleet(job.port, job.homes, org=job.org, alarm_every=None, rates=HomeRates())
    try:
        _wait_connected(fleet, timeout_s=60 + job.homes / 20)
        ready.set()
        go.wait()
        fleet.start()
        started = time.monotonic()
        measure_from = started + job.warmup_s
        time.sleep(job.warmup_s)
        interval = job.duration_s / job.alarms
        for k, home in enumerate(alarm_homes(job.homes, job.alarms)):
            time.sleep(max(0.0, measure_from + k * interval - time.monotonic()))
            fleet.inject_alarm(home, k)
        time.sleep(max(0.0, measure_from + job.duration_s - time.monotonic()))
        fleet.stop_sending()
        stopped = time.monotonic()
        fleet.drain(timeout_s=job.drain_s)
    except (RuntimeError, AssertionError) as exc:
        results.put({"error": str(exc)})
        return
    finally:
        fleet.close()
    results.put(_fleet_figures(fleet, started, stopped))


def _fleet_figures(fleet: Fleet, started: float, stopped: float) -> dict[str, Any]:
    alarm_ids = {a.message_id for a in fleet.injected}
    telemetry_delays = [
        delay
        for g in fleet.gateways
        for message_id, delay in g.ack_delay_s.items()
        if message_id not in alarm_ids
    ]
    sent = sum(len(g.readings) + len(g.alarms) + g.telemetry_sent for g in fleet.gateways)
    return {
        "injected": [(a.resident_id, a.message_id, a.published_monotonic) for a in fleet.injected],
        "alarm_ack_delays_s": [
            g.ack_delay_s[m] for g in fleet.gateways for m in g.alarms if m in g.ack_delay_s
        ],
        "telemetry_ack_delays_s": telemetry_delays,
        "messages_sent": sent,
        "streamed_s": stopped - started,
        "resends": sum(g.resends for g in fleet.gateways),
        "unacked": sum(g.unacked() for g in fleet.gateways),
    }


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

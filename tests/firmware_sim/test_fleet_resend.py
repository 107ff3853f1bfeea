"""A simulated gateway resends as the edge outbox does: alarms every ``resend_after_s``,
telemetry backing off (``contracts.mqtt.resend_wait_s``), so a slow cloud is not buried."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import cast

import pytest
from paho.mqtt.client import Client
from paho.mqtt.enums import CallbackAPIVersion

from firmware_sim.fleet import Fleet, Gateway, _Pending
from firmware_sim.fleet_loop import SharedMqttLoop
from tests.servers import mosquitto


class _Unconnected:
    """Stands in for the fleet's network thread: the client never connects (publishes are
    refused by paho and only counted here)."""

    def add(self, client: Client) -> None:
        del client

    def flush_later(self, client: Client) -> None:
        del client


def _gateway() -> Gateway:
    return Gateway(cast(SharedMqttLoop, _Unconnected()), 0, resend_after_s=10.0)


def _pending(waited_s: float, *, alarm: bool, sends: int) -> _Pending:
    at = time.monotonic() - waited_s
    return _Pending("sg/v1/org/gw/x", b"{}", at, at, alarm=alarm, sends=sends)


def test_an_alarm_is_resent_every_ack_timeout_telemetry_after_its_back_off() -> None:
    gateway = _gateway()
    gateway.pending = {
        "alarm": _pending(15, alarm=True, sends=3),  # alarms: every 10 s
        "reading-3": _pending(15, alarm=False, sends=3),  # third send: waits 40 s
        "reading-1": _pending(15, alarm=False, sends=1),  # first send: waits 10 s
        "reading-9": _pending(170, alarm=False, sends=9),  # capped at 16 × 10 s
    }
    gateway.resend_due()
    assert {k: p.sends for k, p in gateway.pending.items()} == {
        "alarm": 4,
        "reading-3": 3,
        "reading-1": 2,
        "reading-9": 10,
    }
    assert gateway.resends == 3


@pytest.mark.integration
def test_through_a_broker_a_reading_backs_off_while_an_alarm_keeps_its_pace(
    tmp_path: Path,
) -> None:
    """Nobody acks: over 6 s a reading goes out at about 0, 0.5, 1.5 and 3.5 s (waits 0.5, 1,
    2 s), the alarm every 0.5–1 s, as a subscriber on a real Mosquitto counts them."""
    seen: Counter[str] = Counter()
    with mosquitto(tmp_path / "cloud") as broker:
        watcher = Client(callback_api_version=CallbackAPIVersion.VERSION2, client_id="watcher")
        watcher.on_message = lambda _c, _u, m: seen.update([json.loads(m.payload)["message_id"]])
        watcher.connect("127.0.0.1", broker.port)
        watcher.subscribe("sg/v1/+/+/+", qos=1)
        watcher.loop_start()
        fleet = Fleet(
            broker.port, 1, per_second=0.05, alarm_every=None, resend_after_s=0.5, resend_max_s=2.0
        )
        try:
            deadline = time.monotonic() + 10
            while not fleet.gateways[0].client.is_connected():
                assert time.monotonic() < deadline, "the simulated gateway did not connect"
                time.sleep(0.05)
            fleet.start()  # one reading now, the next only after 20 s
            fleet.inject_alarm(0, 1)
            time.sleep(6.0)
        finally:
            fleet.close()
            watcher.loop_stop()
            watcher.disconnect()
    [reading] = fleet.reading_ids
    [alarm] = fleet.alarm_ids
    assert 3 <= seen[reading] <= 5, seen
    assert seen[alarm] >= 6, seen

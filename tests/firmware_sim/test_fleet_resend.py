"""A simulated gateway resends as the edge outbox does: alarms every ``resend_after_s``,
telemetry backing off (``contracts.mqtt.resend_wait_s``), so a slow cloud is not buried."""

from __future__ import annotations

import time
from typing import cast

from paho.mqtt.client import Client

from firmware_sim.fleet import Gateway, _Pending
from firmware_sim.fleet_loop import SharedMqttLoop


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

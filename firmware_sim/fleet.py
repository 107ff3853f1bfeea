"""A fleet of simulated homes at the cloud broker (``silverguard sim fleet``, the fault suite).

Each home is its own gateway identity (MQTT client id, ``sg/v1/<org>/<gateway>/…`` topics) and
sends what an edge agent's forwarder sends: mattress vitals readings and fall alarms as
contract envelopes at QoS 1, keeping each message until the cloud's ack names it and resending
it after ``resend_after_s`` (the outbox rule), so a broker or worker outage loses nothing.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from paho.mqtt.client import Client, MQTTMessage
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

from contracts.envelope import Envelope, encode_envelope
from contracts.events import EventBody, EventType, Evidence
from contracts.ids import new_message_id
from contracts.readings import MattressVitals
from contracts.topics import TopicKind, build_topic

ORG = "org-faults"


@dataclass
class _Pending:
    topic: str
    payload: bytes
    first_sent: float
    last_sent: float


@dataclass
class Gateway:
    """One home's gateway: publishes, keeps what is not acked, resends it."""

    port: int
    index: int
    org: str = ORG
    resend_after_s: float = 2.0
    pending: dict[str, _Pending] = field(default_factory=dict)
    alarms: list[str] = field(default_factory=list)
    readings: list[str] = field(default_factory=list)
    ack_delay_s: dict[str, float] = field(default_factory=dict)
    resends: int = 0

    def __post_init__(self) -> None:
        self.gateway_id = f"gw-{self.index:03d}"
        self._lock = threading.Lock()
        self.client = Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=f"{self.gateway_id}-{secrets.token_hex(3)}",
            protocol=MQTTProtocolVersion.MQTTv5,
        )
        self.client.on_message = self._on_ack
        self.client.on_connect = lambda c, *_: c.subscribe(
            build_topic(self.org, self.gateway_id, TopicKind.ACK), qos=1
        )
        self.client.reconnect_delay_set(1, 1)
        self.client.connect_async("127.0.0.1", self.port)
        self.client.loop_start()

    def _on_ack(self, _c: Client, _u: object, message: MQTTMessage) -> None:
        body = json.loads(message.payload)
        now = time.monotonic()
        with self._lock:
            for message_id, _status in body["body"]["acked"]:
                sent = self.pending.pop(message_id, None)
                if sent is not None:
                    self.ack_delay_s[message_id] = now - sent.first_sent

    def _send(self, kind: TopicKind, body: EventBody | MattressVitals) -> str:
        at = datetime.now(UTC)
        envelope = Envelope(
            message_id=new_message_id(at),
            org_id=self.org,
            gateway_id=self.gateway_id,
            home_id=f"home-{self.index:03d}",
            resident_id=f"res-{self.index + 1:04d}",
            device_id=f"dev-{self.index:03d}",
            gateway_time=at,
            body=body,
        )
        topic = build_topic(self.org, self.gateway_id, kind)
        payload = encode_envelope(envelope)
        now = time.monotonic()
        with self._lock:
            self.pending[envelope.message_id] = _Pending(topic, payload, now, now)
        self.client.publish(topic, payload, qos=1)
        return envelope.message_id

    def alarm(self, n: int) -> None:
        """Send the home's ``n``-th alarm (a fall)."""
        body = EventBody.of(
            EventType.FALL, Evidence(summary=f"fault-suite fall {n}", values={"n": n})
        )
        self.alarms.append(self._send(TopicKind.EVENT, body))

    def reading(self, n: int) -> None:
        """Send one vitals reading."""
        body = MattressVitals(in_bed=True, heart_rate_bpm=60 + n % 20, resp_rate_br_min=14)
        self.readings.append(self._send(TopicKind.READING, body))

    def resend_due(self) -> None:
        """Resend what waited too long for its ack (the outbox forwarder's rule)."""
        now = time.monotonic()
        with self._lock:
            due = [p for p in self.pending.values() if now - p.last_sent >= self.resend_after_s]
            for p in due:
                p.last_sent = now
        for p in due:
            self.client.publish(p.topic, p.payload, qos=1)
            self.resends += 1

    def unacked(self) -> int:
        """Messages sent and not acked yet."""
        with self._lock:
            return len(self.pending)

    def stop(self) -> None:
        """Disconnect."""
        self.client.loop_stop()
        self.client.disconnect()


class Fleet:
    """Several gateways sending a scripted stream on a background thread."""

    def __init__(
        self,
        port: int,
        homes: int,
        *,
        per_second: float = 20.0,
        org: str = ORG,
        alarms_per_home: int | None = None,
        alarm_every: int = 5,
    ) -> None:
        """``per_second`` messages over the whole fleet, every ``alarm_every``-th an alarm
        (at most ``alarms_per_home`` per home), the rest vitals readings."""
        self.gateways = [Gateway(port, i, org) for i in range(homes)]
        self._alarms_per_home = alarms_per_home
        self._alarm_every = alarm_every
        self._stop = threading.Event()
        self._period = 1.0 / per_second
        self._thread = threading.Thread(target=self._run, name="fault-fleet", daemon=True)
        self.sent = 0

    def start(self) -> None:
        """Start sending on a background thread."""
        self._thread.start()

    def _run(self) -> None:
        n = 0
        while not self._stop.is_set():
            gateway = self.gateways[n % len(self.gateways)]
            limit = self._alarms_per_home
            if n % self._alarm_every == 0 and (limit is None or len(gateway.alarms) < limit):
                gateway.alarm(n)
            else:
                gateway.reading(n)
            n += 1
            self.sent = n
            if n % 10 == 0:
                for g in self.gateways:
                    g.resend_due()
            self._stop.wait(self._period)

    def stop_sending(self) -> None:
        """Stop sending new messages (resending goes on in :meth:`drain`)."""
        self._stop.set()
        self._thread.join(10)

    def drain(self, timeout_s: float = 90.0) -> None:
        """Resend until every message is acked (raises if it does not happen in time)."""
        deadline = time.monotonic() + timeout_s
        while any(g.unacked() for g in self.gateways):
            if time.monotonic() > deadline:
                left = sum(g.unacked() for g in self.gateways)
                raise AssertionError(f"{left} messages never acked within {timeout_s} s")
            for g in self.gateways:
                g.resend_due()
            time.sleep(0.2)

    def close(self) -> None:
        """Stop everything and disconnect every gateway."""
        self._stop.set()
        for g in self.gateways:
            g.stop()

    @property
    def alarm_ids(self) -> list[str]:
        """Message ids of every alarm sent."""
        return [m for g in self.gateways for m in g.alarms]

    @property
    def reading_ids(self) -> list[str]:
        """Message ids of every reading sent."""
        return [m for g in self.gateways for m in g.readings]

    def delays_ms(self) -> dict[str, float]:
        """Send → ack delay (p50, max, in ms) and how many resends it took."""
        values = sorted(d * 1000 for g in self.gateways for d in g.ack_delay_s.values())
        if not values:
            return {"p50": float("nan"), "max": float("nan"), "resends": 0}
        return {
            "p50": round(values[len(values) // 2], 1),
            "max": round(values[-1], 1),
            "resends": sum(g.resends for g in self.gateways),
        }

"""A fleet of simulated homes at the cloud broker (``silverguard sim fleet``, the fault suite,
``silverguard bench e2e``).

Each home is its own gateway identity (MQTT client id, ``sg/v1/<org>/<gateway>/…`` topics) and
sends what an edge agent's forwarder sends: mattress vitals readings and fall alarms as
contract envelopes at QoS 1, keeping each message until the cloud's ack names it and resending
it as the edge outbox does (alarms every ``resend_after_s``; telemetry after ``resend_after_s``,
then after a wait that doubles up to ``resend_max_s``: :func:`contracts.mqtt.resend_wait_s`), so
a broker or worker outage loses nothing and a slow cloud is not buried in resends.

With :class:`HomeRates` every home also sends its other telemetry at the real cadence (wristband
status, smoke sensor state, the gateway's heartbeat), and alarms can be injected one at a time
(:meth:`Fleet.inject_alarm`) with their publish moment kept, to time them end to end.

Example:
    >>> rates = HomeRates()
    >>> round(rates.messages_per_home_per_s(), 4)
    1.0336
    >>> [kind for kind in rates.due(home=0, second=0)]
    ['wristband_status', 'smoke', 'gateway_status']
    >>> rates.due(home=0, second=1)
    []
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from paho.mqtt.client import Client, MQTTMessage
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

from contracts.envelope import Envelope, encode_envelope
from contracts.events import EventBody, EventType, Evidence
from contracts.ids import new_message_id
from contracts.mqtt import resend_wait_s
from contracts.readings import MattressVitals, SmokeReading, WristbandStatus
from contracts.status import GatewayState, GatewayStatusBody
from contracts.topics import TopicKind, build_topic
from firmware_sim.fleet_loop import SharedMqttLoop

ORG = "org-faults"
AGENT_VERSION = "fleet-sim"

SlowKind = Literal["wristband_status", "smoke", "gateway_status"]


@dataclass(frozen=True)
class HomeRates:
    """Seconds between one home's messages of each kind, as its edge agent forwards them.

    Mattress vitals about once a second (the firmware's vitals mode, DEVICES.md); the
    wristband's status once a minute (``firmware_sim.wristband``); the smoke sensor's state
    every five minutes (Zigbee2MQTT republishes a sensor's state on each check-in report — the
    period is an assumption, check-in intervals vary by model); the gateway's heartbeat every
    60 s (the edge agent's ``heartbeat_s`` default). Slow kinds are staggered across homes.
    """

    vitals_s: float = 1.0
    wristband_status_s: float = 60.0
    smoke_s: float = 3600.0
    gateway_status_s: float = 60.0

    def messages_per_home_per_s(self) -> float:
        """Messages one home sends per second on average (alarms aside)."""
        periods = (self.vitals_s, self.wristband_status_s, self.smoke_s, self.gateway_status_s)
        return sum(1 / p for p in periods)

    def due(self, *, home: int, second: int) -> list[SlowKind]:
        """The slow kinds home ``home`` sends in vitals round ``second`` (besides vitals)."""
        out: list[SlowKind] = []
        kinds: tuple[tuple[SlowKind, float], ...] = (
            ("wristband_status", self.wristband_status_s),
            ("smoke", self.smoke_s),
            ("gateway_status", self.gateway_status_s),
        )
        for kind, period_s in kinds:
            every = max(1, round(period_s / self.vitals_s))
            if (second + home) % every == 0:
                out.append(kind)
        return out


@dataclass
class _Pending:
    topic: str
    payload: bytes
    first_sent: float
    last_sent: float
    alarm: bool
    sends: int = 1


@dataclass
class Gateway:
    """One home's gateway: publishes, keeps what is not acked, resends it. Its client is
    driven by the fleet's :class:`~firmware_sim.fleet_loop.SharedMqttLoop`, and every method
    but :meth:`unacked` runs on that loop's thread."""

    loop: SharedMqttLoop
    index: int
    org: str = ORG
    resend_after_s: float = 2.0
    resend_max_s: float | None = None
    """Longest wait before telemetry is resent (``None``: 16 × ``resend_after_s``, the edge
    agent's 160 s over its 10 s ack timeout)."""
    pending: dict[str, _Pending] = field(default_factory=dict)
    alarms: list[str] = field(default_factory=list)
    readings: list[str] = field(default_factory=list)
    ack_delay_s: dict[str, float] = field(default_factory=dict)
    resends: int = 0
    telemetry_sent: int = 0

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
        self.loop.add(self.client)

    def _on_ack(self, _c: Client, _u: object, message: MQTTMessage) -> None:
        body = json.loads(message.payload)
        now = time.monotonic()
        with self._lock:
            for message_id, _status in body["body"]["acked"]:
                sent = self.pending.pop(message_id, None)
                if sent is not None:
                    self.ack_delay_s[message_id] = now - sent.first_sent

    @property
    def resident_id(self) -> str:
        """The home's resident (each home has one)."""
        return f"res-{self.index + 1:04d}"

    def _send(
        self,
        kind: TopicKind,
        body: EventBody | MattressVitals | WristbandStatus | SmokeReading | GatewayStatusBody,
    ) -> str:
        at = datetime.now(UTC)
        about_device = not isinstance(body, GatewayStatusBody)
        envelope = Envelope(
            message_id=new_message_id(at),
            org_id=self.org,
            gateway_id=self.gateway_id,
            home_id=f"home-{self.index:03d}",
            resident_id=self.resident_id if about_device else None,
            device_id=f"dev-{self.index:03d}" if about_device else None,
            device_time=at if about_device else None,  # the simulated sensor's own clock
            gateway_time=at,
            body=body,
        )
        topic = build_topic(self.org, self.gateway_id, kind)
        payload = encode_envelope(envelope)
        now = time.monotonic()
        with self._lock:
            self.pending[envelope.message_id] = _Pending(
                topic, payload, now, now, alarm=kind is TopicKind.EVENT
            )
        self.client.publish(topic, payload, qos=1)
        self.loop.flush_later(self.client)
        return envelope.message_id

    def alarm(self, n: int) -> str:
        """Send the home's ``n``-th alarm (a fall); returns its message id."""
        body = EventBody.of(
            EventType.FALL, Evidence(summary=f"fault-suite fall {n}", values={"n": n})
        )
        message_id = self._send(TopicKind.EVENT, body)
        self.alarms.append(message_id)
        return message_id

    def reading(self, n: int) -> None:
        """Send one vitals reading."""
        body = MattressVitals(in_bed=True, heart_rate_bpm=60 + n % 20, resp_rate_br_min=14)
        self.readings.append(self._send(TopicKind.READING, body))

    def slow_telemetry(self, kind: SlowKind, n: int) -> None:
        """Send the wristband's status, the smoke sensor's state or the gateway's heartbeat."""
        if kind == "wristband_status":
            body: WristbandStatus | SmokeReading | GatewayStatusBody = WristbandStatus(
                heart_rate_bpm=62 + n % 15, battery_pct=80, on_wrist=True, rssi_dbm=-60
            )
            topic_kind = TopicKind.READING
        elif kind == "smoke":
            body = SmokeReading(smoke=False, battery_pct=90, link_quality=120)
            topic_kind = TopicKind.READING
        else:
            body = GatewayStatusBody(
                state=GatewayState.ONLINE, agent_version=AGENT_VERSION, outbox_depth=0
            )
            topic_kind = TopicKind.STATUS
        self._send(topic_kind, body)
        self.telemetry_sent += 1

    def resend_due(self) -> None:
        """Resend what waited too long for its ack (the outbox forwarder's rule)."""
        now = time.monotonic()
        with self._lock:
            due = [p for p in self.pending.values() if now - p.last_sent >= self._wait_s(p)]
            for p in due:
                p.last_sent = now
                p.sends += 1
        for p in due:
            self.client.publish(p.topic, p.payload, qos=1)
            self.resends += 1
        self.loop.flush_later(self.client)

    def _wait_s(self, p: _Pending) -> float:
        """Alarms every ``resend_after_s``; telemetry backing off (the outbox's rule)."""
        longest = self.resend_after_s if p.alarm else self.resend_max_s
        return resend_wait_s(self.resend_after_s, p.sends, longest or 16 * self.resend_after_s)

    def unacked(self) -> int:
        """Messages sent and not acked yet."""
        with self._lock:
            return len(self.pending)


@dataclass(frozen=True)
class InjectedAlarm:
    """An alarm sent by :meth:`Fleet.inject_alarm`: whose, its id, when it was published."""

    resident_id: str
    message_id: str
    published_monotonic: float


class Fleet:
    """Several gateways sending a scripted stream, all on one network thread."""

    def __init__(
        self,
        port: int,
        homes: int,
        *,
        per_second: float = 20.0,
        org: str = ORG,
        alarms_per_home: int | None = None,
        alarm_every: int | None = 5,
        rates: HomeRates | None = None,
        first_home: int = 0,
        resend_after_s: float = 2.0,
        resend_max_s: float | None = None,
    ) -> None:
        """``per_second`` messages over the whole fleet, every ``alarm_every``-th an alarm
        (at most ``alarms_per_home`` per home; ``None``: no scripted alarms), the rest vitals
        readings. With ``rates``, every home sends vitals every ``rates.vitals_s`` (which sets
        ``per_second``) and its slow telemetry at the rates given. Homes are numbered from
        ``first_home``, so several fleets (processes) can share out a larger one. A message not
        acked within ``resend_after_s`` is sent again (telemetry then backs off up to
        ``resend_max_s``, see :class:`Gateway`). The homes connect at once; sending
        starts with :meth:`start`."""
        self._loop = SharedMqttLoop("127.0.0.1", port)
        self.gateways = [
            Gateway(
                self._loop,
                first_home + i,
                org,
                resend_after_s=resend_after_s,
                resend_max_s=resend_max_s,
            )
            for i in range(homes)
        ]
        self._alarms_per_home = alarms_per_home
        self._alarm_every = alarm_every
        self._rates = rates
        self._period = rates.vitals_s / homes if rates else 1.0 / per_second
        self._sending = False
        self._halted = threading.Event()
        self._started_at = 0.0
        self._next_resend = 0.0
        self.sent = 0
        self.injected: list[InjectedAlarm] = []
        self._loop.work = self._work
        self._loop.start()

    @property
    def port(self) -> int:
        """The broker's port."""
        return self._loop.port

    def start(self) -> None:
        """Start sending (paced from now)."""
        self._loop.call(self._begin)

    def _begin(self) -> None:
        self._sending = True
        self._started_at = time.monotonic()

    def _work(self) -> float:
        """Loop thread: resend twice a second; send what is due, paced against the start so
        per-message work does not slow the fleet down. Returns seconds until more is due."""
        now = time.monotonic()
        if now >= self._next_resend:
            self._next_resend = now + 0.5
            for g in self.gateways:
                g.resend_due()
        if not self._sending:
            return self._next_resend - now
        due = int((now - self._started_at) / self._period) + 1
        for _ in range(min(due - self.sent, 100)):  # a burst at most, then read again
            self._send_one(self.sent)
            self.sent += 1
        return self._started_at + self.sent * self._period - time.monotonic()

    def _send_one(self, n: int) -> None:
        homes = len(self.gateways)
        gateway = self.gateways[n % homes]
        limit = self._alarms_per_home
        every = self._alarm_every
        if every and n % every == 0 and (limit is None or len(gateway.alarms) < limit):
            gateway.alarm(n)
        else:
            gateway.reading(n)
        if self._rates is not None:
            for kind in self._rates.due(home=gateway.index, second=n // homes):
                gateway.slow_telemetry(kind, n)

    def inject_alarm(self, home: int, n: int) -> None:
        """Have the ``home``-th gateway of this fleet send a fall alarm now (from any thread);
        it is kept with the moment it was published in :attr:`injected`."""
        self._loop.call(lambda: self._inject(home, n))

    def _inject(self, home: int, n: int) -> None:
        gateway = self.gateways[home]
        published = time.monotonic()
        self.injected.append(InjectedAlarm(gateway.resident_id, gateway.alarm(n), published))

    def stop_sending(self) -> None:
        """Stop sending new messages (resending goes on until :meth:`close`)."""
        self._loop.call(self._halt)
        self._halted.wait(10)

    def _halt(self) -> None:
        self._sending = False
        self._halted.set()

    def drain(self, timeout_s: float = 90.0) -> None:
        """Wait until every message is acked, resending meanwhile (raises if not in time)."""
        deadline = time.monotonic() + timeout_s
        while any(g.unacked() for g in self.gateways):
            if time.monotonic() > deadline:
                left = sum(g.unacked() for g in self.gateways)
                raise AssertionError(f"{left} messages never acked within {timeout_s} s")
            time.sleep(0.1)

    def close(self) -> None:
        """Stop the network thread and disconnect every gateway."""
        self._loop.stop()

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

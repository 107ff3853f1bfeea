"""A simulated fleet written through the real ingest store, TSDB writer and alert router.

Three homes of ``org-demo`` over the last ~100 minutes: gateway heartbeats (one gateway ends
with its last will), smoke sensors (one battery low), wristbands (one off the wrist, one that
falls silent, which the real liveness sweep flags offline), mattress vitals; fire and fall
events that the real feed poller turns into incidents, which care workers accept, contact and
close with outcomes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from alerting.feed.poller import FeedPoller
from alerting.incidents.accept import accept_incident
from alerting.incidents.lifecycle import CloseRequest, Step, advance
from alerting.incidents.outcomes import OutcomeCode
from alerting.store.db import create_db_engine
from alerting.store.db import migrate as migrate_alerting
from cloud_ingest.config import LivenessSettings, TsdbSettings
from cloud_ingest.liveness import LivenessSweep
from cloud_ingest.metrics import IngestMetrics
from cloud_ingest.store import IngestStore
from cloud_ingest.store.batch import Incoming
from cloud_ingest.store.migrate import migrate as migrate_ingest
from cloud_ingest.tsdb.points import points_of
from cloud_ingest.tsdb.writer import TsdbWriter
from contracts import (
    Envelope,
    EventBody,
    EventType,
    Evidence,
    GatewayState,
    GatewayStatusBody,
    MattressVitals,
    SmokeReading,
    WristbandStatus,
    encode_envelope,
    new_message_id,
)
from contracts.clock import FakeClock
from tests.alerting.support import make_settings

ORG = "org-demo"
GATEWAYS = ("gw-0001", "gw-0002", "gw-0003")
STEP = timedelta(minutes=5)
SPAN = timedelta(minutes=100)
LOW_BATTERY_PCT = 12.0
SILENT_BAND = "band-0002"
OFF_WRIST_BAND = "band-0003"
SILENT_TICKS = 8
"""The silent band's last 8 readings (40 minutes) never arrive."""
DISK_FULL_GATEWAY = 2
"""gw-0002's outbox disk is full for its last :data:`DISK_FULL_TICKS` heartbeats."""
DISK_FULL_TICKS = 3
ReaderValue = int | float | bool | str | None
AGENT_VERSION = "0.4.2"
LIVENESS = LivenessSettings(
    gateway_heartbeat_s=STEP.total_seconds(),
    missed_heartbeats=3,
    device_cadence_s={kind: STEP.total_seconds() for kind in ("mattress", "wristband", "smoke")},
)
"""Everything reports once a STEP: offline after three missed reports (15 minutes)."""


@dataclass
class Fleet:
    """What the simulation wrote, for the tests' expectations."""

    start: datetime
    end: datetime
    incident_ids: list[str] = field(default_factory=list)
    lines_written: int = 0


def _envelope(gw: int, at: datetime, device: str | None, body: object) -> Envelope:
    home = f"home-000{gw}"
    return Envelope.model_validate(
        {
            "message_id": new_message_id(at),
            "org_id": ORG,
            "gateway_id": GATEWAYS[gw - 1],
            "home_id": home if device else None,
            "resident_id": f"res-000{gw}" if device else None,
            "device_id": device,
            "device_time": at if device else None,
            "gateway_time": at,
            "body": body,
        }
    )


def _outbox_health(gw: int, tick: int, ticks: int) -> dict[str, dict[str, ReaderValue]]:
    """The heartbeat's outbox disk health: :data:`DISK_FULL_GATEWAY`'s disk fills up for the
    last :data:`DISK_FULL_TICKS` ticks; another's was full once, early, and has room again."""
    full = (gw == DISK_FULL_GATEWAY and tick > ticks - DISK_FULL_TICKS) or (gw == 1 and tick == 2)
    return {"outbox": {"disk_full": full, "held_alarms": 0, "dropped_telemetry": int(full)}}


def _messages(at: datetime, tick: int, ticks: int) -> list[Envelope]:
    last = tick == ticks
    out: list[Envelope] = []
    for gw in (1, 2, 3):
        state = GatewayState.OFFLINE if (last and gw == 3) else GatewayState.ONLINE
        status = GatewayStatusBody(
            state=state,
            agent_version=AGENT_VERSION if gw != 2 else "0.4.1",
            outbox_depth=None if state is GatewayState.OFFLINE else (tick * gw) % 7,
            oldest_unsent_age_s=None if state is GatewayState.OFFLINE else float(tick % 3),
            readers=None if state is GatewayState.OFFLINE else _outbox_health(gw, tick, ticks),
        )
        out.append(_envelope(gw, at, None, status))
        battery = LOW_BATTERY_PCT if gw == 1 else 80.0 - tick * 0.1
        out.append(
            _envelope(gw, at, f"smoke-000{gw}", SmokeReading(smoke=False, battery_pct=battery))
        )
        band = f"band-000{gw}"
        if not (band == SILENT_BAND and tick > ticks - SILENT_TICKS):
            out.append(
                _envelope(
                    gw,
                    at,
                    band,
                    WristbandStatus(
                        heart_rate_bpm=70.0 + gw,
                        battery_pct=90.0 - tick * 0.2,
                        on_wrist=band != OFF_WRIST_BAND,
                    ),
                )
            )
        out.append(
            _envelope(
                gw,
                at,
                f"bed-000{gw}",
                MattressVitals(
                    in_bed=True,
                    heart_rate_bpm=58.0 + gw + tick % 3,
                    resp_rate_br_min=13.0 + gw,
                    movement_index=0.2 * (tick % 4),
                ),
            )
        )
    return out


_EVENTS: tuple[tuple[int, EventType, str, float, float, OutcomeCode | None], ...] = (
    (1, EventType.FIRE, "edge.fire/v1", 40.0, 300.0, OutcomeCode.FALSE_ALARM),
    (2, EventType.FALL, "edge.fall/v1", 90.0, 600.0, OutcomeCode.ASSISTED_NO_INJURY),
    (3, EventType.FALL, "edge.fall/v1", 420.0, 900.0, OutcomeCode.FALSE_ALARM),
    (1, EventType.FALL, "edge.fall/v1", 0.0, 0.0, None),
)
"""(gateway, type, detector, accept after s, contact after s, outcome); None stays open."""


def populate(database_url: str, victoria_url: str) -> Fleet:
    """Write the fleet into PostgreSQL at ``database_url`` and VictoriaMetrics."""
    end = datetime.now(UTC).replace(microsecond=0)
    start = end - SPAN
    clock = FakeClock(start)
    migrate_ingest(database_url)
    migrate_alerting(database_url)
    store = IngestStore(database_url, clock=clock)
    writer = TsdbWriter(TsdbSettings.model_validate({"url": victoria_url}))
    fleet = Fleet(start=start, end=end)
    sweep = LivenessSweep(store, LIVENESS, clock, IngestMetrics())
    ticks = int(SPAN / STEP)
    try:
        for tick in range(ticks + 1):
            at = start + tick * STEP
            envelopes = _messages(at, tick, ticks)
            incoming = [Incoming(e, encode_envelope(e)) for e in envelopes]
            store.store_batch(incoming, track_liveness=True)  # as the consumer stores them
            sweep.sweep()  # as the ingest's sweep does between batches
            lines = [line for e in envelopes for line in points_of(e)]
            writer.write(lines)
            fleet.lines_written += len(lines)
            clock.advance(STEP)
    finally:
        store.close()
    _incidents(database_url, fleet)
    return fleet


def _incidents(database_url: str, fleet: Fleet) -> None:
    engine = create_db_engine(database_url)
    settings = make_settings(database_url)
    clock = FakeClock(fleet.start + timedelta(minutes=10))
    store = IngestStore(database_url, clock=clock)
    try:
        while FeedPoller(engine, settings, clock).poll_once():
            pass  # the liveness events first: they page nobody (no operator receiver)
        for gw, event_type, detector, accept_s, contact_s, outcome in _EVENTS:
            body = EventBody.of(event_type, Evidence(summary="simulated"), detector=detector)
            envelope = _envelope(gw, clock.now(), f"smoke-000{gw}", body)
            store.store(envelope, encode_envelope(envelope))
            clock.advance(timedelta(seconds=5))
            [done] = FeedPoller(engine, settings, clock).poll_once()
            assert done.incident_id is not None, done
            fleet.incident_ids.append(done.incident_id)
            opened = clock.now()
            if outcome is not None:
                _handle(
                    engine,
                    done.incident_id,
                    opened=opened,
                    accept_s=accept_s,
                    contact_s=contact_s,
                    outcome=outcome,
                )
            clock.advance(timedelta(minutes=17))
    finally:
        store.close()
        engine.dispose()


def _handle(
    engine: Engine,
    incident_id: str,
    *,
    opened: datetime,
    accept_s: float,
    contact_s: float,
    outcome: OutcomeCode,
) -> None:
    """A care worker accepts, makes contact and closes with ``outcome``."""
    accept_incident(engine, incident_id, "cw-0001", opened + timedelta(seconds=accept_s))
    at_contact = opened + timedelta(seconds=contact_s)
    advance(engine, incident_id, "cw-0001", Step.CONTACT_MADE, at_contact)
    closing = CloseRequest(outcome.value, note="simulated")
    at_close = at_contact + timedelta(seconds=60)
    advance(engine, incident_id, "cw-0001", Step.CLOSE, at_close, close=closing)

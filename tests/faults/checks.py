"""What every edge-side fault asserts afterwards, from the databases and the receiver: each alarm
stored once and in its gateway's lane order, each incident opened once, each page delivered
once and in escalation order; and the delays, printed as one JSON line per fault."""

from __future__ import annotations

import asyncio
import json
import logging
import statistics
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from alerting.store.models import NotificationStatus
from contracts.feed import EVENT_FEED_MESSAGE_ID, EVENT_FEED_TABLE
from silverguard.sinks import WebhookReceiver
from silverguard.sinks.webhook_receiver import ReceivedWebhook
from tests.alerting.router_support import STEP_OF

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredEvent:
    seq: int
    message_id: str
    gateway_id: str
    status: str
    device_time: datetime
    received_at: datetime


def query_rows(database_url: str, query: str) -> list[tuple[Any, ...]]:
    """The rows of one SQL query on the database (an engine of its own, disposed after)."""
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(sa.text(query)).all()]
    finally:
        engine.dispose()


CLOUD_RAISED = "gateway_offline"
"""The event type the cloud raises about a gateway (its liveness), not the gateway itself."""


def stored_events(database_url: str) -> list[StoredEvent]:
    """Every stored event the gateways raised, in feed order."""
    query = (
        "select seq, message_id, gateway_id, type || '/' || status, "
        "coalesce(device_time, gateway_time), "
        f"received_at from {EVENT_FEED_TABLE} where type <> '{CLOUD_RAISED}' order by seq"
    )
    return [StoredEvent(*row) for row in query_rows(database_url, query)]


def stored_readings(database_url: str) -> dict[str, tuple[str, datetime]]:
    """Stored readings: message id → (gateway, received_at)."""
    query = "select message_id, gateway_id, received_at from readings"
    return {r[0]: (r[1], r[2]) for r in query_rows(database_url, query)}


def assert_alarms_once_in_lane_order(
    database_url: str, expected: dict[str, list[str]]
) -> list[StoredEvent]:
    """Per gateway: exactly the ``expected`` alarms (in the order the gateway queued them),
    each stored once, first stored in that order; returns the stored events."""
    events = stored_events(database_url)
    counts = Counter(e.message_id for e in events)
    assert [m for m, n in counts.items() if n != 1] == []
    for gateway, alarms in expected.items():
        stored = [e.message_id for e in events if e.gateway_id == gateway]
        lost = sorted(set(alarms) - set(stored))
        unexpected = [(e.message_id, e.status) for e in events if e.gateway_id == gateway]
        unexpected = [u for u in unexpected if u[0] not in alarms]
        assert (lost, unexpected) == ([], []), (
            f"{gateway}: alarms lost {lost} or unexpected {unexpected}"
        )
        order = [alarms.index(m) for m in stored]
        assert order == sorted(order), f"{gateway}: alarms stored out of lane order: {order}"
    return events


def assert_telemetry_once_after_alarms(
    database_url: str, events: list[StoredEvent], expected: dict[str, list[str]]
) -> None:
    """Per gateway: each backlog reading stored (once: message ids are unique there), and none
    stored before the last of the gateway's alarms (the alarm lane drains first)."""
    readings = stored_readings(database_url)
    for gateway, ids in expected.items():
        assert [m for m in ids if m not in readings] == [], f"{gateway}: telemetry lost"
        last_alarm = max(e.received_at for e in events if e.gateway_id == gateway)
        first_reading = min(readings[m][1] for m in ids)
        assert last_alarm <= first_reading, f"{gateway}: telemetry stored before an alarm"


def assert_incidents_once(database_url: str, residents: list[str]) -> None:
    """One fire incident per resident, none for anyone else."""
    rows = query_rows(
        database_url,
        "select resident_id, count(*) from incidents where type = 'fire' group by resident_id",
    )
    assert {r[0]: r[1] for r in rows} == dict.fromkeys(residents, 1)


def care_pages(receiver: WebhookReceiver) -> list[ReceivedWebhook]:
    """Pages to the care people of the escalation (not the duty desk's device-health pages)."""
    return [d for d in receiver.deliveries if d.name in STEP_OF]


async def wait_for_care_pages(
    receiver: WebhookReceiver, incidents: int, timeout_s: float, database_url: str
) -> None:
    """Wait until the fire pages of ``incidents`` arrived and the router has settled every
    notification (the duty desk's offline pages too: none pending or being sent), then a while
    longer for a duplicate to show."""
    deadline = time.monotonic() + timeout_s
    count = FIRE_PAGES.total() * incidents
    while len(care_pages(receiver)) < count:
        assert time.monotonic() < deadline, f"{len(care_pages(receiver))} of {count} pages"
        await asyncio.sleep(0.05)

    async def settled() -> None:
        while (left := await asyncio.to_thread(query_rows, database_url, _UNSETTLED_QUERY)) != [
            (0, 0)
        ]:
            unrouted, unsent = left[0]
            assert time.monotonic() < deadline, (
                f"{unrouted} events not yet routed, {unsent} notifications pending or sending"
            )
            await asyncio.sleep(0.1)

    await settled()
    await asyncio.sleep(1.5)
    # an event stored meanwhile (a killed gateway's offline event, raised by the ingest's
    # liveness sweep, paging the duty desk) is routed and its pages settle too
    await settled()


_UNSETTLED = ", ".join(
    f"'{s.value}'" for s in (NotificationStatus.PENDING, NotificationStatus.SENDING)
)
_UNSETTLED_QUERY = (
    f"select (select count(*) from {EVENT_FEED_TABLE} e where not exists "
    f"(select 1 from incident_events i where i.message_id = e.{EVENT_FEED_MESSAGE_ID})), "
    f"(select count(*) from notifications where status in ({_UNSETTLED}))"
)
"""Events the router has not processed yet, and notifications not yet settled."""


FIRE_PAGES = Counter({"cw-0001": 1, "cw-0002": 2, "tl-0001": 2, "fam-0001": 2})
"""The pages one fire incident requires until someone accepts (router_support's policy): a
fire fans out to everyone at step 1, then step 2 pages backup and team lead again, step 3 the
family again."""


FALL_PAGES = Counter({"cw-0001": 1, "cw-0002": 1, "tl-0001": 1, "fam-0001": 1})
"""The pages one fall incident requires: primary, then backup and team lead, then family."""


def assert_pages_once_in_lane_order(
    database_url: str,
    receiver: WebhookReceiver,
    incidents: int,
    required: Counter[str] = FIRE_PAGES,
) -> None:
    """Every required page delivered once: per incident and person, as many deliveries as
    notification rows (no page twice, a gateway's offline page to the duty desk included),
    each care incident exactly the ``required`` pages; and per incident the pages arrived
    in escalation order (step 1's before step 2's before step 3's)."""
    rows = query_rows(
        database_url,
        "select n.incident_id, n.person_id, n.step, n.status from notifications n "
        "order by n.incident_id, n.person_id, n.step, n.id",
    )
    assert [r for r in rows if r[3] != "delivered"] == []
    steps: dict[tuple[str, str], list[int]] = {}
    for incident, person, step, _ in rows:
        steps.setdefault((incident, person), []).append(step)
    arrivals: dict[tuple[str, str], list[float]] = {}
    for d in sorted(receiver.deliveries, key=lambda d: d.received_monotonic):
        key = (str(d.payload["incident_id"]), d.name)
        arrivals.setdefault(key, []).append(d.received_monotonic)
    retried = query_rows(
        database_url,
        "select incident_id, person_id, step, attempts, last_error, receipt_detail "
        "from notifications where attempts > 1",
    )
    assert {k: len(v) for k, v in arrivals.items()} == {k: len(v) for k, v in steps.items()}, (
        f"retried: {retried}"
    )
    fire = {incident for incident, person in steps if person in STEP_OF}
    assert len(fire) == incidents
    for incident in fire:
        pages = Counter({p: len(steps[(i, p)]) for i, p in steps if i == incident})
        assert pages == required, f"incident {incident}"
        timeline = sorted(
            (at, step, person)
            for (i, person), times in arrivals.items()
            if i == incident
            for at, step in zip(times, steps[(i, person)], strict=True)
        )
        order = [step for _, step, _ in timeline]
        assert order == sorted(order), (
            f"incident {incident}: pages out of escalation order: {timeline}"
        )


def _ms_summary(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {
        "p50": round(statistics.median(values)),
        "max": round(max(values)),
    }


def report_delays(
    fault: str,
    database_url: str,
    receiver: WebhookReceiver,
    events: list[StoredEvent],
    **extra: object,
) -> dict[str, object]:
    """Print (and log) one JSON line: alarm delay from device time to stored (ingest's
    ``received_at``) and from an incident's first alarm to its first page."""
    stored_ms = [(e.received_at - e.device_time).total_seconds() * 1000 for e in events]
    wall_minus_mono = time.time() - time.monotonic()
    first_page: dict[str, float] = {}
    for d in care_pages(receiver):
        incident = str(d.payload["incident_id"])
        at = d.received_monotonic + wall_minus_mono
        first_page[incident] = min(at, first_page.get(incident, at))
    opened = query_rows(
        database_url,
        "select i.id, min(coalesce(e.device_time, e.gateway_time)) from incidents i "
        f"join {EVENT_FEED_TABLE} e on e.resident_id = i.resident_id and e.type = i.type "
        "where i.resident_id is not null group by i.id",
    )
    page_ms = [
        (first_page[str(incident)] - first_alarm.timestamp()) * 1000
        for incident, first_alarm in opened
        if str(incident) in first_page
    ]
    report: dict[str, object] = {
        "fault": fault,
        "alarms": len(events),
        "pages": len(care_pages(receiver)),
        "alarm_device_to_stored_ms": _ms_summary(stored_ms),
        "first_alarm_to_first_page_ms": _ms_summary(page_ms),
        **extra,
    }
    line = json.dumps(report, sort_keys=True)
    print(line)
    logger.info("fault report %s", line)
    return report

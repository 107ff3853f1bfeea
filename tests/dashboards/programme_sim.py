"""The programme's data for the supervision dashboard, written the way users write it.

Districts, targets, residents (with district, hardship category, eligibility inputs), homes,
gateways and devices go in through the real seed loader; visits and calls through the real
REST API (a care worker logs in and posts them); gateway liveness through the real ingest
store; one alarm through the real feed poller, accepted and contacted in the alert router.

Two districts of ``org-demo``, the range being November and December 2026 (Asia/Shanghai):

==========  ======  =========================================================================
district    target  homes (resident: what counts)
==========  ======  =========================================================================
330302      3       res-0001, res-0002 heard in range (active); res-0003 heard in September
330304      2       res-0005 heard (active); res-0004 and res-0006 have no home
==========  ======  =========================================================================

Special-hardship: res-0001 (visited 10 Nov and, by local time, 1 Dec), res-0002 (video call
20 Nov; in December only an alarm contact), res-0004 (never visited). ``org-other`` has a
hardship resident in 330302 who is never visited (filtered out by the org variable).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from alerting.feed.poller import FeedPoller
from alerting.incidents.accept import accept_incident
from alerting.incidents.lifecycle import Step, advance
from alerting.store.db import create_db_engine
from alerting.store.db import migrate as migrate_alerting
from cloud_ingest.api.app import create_app
from cloud_ingest.api.context import ApiContext
from cloud_ingest.api.settings import ApiSettings
from cloud_ingest.auth.secrets import SecretHasher
from cloud_ingest.seed import SeedFile, apply_seed
from cloud_ingest.store import IngestStore
from cloud_ingest.store.batch import Incoming
from cloud_ingest.store.migrate import migrate as migrate_ingest
from contracts import (
    Envelope,
    EventBody,
    EventType,
    Evidence,
    GatewayState,
    GatewayStatusBody,
    encode_envelope,
    new_message_id,
)
from contracts.clock import FakeClock
from tests.alerting.support import make_settings

ORG, OTHER_ORG = "org-demo", "org-other"
CENTRE, SUBURB = "330302", "330304"
END = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)
"""The range's end: Monday 7 December 2026, noon in Asia/Shanghai."""
START = datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
"""1 November 2026, 00:00 in Asia/Shanghai."""
PASSWORD_ENV = "SG_PROGRAMME_SIM_PASSWORD"
PASSWORD = "programme-sim-pass-1"
JWT_SECRET = "programme-sim-signing-secret-0123456789"
HEARD = ("gw-0001", "gw-0002", "gw-0005")
STALE = "gw-0003"
"""Installed and bound, but last heard in September: not an active bed in the range."""

_VISITS = (
    ("res-0001", datetime(2026, 11, 10, 2, 0, tzinfo=UTC), "visit"),
    ("res-0001", datetime(2026, 11, 30, 17, 30, tzinfo=UTC), "phone"),  # 1 Dec 01:30 local
    ("res-0002", datetime(2026, 11, 20, 6, 0, tzinfo=UTC), "video"),
    ("res-0005", datetime(2026, 12, 2, 6, 0, tzinfo=UTC), "visit"),  # not special-hardship
)
INCIDENT_CONTACT_AT = datetime(2026, 12, 3, 1, 10, tzinfo=UTC)


@dataclass(frozen=True)
class Programme:
    """What was written, for the tests' expectations."""

    visit_ids: tuple[int, ...]
    incident_id: str


def _resident(ident: str, district: str, birth: str, level: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": ident,
        "full_name": f"Resident {ident}",
        "birth_date": birth,
        "disability_level": level,
        "team": "team-a",
        "district": district,
        **extra,
    }


def _home(n: int, district: str) -> dict[str, Any]:
    return {
        "id": f"home-000{n}",
        "resident": f"res-000{n}",
        "district": district,
        "gateways": [{"id": f"gw-000{n}", "devices": [{"id": f"bed-000{n}", "kind": "mattress"}]}],
    }


def seed_file() -> SeedFile:
    """The directory: districts, targets, residents, homes, gateways and devices."""
    user = {
        "id": "cw-0001",
        "username": "sim.worker",
        "display_name": "Sim worker",
        "role": "care_worker",
        "password_env": PASSWORD_ENV,
        "teams": ["team-a"],
    }
    lead = {**user, "id": "tl-0001", "username": "sim.lead", "role": "team_lead"}
    demo = {
        "id": ORG,
        "name": "Demo",
        "teams": [{"id": "team-a", "name": "A"}],
        "users": [user, lead],
        "targets": [
            {"district": CENTRE, "year": 2026, "beds_target": 3},
            {"district": SUBURB, "year": 2026, "beds_target": 2},
            {"district": CENTRE, "year": 2025, "beds_target": 99},  # another year: not shown
        ],
        "residents": [
            _resident("res-0001", CENTRE, "1940-03-01", "moderate", hardship="extreme_poverty"),
            _resident("res-0002", CENTRE, "1945-06-01", "severe", hardship="minimum_living"),
            _resident("res-0003", CENTRE, "1950-01-01", "mild"),  # 76, mild: not eligible
            _resident("res-0004", SUBURB, "1948-02-02", "moderate", hardship="low_income_margin"),
            _resident("res-0005", SUBURB, "1938-12-31", "mild"),  # 87: eligible
            _resident("res-0006", SUBURB, "1950-05-05", "none"),  # eligible by override
        ],
        "homes": [_home(1, CENTRE), _home(2, CENTRE), _home(3, CENTRE), _home(5, SUBURB)],
    }
    other = {
        "id": OTHER_ORG,
        "name": "Other",
        "targets": [{"district": CENTRE, "year": 2026, "beds_target": 7}],
        "residents": [
            {
                "id": "ores-1",
                "full_name": "Other",
                "birth_date": "1940-01-01",
                "disability_level": "severe",
                "district": CENTRE,
                "hardship": "extreme_poverty",
            }
        ],
    }
    return SeedFile.model_validate(
        {
            "districts": [
                {"code": CENTRE, "name": "鹿城区"},
                {"code": SUBURB, "name": "瓯海区"},
                {"code": "330303", "name": "龙湾区"},  # no target, no home: not listed
            ],
            "organisations": [demo, other],
        }
    )


def chain_directory(org: str, homes: Sequence[tuple[str, str, str, str]], year: int) -> SeedFile:
    """The programme's view of a fleet that ran without a directory: one district whose
    target is one bed per home for ``year``; every resident eligible (moderate disability,
    born 1940), living in their home (``(home, resident, gateway, mattress)``); the first two
    special-hardship."""
    residents = [
        _resident(resident, CENTRE, "1940-01-01", "moderate", team=None)
        | ({"hardship": "minimum_living"} if n < 2 else {})
        for n, (_, resident, _, _) in enumerate(homes)
    ]
    bound = [
        {
            "id": home,
            "resident": resident,
            "district": CENTRE,
            "gateways": [{"id": gateway, "devices": [{"id": bed, "kind": "mattress"}]}],
        }
        for home, resident, gateway, bed in homes
    ]
    org_seed = {
        "id": org,
        "name": org,
        "targets": [{"district": CENTRE, "year": year, "beds_target": len(homes)}],
        "residents": residents,
        "homes": bound,
    }
    return SeedFile.model_validate(
        {"districts": [{"code": CENTRE, "name": "鹿城区"}], "organisations": [org_seed]}
    )


def load_directory(database_url: str, seed: SeedFile, at: datetime) -> None:
    """Load ``seed`` through the real seed loader (created at ``at``)."""
    apply_seed(seed, database_url, clock=FakeClock(at), hasher=SecretHasher.fast_for_tests())


def populate(database_url: str) -> Programme:
    """Write the programme into the (empty) PostgreSQL database at ``database_url``."""
    migrate_ingest(database_url)
    migrate_alerting(database_url)
    load_directory(database_url, seed_file(), START - timedelta(days=90))
    _liveness(database_url)
    visit_ids = asyncio.run(_through_the_api(database_url))
    return Programme(visit_ids, _alarm_contact(database_url))


def _status(gateway: str, at: datetime) -> Envelope:
    return Envelope(
        message_id=new_message_id(at),
        org_id=ORG,
        gateway_id=gateway,
        gateway_time=at,
        body=GatewayStatusBody(state=GatewayState.ONLINE, agent_version="0.4.2"),
    )


def _liveness(database_url: str) -> None:
    """Gateways announce themselves; the ingest store tracks when it last heard each."""
    for gateways, at in (
        (HEARD, END - timedelta(hours=1)),
        ((STALE,), datetime(2026, 9, 1, tzinfo=UTC)),
    ):
        store = IngestStore(database_url, clock=FakeClock(at))
        try:
            envelopes = [_status(g, at) for g in gateways]
            store.store_batch(
                [Incoming(e, encode_envelope(e)) for e in envelopes], track_liveness=True
            )
        finally:
            store.close()


async def _login(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    response = await client.post(
        "/api/v1/auth/token", data={"username": username, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def _through_the_api(database_url: str) -> tuple[int, ...]:
    """The team lead records res-0006's eligibility decision; the care worker records each
    visit through the API the day after it."""
    clock = FakeClock(START)
    context = ApiContext(database_url, ApiSettings(), JWT_SECRET, clock=clock)
    transport = httpx.ASGITransport(app=create_app(context))
    ids = []
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as client:
            decision = {"eligible": True, "reason": "lives alone after a stroke"}
            response = await client.put(
                "/api/v1/residents/res-0006/eligibility-override",
                headers=await _login(client, "sim.lead"),
                json=decision,
            )
            assert response.status_code == 200, response.text
            for resident, at, kind in sorted(_VISITS, key=lambda v: v[1]):
                clock.advance(at + timedelta(days=1) - clock.now())
                response = await client.post(
                    f"/api/v1/residents/{resident}/visits",
                    headers=await _login(client, "sim.worker"),
                    json={"at": at.isoformat(), "kind": kind},
                )
                assert response.status_code == 201, response.text
                ids.append(int(response.json()["id"]))
    finally:
        context.close()
    return tuple(ids)


def _alarm_contact(database_url: str) -> str:
    """A fall of res-0002 in December: the router opens an incident, a worker reaches her."""
    opened = INCIDENT_CONTACT_AT - timedelta(minutes=10)
    clock = FakeClock(opened)
    store = IngestStore(database_url, clock=clock)
    engine = create_db_engine(database_url)
    try:
        body = EventBody.of(EventType.FALL, Evidence(summary="simulated"), detector="edge.fall/v1")
        envelope = Envelope(
            message_id=new_message_id(opened),
            org_id=ORG,
            gateway_id="gw-0002",
            home_id="home-0002",
            resident_id="res-0002",
            device_id="bed-0002",
            device_time=opened,
            gateway_time=opened,
            body=body,
        )
        store.store(envelope, encode_envelope(envelope))
        [done] = FeedPoller(engine, make_settings(database_url), clock).poll_once()
        assert done.incident_id is not None, done
        accept_incident(engine, done.incident_id, "cw-0001", opened + timedelta(minutes=1))
        advance(engine, done.incident_id, "cw-0001", Step.CONTACT_MADE, INCIDENT_CONTACT_AT)
        return done.incident_id
    finally:
        store.close()
        engine.dispose()

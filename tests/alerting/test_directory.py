"""The directory from the cloud's domain tables (migrated and seeded by the ingest's own code)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from alerting.directory.port import AwayKind
from alerting.directory.sql_adapter import SqlDirectory
from alerting.escalation.context import RouterContext
from alerting.feed.processor import process_event_row
from alerting.feed.source import EventRow
from alerting.store.db import create_db_engine, migrate
from alerting.store.models import FeedOutcome, Notification
from cloud_ingest.auth.secrets import SecretHasher
from cloud_ingest.seed import apply_seed, load_seed_file
from cloud_ingest.store.migrate import migrate as migrate_ingest
from contracts.clock import FakeClock
from contracts.envelope import encode_envelope
from contracts.events import EventType
from tests.alerting.escalation_support import escalation_settings
from tests.alerting.support import make_envelope
from tests.cloud_ingest.api.support import SEED_ENV

SEED = Path(__file__).parents[2] / "deploy" / "examples" / "seed.yaml"
T0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


@pytest.fixture
def seeded(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """PostgreSQL with the ingest's tables, the example seed, and ours."""
    for name, value in SEED_ENV.items():
        monkeypatch.setenv(name, value)
    migrate_ingest(postgres_url)
    apply_seed(
        load_seed_file(SEED),
        postgres_url,
        clock=FakeClock(T0),
        hasher=SecretHasher.fast_for_tests(),
    )
    migrate(postgres_url)
    return postgres_url


def test_residents_teams_and_contacts_come_from_the_domain_tables(seeded: str) -> None:
    engine = create_db_engine(seeded)
    try:
        directory = SqlDirectory(engine, org_id="org-demo")
        resident = directory.resident("res-0001")
        assert resident is not None
        assert (resident.team_id, resident.primary_id, resident.backup_id, resident.home_id) == (
            "team-east",
            "cw-0001",
            "cw-0002",
            "home-0001",
        )
        assert resident.family_ids == ("family:res-0001:1", "family:res-0001:2")
        [hospital] = resident.away
        assert hospital.kind is AwayKind.HOSPITAL
        assert hospital.covers(datetime(2026, 10, 5, tzinfo=UTC))
        assert not hospital.covers(T0)
        team = directory.team("team-east")
        assert team is not None
        assert team.lead_id == "tl-0001"
        assert directory.contacts("cw-0001") == [
            ("email", "wangfang@example.org"),
            ("sms", "+8613800000001"),
        ]
        assert directory.contacts("family:res-0001:1") == [("sms", "+8613900000002")]
        assert directory.resident("res-0002") is not None
        assert SqlDirectory(engine, org_id="org-other").resident("res-0001") is None
    finally:
        engine.dispose()


def test_a_router_on_the_domain_tables_pages_the_primary_worker(seeded: str) -> None:
    settings = escalation_settings(
        seeded,
        directory_source="database",
        directory={},
        channels={
            "webhook": {"secret_env": "SG_TEST_ALERTING_WEBHOOK_SECRET"},
            "email": {"smtp_host": "127.0.0.1", "from_address": "alerts@silverguard.example"},
        },
    )
    engine = create_db_engine(seeded)
    try:
        envelope = make_envelope(EventType.FIRE, now=T0)
        row = EventRow(1, envelope.message_id, encode_envelope(envelope).decode(), T0)
        done = process_event_row(engine, RouterContext.build(settings, engine=engine), row, T0)
        assert done is not None
        assert done.outcome is FeedOutcome.OPENED
        with Session(engine) as session:
            pages = session.execute(
                select(Notification.person_id, Notification.channel, Notification.target)
            ).all()
    finally:
        engine.dispose()
    # fire fans out: primary and backup (users), the lead, and family (SMS not configured:
    # only the configured channels are used, so the family members get nothing here)
    assert sorted(tuple(p) for p in pages) == [
        ("cw-0001", "email", "wangfang@example.org"),
        ("cw-0001", "webhook", "http://127.0.0.1:9/hooks/cw-0001"),
        ("cw-0002", "webhook", "http://127.0.0.1:9/hooks/cw-0002"),
        ("tl-0001", "webhook", "http://127.0.0.1:9/hooks/tl-0001"),
    ]

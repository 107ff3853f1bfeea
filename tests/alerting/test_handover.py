"""A new incident's first pages are claimed in the transaction that opens it and handed straight
to the dispatcher: no dispatcher round stands between an alarm and its page, and a router that
dies before sending leaves them to any router once the claim's lease expires."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from alerting.dispatch.claims import claim_due
from alerting.feed.poller import FeedPoller
from alerting.store.db import create_db_engine
from alerting.store.models import FeedOutcome, Incident, NotificationStatus
from contracts.clock import FakeClock
from contracts.events import EventType
from tests.alerting.dispatch_support import notifications
from tests.alerting.escalation_support import escalation_settings
from tests.alerting.support import (
    create_events_table,
    insert_event,
    make_envelope,
    make_settings,
    running_router,
    running_webhook_receiver,
    wait_until,
)
from tests.servers import free_port

NIGHT = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai: family quiet hours


def _pages(engine: Engine) -> dict[str, tuple[NotificationStatus, int, datetime]]:
    return {n.person_id: (n.status, n.attempts, n.next_attempt_at) for n in notifications(engine)}


def _opened_at(engine: Engine) -> datetime:
    with Session(engine) as session:
        return session.scalars(select(Incident.opened_at)).one()


def test_the_pages_due_now_are_claimed_with_the_incident_and_the_rest_wait(
    engine: Engine, db_url: str
) -> None:
    both = {"after_s": 0, "notify": ["primary", "family"]}
    base = escalation_settings(db_url)
    settings = escalation_settings(
        db_url,
        escalation_policies=[{**p.model_dump(), "steps": [both]} for p in base.escalation_policies],
    )
    lease = timedelta(seconds=settings.delivery.claim_lease_s)
    clock = FakeClock(NIGHT)
    create_events_table(engine)
    insert_event(engine, make_envelope(EventType.BED_EXIT_NO_RETURN, now=clock.now()))
    [done] = FeedPoller(engine, settings, clock).poll_once(claim=True)
    assert done.outcome is FeedOutcome.OPENED
    assert [(c.person_id, c.attempts, c.incident.id) for c in done.claimed] == [
        ("cw-0001", 1, done.incident_id)
    ]
    assert done.claimed[0].incident.type == EventType.BED_EXIT_NO_RETURN.value  # loaded, usable
    pages = _pages(engine)
    assert pages["cw-0001"] == (NotificationStatus.SENDING, 1, NIGHT + lease)
    family_status, family_attempts, family_due = pages["fam-0001"]
    assert (family_status, family_attempts) == (NotificationStatus.PENDING, 0)  # the morning's
    assert family_due > NIGHT
    # owned by this router: another router's dispatcher round does not take it ...
    assert claim_due(engine, NIGHT + timedelta(seconds=1), lease, 50) == []
    # ... until this router has died without sending and the lease has run out
    [retried] = claim_due(engine, NIGHT + lease, lease, 50)
    assert (retried.person_id, retried.attempts) == ("cw-0001", 2)


def test_without_claiming_the_pages_wait_for_a_dispatcher_round(
    engine: Engine, db_url: str
) -> None:
    settings = escalation_settings(db_url)
    clock = FakeClock(NIGHT)
    create_events_table(engine)
    insert_event(engine, make_envelope(EventType.FALL, now=clock.now()))
    [done] = FeedPoller(engine, settings, clock).poll_once()
    assert done.claimed == ()
    assert _pages(engine) == {"cw-0001": (NotificationStatus.PENDING, 0, NIGHT)}


def test_muted_and_repeated_events_claim_nothing(engine: Engine, db_url: str) -> None:
    settings = escalation_settings(db_url)
    clock = FakeClock(NIGHT)
    create_events_table(engine)
    insert_event(engine, make_envelope(EventType.FALL, now=clock.now()))
    insert_event(engine, make_envelope(EventType.FALL, now=clock.now() + timedelta(seconds=5)))
    first, repeat = FeedPoller(engine, settings, clock).poll_once(claim=True)
    assert (first.outcome, len(first.claimed)) == (FeedOutcome.OPENED, 1)
    assert (repeat.outcome, repeat.claimed) == (FeedOutcome.REPEAT, ())


async def test_a_page_goes_out_without_waiting_for_a_dispatcher_round(db_url: str) -> None:
    """The dispatcher's rounds are 30 s apart here: only the hand-over can page within 5 s."""
    async with running_webhook_receiver() as receiver:
        settings = make_settings(
            db_url, webhook_urls=(receiver.url("ok"),), email_address=None, api_port=free_port()
        )
        settings = settings.model_copy(
            update={"delivery": settings.delivery.model_copy(update={"interval_s": 30.0})}
        )
        lease = timedelta(seconds=settings.delivery.claim_lease_s)
        engine = create_db_engine(db_url)
        try:
            async with running_router(settings):
                create_events_table(engine)
                await asyncio.sleep(0.5)  # the dispatcher's first round is over; the next: 30 s
                stored = time.monotonic()
                insert_event(engine, make_envelope(EventType.FALL))
                await wait_until(
                    lambda: receiver.deliveries.get("ok"), timeout_s=5.0, what="the page"
                )
                assert time.monotonic() - stored < 5.0
                await wait_until(
                    lambda: (
                        [n.status for n in notifications(engine)] == [NotificationStatus.DELIVERED]
                    ),
                    what="the delivery recorded",
                )
                [page] = notifications(engine)
                assert page.attempts == 1
                opened = _opened_at(engine)
                # claimed in the opening transaction (a dispatcher round would claim later)
                assert page.next_attempt_at == opened + lease
        finally:
            engine.dispose()

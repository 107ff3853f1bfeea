"""Escalation with a fake clock: timed steps, fan-out, restarts, ack timeout, rosters, muting."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from alerting.config import AlertingSettings
from alerting.escalation.context import RouterContext
from alerting.escalation.engine import escalate_due
from alerting.feed.poller import FeedPoller
from alerting.incidents.accept import accept_incident
from alerting.incidents.lifecycle import Step, advance
from alerting.store.db import create_db_engine
from alerting.store.models import FeedOutcome, Incident, IncidentStatus, NotificationStatus
from contracts.clock import FakeClock
from contracts.events import EventStatus, EventType
from tests.alerting.dispatch_support import notifications
from tests.alerting.escalation_support import escalation_settings
from tests.alerting.support import create_events_table, insert_event, make_envelope

T0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # 11:00 in Shanghai: the day shift


def _open(
    engine: Engine, settings: AlertingSettings, clock: FakeClock, event: EventType
) -> tuple[str, FeedOutcome]:
    create_events_table(engine)
    insert_event(engine, make_envelope(event, now=clock.now()))
    [done] = FeedPoller(engine, settings, clock).poll_once()
    assert done.incident_id is not None
    return done.incident_id, done.outcome


def _paged(engine: Engine) -> list[tuple[str, int | None]]:
    return [(n.person_id, n.step) for n in notifications(engine)]


def _incident(engine: Engine, incident_id: str) -> Incident:
    with Session(engine) as session:
        return session.get_one(Incident, incident_id)


def _escalate(engine: Engine, settings: AlertingSettings, clock: FakeClock) -> int:
    return escalate_due(engine, RouterContext.build(settings), clock.now())


def test_unaccepted_fall_escalates_on_schedule(engine: Engine, db_url: str) -> None:
    settings = escalation_settings(db_url)
    clock = FakeClock(T0)
    incident_id, outcome = _open(engine, settings, clock, EventType.FALL)
    assert outcome is FeedOutcome.OPENED
    assert _paged(engine) == [("cw-0001", 0)]  # a fall is not fanned out: primary first
    clock.advance(timedelta(seconds=119))
    assert _escalate(engine, settings, clock) == 0
    clock.advance(timedelta(seconds=1))
    assert _escalate(engine, settings, clock) == 2
    assert _paged(engine)[1:] == [("cw-0002", 1), ("tl-0001", 1)]
    clock.advance(timedelta(seconds=299))
    assert _escalate(engine, settings, clock) == 0
    clock.advance(timedelta(seconds=1))
    assert _escalate(engine, settings, clock) == 1
    assert _paged(engine)[3:] == [("fam-0001", 2)]
    clock.advance(timedelta(seconds=600))  # repeat-until-accepted: the chain starts over once
    assert _escalate(engine, settings, clock) == 1
    assert _paged(engine)[4:] == [("cw-0001", 0)]
    assert _incident(engine, incident_id).escalation_round == 1
    accept_incident(engine, incident_id, "cw-0002", clock.now())
    clock.advance(timedelta(hours=1))
    assert _escalate(engine, settings, clock) == 0  # accepted: no more steps
    statuses = Counter(n.status for n in notifications(engine))
    assert statuses == {NotificationStatus.CANCELLED: 5}  # nothing was sent in this test


def test_fire_fans_out_to_everyone_on_step_one(engine: Engine, db_url: str) -> None:
    settings = escalation_settings(db_url)
    clock = FakeClock(T0)
    _open(engine, settings, clock, EventType.FIRE)
    assert _paged(engine) == [("cw-0001", 0), ("cw-0002", 0), ("tl-0001", 0), ("fam-0001", 0)]
    assert {n.next_attempt_at for n in notifications(engine)} == {T0}


def test_a_restarted_router_resumes_the_escalation(engine: Engine, db_url: str) -> None:
    settings = escalation_settings(db_url)
    clock = FakeClock(T0)
    incident_id, _ = _open(engine, settings, clock, EventType.FALL)
    engine.dispose()  # the router stops: nothing survives but the database
    clock.advance(timedelta(seconds=125))
    restarted = create_db_engine(db_url)
    try:
        assert _escalate(restarted, settings, clock) == 2
        assert _escalate(restarted, settings, clock) == 0  # each step fires once
        assert _paged(restarted) == [("cw-0001", 0), ("cw-0002", 1), ("tl-0001", 1)]
        assert _incident(restarted, incident_id).escalation_step == 2
    finally:
        restarted.dispose()


def test_ack_timeout_reopens_and_escalates_again(engine: Engine, db_url: str) -> None:
    settings = escalation_settings(db_url)
    clock = FakeClock(T0)
    incident_id, _ = _open(engine, settings, clock, EventType.FALL)
    clock.advance(timedelta(seconds=30))
    accept_incident(
        engine,
        incident_id,
        "cw-0001",
        clock.now(),
        ack_timeout_s=lambda name: settings.policy(name).ack_timeout_s,
    )
    advance(engine, incident_id, "cw-0001", Step.EN_ROUTE, clock.now())
    clock.advance(timedelta(seconds=899))
    assert _escalate(engine, settings, clock) == 0
    clock.advance(timedelta(seconds=1))
    assert _escalate(engine, settings, clock) == 1
    incident = _incident(engine, incident_id)
    assert (incident.status, incident.accepted_by) == (IncidentStatus.OPEN, None)
    assert incident.time_to_accept_s == 30.0  # the first acceptance is kept for reporting
    assert _paged(engine)[-1] == ("cw-0001", 0)


def test_contact_made_stops_the_ack_timeout(engine: Engine, db_url: str) -> None:
    settings = escalation_settings(db_url)
    clock = FakeClock(T0)
    incident_id, _ = _open(engine, settings, clock, EventType.FALL)
    accept_incident(engine, incident_id, "cw-0001", clock.now(), ack_timeout_s=lambda _name: 900.0)
    clock.advance(timedelta(seconds=400))
    advance(engine, incident_id, "cw-0001", Step.CONTACT_MADE, clock.now())
    clock.advance(timedelta(hours=2))
    assert _escalate(engine, settings, clock) == 0
    incident = _incident(engine, incident_id)
    assert (incident.status, incident.time_to_contact_s) == (IncidentStatus.CONTACT_MADE, 400.0)


def test_off_duty_primary_is_replaced_by_the_roster(engine: Engine, db_url: str) -> None:
    settings = escalation_settings(db_url, night_roster=True)
    clock = FakeClock(T0.replace(hour=18))  # 02:00 in Shanghai: the night shift
    _open(engine, settings, clock, EventType.FALL)
    assert _paged(engine) == [("cw-0003", 0)]


def test_fire_inhibits_the_homes_bed_exit_incident(engine: Engine, db_url: str) -> None:
    settings = escalation_settings(db_url)
    clock = FakeClock(T0)
    bed_id, outcome = _open(engine, settings, clock, EventType.BED_EXIT_NO_RETURN)
    assert outcome is FeedOutcome.OPENED
    _open(engine, settings, clock, EventType.FIRE)
    bed = _incident(engine, bed_id)
    assert bed.muted_reason == "inhibited"
    assert bed.next_escalation_at is None
    cancelled = [n for n in notifications(engine) if n.incident_id == bed_id]
    assert [n.status for n in cancelled] == [NotificationStatus.CANCELLED]
    _, later = _open(engine, settings, clock, EventType.PROLONGED_INACTIVITY)
    assert later is FeedOutcome.MUTED


def test_silences_and_away_periods_never_mute_fire_or_sos(engine: Engine, db_url: str) -> None:
    base = escalation_settings(db_url)
    directory = base.directory.model_dump()
    directory["residents"][0]["away"] = [{"kind": "hospital", "start": T0 - timedelta(days=1)}]
    silence = {
        "matchers": ["home=home-0001"],
        "starts_at": T0 - timedelta(hours=1),
        "ends_at": T0 + timedelta(hours=1),
        "comment": "maintenance",
    }
    settings = escalation_settings(db_url, directory=directory, silences=[silence])
    clock = FakeClock(T0)
    _, fall = _open(engine, settings, clock, EventType.FALL)
    _, fire = _open(engine, settings, clock, EventType.FIRE)
    _, sos = _open(engine, settings, clock, EventType.SOS)
    assert (fall, fire, sos) == (FeedOutcome.MUTED, FeedOutcome.OPENED, FeedOutcome.OPENED)
    with Session(engine) as session:
        reasons = dict(session.execute(select(Incident.type, Incident.muted_reason)).all())
    assert reasons == {"fall": "away", "fire": None, "sos": None}


def test_device_health_goes_to_the_duty_desk_only(engine: Engine, db_url: str) -> None:
    settings = escalation_settings(db_url)
    clock = FakeClock(T0)
    _, outcome = _open(engine, settings, clock, EventType.LOW_BATTERY)
    assert outcome is FeedOutcome.OPERATOR_OPENED
    assert _paged(engine) == [("op-0001", 0)]
    clock.advance(timedelta(hours=3))
    assert _escalate(engine, settings, clock) == 0  # operators are not escalated to families


def test_a_cleared_source_resolves_where_that_makes_sense(engine: Engine, db_url: str) -> None:
    settings = escalation_settings(db_url)
    clock = FakeClock(T0)
    bed_id, _ = _open(engine, settings, clock, EventType.BED_EXIT_NO_RETURN)
    insert_event(
        engine, make_envelope(EventType.BED_EXIT_NO_RETURN, status=EventStatus.CLEARED, now=T0)
    )
    [done] = FeedPoller(engine, settings, clock).poll_once()
    assert (done.outcome, done.incident_id) == (FeedOutcome.RESOLVED, bed_id)
    bed = _incident(engine, bed_id)
    assert bed.status is IncidentStatus.RESOLVED
    assert [n.status for n in notifications(engine)] == [NotificationStatus.CANCELLED]


def test_whoever_handles_the_home_is_paged_for_its_next_incident(
    engine: Engine, db_url: str
) -> None:
    settings = escalation_settings(db_url)
    clock = FakeClock(T0)
    bed_id, _ = _open(engine, settings, clock, EventType.BED_EXIT_NO_RETURN)
    accept_incident(engine, bed_id, "cw-0002", clock.now())  # the backup took it, on site
    fall_id, _ = _open(engine, settings, clock, EventType.FALL)
    fall_pages = [(n.person_id, n.step) for n in notifications(engine) if n.incident_id == fall_id]
    assert fall_pages == [("cw-0001", 0), ("cw-0002", 0)]
    assert _incident(engine, fall_id).group_key == _incident(engine, bed_id).group_key


def test_a_policy_shortened_by_a_restart_ends_the_escalation(engine: Engine, db_url: str) -> None:
    settings = escalation_settings(db_url)
    clock = FakeClock(T0)
    incident_id, _ = _open(engine, settings, clock, EventType.FALL)
    [critical, standard] = [p.model_dump() for p in settings.escalation_policies]
    shorter = escalation_settings(
        db_url, escalation_policies=[{**critical, "steps": critical["steps"][:1]}, standard]
    )
    clock.advance(timedelta(seconds=120))
    assert _escalate(engine, shorter, clock) == 0  # step 2 is gone: no crash, no page
    assert _incident(engine, incident_id).next_escalation_at is None


def test_family_pages_wait_for_the_morning_unless_critical(engine: Engine, db_url: str) -> None:
    base = escalation_settings(db_url)
    [critical, standard] = [p.model_dump() for p in base.escalation_policies]
    both = {"after_s": 0, "notify": ["primary", "family"]}
    settings = escalation_settings(
        db_url,
        escalation_policies=[{**critical, "steps": [both]}, {**standard, "steps": [both]}],
    )
    night = T0.replace(hour=15, minute=30)  # 23:30 in Shanghai
    clock = FakeClock(night)
    bed_id, _ = _open(engine, settings, clock, EventType.BED_EXIT_NO_RETURN)
    fall_id, _ = _open(engine, settings, clock, EventType.FALL)
    due = {(n.incident_id, n.person_id): n.next_attempt_at for n in notifications(engine)}
    morning = T0.replace(hour=23, minute=0)  # 07:00 in Shanghai
    assert due == {
        (bed_id, "cw-0001"): night,
        (bed_id, "fam-0001"): morning,  # not critical: the family sleeps
        (fall_id, "cw-0001"): night,
        (fall_id, "fam-0001"): night,  # a fall is critical: the family is woken
    }
    accept_incident(engine, bed_id, "cw-0001", clock.now())
    waiting = [n for n in notifications(engine) if n.person_id == "fam-0001"]
    assert [n.status for n in waiting] == [NotificationStatus.CANCELLED, NotificationStatus.PENDING]

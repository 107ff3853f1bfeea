"""The closed loop after acceptance: en route → contact made → closed with an outcome.

Each transition is one status-guarded transaction with an audit entry. Only the person who
accepted an incident moves it on, unless the caller may act for the team (a team lead, an
operator). Closing needs an outcome code; closing without one is refused.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from alerting.errors import StoreError
from alerting.escalation.engine import add_log
from alerting.incidents.outcomes import OutcomeCode, needs_note
from alerting.store.models import Incident, IncidentStatus, LogAction

log = logging.getLogger(__name__)


class Step(StrEnum):
    """A care worker's action on an accepted incident."""

    EN_ROUTE = "en_route"
    CONTACT_MADE = "contact_made"
    CLOSE = "close"


class StepOutcome(StrEnum):
    """What a step request did."""

    DONE = "done"
    ALREADY = "already"  # repeated request, nothing changed
    NOT_FOUND = "not_found"
    NOT_HOLDER = "not_holder"  # someone else accepted it
    WRONG_STATE = "wrong_state"  # e.g. not accepted yet, or already closed
    REFUSED = "refused"  # e.g. closing without an outcome


_FROM: dict[Step, tuple[IncidentStatus, ...]] = {
    Step.EN_ROUTE: (IncidentStatus.ACCEPTED,),
    Step.CONTACT_MADE: (IncidentStatus.ACCEPTED, IncidentStatus.EN_ROUTE),
    Step.CLOSE: (IncidentStatus.ACCEPTED, IncidentStatus.EN_ROUTE, IncidentStatus.CONTACT_MADE),
}
_TO = {
    Step.EN_ROUTE: IncidentStatus.EN_ROUTE,
    Step.CONTACT_MADE: IncidentStatus.CONTACT_MADE,
    Step.CLOSE: IncidentStatus.CLOSED,
}


@dataclass(frozen=True, slots=True)
class StepResult:
    """The outcome, the incident's status afterwards and, if refused, why."""

    outcome: StepOutcome
    status: IncidentStatus | None = None
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class CloseRequest:
    """What closing needs: an outcome code and, for some codes, a note."""

    outcome: str | None
    note: str | None = None

    def problem(self) -> str | None:
        """Why this request cannot close an incident, or ``None``.

        >>> CloseRequest(None).problem()
        'closing needs an outcome code (one of false_alarm, ...)'
        >>> CloseRequest("hospital").problem() is None
        True
        """
        codes = ", ".join(c.value for c in OutcomeCode)
        if not self.outcome:
            short = f"{OutcomeCode.FALSE_ALARM.value}, ..."
            return f"closing needs an outcome code (one of {short})"
        try:
            code = OutcomeCode(self.outcome)
        except ValueError:
            return f"outcome {self.outcome!r} is not one of {codes}"
        if needs_note(code) and not (self.note or "").strip():
            return f"outcome {code.value} needs a note saying what happened"
        return None


def advance(
    engine: Engine,
    incident_id: str,
    person_id: str,
    step: Step,
    now: datetime,
    *,
    close: CloseRequest | None = None,
    for_team: bool = False,
) -> StepResult:
    """Move ``incident_id`` on by ``step`` on behalf of ``person_id``."""
    if step is Step.CLOSE:
        problem = (close or CloseRequest(None)).problem()
        if problem is not None:
            return StepResult(StepOutcome.REFUSED, detail=problem)
    try:
        with Session(engine) as session, session.begin():
            incident = session.scalar(
                select(Incident).where(Incident.id == incident_id).with_for_update()
            )
            if incident is None:
                return StepResult(StepOutcome.NOT_FOUND)
            if (
                incident.accepted_by is not None
                and incident.accepted_by != person_id
                and not for_team
            ):
                return StepResult(
                    StepOutcome.NOT_HOLDER,
                    incident.status,
                    f"accepted by {incident.accepted_by}: only they (or a team lead) can do this",
                )
            if incident.status is _TO[step]:
                return StepResult(StepOutcome.ALREADY, incident.status)
            if incident.status not in _FROM[step]:
                return StepResult(
                    StepOutcome.WRONG_STATE,
                    incident.status,
                    f"the incident is {incident.status.value}: {_hint(incident.status)}",
                )
            _apply(session, incident, person_id, step, now, close=close)
            return StepResult(StepOutcome.DONE, incident.status)
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot record {step.value} on {incident_id}: {exc}") from exc


def _hint(status: IncidentStatus) -> str:
    if status is IncidentStatus.OPEN:
        return "accept it first"
    return "it is finished; nothing more to do"


def _apply(
    session: Session,
    incident: Incident,
    person_id: str,
    step: Step,
    now: datetime,
    *,
    close: CloseRequest | None,
) -> None:
    incident.status = _TO[step]
    detail = None
    if step is Step.EN_ROUTE:
        incident.en_route_at = now
    elif step is Step.CONTACT_MADE:
        incident.contact_at = now
        incident.ack_deadline_at = None
        incident.time_to_contact_s = (now - incident.opened_at).total_seconds()
    else:
        assert close is not None
        assert close.outcome is not None
        incident.closed_at = now
        incident.closed_by = person_id
        incident.outcome = OutcomeCode(close.outcome).value
        incident.close_note = (close.note or "").strip() or None
        incident.ack_deadline_at = None
        detail = f"outcome {incident.outcome}"
    action = {
        Step.EN_ROUTE: LogAction.EN_ROUTE,
        Step.CONTACT_MADE: LogAction.CONTACT_MADE,
        Step.CLOSE: LogAction.CLOSED,
    }[step]
    add_log(session, incident.id, now, action, detail, actor=person_id)
    log.info("incident %s: %s by %s", incident.id, step.value, person_id)

"""What the API answers, for its OpenAPI document: replies and refusals per status code.

The routes return plain dicts; these models only *document* them (``responses=``, never
``response_model=``, so nothing is filtered or re-validated on the way out). The schemathesis
test checks every real answer against them, so the document cannot drift from the code.

Example:
    >>> sorted(answers(401, 404))
    [401, 404, 503]
    >>> answers(401)[401]["model"].__name__
    'Refusal'
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

_REASONS = {
    400: "The request body is not valid JSON",
    401: "No login or accept link, or an expired or forged one: log in again or use a new link",
    403: "Logged in, but not allowed to do this (not paged for the incident, or not a team role)",
    404: "No such incident or silence (or not in the caller's organisation)",
    409: "The incident is not in a state that allows this step (someone else holds it, or closed)",
    422: "The request is malformed, or the step was refused (e.g. closing without an outcome)",
    503: "The alerting database is unavailable: try again in a moment",
}


class FieldProblem(BaseModel):
    """One problem with a request field (FastAPI's validation error item)."""

    loc: list[str | int]
    msg: str
    type: str


class Refusal(BaseModel):
    """Why a request was refused: ``detail`` says what went wrong and what to do (a list of
    field problems for a malformed request). Step and accept refusals also carry the
    ``outcome`` and the incident's ``status``."""

    detail: str | list[FieldProblem]
    outcome: str | None = None
    status: str | None = None


def answers(*codes: int, html: bool = False) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of a route refusing with ``codes`` (503 always: the database).

    ``html`` routes (the accept-link pages) refuse with a page, except for 503 (JSON).
    """
    documented: dict[int | str, dict[str, Any]] = {}
    for code in (*codes, 503):
        if html and code != 503:
            documented[code] = {"description": _REASONS[code], "content": {"text/html": {}}}
        else:
            documented[code] = {"description": _REASONS[code], "model": Refusal}
    return documented


class Health(BaseModel):
    """``GET /healthz``."""

    status: str


class AcceptReply(BaseModel):
    """The answer to an accept: who holds the incident since when (``detail`` on a 409)."""

    outcome: str = Field(description="accepted | already_yours | taken | resolved | not_found")
    accepted_by: str | None
    accepted_at: str | None
    detail: str | None = None


class StepReply(BaseModel):
    """The answer to en route / contact / close: the step's outcome and the new status."""

    outcome: str = Field(description="done | already | not_found | not_holder | wrong_state")
    status: str | None
    detail: str | None = None


class IncidentRow(BaseModel):
    """An incident in a queue."""

    id: str
    title: str
    type: str
    severity: str
    warning_class: str
    audience: str
    resident_id: str | None
    home_id: str | None
    team_id: str | None
    group_key: str | None
    detector: str | None
    summary: str
    status: str
    muted_reason: str | None
    opened_at: str
    age_s: float
    accepted_by: str | None
    escalation_step: int
    escalation_round: int
    next_escalation_at: str | None


class NotificationRow(BaseModel):
    """One page sent for an incident, with its delivery receipt."""

    id: int
    person_id: str
    channel: str
    status: str
    step: int | None
    round: int | None
    attempts: int
    last_error: str | None
    created_at: str
    delivered_at: str | None
    receipt_code: int | None
    receipt_detail: str | None


class LogEntry(BaseModel):
    """One line of an incident's audit timeline."""

    at: str
    actor: str
    action: str
    detail: str | None


class IncidentDetail(IncidentRow):
    """An incident with its evidence, pages and timeline."""

    labels: dict[str, str]
    evidence: dict[str, Any] | None
    route_path: str | None
    escalation_policy: str | None
    last_event_at: str
    event_count: int
    accepted_at: str | None
    first_delivered_at: str | None
    en_route_at: str | None
    contact_at: str | None
    ack_deadline_at: str | None
    closed_at: str | None
    closed_by: str | None
    outcome: str | None
    close_note: str | None
    resolved_at: str | None
    time_to_accept_s: float | None
    time_to_contact_s: float | None
    notifications: list[NotificationRow]
    log: list[LogEntry]


class MyQueue(BaseModel):
    """``GET /api/v1/me/incidents``: the caller's active incidents, most severe first."""

    person_id: str
    at: str
    incidents: list[IncidentRow]


class SilenceReply(BaseModel):
    """A maintenance silence."""

    id: str
    matchers: list[str]
    starts_at: str
    ends_at: str
    comment: str
    note: str | None = None


class Silences(BaseModel):
    """``GET /api/v1/silences``: the organisation's active and pending silences."""

    silences: list[SilenceReply]


class OutcomeStats(BaseModel):
    """``GET /api/v1/stats/outcomes``: outcomes and response times per detector or resident."""

    by: str
    org_id: str
    target_accept_s: float
    groups: list[dict[str, Any]]


class Deleted(BaseModel):
    """Whether something was deleted (``expired`` for a silence)."""

    deleted: bool | None = None
    expired: bool | None = None


class Subscribed(BaseModel):
    """A stored push subscription."""

    person_id: str
    endpoint: str


class RostersNow(BaseModel):
    """``GET /api/v1/rosters/now``: who is on duty in each roster now."""

    at: str
    rosters: list[dict[str, Any]]

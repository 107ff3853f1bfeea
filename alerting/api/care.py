"""The phone app's JSON API: my incidents, detail, accept → en route → contact → close,
push subscriptions, outcome statistics, silences, and a live stream of my queue (SSE)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy import Engine

from alerting.api.callers import TEAM_ROLES, Caller, CallerResolver
from alerting.api.replies import (
    AcceptReply,
    Deleted,
    IncidentDetail,
    MyQueue,
    OutcomeStats,
    SilenceReply,
    Silences,
    StepReply,
    Subscribed,
    answers,
)
from alerting.api.schemas import CloseBody, NulFreeText, PushBody, SilenceBody
from alerting.api.stream import incident_stream
from alerting.config import AlertingSettings
from alerting.incidents.accept import AcceptOutcome, AcceptResult, accept_incident
from alerting.incidents.lifecycle import CloseRequest, Step, StepOutcome, advance
from alerting.incidents.views import incident_view, is_involved, my_incidents, outcome_stats
from alerting.routing.matchers import Matcher
from alerting.silences import create_silence, expire_silence, list_silences
from alerting.store.push import (
    PushSubscriptionInfo,
    delete_push_subscription,
    save_push_subscription,
)
from contracts.auth import Role
from contracts.clock import Clock

Auth = Annotated[str | None, Header(alias="Authorization")]
IncidentId = Annotated[NulFreeText, Path()]
STEP_ANSWERS = {200: {"model": StepReply}, **answers(400, 401, 403, 404, 409, 422)}


def care_router(  # noqa: PLR0915 (one closure per route keeps the app free of globals)
    settings: AlertingSettings, engine: Engine, clock: Clock, resolver: CallerResolver
) -> APIRouter:
    """The ``/api/v1`` routes."""
    router = APIRouter(prefix="/api/v1")

    def allowed(caller: Caller, incident_id: str) -> None:
        if caller.link_incident_id is not None:
            if caller.link_incident_id != incident_id:
                raise HTTPException(
                    403, "this token is for another incident: use that incident's link"
                )
            return
        view = incident_view(engine, incident_id)
        if view is None:
            raise HTTPException(404, f"incident {incident_id} does not exist")
        if view["labels"].get("org", caller.org_id) != caller.org_id:
            raise HTTPException(404, f"incident {incident_id} does not exist")
        if caller.role in TEAM_ROLES and (
            caller.role is not caller.role.TEAM_LEAD or view["team_id"] in caller.team_ids
        ):
            return
        if not is_involved(engine, incident_id, caller.person_id):
            raise HTTPException(403, "you were not paged for this incident")

    def team_role(caller: Caller) -> None:
        if caller.role not in TEAM_ROLES:
            raise HTTPException(403, "only team leads, operators and admins can do this")

    def queue(caller: Caller) -> list[dict[str, Any]]:
        teams = caller.team_ids if caller.role in TEAM_ROLES else ()
        whole_org = caller.org_id if caller.role in (Role.OPERATOR, Role.ADMIN) else None
        return my_incidents(engine, caller.person_id, clock.now(), team_ids=teams, org_id=whole_org)

    @router.get("/me/incidents", responses={200: {"model": MyQueue}, **answers(401, 403)})
    def me(authorization: Auth = None) -> dict[str, Any]:
        caller = resolver.login_only(authorization)
        return {
            "person_id": caller.person_id,
            "at": clock.now().isoformat(),
            "incidents": queue(caller),
        }

    @router.get(
        "/me/stream",
        response_class=StreamingResponse,
        responses={200: {"content": {"text/event-stream": {}}}, **answers(401, 403)},
    )
    async def stream(
        request: Request,
        authorization: Auth = None,
        access_token: Annotated[str | None, Query()] = None,
    ) -> StreamingResponse:
        header = authorization or (f"Bearer {access_token}" if access_token else None)
        caller = resolver.login_only(header)
        return StreamingResponse(
            incident_stream(
                request,
                lambda: queue(caller),
                interval_s=max(0.2, settings.poll_interval_s),
                expires_at=caller.expires_at,
                clock=clock,
            ),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    @router.get(
        "/incidents/{incident_id}",
        responses={200: {"model": IncidentDetail}, **answers(401, 403, 404)},
    )
    def detail(incident_id: IncidentId, authorization: Auth = None) -> dict[str, Any]:
        caller = resolver.any(authorization)
        allowed(caller, incident_id)
        view = incident_view(engine, incident_id, clock.now())
        if view is None:
            raise HTTPException(404, f"incident {incident_id} does not exist")
        return view

    @router.post(
        "/incidents/{incident_id}/accept",
        responses={200: {"model": AcceptReply}, **answers(401, 403, 404, 409)},
    )
    def accept(incident_id: IncidentId, authorization: Auth = None) -> JSONResponse:
        caller = resolver.any(authorization)
        allowed(caller, incident_id)
        result = accept_incident(
            engine,
            incident_id,
            caller.person_id,
            clock.now(),
            ack_timeout_s=lambda name: settings.policy(name).ack_timeout_s,
            via="link" if caller.link_incident_id else "app",
        )
        status, body = accept_response(result)
        return JSONResponse(body, status_code=status)

    def step(
        incident_id: str, authorization: str | None, which: Step, close: CloseRequest | None = None
    ) -> JSONResponse:
        caller = resolver.any(authorization)
        allowed(caller, incident_id)
        result = advance(
            engine,
            incident_id,
            caller.person_id,
            which,
            clock.now(),
            close=close,
            for_team=caller.for_team,
        )
        body: dict[str, Any] = {
            "outcome": result.outcome.value,
            "status": result.status.value if result.status else None,
        }
        if result.detail:
            body["detail"] = result.detail
        code = {
            StepOutcome.DONE: 200,
            StepOutcome.ALREADY: 200,
            StepOutcome.NOT_FOUND: 404,
            StepOutcome.NOT_HOLDER: 403,
            StepOutcome.WRONG_STATE: 409,
            StepOutcome.REFUSED: 422,
        }[result.outcome]
        return JSONResponse(body, status_code=code)

    @router.post("/incidents/{incident_id}/en-route", responses=STEP_ANSWERS)
    def en_route(incident_id: IncidentId, authorization: Auth = None) -> JSONResponse:
        return step(incident_id, authorization, Step.EN_ROUTE)

    @router.post("/incidents/{incident_id}/contact", responses=STEP_ANSWERS)
    def contact(incident_id: IncidentId, authorization: Auth = None) -> JSONResponse:
        return step(incident_id, authorization, Step.CONTACT_MADE)

    @router.post("/incidents/{incident_id}/close", responses=STEP_ANSWERS)
    def close(
        incident_id: IncidentId, body: CloseBody | None = None, authorization: Auth = None
    ) -> JSONResponse:
        request = CloseRequest(body.outcome if body else None, body.note if body else None)
        return step(incident_id, authorization, Step.CLOSE, request)

    @router.post(
        "/push/subscriptions",
        status_code=201,
        responses={201: {"model": Subscribed}, **answers(400, 401, 403, 422)},
    )
    def subscribe(body: PushBody, request: Request, authorization: Auth = None) -> dict[str, str]:
        caller = resolver.login_only(authorization)
        info = PushSubscriptionInfo(body.endpoint, body.keys.p256dh, body.keys.auth)
        save_push_subscription(
            engine,
            caller.person_id,
            info,
            user_agent=request.headers.get("user-agent"),
            now=clock.now(),
        )
        return {"person_id": caller.person_id, "endpoint": body.endpoint}

    @router.delete(
        "/push/subscriptions", responses={200: {"model": Deleted}, **answers(401, 403, 422)}
    )
    def unsubscribe(
        endpoint: Annotated[NulFreeText, Query(max_length=2000)], authorization: Auth = None
    ) -> dict[str, bool]:
        caller = resolver.login_only(authorization)
        return {"deleted": delete_push_subscription(engine, caller.person_id, endpoint)}

    @router.get(
        "/stats/outcomes", responses={200: {"model": OutcomeStats}, **answers(401, 403, 422)}
    )
    def stats(
        by: Literal["detector", "resident"] = "detector",
        target_accept_s: Annotated[float, Query(gt=0)] = 300.0,
        authorization: Auth = None,
    ) -> dict[str, Any]:
        caller = resolver.login_only(authorization)
        team_role(caller)
        org = caller.org_id or settings.org_id
        groups = outcome_stats(engine, org, by, target_accept_s=target_accept_s)
        return {"by": by, "org_id": org, "target_accept_s": target_accept_s, "groups": groups}

    @router.post(
        "/silences",
        status_code=201,
        responses={201: {"model": SilenceReply}, **answers(400, 401, 403, 422)},
    )
    def silence(body: SilenceBody, authorization: Auth = None) -> dict[str, Any]:
        caller = resolver.login_only(authorization)
        team_role(caller)
        for text in body.matchers:
            try:
                Matcher.parse(text)
            except ValueError as exc:
                raise HTTPException(422, str(exc)) from exc
        now = clock.now()
        starts = body.starts_at or now
        if body.ends_at <= starts:
            raise HTTPException(422, "ends_at must be after starts_at")
        view = create_silence(
            engine,
            org_id=caller.org_id or settings.org_id,
            matchers=body.matchers,
            starts_at=starts,
            ends_at=body.ends_at,
            created_by=caller.person_id,
            comment=body.comment,
            now=now,
        )
        return _silence_json(view.id, view.matchers, view.starts_at, view.ends_at, view.comment) | {
            "note": "fire and SOS are never muted by silences"
        }

    @router.get("/silences", responses={200: {"model": Silences}, **answers(401, 403)})
    def silences(authorization: Auth = None) -> dict[str, Any]:
        caller = resolver.login_only(authorization)
        team_role(caller)
        rows = list_silences(engine, caller.org_id or settings.org_id, clock.now())
        return {
            "silences": [
                _silence_json(s.id, s.matchers, s.starts_at, s.ends_at, s.comment) for s in rows
            ]
        }

    @router.delete(
        "/silences/{silence_id}", responses={200: {"model": Deleted}, **answers(401, 403, 404)}
    )
    def unsilence(
        silence_id: Annotated[NulFreeText, Path()], authorization: Auth = None
    ) -> dict[str, bool]:
        caller = resolver.login_only(authorization)
        team_role(caller)
        if not expire_silence(engine, caller.org_id or settings.org_id, silence_id, clock.now()):
            raise HTTPException(404, f"no active silence {silence_id}")
        return {"expired": True}

    return router


def _silence_json(
    silence_id: str, matchers: list[str], starts: datetime, ends: datetime, comment: str
) -> dict[str, Any]:
    return {
        "id": silence_id,
        "matchers": matchers,
        "starts_at": starts.isoformat(),
        "ends_at": ends.isoformat(),
        "comment": comment,
    }


def accept_response(result: AcceptResult) -> tuple[int, dict[str, Any]]:
    """HTTP status and body of an accept request."""
    body: dict[str, Any] = {
        "outcome": result.outcome.value,
        "accepted_by": result.accepted_by,
        "accepted_at": result.accepted_at.isoformat() if result.accepted_at else None,
    }
    match result.outcome:
        case AcceptOutcome.ACCEPTED | AcceptOutcome.ALREADY_YOURS:
            return 200, body
        case AcceptOutcome.TAKEN:
            body["detail"] = (
                f"already accepted by {result.accepted_by} at {body['accepted_at']}: "
                "coordinate with them"
            )
            return 409, body
        case AcceptOutcome.RESOLVED:
            body["detail"] = "the incident is already resolved or closed: nothing to accept"
            return 409, body
        case AcceptOutcome.NOT_FOUND:
            body["detail"] = "the incident does not exist"
            return 404, body

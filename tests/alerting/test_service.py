"""End to end, in process: stored fire event → incident → webhook + email → accept over HTTP."""

from __future__ import annotations

import signal
import socket
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from alerting.errors import AlertingError
from alerting.service import run_alerting
from alerting.store.db import create_db_engine
from alerting.store.models import Incident, IncidentEvent, Notification, NotificationStatus
from contracts.events import EventType
from tests.alerting.support import (
    create_events_table,
    insert_event,
    make_envelope,
    make_settings,
    running_router,
    running_smtp_server,
    running_webhook_receiver,
    wait_until,
)
from tests.servers import free_port


def _count(engine: Engine, query: object) -> int:
    with Session(engine) as session:
        return int(session.scalar(query) or 0)  # type: ignore[call-overload]


async def test_fire_to_accept_end_to_end(db_url: str) -> None:
    api_port = free_port()
    with running_smtp_server() as (smtp, smtp_port):
        async with running_webhook_receiver() as receiver:
            settings = make_settings(
                db_url,
                webhook_urls=(receiver.url("ok"),),
                smtp_port=smtp_port,
                api_port=api_port,
            )
            engine = create_db_engine(db_url)
            async with running_router(settings), httpx.AsyncClient() as client:
                create_events_table(engine)  # the ingest creates it after the router started
                insert_event(engine, make_envelope(EventType.SMOKE_TEST, summary="test button"))
                insert_event(engine, make_envelope())
                insert_event(engine, make_envelope(summary="smoke still detected"))
                await wait_until(
                    lambda: receiver.deliveries.get("ok") and smtp.messages, what="both pages"
                )
                await wait_until(
                    lambda: _count(engine, select(func.count()).select_from(IncidentEvent)) == 3,
                    what="all three events processed",
                )
                [payload] = receiver.deliveries["ok"]
                incident_id = payload["incident_id"]
                [mail] = smtp.messages
                assert mail["Subject"] == "【紧急】火警 · 住户 res-0001"
                assert f"{settings.public_base_url}/a/" in mail.get_content()

                token = payload["accept_token"]
                assert payload["accept_url"].endswith(f"/a/{token}")
                page = await client.get(payload["accept_url"])
                assert page.status_code == 200
                headers = {"Authorization": f"Bearer {token}"}
                api = f"{settings.public_base_url}/api/v1/incidents/{incident_id}"
                before = datetime.now(UTC)
                accepted = await client.post(f"{api}/accept", headers=headers)
                assert accepted.status_code == 200, accepted.text
                view = (await client.get(api, headers=headers)).json()
            engine.dispose()
    assert view["status"] == "accepted"
    assert view["accepted_by"] == "cw-0001"
    assert datetime.fromisoformat(view["accepted_at"]) >= before.replace(microsecond=0)
    assert view["event_count"] == 2
    assert {(n["channel"], n["status"], n["receipt_code"]) for n in view["notifications"]} == {
        ("webhook", "delivered", 200),
        ("email", "delivered", 250),
    }
    assert view["log"][0]["action"] == "opened"
    assert "accepted" in [e["action"] for e in view["log"]]
    assert receiver.bad_signatures == 0
    # one incident and one page per contact, despite two fire events; the smoke test pages nobody
    check = create_db_engine(db_url)
    assert _count(check, select(func.count()).select_from(Incident)) == 1
    assert _count(check, select(func.count()).select_from(Notification)) == 2
    assert (
        _count(
            check,
            select(func.count())
            .select_from(Notification)
            .where(Notification.status == NotificationStatus.DELIVERED),
        )
        == 2
    )
    check.dispose()
    assert len(receiver.deliveries["ok"]) == 1
    assert len(smtp.messages) == 1


async def test_busy_api_port_is_our_error_and_signals_stay_with_the_host(db_url: str) -> None:
    before = signal.getsignal(signal.SIGINT)
    settings = make_settings(db_url, api_port=free_port())
    async with running_router(settings):
        assert signal.getsignal(signal.SIGINT) is before
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = make_settings(db_url, api_port=busy.getsockname()[1])
        with pytest.raises(AlertingError, match=r"cannot listen on 127\.0\.0\.1"):
            await run_alerting(taken)
    assert signal.getsignal(signal.SIGINT) is before

"""Partner events flow into the events table like device events; events, incidents and the
quarantine are scoped to the caller's organisation and residents.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, select, text

from alerting.store.db import migrate as migrate_alerting
from cloud_ingest.store import EventRow
from contracts.envelope import decode_envelope
from contracts.ids import new_message_id
from tests.cloud_ingest.api.support import ADMIN_PASSWORD, PARTNER_SECRET, Api
from tests.cloud_ingest.support import NOW, event_envelope

PARTNER_KEY = {"X-Api-Key": f"bank-fraud-desk.{PARTNER_SECRET}"}
FRAUD = {
    "resident_id": "res-0001",
    "type": "fraud_warning",
    "summary": "三笔可疑转账，共 4.8 万元",
    "values": {"transfers": 3, "amount_cny": 48000},
}


async def test_a_partner_event_is_stored_in_the_feed_like_a_device_event(api: Api) -> None:
    message_id = new_message_id(NOW)
    response = await api.client.post(
        "/api/v1/partner/events", headers=PARTNER_KEY, json={**FRAUD, "message_id": message_id}
    )
    assert response.status_code == 201, response.text
    assert response.json() == {"message_id": message_id, "status": "stored"}
    again = await api.client.post(
        "/api/v1/partner/events", headers=PARTNER_KEY, json={**FRAUD, "message_id": message_id}
    )
    assert again.json()["status"] == "duplicate"
    engine = create_engine(api.context.database_url)
    with engine.connect() as conn:
        rows = conn.execute(select(EventRow)).all()
    engine.dispose()
    assert len(rows) == 1
    envelope = decode_envelope(rows[0].envelope_json.encode())  # what alerting decodes
    assert (envelope.org_id, envelope.resident_id, envelope.home_id) == (
        "org-demo",
        "res-0001",
        "home-0001",
    )
    assert envelope.body.kind == "event"
    assert envelope.body.type.value == "fraud_warning"
    assert envelope.body.evidence.values["partner_id"] == "bank-fraud-desk"
    events = await api.get("/api/v1/events", await api.login("wang.fang"))
    assert [e["type"] for e in events["items"]] == ["fraud_warning"]
    assert events["items"][0]["evidence"]["summary"] == FRAUD["summary"]
    assert api.audit_rows(action="events.read", resident_id="res-0001") == 1
    assert api.audit_rows(action="partner.event", actor_id="bank-fraud-desk") == 2


@pytest.mark.parametrize(
    ("headers", "body", "status", "says"),
    [
        ({}, FRAUD, 401, "X-Api-Key"),
        ({"X-Api-Key": "bank-fraud-desk.wrong"}, FRAUD, 401, "refused"),
        (PARTNER_KEY, {**FRAUD, "type": "fall"}, 422, "fraud_warning"),
        (PARTNER_KEY, {**FRAUD, "resident_id": "ores-0"}, 404, "in your organisation"),
    ],
)
async def test_partner_events_are_refused_clearly(
    api: Api, headers: dict[str, str], body: dict[str, object], status: int, says: str
) -> None:
    response = await api.client.post("/api/v1/partner/events", headers=headers, json=body)
    assert response.status_code == status, response.text
    assert says in str(response.json()["detail"])


async def test_events_are_scoped_and_filtered_and_paged_newest_first(api: Api) -> None:
    store = api.context.store
    for i in range(3):
        envelope = event_envelope("org-demo", "gw-0001", at=NOW + timedelta(minutes=i))
        envelope = envelope.model_copy(update={"resident_id": "res-0001", "home_id": "home-0001"})
        store.store(envelope, envelope.model_dump_json().encode())
    other = event_envelope("org-other", "ogw-1").model_copy(update={"resident_id": "ores-0"})
    store.store(other, other.model_dump_json().encode())
    admin = await api.login("admin", ADMIN_PASSWORD)
    first = await api.get("/api/v1/events", admin, limit=2)
    second = await api.get("/api/v1/events", admin, limit=2, cursor=first["next_cursor"])
    seqs = [e["seq"] for e in first["items"] + second["items"]]
    assert len(seqs) == 3
    assert seqs == sorted(seqs, reverse=True)
    assert second["next_cursor"] is None
    since = (NOW + timedelta(minutes=1)).isoformat()
    assert len((await api.get("/api/v1/events", admin, since=since))["items"]) == 2
    naive = await api.client.get(
        "/api/v1/events", headers=admin, params={"since": "2026-11-24T03:00:00"}
    )
    assert naive.status_code == 400
    assert "time zone" in naive.json()["detail"]
    # another organisation sees only its own event; zhao.lei (backup of res-0001) sees ours
    other_admin = await api.login("other.admin", ADMIN_PASSWORD)
    assert [e["org_id"] for e in (await api.get("/api/v1/events", other_admin))["items"]] == [
        "org-other"
    ]
    assert len((await api.get("/api/v1/events", await api.login("zhao.lei")))["items"]) == 3


async def test_quarantine_shows_only_the_callers_organisation_to_operators(api: Api) -> None:
    store = api.context.store
    store.quarantine("sg/v1/org-demo/gw-0001/event", b"\xff not json", "invalid JSON", None)
    store.quarantine("sg/v1/org-other/ogw-1/event", b"{}", "invalid Envelope", None)
    store.quarantine("sg/v1/org_demo/gw-0001/event", b"{}", "lookalike org id", None)
    body = await api.get("/api/v1/quarantine", await api.login("duty.desk"))
    assert [q["topic"] for q in body["items"]] == ["sg/v1/org-demo/gw-0001/event"]
    assert body["items"][0]["payload_base64"] == "/yBub3QganNvbg=="
    assert body["items"][0]["payload_text"].endswith("not json")
    worker = await api.client.get("/api/v1/quarantine", headers=await api.login("wang.fang"))
    assert worker.status_code == 403


async def test_incidents_are_read_from_the_alert_routers_table(api: Api) -> None:
    admin = await api.login("admin", ADMIN_PASSWORD)
    missing = await api.client.get("/api/v1/incidents", headers=admin)
    assert missing.status_code == 503
    assert "silverguard alerting migrate" in missing.json()["detail"]
    migrate_alerting(api.context.database_url)
    engine = create_engine(api.context.database_url)
    insert = text(
        "INSERT INTO incidents (id, org_id, fingerprint, resident_id, home_id, type, "
        "warning_class, severity, status, summary, opened_at, last_event_at, event_count) "
        "VALUES (:id, :org, :fp, :res, NULL, 'fall', 'home_anomaly', 'critical', 'open', "
        "'fall in the bedroom', :at, :at, 1)"
    )
    with engine.begin() as conn:
        for n, (org, res) in enumerate(
            [("org-demo", "res-0001"), ("org-demo", "res-0002"), ("org-other", "ores-0")]
        ):
            conn.execute(
                insert,
                {
                    "id": new_message_id(NOW + timedelta(seconds=n)),
                    "org": org,
                    "fp": f"f{n}",
                    "res": res,
                    "at": NOW,
                },
            )
    engine.dispose()
    incidents = await api.get("/api/v1/incidents", await api.login("wang.fang"))
    assert [(i["resident_id"], i["status"]) for i in incidents["items"]] == [("res-0001", "open")]
    all_ours = await api.get("/api/v1/incidents", admin, status="open")
    assert [i["resident_id"] for i in all_ours["items"]] == ["res-0002", "res-0001"]
    assert all_ours["items"][0]["opened_at"].startswith("2026-11-24T03:00:00")
    assert json.dumps(all_ours)  # plain JSON
    assert api.audit_rows(action="incidents.read", resident_id="res-0001") == 2

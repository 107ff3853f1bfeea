"""Care visits and calls recorded and listed through the API: audited, scoped, checked."""

from __future__ import annotations

from datetime import timedelta

from tests.cloud_ingest.api.support import ADMIN_PASSWORD, Api
from tests.cloud_ingest.support import NOW

PATH = "/api/v1/residents/res-0001/visits"
CALL = {"at": (NOW - timedelta(hours=2)).isoformat(), "kind": "phone", "note": "晚饭后电话问候"}


async def test_a_care_worker_records_a_call_and_lists_the_residents_visits(api: Api) -> None:
    worker = await api.login("wang.fang")
    created = await api.client.post(PATH, headers=worker, json=CALL)
    assert created.status_code == 201, created.text
    visit = created.json()
    assert (visit["kind"], visit["recorded_by"], visit["home_id"]) == (
        "phone",
        "cw-0001",
        "home-0001",
    )
    assert visit["at"].startswith("2026-11-24T01:00:00")
    assert api.audit_rows(action="resident.visit", resident_id="res-0001") == 1
    page = await api.get(PATH, worker)
    # the new call first, then the two visits of the seed (recorded when it was loaded)
    assert [v["kind"] for v in page["items"]] == ["phone", "phone", "visit"]
    assert page["items"][0]["id"] == visit["id"]
    assert api.audit_rows(action="visits.read", resident_id="res-0001") == 1


async def test_visits_page_newest_first(api: Api) -> None:
    lead = await api.login("li.min")
    for hours in (5, 4, 3):
        body = {"at": (NOW - timedelta(hours=hours)).isoformat(), "kind": "visit"}
        assert (await api.client.post(PATH, headers=lead, json=body)).status_code == 201
    first = await api.get(PATH, lead, limit=2)
    second = await api.get(PATH, lead, limit=2, cursor=first["next_cursor"])
    third = await api.get(PATH, lead, limit=2, cursor=second["next_cursor"])
    ids = [v["id"] for p in (first, second, third) for v in p["items"]]
    assert len(ids) == 5 == len(set(ids))
    assert ids == sorted(ids, reverse=True)
    assert third["next_cursor"] is None


async def test_bad_visits_are_refused_with_what_to_do(api: Api) -> None:
    worker = await api.login("wang.fang")
    future = {**CALL, "at": (NOW + timedelta(hours=1)).isoformat()}
    response = await api.client.post(PATH, headers=worker, json=future)
    assert response.status_code == 400
    assert "is in the future" in response.json()["detail"]
    old = {**CALL, "at": (NOW - timedelta(days=400)).isoformat()}
    response = await api.client.post(PATH, headers=worker, json=old)
    assert response.status_code == 400
    assert "check the date" in response.json()["detail"]
    naive = {**CALL, "at": "2026-11-24T01:00:00"}
    assert (await api.client.post(PATH, headers=worker, json=naive)).status_code == 422
    holiday = {**CALL, "kind": "letter"}
    assert (await api.client.post(PATH, headers=worker, json=holiday)).status_code == 422
    wrong_home = {**CALL, "home_id": "home-0002"}
    response = await api.client.post(PATH, headers=worker, json=wrong_home)
    assert response.status_code == 400
    assert "is not resident 'res-0001''s home (theirs: home-0001)" in response.json()["detail"]
    unknown = await api.client.post("/api/v1/residents/res-9999/visits", headers=worker, json=CALL)
    assert unknown.status_code == 404
    assert api.audit_rows(action="resident.visit") == 0


async def test_visits_are_scoped_to_the_residents_one_may_see(api: Api) -> None:
    worker = await api.login("wang.fang")
    not_hers = await api.client.post("/api/v1/residents/res-0002/visits", headers=worker, json=CALL)
    assert not_hers.status_code == 403
    assert (
        await api.client.get("/api/v1/residents/res-0002/visits", headers=worker)
    ).status_code == 403
    other_org = await api.login("other.admin", ADMIN_PASSWORD)
    assert (await api.client.post(PATH, headers=other_org, json=CALL)).status_code == 404
    assert (await api.client.get(PATH, headers=other_org)).status_code == 404
    desk = await api.login("duty.desk")  # the duty desk calls residents too
    assert (await api.client.post(PATH, headers=desk, json=CALL)).status_code == 201
    assert api.audit_rows(action="visits.read") == 0


async def test_a_team_lead_sets_a_residents_district_and_hardship_category(api: Api) -> None:
    lead = await api.login("li.min")
    path = "/api/v1/residents/res-0001/programme"
    assert await api.get(path, lead) == {
        "resident_id": "res-0001",
        "district_code": "330302",
        "hardship_category": "minimum_living",
    }
    body = {
        "district_code": "330304",
        "hardship_category": "extreme_poverty",
        "reason": "区民政局认定特困",
    }
    changed = await api.client.put(path, headers=lead, json=body)
    assert changed.status_code == 200, changed.text
    assert changed.json()["hardship_category"] == "extreme_poverty"
    assert api.audit_rows(action="resident.programme", resident_id="res-0001") == 1
    unknown = await api.client.put(path, headers=lead, json={**body, "district_code": "330399"})
    assert unknown.status_code == 400
    assert "PUT /api/v1/programme/districts/330399" in unknown.json()["detail"]
    assert "GET /api/v1/programme/districts" in unknown.json()["detail"]
    kept = await api.get("/api/v1/residents/res-0001/programme", lead)
    assert kept["hardship_category"] == "extreme_poverty"
    assert kept["district_code"] == body["district_code"]
    worker = await api.login("wang.fang")
    assert (await api.client.put(path, headers=worker, json=body)).status_code == 403

"""Residents: roles see what they should, organisations are isolated, every read is audited."""

from __future__ import annotations

import pytest

from tests.cloud_ingest.api.support import ADMIN_PASSWORD, OTHER_RESIDENTS, Api


async def _ids(api: Api, headers: dict[str, str], path: str = "/api/v1/residents") -> list[str]:
    return [r["id"] for r in (await api.get(path, headers))["items"]]


async def test_care_workers_see_their_teams_and_assigned_residents_only(api: Api) -> None:
    assert await _ids(api, await api.login("wang.fang")) == ["res-0001"]
    # zhao.lei is in team-west (res-0002) and the backup worker of res-0001
    assert await _ids(api, await api.login("zhao.lei")) == ["res-0001", "res-0002"]
    assert await _ids(api, await api.login("li.min")) == ["res-0001"]  # leads team-east


async def test_a_care_worker_reading_a_resident_of_another_team_gets_403(api: Api) -> None:
    headers = await api.login("wang.fang")
    response = await api.client.get("/api/v1/residents/res-0002", headers=headers)
    assert response.status_code == 403
    assert "ask your team lead" in response.json()["detail"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/residents/res-0001",
        "/api/v1/homes/home-0001",
        "/api/v1/gateways/gw-0001",
        "/api/v1/devices/bed-0001",
    ],
)
async def test_another_organisation_gets_404_for_everything_of_ours(api: Api, path: str) -> None:
    for username, password in (("other.worker", None), ("other.admin", ADMIN_PASSWORD)):
        headers = await api.login(username, *([password] if password else []))
        response = await api.client.get(path, headers=headers)
        assert response.status_code == 404, response.text
        assert "in your organisation" in response.json()["detail"]


async def test_another_organisations_lists_never_contain_ours(api: Api) -> None:
    headers = await api.login("other.admin", ADMIN_PASSWORD)
    for path in ("/api/v1/residents", "/api/v1/homes", "/api/v1/gateways", "/api/v1/devices"):
        body = await api.get(path, headers, limit=500)
        assert body["items"], path
        assert {item["org_id"] for item in body["items"]} == {"org-other"}, path
    assert await api.get("/api/v1/residents", headers, team_id="team-east") == {
        "items": [],
        "next_cursor": None,
    }


async def test_operators_are_pseudonymous_unless_they_give_a_reason(api: Api) -> None:
    headers = await api.login("duty.desk")
    listed = await api.get("/api/v1/residents", headers)
    assert [r["full_name"] for r in listed["items"]] == [None, None]
    assert all(r["pseudonymous"] for r in listed["items"])
    hidden = await api.get("/api/v1/residents/res-0001", headers)
    assert (hidden["full_name"], hidden["address"], hidden["emergency_contacts"]) == (
        None,
        None,
        None,
    )
    assert hidden["eligibility"]["eligible"] is True  # the rule still shows
    revealed = await api.get(
        "/api/v1/residents/res-0001", headers, reveal_reason="fall alarm, calling the son"
    )
    assert revealed["full_name"] == "张秀英"
    assert revealed["emergency_contacts"][0]["name"] == "张伟"
    assert api.audit_rows(action="resident.reveal", reason="fall alarm, calling the son") == 1


async def test_care_workers_see_the_profile_with_contacts_and_absences(api: Api) -> None:
    body = await api.get("/api/v1/residents/res-0001", await api.login("wang.fang"))
    assert body["full_name"] == "张秀英"
    assert body["dementia"] is True
    assert [c["priority"] for c in body["emergency_contacts"]] == [1, 2]
    assert body["absences"][0]["kind"] == "hospital"
    assert body["eligibility"]["reason_zh"].startswith("符合条件")


async def test_every_read_of_a_resident_writes_an_audit_row_with_who_and_from_where(
    api: Api,
) -> None:
    headers = await api.login("zhao.lei")
    await api.get("/api/v1/residents/res-0001", headers)
    await api.get("/api/v1/residents/res-0001", headers)
    await api.get("/api/v1/residents", headers)
    assert api.audit_rows(action="resident.read", actor_id="cw-0002", resident_id="res-0001") == 2
    assert api.audit_rows(action="resident.list", actor_id="cw-0002") == 2  # both residents
    admin = await api.login("admin", ADMIN_PASSWORD)
    log = await api.get("/api/v1/audit", admin, resident_id="res-0001", actor_id="cw-0002")
    assert [row["action"] for row in log["items"]] == [
        "resident.list",
        "resident.read",
        "resident.read",
    ]
    assert log["items"][0]["client_addr"] == "127.0.0.1"
    # only admins read the audit log
    response = await api.client.get("/api/v1/audit", headers=headers)
    assert response.status_code == 403


async def test_pagination_walks_every_resident_once(api: Api) -> None:
    headers = await api.login("other.admin", ADMIN_PASSWORD)
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        body = await api.get("/api/v1/residents", headers, **params)
        seen += [r["id"] for r in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(f"ores-{i}" for i in range(OTHER_RESIDENTS))
    assert pages == 3


async def test_a_bad_cursor_or_limit_is_a_clear_400_or_422(api: Api) -> None:
    headers = await api.login("admin", ADMIN_PASSWORD)
    response = await api.client.get("/api/v1/residents", headers=headers, params={"cursor": "x"})
    assert response.status_code == 400
    assert "omit it to start from the first page" in response.json()["detail"]
    response = await api.client.get("/api/v1/residents", headers=headers, params={"limit": 0})
    assert response.status_code == 422


async def test_filters(api: Api) -> None:
    headers = await api.login("admin", ADMIN_PASSWORD)
    assert await _ids(api, headers) == ["res-0001", "res-0002"]
    body = await api.get("/api/v1/residents", headers, dementia="true")
    assert [r["id"] for r in body["items"]] == ["res-0001"]
    body = await api.get("/api/v1/residents", headers, team_id="team-west")
    assert [r["id"] for r in body["items"]] == ["res-0002"]


async def test_eligibility_override_needs_a_lead_or_admin_and_a_reason_and_is_audited(
    api: Api,
) -> None:
    path = "/api/v1/residents/res-0002/eligibility-override"
    before = await api.get("/api/v1/residents/res-0002", await api.login("zhao.lei"))
    assert before["eligibility"]["eligible"] is False  # 81, mild: needs 85
    response = await api.client.put(
        path,
        headers=await api.login("zhao.lei"),
        json={"eligible": True, "reason": "lives alone after a stroke"},
    )
    assert response.status_code == 403
    admin = await api.login("admin", ADMIN_PASSWORD)
    response = await api.client.put(path, headers=admin, json={"eligible": True, "reason": ""})
    assert response.status_code == 422
    response = await api.client.put(
        path, headers=admin, json={"eligible": True, "reason": "lives alone after a stroke"}
    )
    assert response.status_code == 200, response.text
    eligibility = response.json()["eligibility"]
    assert (eligibility["eligible"], eligibility["overridden"]) == (True, True)
    assert "lives alone after a stroke" in eligibility["reason_en"]
    assert api.audit_rows(action="resident.eligibility_override", resident_id="res-0002") == 1


async def test_a_nul_character_is_a_clear_400_not_a_server_error(api: Api) -> None:
    headers = await api.login("admin", ADMIN_PASSWORD)
    response = await api.client.get("/api/v1/residents/res%00x", headers=headers)
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]
    login = await api.client.post(
        "/api/v1/auth/token", data={"username": "wang\x00fang", "password": "x"}
    )
    assert login.status_code == 400

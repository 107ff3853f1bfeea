"""Districts and yearly bed targets through the API: admins set them, everyone reads them."""

from __future__ import annotations

from tests.cloud_ingest.api.support import ADMIN_PASSWORD, Api


async def test_the_seeded_districts_and_targets_are_listed(api: Api) -> None:
    worker = await api.login("wang.fang")
    districts = await api.get("/api/v1/programme/districts", worker)
    assert districts["items"] == [
        {"code": "330302", "name": "鹿城区"},
        {"code": "330304", "name": "瓯海区"},
    ]
    targets = await api.get("/api/v1/programme/targets", worker, year=2026)
    assert [(t["district_code"], t["district_name"], t["beds_target"]) for t in targets] == [
        ("330302", "鹿城区", 20),
        ("330304", "瓯海区", 10),
    ]
    assert await api.get("/api/v1/programme/targets", worker, year=2027) == []


async def test_an_admin_adds_a_district_and_sets_its_target_audited(api: Api) -> None:
    admin = await api.login("admin", ADMIN_PASSWORD)
    put = await api.client.put(
        "/api/v1/programme/districts/330303", headers=admin, json={"name": "龙湾区"}
    )
    assert put.status_code == 200, put.text
    target = await api.client.put(
        "/api/v1/programme/targets/330303/2027", headers=admin, json={"beds_target": 15}
    )
    assert target.status_code == 200, target.text
    assert (target.json()["beds_target"], target.json()["set_by"]) == (15, "adm-0001")
    again = await api.client.put(
        "/api/v1/programme/targets/330303/2027", headers=admin, json={"beds_target": 18}
    )
    assert again.json()["beds_target"] == 18
    listed = await api.get("/api/v1/programme/targets", admin, district_code="330303")
    assert [(t["year"], t["beds_target"]) for t in listed] == [(2027, 18)]
    assert api.audit_rows(action="programme.district", resource_id="330303") == 1
    assert api.audit_rows(action="programme.target", resource_id="330303/2027") == 2
    other = await api.login("other.admin", ADMIN_PASSWORD)
    assert await api.get("/api/v1/programme/targets", other) == []  # the org's own targets


async def test_targets_are_checked_and_only_admins_set_them(api: Api) -> None:
    admin = await api.login("admin", ADMIN_PASSWORD)
    unknown = await api.client.put(
        "/api/v1/programme/targets/330399/2026", headers=admin, json={"beds_target": 5}
    )
    assert unknown.status_code == 404
    assert "PUT /api/v1/programme/districts/330399" in unknown.json()["detail"]
    bad_code = await api.client.put(
        "/api/v1/programme/targets/3303/2026", headers=admin, json={"beds_target": 5}
    )
    assert bad_code.status_code == 422
    negative = await api.client.put(
        "/api/v1/programme/targets/330302/2026", headers=admin, json={"beds_target": -1}
    )
    assert negative.status_code == 422
    lead = await api.login("li.min")
    refused = await api.client.put(
        "/api/v1/programme/targets/330302/2026", headers=lead, json={"beds_target": 50}
    )
    assert refused.status_code == 403
    assert "needs admin" in refused.json()["detail"]
    assert (await api.client.get("/api/v1/programme/targets")).status_code == 401
    assert api.audit_rows(action="programme.target") == 0


async def test_an_operator_sets_a_homes_district_audited(api: Api) -> None:
    desk = await api.login("duty.desk")
    path = "/api/v1/homes/home-0002/district"
    assert (await api.get("/api/v1/homes/home-0002", desk))["district_code"] == "330304"
    body = {"district_code": "330302", "reason": "门牌核对：属鹿城区"}
    moved = await api.client.put(path, headers=desk, json=body)
    assert moved.status_code == 200, moved.text
    assert moved.json()["district_code"] == "330302"
    assert api.audit_rows(action="home.district", resource_id="home-0002") == 1
    unknown = await api.client.put(path, headers=desk, json={**body, "district_code": "330399"})
    assert unknown.status_code == 400
    assert "PUT /api/v1/programme/districts/330399" in unknown.json()["detail"]
    assert "GET /api/v1/programme/districts" in unknown.json()["detail"]
    assert (await api.get("/api/v1/homes/home-0002", desk))["district_code"] == "330302"
    assert api.audit_rows(action="home.district", resource_id="home-0002") == 1
    worker = await api.login("wang.fang")
    assert (await api.client.put(path, headers=worker, json=body)).status_code == 403
    other = await api.login("other.admin", ADMIN_PASSWORD)
    assert (await api.client.put(path, headers=other, json=body)).status_code == 404


async def test_a_district_another_organisation_uses_keeps_its_name(api: Api) -> None:
    other = await api.login("other.admin", ADMIN_PASSWORD)
    path = "/api/v1/programme/districts/330302"  # org-demo's homes and residents are in it
    renamed = await api.client.put(path, headers=other, json={"name": "别的名字"})
    assert renamed.status_code == 409, renamed.text
    assert "seed file" in renamed.json()["detail"]
    same = await api.client.put(path, headers=other, json={"name": "鹿城区"})
    assert same.status_code == 200, same.text  # the name as it is: nothing to refuse
    admin = await api.login("admin", ADMIN_PASSWORD)
    listed = await api.get("/api/v1/programme/districts", admin)
    assert {"code": "330302", "name": "鹿城区"} in listed["items"]
    ours = "/api/v1/programme/districts/330303"  # only org-demo's (added, then corrected)
    assert (await api.client.put(ours, headers=admin, json={"name": "龙湾"})).status_code == 200
    fixed = await api.client.put(ours, headers=admin, json={"name": "龙湾区"})
    assert fixed.status_code == 200, fixed.text
    assert api.audit_rows(action="programme.district", resource_id="330302") == 1
    assert api.audit_rows(action="programme.district", resource_id="330303") == 2

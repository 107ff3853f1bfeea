"""Gateway provisioning: a one-time code gives per-gateway credentials, once; gateways log in."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from tests.cloud_ingest.api.support import ADMIN_PASSWORD, GW_CODE, Api


async def test_a_seeded_code_registers_the_gateway_once(api: Api) -> None:
    response = await api.client.post(
        "/api/v1/gateways/register", json={"code": GW_CODE.lower().replace("-", " ")}
    )
    assert response.status_code == 200, response.text
    creds = response.json()
    assert (creds["gateway_id"], creds["org_id"], creds["home_id"], creds["username"]) == (
        "gw-0001",
        "org-demo",
        "home-0001",
        "gw-0001",
    )
    assert creds["topic_prefix"] == "sg/v1/org-demo/gw-0001"
    again = await api.client.post("/api/v1/gateways/register", json={"code": GW_CODE})
    assert again.status_code == 404
    assert "ask the operator for a new code" in again.json()["detail"]
    auth = (creds["username"], creds["password"])
    me = await api.client.get("/api/v1/gateway/self", auth=auth)
    assert me.status_code == 200, me.text
    assert me.json()["registered"] is True
    wrong = await api.client.get("/api/v1/gateway/self", auth=("gw-0001", "guess"))
    assert wrong.status_code == 401
    other = await api.client.get("/api/v1/gateway/self", auth=("gw-0002", creds["password"]))
    assert other.status_code == 401
    assert api.audit_rows(action="gateway.register", resource_id="gw-0001") == 1


async def test_operators_issue_codes_that_expire(api: Api) -> None:
    operator = await api.login("duty.desk")
    response = await api.client.post(
        "/api/v1/gateways/gw-0002/provisioning-codes", headers=operator
    )
    assert response.status_code == 201, response.text
    code = response.json()["code"]
    worker = await api.login("zhao.lei")
    refused = await api.client.post("/api/v1/gateways/gw-0002/provisioning-codes", headers=worker)
    assert refused.status_code == 403
    other_org = await api.login("other.admin", ADMIN_PASSWORD)
    foreign = await api.client.post(
        "/api/v1/gateways/gw-0002/provisioning-codes", headers=other_org
    )
    assert foreign.status_code == 404
    api.clock.advance(timedelta(days=8))
    expired = await api.client.post("/api/v1/gateways/register", json={"code": code})
    assert expired.status_code == 404


async def test_a_code_used_concurrently_registers_exactly_once(api: Api) -> None:
    admin = await api.login("admin", ADMIN_PASSWORD)
    code = (
        await api.client.post("/api/v1/gateways/gw-0002/provisioning-codes", headers=admin)
    ).json()["code"]
    answers = await asyncio.gather(
        *(api.client.post("/api/v1/gateways/register", json={"code": code}) for _ in range(4))
    )
    assert sorted(a.status_code for a in answers) == [200, 404, 404, 404]


async def test_gateways_show_their_announced_state_and_care_roles_see_their_homes_only(
    api: Api,
) -> None:
    admin = await api.login("admin", ADMIN_PASSWORD)
    listed = await api.get("/api/v1/gateways", admin)
    assert [g["id"] for g in listed["items"]] == ["gw-0001", "gw-0002"]
    worker = await api.login("wang.fang")
    assert [g["id"] for g in (await api.get("/api/v1/gateways", worker))["items"]] == ["gw-0001"]
    assert [d["id"] for d in (await api.get("/api/v1/devices", worker))["items"]] == [
        "band-0001",
        "bed-0001",
        "smoke-0001",
    ]
    assert (await api.client.get("/api/v1/gateways/gw-0002", headers=worker)).status_code == 403
    assert (await api.client.get("/api/v1/devices/bed-0002", headers=worker)).status_code == 403
    homes = await api.get("/api/v1/homes", worker)
    assert [h["id"] for h in homes["items"]] == ["home-0001"]
    assert homes["items"][0]["gateway_ids"] == ["gw-0001"]
    kinds = await api.get("/api/v1/devices", admin, kind="mattress")
    assert [d["id"] for d in kinds["items"]] == ["bed-0001", "bed-0002"]


async def test_a_registered_gateway_records_the_devices_it_paired(api: Api) -> None:
    creds = (await api.client.post("/api/v1/gateways/register", json={"code": GW_CODE})).json()
    auth = (creds["username"], creds["password"])
    body = {"kind": "smoke", "serial": "0x00158d0001ffee01", "label": "卧室烟感"}
    response = await api.client.put("/api/v1/gateway/devices/smoke-0002", auth=auth, json=body)
    assert response.status_code == 200, response.text
    assert (response.json()["home_id"], response.json()["org_id"]) == ("home-0001", "org-demo")
    again = await api.client.put(
        "/api/v1/gateway/devices/smoke-0002", auth=auth, json={**body, "label": "主卧烟感"}
    )
    assert again.json()["label"] == "主卧烟感"
    taken = await api.client.put("/api/v1/gateway/devices/bed-0002", auth=auth, json=body)
    assert taken.status_code == 409
    assert "belongs to another gateway" in taken.json()["detail"]
    anonymous = await api.client.put("/api/v1/gateway/devices/smoke-0003", json=body)
    assert anonymous.status_code == 401
    devices = await api.get("/api/v1/devices", await api.login("wang.fang"), kind="smoke")
    assert [d["id"] for d in devices["items"]] == ["smoke-0001", "smoke-0002"]


async def test_operators_bind_a_home_to_a_resident_with_a_reason(api: Api) -> None:
    operator = await api.login("duty.desk")
    path = "/api/v1/homes/home-0002/resident"
    body = {"resident_id": "res-0001", "reason": "moved in with her brother"}
    worker = await api.client.put(path, headers=await api.login("wang.fang"), json=body)
    assert worker.status_code == 403
    foreign = await api.client.put(
        path, headers=operator, json={"resident_id": "ores-0", "reason": "wrong org"}
    )
    assert foreign.status_code == 404
    response = await api.client.put(path, headers=operator, json=body)
    assert response.status_code == 200, response.text
    assert response.json()["resident_id"] == "res-0001"
    assert api.audit_rows(action="home.bind_resident", resident_id="res-0001") == 1
    assert api.audit_rows(action="home.bind_resident", resident_id="res-0002") == 1
    # wang.fang cares for res-0001, so she now sees the second home too
    homes = await api.get("/api/v1/homes", await api.login("wang.fang"))
    assert [h["id"] for h in homes["items"]] == ["home-0001", "home-0002"]

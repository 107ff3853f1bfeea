"""Commissioning reports: the gateway uploads what setup proved; operators read them back."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.cloud_ingest.api.support import ADMIN_PASSWORD, GW_CODE, Api
from tests.cloud_ingest.support import NOW


def _report(*, smoke_passed: bool) -> dict[str, Any]:
    return {
        "installer": "李师傅 (installer-07)",
        "started_at": NOW.isoformat(),
        "finished_at": (NOW + timedelta(minutes=25)).isoformat(),
        "devices": [
            {"id": "bed-0001", "kind": "mattress", "serial": "MT-2026-000117"},
            {"id": "smoke-0001", "kind": "smoke", "serial": "0x00158d0001a2b3c4"},
        ],
        "checks": [
            {
                "name": "bed_presence",
                "passed": True,
                "detail": "in bed, heart rate seen",
                "figures": {"heart_rate_bpm": 64, "seconds_to_presence": 11.5},
            },
            {
                "name": "smoke_test",
                "passed": smoke_passed,
                "detail": "test event reached the cloud"
                if smoke_passed
                else "no test event within 60 s: press the test button for 3 s and retry",
            },
        ],
    }


async def test_the_gateway_uploads_reports_and_operators_read_them(api: Api) -> None:
    creds = (await api.client.post("/api/v1/gateways/register", json={"code": GW_CODE})).json()
    auth = (creds["username"], creds["password"])
    path = "/api/v1/gateway/commissioning-reports"
    failed = await api.client.post(path, auth=auth, json=_report(smoke_passed=False))
    assert failed.status_code == 201, failed.text
    assert failed.json()["passed"] is False
    passed = await api.client.post(path, auth=auth, json=_report(smoke_passed=True))
    assert passed.json()["passed"] is True
    anonymous = await api.client.post(path, json=_report(smoke_passed=True))
    assert anonymous.status_code == 401
    empty = await api.client.post(
        path, auth=auth, json={**_report(smoke_passed=True), "checks": []}
    )
    assert empty.status_code == 422

    reports = await api.get(
        "/api/v1/gateways/gw-0001/commissioning-reports", await api.login("duty.desk")
    )
    assert [r["passed"] for r in reports["items"]] == [True, False]  # newest first
    newest = reports["items"][0]
    assert (newest["home_id"], newest["installer"]) == ("home-0001", "李师傅 (installer-07)")
    assert newest["report"]["checks"][0]["figures"]["heart_rate_bpm"] == 64
    assert newest["report"]["devices"][1]["serial"] == "0x00158d0001a2b3c4"
    other = await api.client.get(
        "/api/v1/gateways/gw-0001/commissioning-reports",
        headers=await api.login("other.admin", ADMIN_PASSWORD),
    )
    assert other.status_code == 404

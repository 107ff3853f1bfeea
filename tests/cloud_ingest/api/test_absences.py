"""Away/hospital/respite periods recorded and ended through the API, audited, scoped."""

from __future__ import annotations

from datetime import timedelta

from tests.cloud_ingest.api.support import ADMIN_PASSWORD, Api
from tests.cloud_ingest.support import NOW

PATH = "/api/v1/residents/res-0001/absences"
STAY = {"kind": "hospital", "starts_at": NOW.isoformat(), "note": "admitted after a fall"}


async def test_a_care_worker_records_a_hospital_stay_and_ends_it(api: Api) -> None:
    worker = await api.login("wang.fang")
    created = await api.client.post(PATH, headers=worker, json=STAY)
    assert created.status_code == 201, created.text
    absence = created.json()
    assert (absence["kind"], absence["ends_at"]) == ("hospital", None)
    home_again = {**STAY, "ends_at": (NOW + timedelta(days=3)).isoformat()}
    ended = await api.client.put(f"{PATH}/{absence['id']}", headers=worker, json=home_again)
    assert ended.status_code == 200, ended.text
    assert ended.json()["ends_at"].startswith("2026-11-27T03:00:00")
    profile = await api.get("/api/v1/residents/res-0001", worker)
    assert [(a["kind"], a["note"]) for a in profile["absences"]] == [
        ("hospital", "肺炎住院"),  # from the seed
        ("hospital", "admitted after a fall"),
    ]
    assert api.audit_rows(action="resident.absence", resident_id="res-0001") == 2


async def test_absences_are_checked_and_scoped(api: Api) -> None:
    worker = await api.login("wang.fang")
    backwards = {**STAY, "ends_at": (NOW - timedelta(hours=1)).isoformat()}
    response = await api.client.post(PATH, headers=worker, json=backwards)
    assert response.status_code == 422
    assert "ends_at must be after starts_at" in response.text
    response = await api.client.post(PATH, headers=worker, json={**STAY, "kind": "holiday"})
    assert response.status_code == 422
    not_hers = await api.client.post(
        "/api/v1/residents/res-0002/absences", headers=worker, json=STAY
    )
    assert not_hers.status_code == 403
    other_org = await api.login("other.admin", ADMIN_PASSWORD)
    assert (await api.client.post(PATH, headers=other_org, json=STAY)).status_code == 404
    missing = await api.client.put(f"{PATH}/999999", headers=worker, json=STAY)
    assert missing.status_code == 404
    assert "has no absence 999999" in missing.json()["detail"]

"""Login: OAuth2 password flow, short-lived tokens, clear refusals."""

from __future__ import annotations

from datetime import timedelta

from contracts.auth import AccessClaims, Role, issue_access_token, verify_access_token
from tests.cloud_ingest.api.support import ADMIN_PASSWORD, JWT_SECRET, Api


async def test_login_gives_a_token_with_the_persons_org_role_and_teams(api: Api) -> None:
    response = await api.client.post(
        "/api/v1/auth/token", data={"username": "wang.fang", "password": "staff-pass-不错-123"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 900
    claims = verify_access_token(body["access_token"], JWT_SECRET, now=api.context.clock.now())
    assert (claims.sub, claims.org_id, claims.role, claims.person_id, claims.team_ids) == (
        "cw-0001",
        "org-demo",
        Role.CARE_WORKER,
        "cw-0001",
        ["team-east"],
    )
    me = await api.get("/api/v1/me", await api.login("wang.fang"))
    assert me["display_name"] == "王芳"
    assert api.audit_rows(action="login", actor_id="cw-0001") == 2


async def test_team_lead_gets_the_team_they_lead(api: Api) -> None:
    me = await api.get("/api/v1/me", await api.login("li.min"))
    assert (me["role"], me["team_ids"]) == ("team_lead", ["team-east"])


async def test_wrong_password_and_unknown_user_are_refused_alike(api: Api) -> None:
    for username, password in (("wang.fang", "nope"), ("nobody", "nope")):
        response = await api.client.post(
            "/api/v1/auth/token", data={"username": username, "password": password}
        )
        assert response.status_code == 401
        assert "wrong username or password" in response.json()["detail"]


async def test_requests_without_a_token_say_how_to_log_in(api: Api) -> None:
    response = await api.client.get("/api/v1/residents")
    assert response.status_code == 401
    assert "POST /api/v1/auth/token" in response.json()["detail"]
    assert response.headers["www-authenticate"] == "Bearer"


async def test_an_expired_token_is_refused(api: Api) -> None:
    headers = await api.login("admin", ADMIN_PASSWORD)
    assert (await api.client.get("/api/v1/me", headers=headers)).status_code == 200
    api.clock.advance(timedelta(minutes=16))
    response = await api.client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


async def test_a_token_signed_with_another_secret_is_refused(api: Api) -> None:
    forged = issue_access_token(
        AccessClaims(
            sub="adm-0001",
            org_id="org-demo",
            role=Role.ADMIN,
            exp=api.context.clock.now() + timedelta(minutes=5),
        ),
        "another-secret-that-is-long-enough-too",
    )
    response = await api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    assert "log in again" in response.json()["detail"]


async def test_password_guessing_is_slowed_down_per_username(api: Api) -> None:
    for _ in range(5):
        response = await api.client.post(
            "/api/v1/auth/token", data={"username": "wang.fang", "password": "guess"}
        )
        assert response.status_code == 401
    locked = await api.client.post(
        "/api/v1/auth/token", data={"username": "wang.fang", "password": "staff-pass-不错-123"}
    )
    assert locked.status_code == 429
    assert "wait 15 min" in locked.json()["detail"]
    assert int(locked.headers["retry-after"]) == 901
    assert (await api.login("zhao.lei"))["Authorization"]  # other names are not affected
    api.clock.advance(timedelta(minutes=15))
    assert (await api.login("wang.fang"))["Authorization"]

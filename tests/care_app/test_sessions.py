"""Sessions and forms without a browser: expiry on the injected clock, forged cookies, CSRF,
cookie flags, safe redirects, and a login while the cloud API is down."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi.responses import Response

from care_app.app import create_app
from care_app.config import CareAppSettings
from care_app.session import COOKIE, Session
from contracts.clock import FakeClock
from tests.servers import free_port

SECRET_ENV = "SG_TEST_CARE_APP_SESSION_SECRET"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 24, 3, 0, tzinfo=UTC))


@pytest.fixture
async def client(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    monkeypatch.setenv(SECRET_ENV, "a-session-secret-for-tests-0123456789")
    nobody = f"http://127.0.0.1:{free_port()}"  # nothing listens: the APIs are down
    settings = CareAppSettings(
        cloud_api_url=nobody, alerting_api_url=nobody, session_secret_env=SECRET_ENV
    )
    app = create_app(settings, clock)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://app.test") as c:
        c.app = app  # type: ignore[attr-defined]
        yield c


def _cookie(client: httpx.AsyncClient, session: Session) -> str:
    pages = client.app.state.pages  # type: ignore[attr-defined]
    response = Response()
    pages.set_session(response, session)
    header = response.headers["set-cookie"]
    assert "HttpOnly" in header
    assert "SameSite=strict" in header
    assert "Max-Age=900" in header
    return str(header.split(";")[0].split("=", 1)[1])


SESSION = Session("not-a-real-token", "cw-0001", "王芳", "care_worker", "the-csrf-token")


async def test_pages_need_a_login(client: httpx.AsyncClient) -> None:
    for path in ("/", "/incidents/x", "/residents/res-0001", "/console"):
        response = await client.get(path)
        assert (response.status_code, response.headers["location"]) == (303, "/login")
    forged = await client.get("/", headers={"Cookie": f"{COOKIE}=eyJmb3JnZWQiOnRydWV9.AAAA.BBBB"})
    assert forged.headers["location"] == "/login"


async def test_a_session_expires(client: httpx.AsyncClient, clock: FakeClock) -> None:
    cookie = _cookie(client, SESSION)
    clock.advance(timedelta(minutes=14))
    still = await client.get("/", headers={"Cookie": f"{COOKIE}={cookie}"})
    assert still.status_code == 503  # logged in; the router is down, which the page says
    assert "服务暂时无响应" in still.text
    clock.advance(timedelta(minutes=2))
    over = await client.get("/", headers={"Cookie": f"{COOKIE}={cookie}"})
    assert (over.status_code, over.headers["location"]) == (303, "/login")


async def test_forms_need_the_sessions_csrf_token(client: httpx.AsyncClient) -> None:
    cookie = {"Cookie": f"{COOKIE}={_cookie(client, SESSION)}"}
    for data in ({}, {"csrf": "guessed"}):
        refused = await client.post("/incidents/abc/accept", data=data, headers=cookie)
        assert refused.status_code == 403
        assert "表单已过期" in refused.text
    closing = await client.post("/incidents/abc/close", data={"csrf": "x"}, headers=cookie)
    assert closing.status_code == 403
    down = await client.post(
        "/incidents/abc/accept", data={"csrf": "the-csrf-token"}, headers=cookie
    )
    assert down.status_code == 503  # accepted by the app, the router did not answer


async def test_the_language_switch_stays_on_this_site(client: httpx.AsyncClient) -> None:
    english = await client.get("/lang/en", params={"next": "/incidents/x"})
    assert english.headers["location"] == "/incidents/x"
    assert "sg_lang=en" in english.headers["set-cookie"]
    for target in ("//evil.example/", "https://evil.example/"):
        away = await client.get("/lang/en", params={"next": target})
        assert away.headers["location"] == "/"
    page = await client.get("/login", headers={"Cookie": "sg_lang=en"})
    assert '<html lang="en">' in page.text
    assert "Username" in page.text
    client.cookies.clear()  # the switch's cookie stayed in the client's jar
    default = await client.get("/login")
    assert '<html lang="zh-CN">' in default.text
    assert "用户名" in default.text


async def test_a_login_while_the_cloud_is_down_says_so(client: httpx.AsyncClient) -> None:
    response = await client.post("/login", data={"username": "wang.fang", "password": "x"})
    assert response.status_code == 503
    assert "服务暂时无响应" in response.text
    assert COOKIE not in response.headers.get("set-cookie", "")

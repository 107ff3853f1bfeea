"""Server-side clients of the cloud REST API and the alert router's API.

Every call carries the logged-in person's access token; the browser never sees it. Transport
failures and error answers become :class:`ApiError` with the API's own explanation.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import httpx

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An API call failed: ``status`` is its HTTP status (503 when it did not answer)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def segment(value: str) -> str:
    """``value`` as one path segment of an API URL: whatever a browser put in the app's own
    URL (``?``, ``#``, ``..``, control characters) cannot change which API route is called.

    >>> segment("01JDZ3S3G2J8T0V0G8W6ZQ4C0Y"), segment("a?b#c"), segment(".."), segment("x\x16")
    ('01JDZ3S3G2J8T0V0G8W6ZQ4C0Y', 'a%3Fb%23c', '%2E%2E', 'x%16')
    """
    quoted = quote(value, safe="")
    return quoted.replace(".", "%2E") if quoted in (".", "..") else quoted


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300] or response.reason_phrase
    if isinstance(body, dict) and "detail" in body:
        detail = body["detail"]
        return detail if isinstance(detail, str) else str(detail)
    return str(body)[:300]


class Apis:
    """Both APIs behind one pooled HTTP client."""

    def __init__(self, cloud_url: str, alerting_url: str, *, timeout_s: float) -> None:
        self.cloud_url = cloud_url.rstrip("/")
        self.alerting_url = alerting_url.rstrip("/")
        self._http = httpx.AsyncClient(timeout=timeout_s)

    async def aclose(self) -> None:
        """Close the pooled connections."""
        await self._http.aclose()

    async def _call(
        self, method: str, url: str, token: str | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            response = await self._http.request(method, url, headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            log.warning("API call %s %s failed: %s", method, url.split("?", maxsplit=1)[0], exc)
            raise ApiError(503, f"the service did not answer ({type(exc).__name__})") from exc
        if response.status_code >= 400:
            raise ApiError(response.status_code, _detail(response))
        data: dict[str, Any] = response.json()
        return data

    async def cloud(self, method: str, path: str, token: str | None, **kwargs: Any) -> Any:
        """Call the cloud REST API (``path`` starts with ``/api/v1``)."""
        return await self._call(method, f"{self.cloud_url}{path}", token, **kwargs)

    async def alerting(self, method: str, path: str, token: str, **kwargs: Any) -> Any:
        """Call the alert router's API (``path`` starts with ``/api/v1``)."""
        return await self._call(method, f"{self.alerting_url}{path}", token, **kwargs)

    async def login(self, username: str, password: str) -> str:
        """The access token for a username and password (OAuth2 password flow)."""
        body = await self.cloud(
            "POST", "/api/v1/auth/token", None, data={"username": username, "password": password}
        )
        return str(body["access_token"])

    async def cloud_items(
        self, path: str, token: str, limit: int = 200, **query: str
    ) -> list[dict[str, Any]]:
        """Every item of a paginated cloud list (at most ``limit``), filtered by ``query``."""
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        while len(items) < limit:
            params: dict[str, Any] = {**query, "limit": min(100, limit - len(items))}
            if cursor:
                params["cursor"] = cursor
            page = await self.cloud("GET", path, token, params=params)
            items.extend(page["items"])
            cursor = page.get("next_cursor")
            if not cursor:
                break
        return items

    async def stream_lines(self, token: str) -> AsyncIterator[str]:
        """The lines of the router's SSE stream of my incidents, until it ends."""
        url = f"{self.alerting_url}/api/v1/me/stream"
        headers = {"Authorization": f"Bearer {token}"}
        timeout = httpx.Timeout(10.0, read=None)
        try:
            async with self._http.stream("GET", url, headers=headers, timeout=timeout) as response:
                if response.status_code >= 400:
                    await response.aread()
                    raise ApiError(response.status_code, _detail(response))
                async for line in response.aiter_lines():
                    yield line
        except httpx.HTTPError as exc:
            raise ApiError(503, f"the live queue stopped ({type(exc).__name__})") from exc

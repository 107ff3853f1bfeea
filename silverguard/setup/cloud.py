"""The setup's calls to the cloud REST API (httpx): registration, devices, resident, events.

Every HTTP failure becomes a :class:`SetupError` saying what to do.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

from silverguard.setup.errors import SetupError

log = logging.getLogger(__name__)


class CloudApi:
    """A thin client of the cloud API for one installation."""

    def __init__(self, base_url: str, *, transport: httpx.BaseTransport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, timeout=20.0, transport=transport)
        self._token: str | None = None

    def close(self) -> None:
        """Release the connection pool."""
        self._http.close()

    def _call(
        self, method: str, path: str, what: str, *, expect: tuple[int, ...] = (200,), **kw: Any
    ) -> Any:
        try:
            response = self._http.request(method, path, **kw)
        except httpx.HTTPError as exc:
            raise SetupError(
                f"cannot reach the cloud API at {self.base_url} to {what} ({exc})",
                advice="check the gateway's internet link and --cloud-url, then run setup again",
            ) from exc
        if response.status_code not in expect:
            try:
                detail = response.json().get("detail", response.text)
            except ValueError:
                detail = response.text
            raise SetupError(
                f"the cloud refused to {what}: HTTP {response.status_code}: {detail}",
                advice="fix what the cloud says, then run setup again (it resumes here)",
            )
        return response.json() if response.content else None

    def register(self, code: str) -> dict[str, Any]:
        """Consume the one-time code; the gateway's credentials (shown once)."""
        return dict(
            self._call(
                "POST", "/api/v1/gateways/register", "register the gateway", json={"code": code}
            )
        )

    def broker_account(self, username: str, password: str) -> dict[str, Any]:
        """Ask the cloud to make this gateway a broker user now."""
        return dict(
            self._call(
                "POST",
                "/api/v1/gateway/broker-account",
                "create the broker account",
                auth=(username, password),
            )
        )

    def record_device(
        self, auth: tuple[str, str], device_id: str, kind: str, serial: str | None, label: str
    ) -> None:
        """Record a paired device in the cloud (idempotent)."""
        body = {"kind": kind, "serial": serial, "label": label}
        self._call(
            "PUT",
            f"/api/v1/gateway/devices/{device_id}",
            f"record device {device_id}",
            json=body,
            auth=auth,
        )

    def gateway_self(self, auth: tuple[str, str]) -> dict[str, Any]:
        """The gateway's own record (state, last seen)."""
        return dict(self._call("GET", "/api/v1/gateway/self", "read the gateway", auth=auth))

    def upload_report(self, auth: tuple[str, str], body: dict[str, Any]) -> dict[str, Any]:
        """Keep the commissioning report in the cloud (as the gateway); the receipt."""
        return dict(
            self._call(
                "POST",
                "/api/v1/gateway/commissioning-reports",
                "upload the commissioning report",
                expect=(201,),
                json=body,
                auth=auth,
            )
        )

    def reports(self, gateway_id: str) -> list[dict[str, Any]]:
        """The gateway's commissioning reports, newest first (operator login)."""
        page = self._call(
            "GET",
            f"/api/v1/gateways/{gateway_id}/commissioning-reports",
            "read commissioning reports",
            headers=self._bearer(),
        )
        return list(page["items"])

    def login(self, username: str, password: str) -> None:
        """Log in as the operator who binds the home (OAuth2 password flow)."""
        token = self._call(
            "POST",
            "/api/v1/auth/token",
            "log the operator in",
            data={"username": username, "password": password},
        )
        self._token = str(token["access_token"])

    def bearer(self) -> dict[str, str]:
        """The operator's login as an ``Authorization`` header (the alert router accepts it too)."""
        return self._bearer()

    def _bearer(self) -> dict[str, str]:
        if self._token is None:
            raise SetupError(
                "this step needs an operator login",
                advice="give --operator-user and the password in the environment variable "
                "named by --operator-password-env",
            )
        return {"Authorization": f"Bearer {self._token}"}

    def resident(self, resident_id: str) -> dict[str, Any]:
        """A resident with the eligibility rule's answer (audited read)."""
        return dict(
            self._call(
                "GET",
                f"/api/v1/residents/{resident_id}",
                "read the resident",
                headers=self._bearer(),
            )
        )

    def override_eligibility(self, resident_id: str, reason: str) -> dict[str, Any]:
        """Override the eligibility rule with a reason (audited by the API)."""
        return dict(
            self._call(
                "PUT",
                f"/api/v1/residents/{resident_id}/eligibility-override",
                "override the eligibility rule",
                headers=self._bearer(),
                json={"eligible": True, "reason": reason},
            )
        )

    def bind_resident(self, home_id: str, resident_id: str, reason: str) -> dict[str, Any]:
        """Bind the home to the resident (audited)."""
        return dict(
            self._call(
                "PUT",
                f"/api/v1/homes/{home_id}/resident",
                "bind the home",
                headers=self._bearer(),
                json={"resident_id": resident_id, "reason": reason},
            )
        )

    def events(self, gateway_id: str) -> list[dict[str, Any]]:
        """The latest events of the organisation that came from ``gateway_id``."""
        page = self._call(
            "GET", "/api/v1/events", "read events", headers=self._bearer(), params={"limit": 200}
        )
        return [e for e in page["items"] if e.get("gateway_id") == gateway_id]

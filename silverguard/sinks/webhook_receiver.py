"""A real HTTP webhook receiver that verifies Silverguard's HMAC signatures."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from contracts.signing import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignatureError,
    verify_webhook,
)
from silverguard.sinks.http_server import LocalHttpServer, ServedRoutes


@dataclass(frozen=True)
class ReceivedWebhook:
    """One verified delivery."""

    received_monotonic: float
    path: str
    name: str
    payload: dict[str, Any]


@dataclass
class WebhookReceiver(ServedRoutes):
    """Serves ``POST /hooks/{name}`` on loopback; rejects bad signatures with 401.

    Use ``async with WebhookReceiver(secret, port=...)``; ``deliveries`` holds verified ones,
    ``rejected`` the reasons for the others, ``hits`` counts requests per hook name.
    ``answer(name, hit)`` may script the HTTP status of a verified request (e.g. 500 on the
    first hit, to show retries); anything but 2xx is not recorded as delivered.
    """

    secret: bytes
    host: str = "127.0.0.1"
    port: int = 0
    on_delivery: Callable[[ReceivedWebhook], None] | None = None
    answer: Callable[[str, int], int] | None = None
    deliveries: list[ReceivedWebhook] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    hits: dict[str, int] = field(default_factory=dict)
    _server: LocalHttpServer | None = None

    async def _hook(self, request: Request) -> JSONResponse:
        body = await request.body()
        name = str(request.path_params["name"])
        self.hits[name] = self.hits.get(name, 0) + 1
        try:
            verify_webhook(
                self.secret,
                request.headers.get(TIMESTAMP_HEADER),
                request.headers.get(SIGNATURE_HEADER),
                body,
                now_s=time.time(),
            )
            payload = json.loads(body)
        except (SignatureError, ValueError) as exc:
            self.rejected.append(str(exc))
            return JSONResponse({"error": str(exc)}, status_code=401)
        status = self.answer(name, self.hits[name]) if self.answer is not None else 200
        if not 200 <= status < 300:
            return JSONResponse({"error": f"scripted answer {status}"}, status_code=status)
        delivery = ReceivedWebhook(time.monotonic(), request.url.path, name, payload)
        self.deliveries.append(delivery)
        if self.on_delivery is not None:
            self.on_delivery(delivery)
        return JSONResponse({"ok": True})

    def url(self, name: str) -> str:
        """The URL of hook ``name``."""
        return f"{self.base_url}/hooks/{name}"

    def payloads(self, name: str) -> list[dict[str, Any]]:
        """The verified payloads delivered to hook ``name``, oldest first."""
        return [d.payload for d in self.deliveries if d.name == name]

    @property
    def base_url(self) -> str:
        """``http://host:port``."""
        return f"http://{self.host}:{self.port}"

    def _routes(self) -> list[BaseRoute]:
        return [Route("/hooks/{name}", self._hook, methods=["POST"])]

    async def wait_for(self, count: int, timeout_s: float) -> list[ReceivedWebhook]:
        """Wait until at least ``count`` verified deliveries arrived."""
        async with asyncio.timeout(timeout_s):
            while len(self.deliveries) < count:
                await asyncio.sleep(0.02)
        return list(self.deliveries)

"""DingTalk and WeCom group robots on loopback, checking credentials the way the real ones do.

``DingTalkRobotEmulator`` serves ``POST /robot/send?access_token=…&timestamp=…&sign=…`` and
answers ``errcode`` 310000 for a bad signature or a timestamp more than an hour off, 300001
for an unknown token; ``WeComRobotEmulator`` serves ``POST /cgi-bin/webhook/send?key=…`` and
answers 93000 for an unknown key. ``answer(hit)`` may script another ``errcode`` (e.g. 130101
or 45009: sending too fast).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from alerting.channels.dingtalk.sender import dingtalk_sign
from silverguard.sinks.http_server import LocalHttpServer, ServedRoutes, random_credential

__all__ = ["DingTalkRobotEmulator", "WeComRobotEmulator"]

MAX_CLOCK_SKEW_MS = 3600 * 1000


@dataclass
class _RobotBase(ServedRoutes):
    host: str = "127.0.0.1"
    port: int = 0
    answer: Callable[[int], int] | None = None
    messages: list[dict[str, Any]] = field(default_factory=list)
    refusals: list[int] = field(default_factory=list)
    hits: int = 0
    _server: LocalHttpServer | None = None

    @property
    def base_url(self) -> str:
        """``http://host:port``."""
        return f"http://{self.host}:{self.port}"

    def _reply(self, errcode: int, body: bytes) -> JSONResponse:
        if errcode == 0 and self.answer is not None:
            errcode = self.answer(self.hits)
        if errcode != 0:
            self.refusals.append(errcode)
            return JSONResponse({"errcode": errcode, "errmsg": f"emulated error {errcode}"})
        self.messages.append(json.loads(body))
        return JSONResponse({"errcode": 0, "errmsg": "ok"})


@dataclass
class DingTalkRobotEmulator(_RobotBase):
    """One DingTalk custom robot with 加签 (``access_token`` and ``secret``)."""

    access_token: str = field(default_factory=random_credential)
    secret: str = field(default_factory=random_credential)

    @property
    def url(self) -> str:
        """The robot API address (``channels.dingtalk.base_url``)."""
        return f"{self.base_url}/robot/send"

    async def _send(self, request: Request) -> JSONResponse:
        self.hits += 1
        body = await request.body()
        q = request.query_params
        if q.get("access_token") != self.access_token:
            return self._reply(300001, body)
        try:
            timestamp_ms = int(q.get("timestamp", ""))
        except ValueError:
            return self._reply(310000, body)
        fresh = abs(time.time() * 1000 - timestamp_ms) <= MAX_CLOCK_SKEW_MS
        if not fresh or q.get("sign") != dingtalk_sign(self.secret, timestamp_ms):
            return self._reply(310000, body)
        return self._reply(0, body)

    def _routes(self) -> list[BaseRoute]:
        return [Route("/robot/send", self._send, methods=["POST"])]


@dataclass
class WeComRobotEmulator(_RobotBase):
    """One WeCom group robot (its webhook ``key``)."""

    key: str = field(default_factory=random_credential)

    @property
    def url(self) -> str:
        """The robot API address (``channels.wecom.base_url``)."""
        return f"{self.base_url}/cgi-bin/webhook/send"

    async def _send(self, request: Request) -> JSONResponse:
        self.hits += 1
        body = await request.body()
        if request.query_params.get("key") != self.key:
            return self._reply(93000, body)
        return self._reply(0, body)

    def _routes(self) -> list[BaseRoute]:
        return [Route("/cgi-bin/webhook/send", self._send, methods=["POST"])]

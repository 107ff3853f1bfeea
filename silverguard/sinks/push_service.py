"""A real Web Push service on loopback: checks VAPID, decrypts the payload like a phone would.

It plays both the browser vendor's push service (RFC 8030: ``POST /push/{id}`` answers 201
with a receipt ``Location``) and the phone (it holds each subscription's private key and
auth secret and decrypts the aes128gcm body, RFC 8291). A push is recorded only if its VAPID
JWT (RFC 8292) verifies against the key in its ``Authorization`` header, names this service
as ``aud``, has an ``exp`` within 24 h and a ``sub``, and the body decrypts.

Example:
    >>> keys = SubscriberKeys.generate()
    >>> len(keys.p256dh_b64url) > 80, len(keys.auth_b64url) >= 22
    (True, True)
"""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from silverguard.sinks.http_server import LocalHttpServer, ServedRoutes

__all__ = ["PushServiceEmulator", "ReceivedPush", "SubscriberKeys"]

MAX_VAPID_LIFETIME_S = 24 * 3600


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class SubscriberKeys:
    """A browser's subscription key pair and auth secret."""

    private_key: ec.EllipticCurvePrivateKey
    auth: bytes

    @classmethod
    def generate(cls) -> SubscriberKeys:
        """Fresh keys, as a browser makes them when the user allows notifications."""
        return cls(ec.generate_private_key(ec.SECP256R1()), os.urandom(16))

    @property
    def p256dh_b64url(self) -> str:
        """The public key the app sends to the server (``keys.p256dh``)."""
        raw = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return _b64url(raw)

    @property
    def auth_b64url(self) -> str:
        """The auth secret the app sends to the server (``keys.auth``)."""
        return _b64url(self.auth)


@dataclass(frozen=True)
class ReceivedPush:
    """One push that verified and decrypted."""

    received_monotonic: float
    subscription_id: str
    payload: dict[str, Any]
    ttl: str | None
    urgency: str | None
    topic: str | None
    vapid_subject: str


@dataclass
class PushServiceEmulator(ServedRoutes):
    """``async with PushServiceEmulator() as push:``; ``push.subscribe("cw-0001")`` gives the
    subscription JSON a phone would hand to the app. ``answer(id, hit)`` may script an HTTP
    status (e.g. 410 to play an expired subscription, 503 for an outage)."""

    host: str = "127.0.0.1"
    port: int = 0
    answer: Callable[[str, int], int] | None = None
    deliveries: list[ReceivedPush] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    hits: dict[str, int] = field(default_factory=dict)
    _keys: dict[str, SubscriberKeys] = field(default_factory=dict)
    _server: LocalHttpServer | None = None

    @property
    def base_url(self) -> str:
        """``http://host:port``."""
        return f"http://{self.host}:{self.port}"

    def subscribe(self, subscription_id: str) -> dict[str, Any]:
        """A new subscription (``PushSubscription.toJSON()`` shape) whose pushes land here."""
        keys = self._keys.setdefault(subscription_id, SubscriberKeys.generate())
        return {
            "endpoint": f"{self.base_url}/push/{subscription_id}",
            "keys": {"p256dh": keys.p256dh_b64url, "auth": keys.auth_b64url},
        }

    def payloads(self, subscription_id: str) -> list[dict[str, Any]]:
        """Decrypted payloads pushed to ``subscription_id``, oldest first."""
        return [d.payload for d in self.deliveries if d.subscription_id == subscription_id]

    def _check_vapid(self, authorization: str | None) -> str:
        """The VAPID ``sub`` if the header verifies; raises ValueError saying why not."""
        if not authorization or not authorization.lower().startswith("vapid "):
            raise ValueError("no 'Authorization: vapid t=…, k=…' header")
        parts = dict(
            item.strip().split("=", 1) for item in authorization[6:].split(",") if "=" in item
        )
        token = parts.get("t", "")
        if not Vapid.verify(authorization):
            raise ValueError("VAPID signature does not verify against its key")
        claims = json.loads(_unb64url(token.split(".")[1]))
        if claims.get("aud") != self.base_url:
            raise ValueError(f"VAPID aud {claims.get('aud')!r} is not {self.base_url!r}")
        now = time.time()
        if not now < float(claims.get("exp", 0)) <= now + MAX_VAPID_LIFETIME_S:
            raise ValueError("VAPID exp is in the past or more than 24 h ahead")
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise ValueError("VAPID JWT has no sub")
        return subject

    async def _push(self, request: Request) -> Response:  # noqa: PLR0911 (one per RFC check)
        sub_id = str(request.path_params["sub_id"])
        self.hits[sub_id] = self.hits.get(sub_id, 0) + 1
        keys = self._keys.get(sub_id)
        if keys is None:
            return JSONResponse({"error": "no such subscription"}, status_code=404)
        try:
            subject = self._check_vapid(request.headers.get("authorization"))
        except (ValueError, AssertionError, IndexError) as exc:
            self.rejected.append(f"vapid: {exc}")
            return JSONResponse({"error": str(exc)}, status_code=401)
        if request.headers.get("content-encoding") != "aes128gcm":
            self.rejected.append("content-encoding is not aes128gcm")
            return JSONResponse({"error": "content-encoding must be aes128gcm"}, 415)
        if request.headers.get("ttl") is None:
            self.rejected.append("no TTL header")
            return JSONResponse({"error": "TTL header required (RFC 8030)"}, status_code=400)
        try:
            plain = http_ece.decrypt(
                await request.body(),
                private_key=keys.private_key,
                auth_secret=keys.auth,
                version="aes128gcm",
            )
            payload = json.loads(plain)
        except Exception as exc:  # http_ece raises bare errors on a bad body
            self.rejected.append(f"decrypt: {exc!r}")
            return JSONResponse({"error": "payload does not decrypt"}, status_code=400)
        status = self.answer(sub_id, self.hits[sub_id]) if self.answer is not None else 201
        if not 200 <= status < 300:
            return JSONResponse({"error": f"scripted answer {status}"}, status_code=status)
        self.deliveries.append(
            ReceivedPush(
                time.monotonic(),
                sub_id,
                payload,
                request.headers.get("ttl"),
                request.headers.get("urgency"),
                request.headers.get("topic"),
                subject,
            )
        )
        location = f"{self.base_url}/receipts/{len(self.deliveries)}"
        return Response(status_code=201, headers={"Location": location})

    def _routes(self) -> list[BaseRoute]:
        return [Route("/push/{sub_id}", self._push, methods=["POST"])]

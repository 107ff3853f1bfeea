"""Telecom providers on loopback, implementing their documented request contracts.

* ``AliyunSmsEmulator``: Alibaba Cloud SMS ``SendSms`` (RPC style). Checks the AccessKeyId,
  the HMAC-SHA1 ``Signature`` over every parameter, that ``Timestamp`` is within 15 minutes
  and that no ``SignatureNonce`` is used twice, and answers ``{"Code": "OK", "BizId": …}`` or
  the documented error codes (``SignatureDoesNotMatch``, ``InvalidAccessKeyId.NotFound``,
  ``SignatureNonceUsed``, ``isv.MOBILE_NUMBER_ILLEGAL``).
* ``VoiceProviderEmulator``: a Twilio-compatible Calls API. Checks HTTP Basic auth, records
  the call and its TwiML, answers 201 ``{"sid": "CA…"}``; ``press(call, "1")`` plays the
  callee pressing a key: it posts the ``<Gather>`` action with ``X-Twilio-Signature`` exactly
  as the provider would.

Sending real SMS or calls cannot happen here, so these stand in for the providers; the
senders are tested against the providers' documented formats through them.
"""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from xml.etree import ElementTree

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from alerting.channels.sms.signing import rpc_signature
from alerting.channels.voice.signing import twilio_signature
from silverguard.sinks.http_server import LocalHttpServer, ServedRoutes, random_credential

__all__ = ["AliyunSmsEmulator", "PlacedCall", "VoiceProviderEmulator"]

MAX_TIMESTAMP_SKEW_S = 15 * 60
_PHONE = re.compile(r"^\+?\d{6,16}$")


@dataclass
class AliyunSmsEmulator(ServedRoutes):
    """``async with AliyunSmsEmulator() as sms``; ``sms.url`` is ``channels.sms.endpoint``."""

    access_key_id: str = "LTAI-test-key-id"
    access_key_secret: str = field(default_factory=random_credential)
    host: str = "127.0.0.1"
    port: int = 0
    answer: Callable[[int], str] | None = None
    messages: list[dict[str, str]] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    hits: int = 0
    _nonces: set[str] = field(default_factory=set)
    _server: LocalHttpServer | None = None

    @property
    def url(self) -> str:
        """The API endpoint."""
        return f"http://{self.host}:{self.port}/"

    def _check(self, params: dict[str, str]) -> str:  # noqa: PLR0911 (one per documented code)
        if params.get("AccessKeyId") != self.access_key_id:
            return "InvalidAccessKeyId.NotFound"
        if params.get("Signature") != rpc_signature("POST", params, self.access_key_secret):
            return "SignatureDoesNotMatch"
        try:
            sent = datetime.strptime(params.get("Timestamp", ""), "%Y-%m-%dT%H:%M:%SZ")
        except ValueError:
            return "InvalidTimeStamp.Format"
        if abs(sent.replace(tzinfo=UTC).timestamp() - time.time()) > MAX_TIMESTAMP_SKEW_S:
            return "InvalidTimeStamp.Expired"
        nonce = params.get("SignatureNonce", "")
        if not nonce or nonce in self._nonces:
            return "SignatureNonceUsed"
        self._nonces.add(nonce)
        if params.get("Action") != "SendSms" or params.get("Version") != "2017-05-25":
            return "InvalidAction.NotFound"
        if not _PHONE.match(params.get("PhoneNumbers", "")):
            return "isv.MOBILE_NUMBER_ILLEGAL"
        return self.answer(self.hits) if self.answer is not None else "OK"

    async def _send(self, request: Request) -> JSONResponse:
        self.hits += 1
        params = {k: str(v) for k, v in (await request.form()).items()}
        code = self._check(params)
        request_id = f"req-{self.hits}"
        if code != "OK":
            self.refusals.append(code)
            status = 400 if code.startswith(("Invalid", "Signature")) else 200
            return JSONResponse(
                {"Code": code, "Message": f"emulated {code}", "RequestId": request_id},
                status_code=status,
            )
        self.messages.append(params)
        return JSONResponse(
            {"Code": "OK", "Message": "OK", "BizId": f"biz-{self.hits}", "RequestId": request_id}
        )

    def _routes(self) -> list[BaseRoute]:
        return [Route("/", self._send, methods=["POST"])]


@dataclass(frozen=True)
class PlacedCall:
    """A call the provider was asked to place."""

    sid: str
    to: str
    from_: str
    said: str
    gather_action: str | None


@dataclass
class VoiceProviderEmulator(ServedRoutes):
    """``async with VoiceProviderEmulator() as voice``; ``voice.url`` is ``channels.voice.
    api_base``. ``answer(hit)`` may script an HTTP status (e.g. 503 or 429)."""

    account_sid: str = "AC0123456789abcdef0123456789abcdef"
    auth_token: str = field(default_factory=random_credential)
    host: str = "127.0.0.1"
    port: int = 0
    answer: Callable[[int], int] | None = None
    calls: list[PlacedCall] = field(default_factory=list)
    refusals: list[int] = field(default_factory=list)
    hits: int = 0
    _server: LocalHttpServer | None = None

    @property
    def url(self) -> str:
        """The API base."""
        return f"http://{self.host}:{self.port}"

    def _authorised(self, request: Request, account: str) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return account == self.account_sid and request.headers.get("authorization") == (
            f"Basic {expected}"
        )

    async def _create(self, request: Request) -> JSONResponse:
        self.hits += 1
        if not self._authorised(request, str(request.path_params["account"])):
            self.refusals.append(401)
            return JSONResponse({"code": 20003, "message": "Authenticate"}, status_code=401)
        form = {k: str(v) for k, v in (await request.form()).items()}
        if not _PHONE.match(form.get("To", "")):
            self.refusals.append(400)
            return JSONResponse(
                {"code": 21211, "message": "The 'To' number is not a valid phone number."},
                status_code=400,
            )
        status = self.answer(self.hits) if self.answer is not None else 201
        if status != 201:
            self.refusals.append(status)
            return JSONResponse({"code": 20500, "message": "emulated"}, status_code=status)
        # TwiML from our own sender on loopback, not untrusted input
        root = ElementTree.fromstring(form.get("Twiml", "<Response/>"))  # noqa: S314
        gather = root.find("Gather")
        said = " ".join(el.text or "" for el in root.iter("Say"))
        sid = f"CA{len(self.calls) + 1:032d}"
        self.calls.append(
            PlacedCall(
                sid,
                form["To"],
                form.get("From", ""),
                said,
                gather.get("action") if gather is not None else None,
            )
        )
        return JSONResponse({"sid": sid, "status": "queued"}, status_code=201)

    async def press(self, call: PlacedCall, digits: str) -> httpx.Response:
        """The callee presses ``digits``: post the Gather action, signed like the provider."""
        if call.gather_action is None:
            raise ValueError(f"call {call.sid} asked for no key press")
        params = {
            "AccountSid": self.account_sid,
            "CallSid": call.sid,
            "Digits": digits,
            "From": call.from_,
            "To": call.to,
        }
        signature = twilio_signature(self.auth_token, call.gather_action, params)
        async with httpx.AsyncClient() as client:
            return await client.post(
                call.gather_action, data=params, headers={"X-Twilio-Signature": signature}
            )

    def _routes(self) -> list[BaseRoute]:
        return [Route("/2010-04-01/Accounts/{account}/Calls.json", self._create, methods=["POST"])]

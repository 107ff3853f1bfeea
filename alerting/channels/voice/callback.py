"""The "press 1 to accept" callback: the provider posts the key pressed during the call.

``POST /voice/gather/{accept_token}`` with the provider's form fields (``Digits``,
``CallSid``, …) and ``X-Twilio-Signature``. A bad signature gets 403 and changes nothing; "1"
accepts the incident for the person the token was issued to (the same token as the accept
link, so the same rules apply); any other key or none plays a short answer and changes nothing.

Example:
    >>> print(twiml_say("已接单，谢谢。", "zh-CN"))
    <?xml version="1.0" encoding="UTF-8"?><Response><Say language="zh-CN">已接单，谢谢。</Say>...
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from xml.sax.saxutils import escape, quoteattr

from fastapi import APIRouter, Request
from fastapi.responses import Response

from alerting.channels.voice.config import VoiceChannelSettings
from alerting.channels.voice.sender import GATHER_PATH
from alerting.channels.voice.signing import verify_twilio_signature

log = logging.getLogger(__name__)

AcceptByToken = Callable[[str], bool | None]
"""Accepts the incident a token names for the person it names: True accepted (or already
accepted by them), False someone else has it or it is closed, None the token is invalid."""


def twiml_say(text: str, language: str) -> str:
    """A TwiML response that says ``text`` and hangs up."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?><Response>'
        f"<Say language={quoteattr(language)}>{escape(text)}</Say></Response>"
    )


def voice_router(
    settings: VoiceChannelSettings, public_base_url: str, accept: AcceptByToken
) -> APIRouter:
    """The callback route, checking signatures against the account's auth token."""
    _, auth_token = settings.credentials()
    base = public_base_url.rstrip("/")
    router = APIRouter()

    def xml(text: str, status: int = 200) -> Response:
        return Response(
            twiml_say(text, settings.language), status_code=status, media_type="application/xml"
        )

    @router.post(GATHER_PATH + "{token}", include_in_schema=False)
    async def gather(token: str, request: Request) -> Response:
        form = await request.form()
        params = {k: str(v) for k, v in form.items()}
        url = f"{base}{GATHER_PATH}{token}"
        if not verify_twilio_signature(
            auth_token, url, params, request.headers.get("x-twilio-signature")
        ):
            log.warning(
                "voice callback with a bad signature refused (call %s)", params.get("CallSid")
            )
            return xml("签名无效。", status=403)
        if params.get("Digits") != "1":
            return xml("未接单。如需接单，请打开通知中的链接。")
        outcome = accept(token)
        if outcome is None:
            return xml("该通知已失效，请打开应用查看最新通知。")
        if outcome:
            return xml("已接单，谢谢。请尽快联系住户。")
        return xml("该事件已由其他人员接单或已结束。")

    return router

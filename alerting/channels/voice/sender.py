r"""Voice call: reads the alert aloud and asks "press 1 to accept" (按1接单).

The call is created with the provider's Calls API (``POST /2010-04-01/Accounts/{sid}/
Calls.json``, HTTP Basic auth, inline TwiML). The TwiML ``<Gather>`` posts the key pressed to
``{public_base_url}/voice/gather/{accept_token}``, where :mod:`alerting.channels.voice.callback`
verifies the provider's signature and accepts the incident for the person called. A created
call (HTTP 201, its ``sid`` the receipt) counts as delivered; whether it was answered shows in
the incident's acceptance, and the escalation goes on if nobody presses 1.

Example:
    >>> xml = call_twiml("住户 res-0001，跌倒。", "https://sg.example/voice/gather/T", "zh-CN", 10)
    >>> print(xml.replace("><", ">\n<"))
    <?xml version="1.0" encoding="UTF-8"?>
    <Response>
    <Gather input="dtmf" numDigits="1" timeout="10" action="https://sg.example/voice/gather/T" ...>
    <Say language="zh-CN">住户 res-0001，跌倒。接单请按1。</Say>
    </Gather>
    <Say language="zh-CN">未收到按键，系统将继续通知其他人员。</Say>
    </Response>
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

import httpx

from alerting.channels.base import DeliveryReceipt, Notice
from alerting.channels.http import raise_for_status, send_request
from alerting.channels.text import spoken
from alerting.channels.voice.config import VoiceChannelSettings
from alerting.errors import PermanentDeliveryError

GATHER_PATH = "/voice/gather/"


def call_twiml(text: str, action_url: str, language: str, timeout_s: int) -> str:
    """The TwiML the call plays: the alert, then wait for one key."""
    lang = quoteattr(language)
    return (
        '<?xml version="1.0" encoding="UTF-8"?><Response>'
        f'<Gather input="dtmf" numDigits="1" timeout="{timeout_s}" '
        f'action={quoteattr(action_url)} method="POST">'
        f"<Say language={lang}>{escape(text)}接单请按1。</Say></Gather>"
        f"<Say language={lang}>未收到按键，系统将继续通知其他人员。</Say></Response>"
    )


class VoiceSender:
    """Places one call per notification (``notice.target`` is the E.164 phone number)."""

    def __init__(
        self, settings: VoiceChannelSettings, client: httpx.AsyncClient, public_base_url: str
    ) -> None:
        self._sid, self._token = settings.credentials()
        self._settings = settings
        self._client = client
        self._public_base_url = public_base_url.rstrip("/")

    async def send(self, notice: Notice) -> DeliveryReceipt:
        """Create the call; raise a retryable or permanent error if the provider refuses."""
        action = f"{self._public_base_url}{GATHER_PATH}{notice.accept_token}"
        twiml = call_twiml(
            spoken(notice), action, self._settings.language, self._settings.gather_timeout_s
        )
        url = f"{self._settings.api_base}/2010-04-01/Accounts/{self._sid}/Calls.json"
        response = await send_request(
            self._client,
            "POST",
            url,
            what="voice provider",
            timeout_s=self._settings.timeout_s,
            auth=(self._sid, self._token),
            data={"To": notice.target, "From": self._settings.from_number, "Twiml": twiml},
        )
        raise_for_status(
            response,
            what="voice provider",
            hint="check the phone number, the caller id and the account credentials",
        )
        try:
            call_sid = str(response.json()["sid"])
        except (ValueError, KeyError, TypeError) as exc:
            raise PermanentDeliveryError(
                f"voice provider answered HTTP {response.status_code} without a call sid: "
                "check api_base points at a Twilio-compatible API"
            ) from exc
        return DeliveryReceipt(response.status_code, f"call {call_sid}")

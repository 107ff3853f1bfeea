"""SMS to a care worker's or family member's phone through Alibaba Cloud's SendSms API.

The request is a signed RPC call (:mod:`alerting.channels.sms.signing`). Alibaba Cloud answers
JSON with ``Code``: ``OK`` is accepted by the operator gateway (``BizId`` is the receipt);
flow control and system errors are retryable; a bad number, template, signature or key is
permanent (retrying cannot fix it).

Example:
    >>> from datetime import UTC, datetime
    >>> from alerting.channels.base import Notice
    >>> n = Notice(incident_id="01JDZ3S3G2J8T0V0G8W6ZQ4C0Y", person_id="cw-0001",
    ...            target="+8613800000000", type="fall", severity="critical",
    ...            warning_class="home_anomaly", resident_id="res-0001", home_id="home-0001",
    ...            summary="impact", opened_at=datetime(2026, 11, 24, 3, 0, tzinfo=UTC),
    ...            accept_url="https://sg.example/a/TOKEN", accept_token="TOKEN")
    >>> template_params(n)
    {'type': '跌倒', 'resident': 'res-0001', 'home': 'home-0001', 'code': 'ZQ4C0Y'}
"""

from __future__ import annotations

import json

import httpx
from ulid import ULID

from alerting.channels.base import DeliveryReceipt, Notice
from alerting.channels.http import raise_for_status, send_request
from alerting.channels.sms.config import SmsChannelSettings
from alerting.channels.sms.signing import rpc_signature
from alerting.errors import PermanentDeliveryError, RetryableDeliveryError
from alerting.incidents.labels import type_label
from contracts.clock import Clock

RETRYABLE_CODES = frozenset(
    {"isv.BUSINESS_LIMIT_CONTROL", "isp.SYSTEM_ERROR", "Throttling.User", "ServiceUnavailable"}
)
API_VERSION = "2017-05-25"


def template_params(notice: Notice) -> dict[str, str]:
    """The template variables: type, resident and home (pseudonymous) and a short code."""
    return {
        "type": type_label(notice.type),
        "resident": notice.resident_id,
        "home": notice.home_id or "-",
        "code": notice.incident_id[-6:],
    }


class SmsSender:
    """Sends one templated SMS per notification (``notice.target`` is the phone number)."""

    def __init__(
        self, settings: SmsChannelSettings, client: httpx.AsyncClient, clock: Clock
    ) -> None:
        self._key_id, self._key_secret = settings.access_key()
        self._settings = settings
        self._client = client
        self._clock = clock

    async def send(self, notice: Notice) -> DeliveryReceipt:
        """Call SendSms; raise a retryable or permanent error if Alibaba Cloud refuses."""
        params = {
            "AccessKeyId": self._key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "OutId": notice.incident_id,
            "PhoneNumbers": notice.target,
            "RegionId": self._settings.region_id,
            "SignName": self._settings.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": str(ULID()),
            "SignatureVersion": "1.0",
            "TemplateCode": self._settings.template_code,
            "TemplateParam": json.dumps(template_params(notice), ensure_ascii=False),
            "Timestamp": self._clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": API_VERSION,
        }
        params["Signature"] = rpc_signature("POST", params, self._key_secret)
        response = await send_request(
            self._client,
            "POST",
            self._settings.endpoint,
            what="SMS gateway",
            timeout_s=self._settings.timeout_s,
            data=params,
        )
        code, message, biz_id = _reply(response)
        if code == "OK":
            return DeliveryReceipt(response.status_code, f"BizId {biz_id}")
        text = f"SMS gateway refused the message: {code} ({message[:200]})"
        if code in RETRYABLE_CODES or response.status_code >= 500:
            raise RetryableDeliveryError(text, code=response.status_code)
        raise_for_status(response, what="SMS gateway", hint="check the AccessKey and template")
        raise PermanentDeliveryError(
            text + "; check the phone number, the approved signature and template, and the "
            "AccessKey",
            code=response.status_code,
        )


def _reply(response: httpx.Response) -> tuple[str, str, str]:
    try:
        reply = response.json()
        return str(reply["Code"]), str(reply.get("Message", "")), str(reply.get("BizId", ""))
    except (ValueError, KeyError, TypeError) as exc:
        if response.status_code >= 500 or response.status_code in (408, 429):
            raise RetryableDeliveryError(
                f"SMS gateway answered HTTP {response.status_code}", code=response.status_code
            ) from exc
        raise PermanentDeliveryError(
            f"SMS gateway answered HTTP {response.status_code} without a Code: "
            f"{response.text[:200]!r}; check the endpoint",
            code=response.status_code,
        ) from exc

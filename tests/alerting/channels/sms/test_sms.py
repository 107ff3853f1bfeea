"""SMS channel against an emulator of Alibaba Cloud's SendSms contract (signature checked)."""

from __future__ import annotations

import json

import httpx
import pytest

from alerting.channels.sms.config import SmsChannelSettings
from alerting.channels.sms.sender import SmsSender
from alerting.errors import PermanentDeliveryError, RetryableDeliveryError
from silverguard.sinks.telecom import AliyunSmsEmulator
from tests.alerting.dispatch_support import now_clock
from tests.alerting.test_notice import sample_notice

PHONE = "+8613800000000"


def _sender(
    sms: AliyunSmsEmulator,
    monkeypatch: pytest.MonkeyPatch,
    secret: str,
    client: httpx.AsyncClient,
) -> SmsSender:
    monkeypatch.setenv("SG_TEST_SMS_ID", sms.access_key_id)
    monkeypatch.setenv("SG_TEST_SMS_SECRET", secret)
    settings = SmsChannelSettings(
        endpoint=sms.url,
        access_key_id_env="SG_TEST_SMS_ID",
        access_key_secret_env="SG_TEST_SMS_SECRET",
        sign_name="银龄卫士",
        template_code="SMS_123456789",
    )
    return SmsSender(settings, client, now_clock())


async def test_signed_sms_is_accepted_with_a_bizid(monkeypatch: pytest.MonkeyPatch) -> None:
    async with AliyunSmsEmulator() as sms, httpx.AsyncClient() as client:
        sender = _sender(sms, monkeypatch, sms.access_key_secret, client)
        receipt = await sender.send(sample_notice(PHONE))
        again = await sender.send(sample_notice(PHONE))  # a fresh nonce each time
    assert sms.refusals == []
    assert receipt.detail == "BizId biz-1"
    assert again.detail == "BizId biz-2"
    message = sms.messages[0]
    assert message["PhoneNumbers"] == PHONE
    assert message["SignName"] == "银龄卫士"
    assert json.loads(message["TemplateParam"]) == {
        "type": "火警",
        "resident": "res-0001",
        "home": "home-0001",
        "code": "ZQ4C0Y",
    }


async def test_wrong_secret_is_permanent(monkeypatch: pytest.MonkeyPatch) -> None:
    async with AliyunSmsEmulator() as sms, httpx.AsyncClient() as client:
        with pytest.raises(PermanentDeliveryError, match="SignatureDoesNotMatch"):
            await _sender(sms, monkeypatch, "wrong", client).send(sample_notice(PHONE))
    assert sms.messages == []


async def test_flow_control_is_retryable(monkeypatch: pytest.MonkeyPatch) -> None:
    async with (
        AliyunSmsEmulator(answer=lambda _hit: "isv.BUSINESS_LIMIT_CONTROL") as sms,
        httpx.AsyncClient() as client,
    ):
        with pytest.raises(RetryableDeliveryError, match="BUSINESS_LIMIT_CONTROL"):
            await _sender(sms, monkeypatch, sms.access_key_secret, client).send(
                sample_notice(PHONE)
            )


async def test_bad_number_is_permanent_and_says_what_to_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with AliyunSmsEmulator() as sms, httpx.AsyncClient() as client:
        sender = _sender(sms, monkeypatch, sms.access_key_secret, client)
        with pytest.raises(PermanentDeliveryError, match=r"MOBILE_NUMBER_ILLEGAL.*phone number"):
            await sender.send(sample_notice("not-a-number"))

"""Voice channel: the call is placed through a Twilio-compatible emulator, and pressing 1 on
the call accepts the incident through the signed callback."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from alerting.channels.voice.callback import voice_router
from alerting.channels.voice.config import VoiceChannelSettings
from alerting.channels.voice.sender import VoiceSender
from alerting.errors import PermanentDeliveryError, RetryableDeliveryError
from silverguard.sinks.http_server import LocalHttpServer
from silverguard.sinks.telecom import VoiceProviderEmulator
from tests.alerting.test_notice import sample_notice

PHONE = "+8613800000000"


def _settings(
    voice: VoiceProviderEmulator, monkeypatch: pytest.MonkeyPatch, token: str
) -> VoiceChannelSettings:
    monkeypatch.setenv("SG_TEST_VOICE_SID", voice.account_sid)
    monkeypatch.setenv("SG_TEST_VOICE_TOKEN", token)
    return VoiceChannelSettings(
        api_base=voice.url,
        account_sid_env="SG_TEST_VOICE_SID",
        auth_token_env="SG_TEST_VOICE_TOKEN",
        from_number="+8657100000000",
    )


async def test_press_1_accepts_for_the_person_called(monkeypatch: pytest.MonkeyPatch) -> None:
    accepted: list[str] = []

    def accept(token: str) -> bool | None:
        if token != "TOKEN":
            return None
        accepted.append(token)
        return True

    async with VoiceProviderEmulator() as voice:
        settings = _settings(voice, monkeypatch, voice.auth_token)
        app = FastAPI()
        async with LocalHttpServer(app) as router_server:
            app.include_router(voice_router(settings, router_server.base_url, accept))
            async with httpx.AsyncClient() as client:
                sender = VoiceSender(settings, client, router_server.base_url)
                receipt = await sender.send(sample_notice(PHONE))
            [call] = voice.calls
            assert receipt.detail == f"call {call.sid}"
            assert call.to == PHONE
            assert "住户 res-0001，火警" in call.said
            assert "接单请按1" in call.said
            assert call.gather_action == f"{router_server.base_url}/voice/gather/TOKEN"
            wrong_key = await voice.press(call, "2")
            assert accepted == []
            assert "未接单" in wrong_key.text
            answer = await voice.press(call, "1")
    assert answer.status_code == 200
    assert "已接单" in answer.text
    assert accepted == ["TOKEN"]


async def test_a_forged_callback_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    accepted: list[str] = []
    async with VoiceProviderEmulator() as voice:
        settings = _settings(voice, monkeypatch, voice.auth_token)
        app = FastAPI()
        async with LocalHttpServer(app) as server:
            app.include_router(voice_router(settings, server.base_url, accepted.append))
            async with httpx.AsyncClient() as client:
                forged = await client.post(
                    f"{server.base_url}/voice/gather/TOKEN",
                    data={"Digits": "1", "CallSid": "CA1"},
                    headers={"X-Twilio-Signature": "bm90LWEtc2lnbmF0dXJl"},
                )
    assert forged.status_code == 403
    assert accepted == []


async def test_bad_credentials_are_permanent_and_outage_retryable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with (
        VoiceProviderEmulator(answer=lambda _hit: 503) as voice,
        httpx.AsyncClient() as client,
    ):
        bad = VoiceSender(_settings(voice, monkeypatch, "wrong"), client, "http://x")
        with pytest.raises(PermanentDeliveryError, match=r"HTTP 401.*credentials"):
            await bad.send(sample_notice(PHONE))
        good = VoiceSender(_settings(voice, monkeypatch, voice.auth_token), client, "http://x")
        with pytest.raises(RetryableDeliveryError, match="HTTP 503"):
            await good.send(sample_notice(PHONE))
        with pytest.raises(PermanentDeliveryError, match=r"HTTP 400.*phone number"):
            await good.send(sample_notice("12"))
    assert voice.calls == []

"""Contacts on the push, robot and telecom channels: validated, and wrong names explained."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from alerting.channels.kinds import ChannelKind
from alerting.config import AlertingSettings


def _settings(contacts: list[dict[str, Any]], channels: dict[str, Any]) -> AlertingSettings:
    return AlertingSettings.model_validate(
        {
            "org_id": "org-demo",
            "database_url": "sqlite:///var/alerting.db",
            "public_base_url": "https://sg.example",
            "token_secret_env": "SG_TOKEN_SECRET",
            "people": [{"id": "cw-0001", "name": "王芳", "contacts": contacts}],
            "receivers": [{"name": "duty", "people": ["cw-0001"]}],
            "route": {"receiver": "duty"},
            "channels": channels,
        }
    )


CHANNELS: dict[str, Any] = {
    "webpush": {"vapid_private_key_env": "SG_VAPID", "vapid_subject": "mailto:a@sg.example"},
    "dingtalk": {"robots": {"team-a": {"access_token_env": "T", "secret_env": "S"}}},
    "wecom": {"robots": {"team-a": "SG_WECOM_KEY"}},
    "sms": {
        "access_key_id_env": "I",
        "access_key_secret_env": "S",
        "sign_name": "银龄卫士",
        "template_code": "SMS_1",
    },
    "voice": {"account_sid_env": "A", "auth_token_env": "T", "from_number": "+8657100000000"},
}
SUBSCRIPTION = {
    "endpoint": "https://push.example/v1/x",
    "keys": {"p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA", "auth": "tBHItJI5svbpez7KI4"},
}


def test_every_new_channel_validates_with_its_target() -> None:
    settings = _settings(
        [
            {"channel": "webpush", "subscription": SUBSCRIPTION},
            {"channel": "dingtalk", "robot": "team-a"},
            {"channel": "wecom", "robot": "team-a"},
            {"channel": "sms", "phone": "+8613800000000"},
            {"channel": "voice", "phone": "+8613800000000"},
        ],
        CHANNELS,
    )
    contacts = settings.person("cw-0001").contacts
    assert [c.channel for c in contacts] == [
        ChannelKind.WEBPUSH,
        ChannelKind.DINGTALK,
        ChannelKind.WECOM,
        ChannelKind.SMS,
        ChannelKind.VOICE,
    ]
    assert '"endpoint":"https://push.example/v1/x"' in contacts[0].target
    phone = "+8613800000000"
    assert [c.target for c in contacts[1:]] == ["team-a", "team-a", phone, phone]


def test_unknown_robot_says_which_robots_exist() -> None:
    with pytest.raises(ValidationError, match=r"robot 'team-b' but channels\.dingtalk\.robots"):
        _settings([{"channel": "dingtalk", "robot": "team-b"}], CHANNELS)


def test_phone_numbers_must_be_e164() -> None:
    with pytest.raises(ValidationError, match="phone"):
        _settings([{"channel": "sms", "phone": "13800000000"}], CHANNELS)


def test_unconfigured_channel_says_add_it() -> None:
    with pytest.raises(ValidationError, match=r"channels\.voice is not configured"):
        _settings([{"channel": "voice", "phone": "+8613800000000"}], {})


def test_slow_http_channel_cannot_outlive_the_claim_lease() -> None:
    slow = {**CHANNELS, "sms": {**CHANNELS["sms"], "timeout_s": 60}}
    with pytest.raises(ValidationError, match=r"channels.sms.timeout_s"):
        _settings([{"channel": "sms", "phone": "+8613800000000"}], slow)

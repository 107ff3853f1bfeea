"""Senders for the push, robot and telecom channels, from the configured settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from alerting.channels.base import ChannelSender
from alerting.channels.dingtalk.sender import DingTalkSender
from alerting.channels.kinds import ChannelKind
from alerting.channels.sms.sender import SmsSender
from alerting.channels.voice.sender import VoiceSender
from alerting.channels.webpush.sender import WebPushSender
from alerting.channels.wecom.sender import WeComSender
from contracts.clock import Clock

if TYPE_CHECKING:
    from alerting.config import AlertingSettings


def build_push_and_telecom_senders(
    settings: AlertingSettings, client: httpx.AsyncClient, clock: Clock
) -> dict[str, ChannelSender]:
    """One sender per configured channel among webpush, dingtalk, wecom, sms and voice.

    Raises ``ConfigError`` (naming the environment variable) if a credential is missing.
    """
    channels = settings.channels
    senders: dict[str, ChannelSender] = {}
    if channels.webpush is not None:
        senders[ChannelKind.WEBPUSH.value] = WebPushSender(channels.webpush, client, clock)
    if channels.dingtalk is not None:
        senders[ChannelKind.DINGTALK.value] = DingTalkSender(channels.dingtalk, client, clock)
    if channels.wecom is not None:
        senders[ChannelKind.WECOM.value] = WeComSender(channels.wecom, client)
    if channels.sms is not None:
        senders[ChannelKind.SMS.value] = SmsSender(channels.sms, client, clock)
    if channels.voice is not None:
        senders[ChannelKind.VOICE.value] = VoiceSender(
            channels.voice, client, settings.public_base_url
        )
    return senders

"""How a person is reached on the push, robot and telecom channels (their ``contacts``).

Example:
    >>> SmsContact(channel="sms", phone="+8613800000000").target
    '+8613800000000'
    >>> DingTalkContact(channel="dingtalk", robot="team-a").target
    'team-a'
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from alerting.channels.kinds import ChannelKind
from alerting.channels.webpush.config import PushSubscription
from contracts.config import ConfigModel

__all__ = ["DingTalkContact", "SmsContact", "VoiceContact", "WeComContact", "WebPushContact"]

E164 = r"^\+\d{6,16}$"


class WebPushContact(ConfigModel):
    """A phone's push subscription (the app registers it; one may also be configured)."""

    channel: Literal[ChannelKind.WEBPUSH]
    subscription: PushSubscription

    @property
    def target(self) -> str:
        """The subscription as the JSON the Web Push sender reads."""
        return self.subscription.model_dump_json()


class DingTalkContact(ConfigModel):
    """A DingTalk group robot (named under ``channels.dingtalk.robots``)."""

    channel: Literal[ChannelKind.DINGTALK]
    robot: str = Field(min_length=1)

    @property
    def target(self) -> str:
        """The robot's name."""
        return self.robot


class WeComContact(ConfigModel):
    """A WeCom group robot (named under ``channels.wecom.robots``)."""

    channel: Literal[ChannelKind.WECOM]
    robot: str = Field(min_length=1)

    @property
    def target(self) -> str:
        """The robot's name."""
        return self.robot


class SmsContact(ConfigModel):
    """A mobile number for SMS, in E.164 form (``+86…``)."""

    channel: Literal[ChannelKind.SMS]
    phone: str = Field(pattern=E164)

    @property
    def target(self) -> str:
        """The phone number."""
        return self.phone


class VoiceContact(ConfigModel):
    """A phone number to call, in E.164 form (``+86…``)."""

    channel: Literal[ChannelKind.VOICE]
    phone: str = Field(pattern=E164)

    @property
    def target(self) -> str:
        """The phone number."""
        return self.phone

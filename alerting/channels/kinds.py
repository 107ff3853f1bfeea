"""The notification channels the router can deliver through.

Example:
    >>> [k.value for k in ChannelKind]
    ['webhook', 'email', 'webpush', 'dingtalk', 'wecom', 'sms', 'voice']
"""

from __future__ import annotations

from enum import StrEnum


class ChannelKind(StrEnum):
    """A channel's name in contacts and under ``channels``."""

    WEBHOOK = "webhook"
    EMAIL = "email"
    WEBPUSH = "webpush"
    DINGTALK = "dingtalk"
    WECOM = "wecom"
    SMS = "sms"
    VOICE = "voice"

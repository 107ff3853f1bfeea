"""Dispatch: claims due notifications, sends them through their channel, records the result."""

from alerting.dispatch.dispatcher import Dispatcher
from alerting.dispatch.retry import RetryDecision, retry_decision

__all__ = ["Dispatcher", "RetryDecision", "retry_decision"]

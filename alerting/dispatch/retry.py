"""The retry stage's pure decision: try again later, or give up now.

Example:
    >>> from alerting.config import DeliverySettings
    >>> policy = DeliverySettings(max_attempts=3)
    >>> retry_decision(policy, attempts=1, retryable=True)
    (<RetryDecision.RETRY: 'retry'>, datetime.timedelta(seconds=2))
    >>> retry_decision(policy, attempts=2, retryable=True)[1].total_seconds()
    4.0
    >>> retry_decision(policy, attempts=3, retryable=True)[0].value
    'give_up_exhausted'
    >>> retry_decision(policy, attempts=1, retryable=False)[0].value
    'give_up_permanent'
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from alerting.config import DeliverySettings


class RetryDecision(StrEnum):
    """Why a failed delivery is retried or given up."""

    RETRY = "retry"
    GIVE_UP_PERMANENT = "give_up_permanent"
    GIVE_UP_EXHAUSTED = "give_up_exhausted"


def backoff_delay(policy: DeliverySettings, attempts: int) -> timedelta:
    """Delay before the next attempt after ``attempts`` failed ones (exponential, capped)."""
    b = policy.backoff
    return timedelta(seconds=min(b.max_s, b.initial_s * b.multiplier ** max(0, attempts - 1)))


def retry_decision(
    policy: DeliverySettings, *, attempts: int, retryable: bool
) -> tuple[RetryDecision, timedelta]:
    """Decide after the ``attempts``-th failed attempt; the delay is zero when giving up."""
    if not retryable:
        return RetryDecision.GIVE_UP_PERMANENT, timedelta(0)
    if attempts >= policy.max_attempts:
        return RetryDecision.GIVE_UP_EXHAUSTED, timedelta(0)
    return RetryDecision.RETRY, backoff_delay(policy, attempts)

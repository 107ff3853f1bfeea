"""The alert router's errors: one root, so callers can catch everything we raise."""

from __future__ import annotations


class AlertingError(Exception):
    """Root of every error the alert router raises."""


class AlertingConfigError(AlertingError):
    """The settings are inconsistent (e.g. a route names a receiver that does not exist)."""


class StoreError(AlertingError):
    """The database could not be reached, migrated or written."""


class DeliveryError(AlertingError):
    """A notification could not be delivered through its channel."""

    retryable: bool = False

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class RetryableDeliveryError(DeliveryError):
    """Delivery failed for a reason that may pass (5xx, timeout, refused, SMTP 4xx)."""

    retryable = True


class PermanentDeliveryError(DeliveryError):
    """Delivery failed for a reason retrying will not fix (4xx, SMTP 5xx, bad address)."""

    retryable = False

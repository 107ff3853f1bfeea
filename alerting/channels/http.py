"""One way for every HTTP channel to call its far end and classify what went wrong.

Timeouts, connection errors, 5xx, 408, 425 and 429 are retryable; other 4xx are permanent
(retrying a bad URL, a revoked key or a refused number cannot help).

Example:
    >>> [is_retryable_status(s) for s in (500, 503, 429, 408, 400, 404, 410)]
    [True, True, True, True, False, False, False]
"""

from __future__ import annotations

import httpx

from alerting.errors import PermanentDeliveryError, RetryableDeliveryError

__all__ = ["is_retryable_status", "raise_for_status", "send_request"]

_RETRYABLE_4XX = frozenset({408, 425, 429})


def is_retryable_status(status: int) -> bool:
    """Whether a failed HTTP status is worth another attempt."""
    return status >= 500 or status in _RETRYABLE_4XX


async def send_request(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    what: str,
    timeout_s: float,
    **kwargs: object,
) -> httpx.Response:
    """Send one request; transport failures become ``RetryableDeliveryError`` naming ``what``.

    The response is returned whatever its status: call :func:`raise_for_status` (or read the
    provider's own error codes) next.
    """
    try:
        return await client.request(method, url, timeout=timeout_s, **kwargs)  # type: ignore[arg-type]
    except httpx.TimeoutException as exc:
        raise RetryableDeliveryError(f"{what} timed out after {timeout_s} s") from exc
    except httpx.TransportError as exc:
        raise RetryableDeliveryError(f"{what} unreachable: {exc!r}") from exc


def raise_for_status(response: httpx.Response, *, what: str, hint: str) -> None:
    """Raise the right delivery error for a non-2xx ``response``; ``hint`` says what to check
    when the error is permanent."""
    if response.is_success:
        return
    message = f"{what} answered HTTP {response.status_code}: {response.text[:200]}"
    if is_retryable_status(response.status_code):
        raise RetryableDeliveryError(message, code=response.status_code)
    raise PermanentDeliveryError(f"{message} ({hint})", code=response.status_code)

"""Signatures on Silverguard's outgoing webhooks (HMAC-SHA256 over timestamp and body).

Headers: ``X-Silverguard-Timestamp: <unix seconds>`` and
``X-Silverguard-Signature: v1=<hex>``, where the signed text is ``"<timestamp>.<raw body>"``.
A receiver recomputes it with the shared secret, compares in constant time, and rejects
timestamps further than ``tolerance_s`` from its clock (replay protection).

Example:
    >>> sig = sign_webhook(b"s3cret", 1_700_000_000, b'{"a":1}')
    >>> verify_webhook(b"s3cret", "1700000000", sig, b'{"a":1}', now_s=1_700_000_010)
    >>> verify_webhook(b"wrong", "1700000000", sig, b'{"a":1}', now_s=1_700_000_010)
    Traceback (most recent call last):
    ...
    contracts.signing.SignatureError: signature does not match: check the shared secret
"""

from __future__ import annotations

import hashlib
import hmac

from contracts.errors import ContractError

TIMESTAMP_HEADER = "X-Silverguard-Timestamp"
SIGNATURE_HEADER = "X-Silverguard-Signature"
_VERSION = "v1"


class SignatureError(ContractError):
    """A webhook's signature is missing, stale or wrong."""


def sign_webhook(secret: bytes, timestamp_s: int, body: bytes) -> str:
    """Return the ``X-Silverguard-Signature`` header value for ``body`` sent at ``timestamp_s``."""
    mac = hmac.new(secret, f"{timestamp_s}.".encode() + body, hashlib.sha256)
    return f"{_VERSION}={mac.hexdigest()}"


def verify_webhook(
    secret: bytes,
    timestamp_header: str | None,
    signature_header: str | None,
    body: bytes,
    *,
    now_s: float,
    tolerance_s: float = 300.0,
) -> None:
    """Check a received webhook; raise :class:`SignatureError` saying what is wrong."""
    if not timestamp_header or not signature_header:
        raise SignatureError(f"missing {TIMESTAMP_HEADER} or {SIGNATURE_HEADER} header")
    try:
        timestamp_s = int(timestamp_header)
    except ValueError:
        raise SignatureError(f"{TIMESTAMP_HEADER} is not an integer") from None
    if abs(now_s - timestamp_s) > tolerance_s:
        raise SignatureError(
            f"timestamp is {now_s - timestamp_s:.0f} s from now (limit {tolerance_s:.0f} s): "
            "check both clocks or a replay"
        )
    expected = sign_webhook(secret, timestamp_s, body)
    if not hmac.compare_digest(expected, signature_header.strip()):
        raise SignatureError("signature does not match: check the shared secret")

"""Twilio's request signature (``X-Twilio-Signature``), which its webhooks carry.

``base64(HMAC-SHA1(auth_token, url + every POST parameter as name+value, sorted by name))``.
The example is Twilio's documented test vector.

Example:
    >>> twilio_signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2",
    ...     {"CallSid": "CA1234567890ABCDE", "Caller": "+12349013030", "Digits": "1234",
    ...      "From": "+12349013030", "To": "+18005551212"})
    '0/KCTR6DLpKmkAf8muzZqo1nDgQ='
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping

__all__ = ["twilio_signature", "verify_twilio_signature"]


def twilio_signature(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """The signature Twilio sends for a POST of ``params`` to ``url``."""
    data = url + "".join(f"{k}{v}" for k, v in sorted(params.items()))
    digest = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def verify_twilio_signature(
    auth_token: str, url: str, params: Mapping[str, str], signature: str | None
) -> bool:
    """Whether ``signature`` is Twilio's for this request (constant-time comparison)."""
    if not signature:
        return False
    return hmac.compare_digest(twilio_signature(auth_token, url, params), signature)

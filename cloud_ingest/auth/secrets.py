"""Hashing of passwords, gateway credentials and partner API keys (Argon2id).

Example:
    >>> hasher = SecretHasher.fast_for_tests()
    >>> stored = hasher.hash("correct horse")
    >>> stored.startswith("$argon2id$"), hasher.verify(stored, "correct horse")
    (True, True)
    >>> hasher.verify(stored, "wrong"), hasher.verify("not a hash", "x")
    (False, False)
    >>> len(new_secret()) >= 32, sha256_hex("abc")[:8]
    (True, 'ba7816bf')
"""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


def new_secret(n_bytes: int = 32) -> str:
    """A new random secret, URL-safe text (for gateway passwords and partner keys)."""
    return secrets.token_urlsafe(n_bytes)


def sha256_hex(text: str) -> str:
    """SHA-256 of a high-entropy one-time code, for lookup by hash."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class SecretHasher:
    """Argon2id with the library's recommended parameters (or cheap ones for tests)."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()
        self._dummy = self._hasher.hash(secrets.token_hex(16))

    @classmethod
    def fast_for_tests(cls) -> SecretHasher:
        """Cheap parameters: only for tests and doctests, never for stored data."""
        return cls(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))

    def hash(self, secret: str) -> str:
        """Hash a secret for storage."""
        return self._hasher.hash(secret)

    def verify(self, stored: str, secret: str) -> bool:
        """Whether ``secret`` matches ``stored`` (a malformed hash never matches)."""
        try:
            return self._hasher.verify(stored, secret)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def burn(self, secret: str) -> None:
        """Spend the time of one verification (unknown user: same timing as a wrong password)."""
        self.verify(self._dummy, secret)

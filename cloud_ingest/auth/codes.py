"""One-time provisioning codes an installer types to register a gateway."""

from __future__ import annotations

import secrets

_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U


def new_provisioning_code() -> str:
    """A one-time code an installer can type: 16 Crockford characters (80 bits) in 4 groups.

    >>> code = new_provisioning_code()
    >>> len(code), code.count("-")
    (19, 3)
    """
    chars = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(16))
    return "-".join(chars[i : i + 4] for i in range(0, 16, 4))


def normalise_code(code: str) -> str:
    """Codes are read case-insensitively, with or without dashes and spaces.

    >>> normalise_code(" abcd-efgh jkmn-pqrs ")
    'ABCD-EFGH-JKMN-PQRS'
    """
    chars = "".join(c for c in code.upper() if c.isalnum())
    return "-".join(chars[i : i + 4] for i in range(0, len(chars), 4))

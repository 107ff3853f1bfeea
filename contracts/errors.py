"""Errors raised by the contracts: one root, one type for every bad payload."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class ContractError(ValueError):
    """Root of every error the contracts raise."""


class PayloadValidationError(ContractError):
    """A payload does not match its contract.

    The message names the model, each failing field and why, so that whoever reads a log line
    or a quarantine row can tell what the sender got wrong. Control characters in a field name
    (the sender chose it) are written as escapes: the message stays one readable line, and a
    database can keep it (PostgreSQL refuses a NUL in text, which would leave the junk
    message unquarantined and redelivered for ever).

    Example:
        >>> err = PayloadValidationError(
        ...     "SmokeReading", [("smoke",)], ["Input should be a valid boolean"])
        >>> str(err)
        'invalid SmokeReading: smoke: Input should be a valid boolean'
        >>> print(PayloadValidationError("Envelope", [("a" + chr(0) + "b",)], ["Extra inputs"]))
        invalid Envelope: a\\x00b: Extra inputs
    """

    def __init__(
        self,
        model: str,
        locations: Sequence[tuple[Any, ...]],
        reasons: Sequence[str],
    ) -> None:
        self.model = model
        self.problems = [
            (_printable(".".join(str(part) for part in loc)) or "<root>", _printable(reason))
            for loc, reason in zip(locations, reasons, strict=True)
        ]
        detail = "; ".join(f"{where}: {why}" for where, why in self.problems)
        super().__init__(f"invalid {model}: {detail}")


def _printable(text: str) -> str:
    r"""``text`` with control characters written as ``\xNN`` escapes (letters of any script stay).

    >>> _printable("心率\x00\n")
    '心率\\x00\\x0a'
    """
    return "".join(c if c.isprintable() or c == " " else _escape(ord(c)) for c in text)


def _escape(code: int) -> str:
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


class TopicError(ContractError):
    """A topic string is not in the Silverguard namespace or is malformed."""

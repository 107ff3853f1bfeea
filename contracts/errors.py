"""Errors raised by the contracts: one root, one type for every bad payload."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class ContractError(ValueError):
    """Root of every error the contracts raise."""


class PayloadValidationError(ContractError):
    """A payload does not match its contract.

    The message names the model, each failing field and why, so that whoever reads a log line
    or a quarantine row can tell what the sender got wrong.

    Example:
        >>> err = PayloadValidationError(
        ...     "SmokeReading", [("smoke",)], ["Input should be a valid boolean"])
        >>> str(err)
        'invalid SmokeReading: smoke: Input should be a valid boolean'
    """

    def __init__(
        self,
        model: str,
        locations: Sequence[tuple[Any, ...]],
        reasons: Sequence[str],
    ) -> None:
        self.model = model
        self.problems = [
            (".".join(str(part) for part in loc) or "<root>", reason)
            for loc, reason in zip(locations, reasons, strict=True)
        ]
        detail = "; ".join(f"{where}: {why}" for where, why in self.problems)
        super().__init__(f"invalid {model}: {detail}")


class TopicError(ContractError):
    """A topic string is not in the Silverguard namespace or is malformed."""

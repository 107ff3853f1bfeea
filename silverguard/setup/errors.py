"""Errors of the installer's setup: each says what failed and what the installer should do."""

from __future__ import annotations


class SetupError(Exception):
    """A setup step failed; ``advice`` tells the installer what to do about it.

    Example:
        >>> str(SetupError("no mattress answered", advice="plug it in and run setup again"))
        'no mattress answered — plug it in and run setup again'
    """

    def __init__(self, message: str, *, advice: str) -> None:
        super().__init__(f"{message} — {advice}")
        self.message = message
        self.advice = advice

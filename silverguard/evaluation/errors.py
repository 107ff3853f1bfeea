"""Errors of the evaluation commands."""

from __future__ import annotations


class EvaluationError(Exception):
    """A dataset is missing or unreadable, or an option is wrong (the message says which)."""

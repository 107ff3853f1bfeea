"""Quieting a detector's state-change log while it replays hundreds of recordings or days.

Example:
    >>> import logging
    >>> with quiet_logger("edge_agent.portrait"):
    ...     logging.getLogger("edge_agent.portrait").level
    30
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["quiet_logger"]


@contextmanager
def quiet_logger(name: str) -> Iterator[None]:
    """Only warnings from logger ``name`` inside the block (one INFO line per suspected fall,
    or per alerting day, over a whole evaluation says nothing new)."""
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)

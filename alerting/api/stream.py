"""Server-sent events: the caller's incident queue, sent whenever it changes.

The queue is re-read every ``interval_s`` (the database is the source of truth, shared by
several routers); an ``incidents`` event carries the whole queue, a comment line keeps the
connection alive every ``keepalive_s``.

Example:
    >>> sse_event("incidents", [{"id": "x"}])
    'event: incidents\\ndata: [{"id": "x"}]\\n\\n'
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

from fastapi import Request

from contracts.clock import Clock

_VOLATILE = ("age_s",)


def sse_event(name: str, data: Any) -> str:
    """One SSE frame."""
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _digest(queue: list[dict[str, Any]]) -> str:
    return json.dumps(
        [{k: v for k, v in row.items() if k not in _VOLATILE} for row in queue], sort_keys=True
    )


async def incident_stream(
    request: Request,
    snapshot: Callable[[], list[dict[str, Any]]],
    *,
    interval_s: float,
    expires_at: datetime | None = None,
    clock: Clock | None = None,
    keepalive_s: float = 15.0,
) -> AsyncIterator[str]:
    """Yield the queue at once, then again on every change, until the client goes away or
    its login expires (an ``expired`` event tells the app to log in again)."""
    last: str | None = None
    quiet_since = time.monotonic()
    while not await request.is_disconnected():
        if expires_at is not None and clock is not None and clock.now() >= expires_at:
            yield sse_event("expired", {"detail": "the login expired: log in again"})
            return
        queue = await asyncio.to_thread(snapshot)
        digest = _digest(queue)
        if digest != last:
            last = digest
            quiet_since = time.monotonic()
            yield sse_event("incidents", queue)
        elif time.monotonic() - quiet_since >= keepalive_s:
            quiet_since = time.monotonic()
            yield ": keepalive\n\n"
        await asyncio.sleep(interval_s)

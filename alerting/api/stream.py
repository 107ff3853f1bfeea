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
from typing import Any

from fastapi import Request

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
    keepalive_s: float = 15.0,
) -> AsyncIterator[str]:
    """Yield the queue at once, then again on every change, until the client goes away."""
    last: str | None = None
    quiet_since = time.monotonic()
    while not await request.is_disconnected():
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

"""Stopping the daemons a test runs as asyncio tasks in its own loop."""

from __future__ import annotations

import asyncio
import contextlib


async def stop_task(task: asyncio.Task[None], *, recancel_after_s: float = 2.0) -> None:
    """Cancel ``task`` and wait for it, cancelling again while it goes on running.

    Python 3.11's ``asyncio.wait_for`` (which aiomqtt's publish and subscribe use) swallows a
    cancellation that lands just as the awaited operation completes (gh-86296, fixed in 3.12);
    a daemon's reconnect loop then carries on as if nothing had been asked, and a plain
    ``cancel(); await task`` waits forever. Re-raises what the task failed with, if anything
    but the cancellation.
    """
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=recancel_after_s)
    with contextlib.suppress(asyncio.CancelledError):
        await task

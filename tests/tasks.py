"""Stopping the daemons a test runs as asyncio tasks in its own loop."""

from __future__ import annotations

import asyncio
import contextlib


async def stop_task(task: asyncio.Task[None], *, recancel_after_s: float = 5.0) -> None:
    """Cancel ``task`` and wait for it; every ``recancel_after_s`` it still runs, cancel it
    again together with every task that was asked to stop and went on running.

    Python 3.11's ``asyncio.wait_for`` (which aiomqtt's publish uses) swallows a cancellation
    that lands just as the awaited publish completes (gh-86296, fixed in 3.12). A daemon's
    loop (the edge agent's heartbeat) then carries on as if nothing had been asked, and the
    ``TaskGroup`` above it, which cancels its children once, waits forever: a plain
    ``cancel(); await task`` hangs. Such a task still reports ``cancelling()``, so it is found
    and asked again. The first wait is long enough for a clean stop (the agent's goodbye has
    2 s), so a stop in progress is not cut short. Re-raises what ``task`` failed with, if
    anything but the cancellation.
    """
    task.cancel()
    await asyncio.wait({task}, timeout=recancel_after_s)
    while not task.done():
        task.cancel()
        for other in asyncio.all_tasks():
            if other is not asyncio.current_task() and other.cancelling() and not other.done():
                other.cancel()
        await asyncio.wait({task}, timeout=recancel_after_s)
    with contextlib.suppress(asyncio.CancelledError):
        await task

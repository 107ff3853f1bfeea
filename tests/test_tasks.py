"""stop_task reaches a task that swallowed its cancellation (Python 3.11's wait_for race)."""

from __future__ import annotations

import asyncio

from tests.tasks import stop_task


async def _stubborn(swallowed: list[bool]) -> None:
    """Swallows the first cancellation, as 3.11's ``wait_for`` does when the awaited
    operation completes at that moment, and goes on looping."""
    while True:
        try:
            await asyncio.sleep(0.01)
        except asyncio.CancelledError:
            if swallowed:
                raise
            swallowed.append(True)


async def _daemon(swallowed: list[bool]) -> None:
    async with asyncio.TaskGroup() as tasks:
        tasks.create_task(_stubborn(swallowed))


async def test_a_child_that_swallowed_its_cancellation_is_asked_again() -> None:
    swallowed: list[bool] = []
    task = asyncio.create_task(_daemon(swallowed))
    await asyncio.sleep(0.05)
    async with asyncio.timeout(10):
        await stop_task(task, recancel_after_s=0.2)
    assert swallowed == [True]  # the first cancellation was lost, the second one stopped it
    assert task.cancelled()


async def test_a_task_that_stops_at_once_is_cancelled_once() -> None:
    task = asyncio.create_task(asyncio.sleep(60))
    async with asyncio.timeout(10):
        await stop_task(task)
    assert task.cancelled()

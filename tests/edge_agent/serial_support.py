"""Running a SerialMattressReader against the pty emulator in a test."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine
from pathlib import Path
from typing import Any

from contracts.devices.mattress_serial import MattressMode
from edge_agent.config import MattressSettings
from edge_agent.readers.serial_mattress import MattressUpdate, SerialMattressReader

WAIT_S = 20.0
"""Generous: the machine is shared and loaded."""


def mattress_settings(port: str | Path, mode: MattressMode) -> MattressSettings:
    return MattressSettings(
        port=str(port),
        device_id="mattress-0001",
        mode=mode,
        reconnect_initial_s=0.05,
        reconnect_max_s=0.2,
    )


async def wait_until(condition: Callable[[], bool], what: str, within_s: float = WAIT_S) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within_s
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {within_s} s waiting for {what}")
        await asyncio.sleep(0.01)


@contextlib.asynccontextmanager
async def running(reader: SerialMattressReader) -> AsyncIterator[list[MattressUpdate]]:
    """Run the reader while the block runs; yield the list of what it has read so far."""
    updates: list[MattressUpdate] = []

    async def collect(update: MattressUpdate) -> None:
        updates.append(update)

    async with background(reader.run(collect)):
        yield updates


@contextlib.asynccontextmanager
async def background(*coros: Coroutine[Any, Any, None]) -> AsyncIterator[None]:
    """Run coroutines as tasks while the block runs, then cancel them."""
    tasks = [asyncio.create_task(coro) for coro in coros]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

"""Run an async context manager (a stack of servers) on an event loop in its own thread, so
that blocking clients (schemathesis, hypothesis examples, paho) can call it from the test.

Example:
    >>> import contextlib
    >>> @contextlib.asynccontextmanager
    ... async def answer():
    ...     yield 42
    >>> with in_a_thread(answer) as value:
    ...     value
    42
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeVar

T = TypeVar("T")


@contextlib.contextmanager
def in_a_thread(
    start: Callable[[], AbstractAsyncContextManager[T]], *, timeout_s: float = 180.0
) -> Iterator[T]:
    """Enter ``start()`` on a fresh event loop in a daemon thread; yield what it yields, then
    leave it on that loop. A failure to start is raised here, with its cause."""
    ready = threading.Event()
    found: dict[str, Any] = {}

    async def serve() -> None:
        stop = asyncio.Event()
        async with start() as value:
            found.update(value=value, stop=stop, loop=asyncio.get_running_loop())
            ready.set()
            await stop.wait()

    def main() -> None:
        try:
            asyncio.run(serve())
        except BaseException as exc:  # handed to the test's thread
            found["error"] = exc
            ready.set()

    thread = threading.Thread(target=main, name="served-in-a-thread", daemon=True)
    thread.start()
    if not ready.wait(timeout_s) or "error" in found:
        raise RuntimeError(f"it did not start: {found.get('error')!r}") from found.get("error")
    try:
        yield found["value"]
    finally:
        found["loop"].call_soon_threadsafe(found["stop"].set)
        thread.join(60)
        if "error" in found:
            raise RuntimeError("it failed while stopping") from found["error"]

"""Serve an ASGI app on a loopback port inside the running event loop (for local sinks).

Example:
    >>> import asyncio, httpx
    >>> from starlette.applications import Starlette
    >>> from starlette.responses import PlainTextResponse
    >>> from starlette.routing import Route
    >>> async def hello(request): return PlainTextResponse("hi")
    >>> async def main():
    ...     async with LocalHttpServer(Starlette(routes=[Route("/", hello)])) as server:
    ...         async with httpx.AsyncClient() as client:
    ...             return (await client.get(server.base_url + "/")).text
    >>> asyncio.run(main())
    'hi'
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import Generator
from types import TracebackType
from typing import Self

import uvicorn
from starlette.applications import Starlette
from starlette.routing import BaseRoute
from starlette.types import ASGIApp

from contracts.net import bind_tcp_listener

__all__ = ["LocalHttpServer", "ServedRoutes", "random_credential"]


def random_credential() -> str:
    """A fresh credential for a local emulator (nothing secret is written in the repository)."""
    return secrets.token_urlsafe(18)


class _NoSignalServer(uvicorn.Server):
    """uvicorn without its signal handlers, for running inside another asyncio program."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


class LocalHttpServer:
    """``async with LocalHttpServer(app, port=0)``: serves ``app``; ``port`` 0 picks a free one."""

    def __init__(self, app: ASGIApp, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self._app = app
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def base_url(self) -> str:
        """``http://host:port``."""
        return f"http://{self.host}:{self.port}"

    async def __aenter__(self) -> LocalHttpServer:
        listener = bind_tcp_listener(self.host, self.port)
        self.port = listener.getsockname()[1]
        config = uvicorn.Config(self._app, log_level="warning", lifespan="off")
        self._server = _NoSignalServer(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[listener]))
        async with asyncio.timeout(10):
            while not self._server.started:
                if self._task.done():
                    self._task.result()
                await asyncio.sleep(0.01)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


class ServedRoutes:
    """Base of the local emulators: ``async with`` serves :meth:`_routes` on ``host``/``port``.

    The subclass (a dataclass) holds ``host``, ``port`` (0 picks a free one, set on entry) and
    ``_server`` (``None`` until entered).
    """

    host: str
    port: int
    _server: LocalHttpServer | None

    def _routes(self) -> list[BaseRoute]:
        """The emulator's endpoints."""
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        self._server = LocalHttpServer(
            Starlette(routes=self._routes()), host=self.host, port=self.port
        )
        await self._server.__aenter__()
        self.port = self._server.port
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._server is not None:
            await self._server.__aexit__(None, None, None)

"""A gateway's uplink that a test can cut: a TCP relay on a free loopback port in front of the
cloud broker. ``cut()`` drops every connection and refuses new ones (as a dead DSL line looks
to the agent: its connection breaks, reconnects fail); ``restore()`` listens again on the same
port. Only the homes behind the relay lose the cloud; the ingest and the routers keep theirs."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from tests.servers import free_port

CHUNK = 65536


class UplinkRelay:
    """Relays ``127.0.0.1:port`` to ``127.0.0.1:target_port`` while up."""

    def __init__(self, target_port: int) -> None:
        self.port = free_port()
        self._target_port = target_port
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    async def restore(self) -> None:
        """Accept connections (again)."""
        if self._server is None:
            self._server = await asyncio.start_server(
                self._relay, "127.0.0.1", self.port, reuse_address=True
            )

    async def cut(self) -> None:
        """Drop every relayed connection and stop accepting new ones."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        for pipe in list(self._pipes):
            pipe.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self._target_port)
        except OSError:
            writer.transport.abort()
            return
        self._writers |= {writer, up_writer}
        for source, sink in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(self._pipe(source, sink, (writer, up_writer)))
            self._pipes.add(task)
            task.add_done_callback(self._pipes.discard)

    async def _pipe(
        self,
        source: asyncio.StreamReader,
        sink: asyncio.StreamWriter,
        both: tuple[asyncio.StreamWriter, asyncio.StreamWriter],
    ) -> None:
        try:
            while data := await source.read(CHUNK):
                sink.write(data)
                await sink.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            for writer in both:  # one side gone: the other goes too, as on a real line
                writer.transport.abort()
                self._writers.discard(writer)


@contextlib.asynccontextmanager
async def uplink_relay(target_port: int) -> AsyncIterator[UplinkRelay]:
    """A relay to the cloud broker on ``target_port``, up for the block, cut afterwards."""
    relay = UplinkRelay(target_port)
    await relay.restore()
    try:
        yield relay
    finally:
        await relay.cut()

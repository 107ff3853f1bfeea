"""The embedded MQTT broker of the demo (amqtt, in this process, MQTT 3.1.1)."""

from __future__ import annotations

import asyncio
import logging
from types import TracebackType

from amqtt.broker import Broker


class _ClosingBroker(Broker):  # type: ignore[misc]  # amqtt has no type hints
    """amqtt's broker, closing each client's socket when its connection handler ends.

    amqtt 0.12 leaves the accepted socket open when a client goes away before or while sending
    CONNECT (``Broker._client_connected`` closes the writer only on a malformed CONNECT, not on
    ``NoDataError``/``AMQTTError``): the socket was garbage-collected later, during another
    test, as ``ResourceWarning: unclosed socket``.
    """

    async def stream_connected(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, listener_name: str
    ) -> None:
        try:
            await super().stream_connected(reader, writer, listener_name)
        finally:
            writer.close()  # idempotent when amqtt has closed it already


class EmbeddedBroker:
    """An amqtt broker on ``127.0.0.1:port`` for as long as the ``async with`` block runs."""

    def __init__(self, port: int, name: str) -> None:
        self.port = port
        self.name = name
        self._broker = _ClosingBroker(
            {
                "listeners": {"default": {"type": "tcp", "bind": f"127.0.0.1:{port}"}},
                "plugins": {
                    "amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True},
                },
            }
        )

    async def __aenter__(self) -> EmbeddedBroker:
        for noisy in ("amqtt", "transitions"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
        await self._broker.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._broker.shutdown()

"""The embedded MQTT broker of the demo (amqtt, in this process, MQTT 3.1.1)."""

from __future__ import annotations

import logging
from types import TracebackType

from amqtt.broker import Broker


class EmbeddedBroker:
    """An amqtt broker on ``127.0.0.1:port`` for as long as the ``async with`` block runs."""

    def __init__(self, port: int, name: str) -> None:
        self.port = port
        self.name = name
        self._broker = Broker(
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

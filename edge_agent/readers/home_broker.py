"""The home broker connection: subscribes to the devices' topics and hands on each message."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

import aiomqtt

from contracts.config import MqttEndpoint
from edge_agent.mqtt import ReconnectBackoff, make_client

logger = logging.getLogger(__name__)

MessageHandler = Callable[[str, bytes], Awaitable[None]]


class HomeBrokerListener:
    """One long-lived client to the home broker, reconnecting with exponential backoff."""

    def __init__(
        self,
        endpoint: MqttEndpoint,
        *,
        identifier: str,
        subscriptions: Sequence[str],
        persistent_session: bool = True,
    ) -> None:
        self._endpoint = endpoint
        self._subscriptions = list(subscriptions)
        # A persistent session: the broker keeps QoS 1 device messages across a short drop.
        self._client = make_client(
            endpoint, identifier=identifier, persistent_session=persistent_session
        )
        self.connected = asyncio.Event()
        """Set while connected and subscribed."""

    async def run(self, handle: MessageHandler) -> None:
        """Receive messages and await ``handle(topic, payload)`` for each, until cancelled."""
        backoff = ReconnectBackoff()
        broker = f"{self._endpoint.host}:{self._endpoint.port}"
        while True:
            try:
                async with self._client as client:
                    for topic in self._subscriptions:
                        await client.subscribe(topic, qos=1)
                    logger.info("connected to the home broker %s", broker)
                    backoff.reset()
                    self.connected.set()
                    async for message in client.messages:
                        payload = message.payload
                        if not isinstance(payload, bytes | bytearray):
                            payload = str(payload).encode()
                        await handle(message.topic.value, bytes(payload))
            except aiomqtt.MqttError as exc:
                self.connected.clear()
                logger.warning(
                    "home broker %s unreachable (%s): device messages are missed until it is "
                    "back; check that Mosquitto runs on the gateway",
                    broker,
                    exc,
                )
            await asyncio.sleep(backoff.next_delay_s())

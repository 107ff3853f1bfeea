"""An emulated Zigbee2MQTT bridge: permit join, the join/interview events, rename.

It speaks Zigbee2MQTT's bridge API in its real topics and payloads (Zigbee2MQTT 1.x and 2.x):

- ``{base}/bridge/state`` ``{"state": "online"}`` (retained);
- ``{base}/bridge/request/permit_join`` with ``{"value": true, "time": 254}`` (1.x) or
  ``{"time": 254}`` (2.x; ``0`` closes), answered on ``{base}/bridge/response/permit_join``
  with ``{"data": {...}, "status": "ok"}`` (``transaction`` echoed when given);
- while joining is permitted, each device waiting to pair joins: ``{base}/bridge/event``
  ``{"type": "device_joined", ...}``, ``device_interview`` started, then successful with its
  ``definition``; it then appears under its IEEE address as friendly name;
- ``{base}/bridge/request/device/rename`` ``{"from": old, "to": new}`` answered on
  ``{base}/bridge/response/device/rename``; errors answer ``{"status": "error", "error": …}``.

A renamed smoke sensor keeps publishing its state (:class:`SmokeSensorSim`) under its new name.

Example:
    >>> bridge = Zigbee2MqttBridgeSim()
    >>> bridge.add_waiting_device("0x00124b0024c2a1f0")
    >>> answer = bridge.handle("permit_join", {"value": True, "time": 60, "transaction": "t1"})
    >>> answer["status"], answer["data"], answer["transaction"]
    ('ok', {'value': True, 'time': 60}, 't1')
    >>> [e["type"] for e in bridge.take_events()]
    ['device_joined', 'device_interview', 'device_interview']
    >>> bridge.handle("device/rename", {"from": "0x00124b0024c2a1f0", "to": "smoke_kitchen"})
    {'data': {'from': '0x00124b0024c2a1f0', 'to': 'smoke_kitchen', 'homeassistant_rename': False}, \
'status': 'ok'}
    >>> bridge.handle("device/rename", {"from": "nobody", "to": "x"})["error"]
    "Device 'nobody' does not exist"
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass, field
from typing import Any

import aiomqtt

from contracts.devices.zigbee2mqtt import Z2M_BASE_TOPIC
from firmware_sim.errors import FirmwareSimError
from firmware_sim.zigbee2mqtt import SmokeSensorSim

log = logging.getLogger(__name__)

HS1SA_DEFINITION: dict[str, Any] = {
    "model": "HS1SA",
    "vendor": "Heiman",
    "description": "Smoke detector",
    "supports_ota": False,
}


@dataclass
class PairedDevice:
    """A device in the emulated Zigbee network."""

    ieee_address: str
    friendly_name: str
    base_topic: str = Z2M_BASE_TOPIC
    sensor: SmokeSensorSim = field(init=False)

    def __post_init__(self) -> None:
        self.sensor = SmokeSensorSim(self.friendly_name, self.base_topic)


@dataclass
class Zigbee2MqttBridgeSim:
    """The bridge's state machine, without I/O (see :meth:`serve` for the MQTT side)."""

    base_topic: str = Z2M_BASE_TOPIC
    permit_join: bool = False
    waiting: list[str] = field(default_factory=list)
    devices: dict[str, PairedDevice] = field(default_factory=dict)
    _events: list[dict[str, Any]] = field(default_factory=list)

    def add_waiting_device(self, ieee_address: str) -> None:
        """A sensor in pairing mode: it joins as soon as joining is permitted."""
        self.waiting.append(ieee_address)
        self._join_waiting()

    def handle(self, request: str, body: Any) -> dict[str, Any]:
        """Answer one bridge request (``permit_join`` or ``device/rename``)."""
        if not isinstance(body, dict):
            return {"data": {}, "status": "error", "error": "Invalid payload"}
        answer = self._permit_join(body) if request == "permit_join" else None
        if request == "device/rename":
            answer = self._rename(body)
        if answer is None:
            answer = {"data": {}, "status": "error", "error": f"Unknown request '{request}'"}
        if "transaction" in body:
            answer["transaction"] = body["transaction"]
        return answer

    def take_events(self) -> list[dict[str, Any]]:
        """The bridge events since the last call, oldest first."""
        events, self._events = self._events, []
        return events

    def _permit_join(self, body: dict[str, Any]) -> dict[str, Any]:
        time_s = body.get("time", 254)
        value = body.get("value", time_s != 0)
        if not isinstance(value, bool) or not isinstance(time_s, int) or not 0 <= time_s <= 254:
            return {"data": {}, "status": "error", "error": "Invalid payload"}
        self.permit_join = value and time_s > 0
        self._join_waiting()
        data: dict[str, Any] = {"value": value, "time": time_s} if "value" in body else {}
        return {"data": data or {"time": time_s}, "status": "ok"}

    def _rename(self, body: dict[str, Any]) -> dict[str, Any]:
        old, new = body.get("from"), body.get("to")
        if not isinstance(old, str) or not isinstance(new, str) or not new:
            return {"data": {}, "status": "error", "error": "Invalid payload"}
        device = self.devices.get(old)
        if device is None:
            return {"data": {}, "status": "error", "error": f"Device '{old}' does not exist"}
        if new in self.devices:
            return {
                "data": {},
                "status": "error",
                "error": f"Friendly name '{new}' is already in use",
            }
        del self.devices[old]
        device.friendly_name = new
        device.sensor = SmokeSensorSim(new, self.base_topic)
        self.devices[new] = device
        return {"data": {"from": old, "to": new, "homeassistant_rename": False}, "status": "ok"}

    def _join_waiting(self) -> None:
        while self.permit_join and self.waiting:
            ieee = self.waiting.pop(0)
            self.devices[ieee] = PairedDevice(ieee, ieee, self.base_topic)
            who = {"friendly_name": ieee, "ieee_address": ieee}
            self._events += [
                {"type": "device_joined", "data": dict(who)},
                {"type": "device_interview", "data": {**who, "status": "started"}},
                {
                    "type": "device_interview",
                    "data": {
                        **who,
                        "status": "successful",
                        "supported": True,
                        "definition": dict(HS1SA_DEFINITION),
                    },
                },
            ]

    async def serve(self, client: aiomqtt.Client, stop: asyncio.Event) -> None:
        """Be the bridge on ``client``'s broker until ``stop`` is set.

        Raises:
            FirmwareSimError: the broker went away.
        """
        bridge = f"{self.base_topic}/bridge"
        try:
            await client.subscribe(f"{bridge}/request/#", qos=1)
            await client.publish(f"{bridge}/state", b'{"state":"online"}', qos=1, retain=True)
            await self._flush(client)
            answering = asyncio.create_task(self._answer(client, bridge))
            stopping = asyncio.create_task(stop.wait())
            try:
                await asyncio.wait({answering, stopping}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in (answering, stopping):
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError, aiomqtt.MqttError):
                        await task
            await client.publish(f"{bridge}/state", b'{"state":"offline"}', qos=1, retain=True)
        except aiomqtt.MqttError as exc:
            raise FirmwareSimError(f"the bridge emulator lost its broker: {exc}") from exc

    async def _answer(self, client: aiomqtt.Client, bridge: str) -> None:
        async for message in client.messages:
            request = message.topic.value.removeprefix(f"{bridge}/request/")
            try:
                body = json.loads(bytes(message.payload))
            except (ValueError, TypeError):
                body = None  # answered "Invalid payload", as Zigbee2MQTT does
            answer = self.handle(request, body)
            await client.publish(f"{bridge}/response/{request}", json.dumps(answer), qos=1)
            await self._flush(client)

    async def _flush(self, client: aiomqtt.Client) -> None:
        for event in self.take_events():
            await client.publish(f"{self.base_topic}/bridge/event", json.dumps(event), qos=1)
            log.info("bridge event %s for %s", event["type"], event["data"]["ieee_address"])

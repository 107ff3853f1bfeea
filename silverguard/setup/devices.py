"""Finding and pairing the home's devices: the mattress on a serial port, the smoke sensor
through Zigbee2MQTT's bridge API, the wristband by its id on the home broker."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from dataclasses import dataclass
from typing import Any

import aiomqtt
from serial.tools import list_ports

from contracts.config import MqttEndpoint
from edge_agent.errors import SerialPortError
from edge_agent.readers.serial_mattress import identify_mattress
from silverguard.setup.errors import SetupError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MattressFound:
    """A mattress that answered IDENTIFY."""

    port: str
    vendor: str
    model: str
    serial_number: str
    firmware_version: str
    mode: str
    sample_rate_hz: float


def candidate_ports(explicit: list[str]) -> list[str]:
    """Serial ports to probe: the explicit ones (e.g. a pty) first, then pyserial's list."""
    found = [port.device for port in list_ports.comports()]
    return list(dict.fromkeys([*explicit, *found]))


async def find_mattress(ports: list[str], timeout_s: float = 3.0) -> MattressFound:
    """Probe each port with IDENTIFY; the first mattress that answers."""
    tried: list[str] = []
    for port in ports:
        try:
            info = await identify_mattress(port, timeout_s=timeout_s)
        except SerialPortError as exc:
            tried.append(f"{port}: {exc}")
            continue
        log.info("mattress %s %s on %s", info.vendor, info.model, port)
        return MattressFound(
            port,
            info.vendor,
            info.model,
            info.serial_number,
            info.firmware_version,
            info.mode.value,
            info.sample_rate_hz,
        )
    raise SetupError(
        "no mattress answered on any serial port"
        + (f" (tried {'; '.join(tried)})" if tried else " (no serial port found)"),
        advice="check that the mattress's USB cable is plugged into the gateway and the mattress "
        "is powered (its LED on), or give its port with --serial-port, then run setup again",
    )


def home_client(endpoint: MqttEndpoint, name: str) -> aiomqtt.Client:
    """A short-lived client of the home broker."""
    return aiomqtt.Client(
        endpoint.host, endpoint.port, identifier=f"sg-setup-{name}-{secrets.token_hex(3)}"
    )


async def _request(
    client: aiomqtt.Client, base: str, request: str, body: dict[str, Any], timeout_s: float
) -> dict[str, Any]:
    transaction = secrets.token_hex(4)
    await client.publish(
        f"{base}/bridge/request/{request}", json.dumps({**body, "transaction": transaction}), qos=1
    )
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout_s):
            async for message in client.messages:
                if message.topic.value != f"{base}/bridge/response/{request}":
                    continue
                answer = json.loads(bytes(message.payload))
                if answer.get("transaction") not in (None, transaction):
                    continue
                if answer.get("status") != "ok":
                    raise SetupError(
                        f"Zigbee2MQTT refused {request}: {answer.get('error', answer)}",
                        advice="check Zigbee2MQTT's log (journalctl -u zigbee2mqtt) and retry",
                    )
                return dict(answer)
    raise SetupError(
        f"Zigbee2MQTT did not answer {request}",
        advice="check that Zigbee2MQTT runs (journalctl -u zigbee2mqtt)",
    )


async def _bridge_online(client: aiomqtt.Client, base: str, timeout_s: float) -> None:
    """Wait for Zigbee2MQTT's retained ``bridge/state`` to say online."""
    try:
        async with asyncio.timeout(timeout_s):
            async for message in client.messages:
                if message.topic.value == f"{base}/bridge/state":
                    payload = bytes(message.payload)
                    if b"online" in payload:
                        return
    except TimeoutError:
        pass
    raise SetupError(
        f"Zigbee2MQTT is not online on the home broker ({base}/bridge/state)",
        advice="start it (systemctl start zigbee2mqtt), check that its USB coordinator is "
        "plugged in (journalctl -u zigbee2mqtt), then run setup again",
    )


async def pair_smoke_sensor(
    endpoint: MqttEndpoint, base: str, friendly_name: str, timeout_s: float
) -> dict[str, Any]:
    """Permit joining, wait for a device to join and be interviewed, name it, close joining."""
    where = f"{endpoint.host}:{endpoint.port}"
    try:
        async with home_client(endpoint, "z2m") as client:
            await client.subscribe(f"{base}/bridge/#", qos=1)
            await _bridge_online(client, base, min(timeout_s, 30.0))
            await _request(
                client,
                base,
                "permit_join",
                {"value": True, "time": max(1, min(254, int(timeout_s)))},
                10,
            )
            joined: dict[str, Any] | None = None
            try:
                async with asyncio.timeout(timeout_s):
                    async for message in client.messages:
                        if message.topic.value != f"{base}/bridge/event":
                            continue
                        event = json.loads(bytes(message.payload))
                        data = event.get("data", {})
                        if (
                            event.get("type") == "device_interview"
                            and data.get("status") == "successful"
                        ):
                            joined = data
                            break
            except TimeoutError:
                pass
            await _request(client, base, "permit_join", {"value": False, "time": 0}, 10)
            if joined is None:
                raise SetupError(
                    f"no smoke sensor joined in {timeout_s:.0f} s",
                    advice="put the smoke sensor in pairing mode (hold its button until the "
                    "LED blinks fast) within a metre of the gateway, then run setup again",
                )
            if joined["friendly_name"] != friendly_name:
                await _request(
                    client,
                    base,
                    "device/rename",
                    {"from": joined["friendly_name"], "to": friendly_name},
                    10,
                )
    except aiomqtt.MqttError as exc:
        raise SetupError(
            f"cannot reach the home broker at {where} ({exc})",
            advice="check that mosquitto runs on the gateway (systemctl status mosquitto)",
        ) from exc
    definition = joined.get("definition") or {}
    return {
        "ieee_address": joined["ieee_address"],
        "friendly_name": friendly_name,
        "vendor": definition.get("vendor"),
        "model": definition.get("model"),
    }


async def bind_wristband(
    endpoint: MqttEndpoint, base: str, band_id: str, timeout_s: float
) -> dict[str, Any]:
    """Wait until the band with ``band_id`` is heard on the home broker (status or accel)."""
    try:
        async with home_client(endpoint, "band") as client:
            await client.subscribe(f"{base}/{band_id}/#", qos=1)
            async with asyncio.timeout(timeout_s):
                message = await anext(aiter(client.messages))
    except TimeoutError as exc:
        raise SetupError(
            f"wristband {band_id} was not heard in {timeout_s:.0f} s",
            advice="check the id printed on the band, charge it, put it on and bring it near the "
            "gateway, then run setup again",
        ) from exc
    except aiomqtt.MqttError as exc:
        raise SetupError(
            f"cannot reach the home broker ({exc})",
            advice="check that mosquitto runs on the gateway",
        ) from exc
    return {"band_id": band_id, "first_topic": message.topic.value}

"""The commissioning self-test: each check on the real devices and the real cloud.

1. bed: someone lies on the bed → the mattress reports presence and a heart rate;
2. wristband: the band is moved → movement is seen on the home broker;
3. with the edge agent running on the configuration just written:
   smoke test: the test button → the agent's ``smoke_test`` event is stored in the cloud;
   link: the gateway's status is online in the cloud, the time from press to cloud, the outbox
   emptied (every message acked).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiomqtt

from contracts.devices.mattress_serial import MattressMode
from contracts.devices.wristband import WristbandAccelPayload
from contracts.readings import MattressRawBlock, MattressVitals
from edge_agent.agent import run_agent
from edge_agent.config import EdgeSettings, MattressSettings
from edge_agent.errors import EdgeAgentError
from edge_agent.outbox.store import OutboxStore
from edge_agent.readers.serial_mattress import SerialMattressReader
from edge_agent.signal.bcg import RawMattressProcessor
from silverguard.setup.checks import MOVEMENT_G, CheckResult, wrist_movement_g
from silverguard.setup.cloud import CloudApi
from silverguard.setup.devices import home_client
from silverguard.setup.errors import SetupError

log = logging.getLogger(__name__)

Prompt = Callable[[str], None]


async def check_bed(
    mattress: MattressSettings, timeout_s: float, sample_rate_hz: float = 100.0
) -> CheckResult:
    """Presence and a heart rate from the mattress (raw BCG at ``sample_rate_hz`` or vitals)."""
    reader = SerialMattressReader(mattress, check_mode=False)
    raw = RawMattressProcessor(sample_rate_hz) if mattress.mode is MattressMode.RAW else None
    started = time.monotonic()
    try:
        async with asyncio.timeout(timeout_s):
            async for update in reader.readings():
                reading = update.reading
                found: list[MattressVitals] = []
                if isinstance(reading, MattressVitals):
                    found = [reading]
                elif raw is not None and isinstance(reading, MattressRawBlock):
                    found = raw.push(reading, update.received_at)
                for vitals in found:
                    if vitals.in_bed and vitals.heart_rate_bpm:
                        return CheckResult(
                            "bed presence and heart rate",
                            True,
                            {
                                "seconds_to_first": round(time.monotonic() - started, 1),
                                "heart_rate_bpm": round(vitals.heart_rate_bpm),
                            },
                        )
    except TimeoutError:
        pass
    return CheckResult(
        "bed presence and heart rate",
        False,
        {"waited_s": timeout_s},
        advice="have someone lie still on the bed over the sensor strip (under the chest); "
        "check the strip's cable to the control box, then run setup again",
    )


async def check_wristband(settings: EdgeSettings, band_id: str, timeout_s: float) -> CheckResult:
    """The band moved: an accelerometer block straying from 1 g.

    A block that does not parse is skipped, and a dropped home-broker connection is made again,
    until ``timeout_s``: one bad message or a broker blip must not fail the installer's check.
    """
    base = settings.wristbands.base_topic
    largest = 0.0
    try:
        async with asyncio.timeout(timeout_s):
            while True:
                try:
                    async with home_client(settings.home_broker, "move") as client:
                        await client.subscribe(f"{base}/{band_id}/accel", qos=1)
                        async for message in client.messages:
                            try:
                                payload = bytes(message.payload)
                                block = WristbandAccelPayload.model_validate_json(payload)
                            except ValueError:
                                continue
                            largest = max(largest, wrist_movement_g(block.xyz))
                            if largest >= MOVEMENT_G:
                                return CheckResult(
                                    "wristband movement", True, {"movement_g": round(largest, 2)}
                                )
                except aiomqtt.MqttError:
                    await asyncio.sleep(0.5)
    except TimeoutError:
        pass
    return CheckResult(
        "wristband movement",
        False,
        {"largest_movement_g": round(largest, 2)},
        advice="put the band on the resident's wrist and have them wave the arm; charge the "
        "band if its LED stays dark, then run setup again",
    )


@contextlib.asynccontextmanager
async def agent_running(settings: EdgeSettings) -> AsyncIterator[asyncio.Task[None]]:
    """The edge agent on ``settings`` while the block runs."""
    ready = asyncio.Event()
    task = asyncio.create_task(run_agent(settings, ready=ready))
    waiter = asyncio.create_task(ready.wait())
    await asyncio.wait({task, waiter}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, EdgeAgentError, aiomqtt.MqttError):
            await task


async def _poll(what: Callable[[], Any], timeout_s: float) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = await asyncio.to_thread(what)
        if found:
            return found
        await asyncio.sleep(0.5)
    return None


async def check_chain(
    settings: EdgeSettings,
    api: CloudApi,
    auth: tuple[str, str],
    timeout_s: float,
    prompt: Prompt,
) -> list[CheckResult]:
    """Smoke test button → event in the cloud; link and outbox, with the agent running."""
    results: list[CheckResult] = []
    before = {e["message_id"] for e in api.events(settings.gateway_id)}
    async with agent_running(settings) as agent:
        if agent.done():
            failure = agent.exception() if not agent.cancelled() else None
            raise SetupError(
                f"the edge agent stopped at once on the new configuration: {failure}",
                advice="fix what it says (silverguard edge check-config --config FILE shows the "
                "configuration), then run setup again",
            )
        online = await _poll(lambda: api.gateway_self(auth).get("state") == "online", timeout_s)
        results.append(
            CheckResult(
                "gateway online in the cloud",
                bool(online),
                {},
                advice="the gateway cannot reach the cloud broker: check the internet link, the "
                "broker address and port 8883 in the firewall, then run setup again",
            )
        )
        prompt("Press and hold the smoke sensor's test button until it beeps.")
        pressed = time.monotonic()

        def smoke_test_event() -> dict[str, Any] | None:
            fresh = [
                e
                for e in api.events(settings.gateway_id)
                if e["message_id"] not in before and e["type"] == "smoke_test"
            ]
            return fresh[0] if fresh else None

        event = await _poll(smoke_test_event, timeout_s)
        results.append(
            CheckResult(
                "smoke test button reaches the cloud",
                event is not None,
                {"seconds_press_to_cloud": round(time.monotonic() - pressed, 1)} if event else {},
                advice="press the test button longer (until it beeps); if the cloud still sees "
                "nothing, check the sensor's battery and that it is within range of the gateway",
            )
        )
        outbox_empty = await _poll(lambda: _outbox_drained(settings), timeout_s)
    results.append(
        CheckResult(
            "outbox delivered and acknowledged",
            bool(outbox_empty),
            {"path": str(settings.outbox_path)},
            advice="messages wait unacknowledged in the outbox: check that the cloud's ingest "
            "workers run (the operator), then run setup again",
        )
    )
    return results


def _outbox_drained(settings: EdgeSettings) -> bool:
    store = OutboxStore(settings.outbox_path, ack_timeout_s=settings.ack_timeout_s)
    try:
        return sum(store.depth().values()) == 0
    finally:
        store.close()


async def link_quality(settings: EdgeSettings, password: str, probes: int = 5) -> CheckResult:
    """Round trips to the cloud broker over TLS as the gateway (QoS 1 publish → PUBACK)."""
    endpoint = settings.cloud_broker
    tls = aiomqtt.TLSParameters(ca_certs=str(endpoint.ca_file)) if endpoint.tls else None
    rtts: list[float] = []
    topic = f"sg/v1/{settings.org_id}/{settings.gateway_id}/probe"
    try:
        async with aiomqtt.Client(
            endpoint.host,
            endpoint.port,
            username=endpoint.username,
            password=password,
            tls_params=tls,
            identifier=f"{settings.gateway_id}-probe",
        ) as client:
            for _ in range(probes):
                start = time.monotonic()
                await client.publish(topic, b"", qos=1)
                rtts.append((time.monotonic() - start) * 1000)
    except aiomqtt.MqttError as exc:
        return CheckResult(
            "link quality",
            False,
            {"error": str(exc)},
            advice="check the gateway's internet link and run setup again",
        )
    rtts.sort()
    return CheckResult(
        "link quality",
        True,
        {
            "probes": probes,
            "rtt_ms_median": round(rtts[len(rtts) // 2], 1),
            "rtt_ms_max": round(rtts[-1], 1),
        },
    )

"""What one home's edge agent costs, and how many raw-BCG beds one core can serve.

Part 1 runs ``python -m edge_agent run`` (``silverguard edge run`` without the cloud side's
imports) as a child process, as a gateway's systemd unit would, against two
embedded brokers (the home's and the cloud's) and real-rate devices in this process: the
mattress on a pseudo-terminal (raw BCG at 100 Hz in 25-sample frames, or the firmware's 1 Hz
vitals), a wristband at 50 Hz in one block a second plus its status, and a smoke sensor
reporting once a minute; a cloud side acks everything like cloud_ingest. After a warm-up it
reads the agent's CPU time and resident memory from ``/proc`` (Linux).

Part 2 times :func:`edge_agent.signal.bcg.estimate_vitals_batch` on a batch of beds (one
30 s window each, the streaming processor's default) and reports how many beds one core can
refresh once a second.

Example:
    >>> r = raw_beds_per_core(beds=20, repeats=1)
    >>> r["beds_in_batch"], r["beds_per_core"] > 0
    (20, True)
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import platform
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiomqtt
import numpy as np
import yaml

from contracts.ack import AckBody, AckStatus
from contracts.config import MqttEndpoint, MqttProtocol
from contracts.devices.mattress_serial import MattressMode
from contracts.envelope import AckMessage, decode_envelope, encode_envelope
from contracts.ids import new_message_id
from contracts.status import GatewayState, GatewayStatusBody
from contracts.topics import TopicKind, build_topic
from edge_agent.config import EdgeSettings, MattressSettings
from edge_agent.signal.bcg import estimate_vitals_batch
from firmware_sim.mattress import MattressFirmwareSim
from firmware_sim.wristband import WristbandSim
from firmware_sim.zigbee2mqtt import SmokeSensorSim
from silverguard.demo.brokers import EmbeddedBroker
from silverguard.ports import free_port

GOALS = {"cpu_pct_of_one_core": 1.0, "rss_mb": 80.0, "raw_beds_per_core": 10_000}
ORG, GATEWAY, BAND = "org-bench", "gw-bench", "b0000000bench"
RATES = {MattressMode.RAW: "raw BCG, 100 Hz", MattressMode.VITALS: "firmware vitals, 1 Hz"}
WINDOW_S = 30.0
RATE_HZ = 100.0


def raw_beds_per_core(*, beds: int = 2000, repeats: int = 3, seed: int = 0) -> dict[str, object]:
    """Beds whose 30 s raw window one core can estimate once a second (best of ``repeats``)."""
    rng = np.random.default_rng(seed)
    n = round(WINDOW_S * RATE_HZ)
    t = np.arange(n) / RATE_HZ
    heart = np.sin(2 * np.pi * rng.uniform(0.9, 1.4, (beds, 1)) * t) ** 16
    breath = 2.0 * np.sin(2 * np.pi * rng.uniform(0.2, 0.3, (beds, 1)) * t)
    samples = heart + breath + 0.1 * rng.standard_normal((beds, n))
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        estimate_vitals_batch(samples, RATE_HZ)
        best = min(best, time.process_time() - start)
    return {
        "beds_in_batch": beds,
        "window_s": WINDOW_S,
        "sample_rate_hz": RATE_HZ,
        "batch_cpu_s": round(best, 4),
        "beds_per_core": round(beds / best) if best > 0 else None,
    }


async def run_edge_bench(
    *,
    duration_s: float = 60.0,
    warmup_s: float = 20.0,
    mattress: MattressMode = MattressMode.RAW,
    beds: int = 2000,
) -> dict[str, object]:
    """Run one home at real rates and measure the agent process (see the module docstring)."""
    home_port, cloud_port = free_port(), free_port()
    with tempfile.TemporaryDirectory(prefix="sg-bench-edge-") as tmp:
        workdir = Path(tmp)
        link = workdir / "ttyMATTRESS"
        config = write_home_config(workdir, home_port, cloud_port, link, mattress)
        cloud = AckingCloud(cloud_port)
        async with (
            EmbeddedBroker(home_port, "home"),
            EmbeddedBroker(cloud_port, "cloud"),
        ):
            with MattressFirmwareSim(mattress, link=link) as sim:
                devices = _background(cloud.run(), sim.run(), _home_devices(home_port))
                async with devices, agent_process(config) as pid:
                    async with asyncio.timeout(60):
                        await cloud.online.wait()
                    await asyncio.sleep(warmup_s)
                    cpu0, wall0, acked0 = _cpu_s(pid), time.monotonic(), cloud.acked
                    await asyncio.sleep(duration_s)
                    cpu1, wall1 = _cpu_s(pid), time.monotonic()
                    memory = _memory_mb(pid)
                    acked = cloud.acked - acked0
    elapsed = wall1 - wall0
    return {
        "bench": "edge",
        "python": platform.python_version(),
        "machine": platform.machine(),
        "duration_s": round(elapsed, 2),
        "warmup_s": warmup_s,
        "home": {
            "mattress": RATES[mattress],
            "wristband": "50 Hz accelerometer, 1 block/s, status every 60 s",
            "smoke": "state every 60 s",
        },
        "agent": {
            "command": "python -m edge_agent run --config FILE",
            "cpu_pct_of_one_core": round(100 * (cpu1 - cpu0) / elapsed, 3),
            "rss_mb": memory["rss_mb"],
            "peak_rss_mb": memory["peak_rss_mb"],
            "messages_acked_per_s": round(acked / elapsed, 2),
        },
        "raw_bcg": raw_beds_per_core(beds=beds),
        "goals": GOALS,
    }


def write_home_config(
    workdir: Path, home_port: int, cloud_port: int, link: Path | None, mode: MattressMode
) -> Path:
    """The bench home's agent config (no mattress if ``link`` is None)."""
    settings = EdgeSettings(
        org_id=ORG,
        gateway_id=GATEWAY,
        home_id="home-bench",
        resident_id="res-bench",
        home_broker=MqttEndpoint(port=home_port, protocol=MqttProtocol.V311),
        cloud_broker=MqttEndpoint(port=cloud_port, protocol=MqttProtocol.V311),
        zigbee2mqtt={"smoke_sensors": {"smoke_kitchen": "smoke-bench"}},
        wristbands={"bands": {BAND: "band-bench"}},
        mattress=(
            MattressSettings(port=str(link), device_id="mattress-bench", mode=mode)
            if link is not None
            else None
        ),
        outbox_path=workdir / "outbox.db",
    )
    path = workdir / "edge.yaml"
    path.write_text(yaml.safe_dump(settings.model_dump(mode="json")))
    return path


@contextlib.asynccontextmanager
async def agent_process(config: Path) -> AsyncIterator[int]:
    """``python -m edge_agent run --config`` as a child; yields its pid."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "edge_agent",
        "run",
        "--config",
        str(config),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        yield proc.pid
    finally:
        if proc.returncode is None:
            proc.terminate()
            try:
                async with asyncio.timeout(10):
                    await proc.wait()
            except TimeoutError:
                proc.kill()
                await proc.wait()


@contextlib.asynccontextmanager
async def _background(*coros: Coroutine[Any, Any, None]) -> AsyncIterator[None]:
    tasks = [asyncio.create_task(coro) for coro in coros]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _home_devices(port: int) -> None:
    """The wristband (50 Hz, one block a second) and the smoke sensor (once a minute)."""
    band = WristbandSim(BAND)
    smoke = SmokeSensorSim("smoke_kitchen")
    loop = asyncio.get_running_loop()
    while True:
        with contextlib.suppress(aiomqtt.MqttError):
            async with aiomqtt.Client("127.0.0.1", port) as client:
                tick = 0
                due = loop.time()
                while True:
                    ts = int(time.time() * 1000)
                    await client.publish(band.accel_topic, band.resting_block(ts), qos=1)
                    if tick % 60 == 0:
                        await client.publish(band.status_topic, band.status_payload(ts=ts), qos=1)
                        await smoke.publish_state(client)
                    tick += 1
                    due += 1.0
                    await asyncio.sleep(max(0.0, due - loop.time()))
        await asyncio.sleep(0.5)


class AckingCloud:
    """Acks every event and reading of the bench gateway, as cloud_ingest does."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.online = asyncio.Event()
        self.acked = 0
        self.kinds: list[str] = []
        """The topic kind (event, reading) of each message acked, in arrival order."""

    async def run(self) -> None:
        """Subscribe and ack until cancelled (reconnecting)."""
        while True:
            with contextlib.suppress(aiomqtt.MqttError):
                async with aiomqtt.Client("127.0.0.1", self.port) as client:
                    for kind in (TopicKind.EVENT, TopicKind.READING, TopicKind.STATUS):
                        await client.subscribe(build_topic(ORG, GATEWAY, kind), qos=1)
                    messages = client.messages
                    async for first in messages:
                        batch = [first]
                        while len(messages) and len(batch) < 500:
                            batch.append(await anext(messages))
                        await self._handle(client, batch)
            await asyncio.sleep(0.5)

    async def _handle(self, client: aiomqtt.Client, batch: list[aiomqtt.Message]) -> None:
        """Ack a batch in one message, as cloud_ingest does."""
        acked: list[tuple[str, AckStatus]] = []
        for message in batch:
            if not isinstance(message.payload, bytes):
                continue
            envelope = decode_envelope(message.payload)
            if isinstance(envelope.body, GatewayStatusBody):
                if envelope.body.state is GatewayState.ONLINE:
                    self.online.set()
                continue
            acked.append((envelope.message_id, AckStatus.STORED))
            self.kinds.append(message.topic.value.rsplit("/", 1)[1])
        if not acked:
            return
        now = datetime.now(UTC)
        ack = AckMessage(
            message_id=new_message_id(now),
            org_id=ORG,
            gateway_id=GATEWAY,
            cloud_time=now,
            body=AckBody(acked=acked),
        )
        await client.publish(build_topic(ORG, GATEWAY, TopicKind.ACK), encode_envelope(ack), qos=1)
        self.acked += len(acked)


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of ``pid`` (from /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return ticks / os.sysconf("SC_CLK_TCK")


def _memory_mb(pid: int) -> dict[str, float]:
    """Resident set size now and at its peak (VmRSS, VmHWM)."""
    values: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = round(int(rest.split()[0]) / 1024, 1)
    return {"rss_mb": values.get("VmRSS", 0.0), "peak_rss_mb": values.get("VmHWM", 0.0)}

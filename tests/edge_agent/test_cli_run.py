"""``edge run`` as a real process: birth, a clean Ctrl-C, and the broker's last will."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiomqtt
import pytest
import yaml

from contracts import GatewayState, GatewayStatusBody, decode_envelope
from tests.edge_agent.conftest import edge_settings
from tests.edge_agent.test_agent_integration import STATUS_TOPIC, poll
from tests.servers import MosquittoInstance

pytestmark = pytest.mark.integration


@contextlib.contextmanager
def agent_process(config: Path) -> Iterator[subprocess.Popen[bytes]]:
    code = "from edge_agent.cli import app; app()"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "run", "--config", str(config)],
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=10)


@contextlib.asynccontextmanager
async def status_watch(broker: MosquittoInstance) -> AsyncIterator[list[GatewayState]]:
    states: list[GatewayState] = []

    async def watch(client: aiomqtt.Client) -> None:
        async for message in client.messages:
            assert isinstance(message.payload, bytes)
            body = decode_envelope(message.payload).body
            assert isinstance(body, GatewayStatusBody)
            states.append(body.state)

    async with aiomqtt.Client(broker.host, broker.port) as client:
        await client.subscribe(STATUS_TOPIC, qos=1)
        task = asyncio.create_task(watch(client))
        try:
            yield states
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def write_config(tmp_path: Path, home: MosquittoInstance, cloud: MosquittoInstance) -> Path:
    settings = edge_settings(tmp_path, home, cloud)
    path = tmp_path / "edge.yaml"
    path.write_text(yaml.safe_dump(settings.model_dump(mode="json")))
    return path


async def test_ctrl_c_stops_cleanly_and_says_offline(
    tmp_path: Path, home_broker: MosquittoInstance, cloud_broker: MosquittoInstance
) -> None:
    config = write_config(tmp_path, home_broker, cloud_broker)
    async with status_watch(cloud_broker) as states:
        with agent_process(config) as proc:
            await poll(lambda: GatewayState.ONLINE in states, timeout_s=45)  # a loaded machine
            proc.send_signal(signal.SIGINT)
            _, stderr = await asyncio.to_thread(proc.communicate, timeout=60)  # loaded machine
            assert proc.returncode == 0, stderr.decode()
            assert b"Traceback" not in stderr
            assert b"stopped" in stderr
        await poll(lambda: states[-1] is GatewayState.OFFLINE, timeout_s=30)


async def test_a_killed_agent_is_announced_offline_by_its_will(
    tmp_path: Path, home_broker: MosquittoInstance, cloud_broker: MosquittoInstance
) -> None:
    config = write_config(tmp_path, home_broker, cloud_broker)
    async with status_watch(cloud_broker) as states:
        with agent_process(config) as proc:
            await poll(lambda: GatewayState.ONLINE in states, timeout_s=45)  # a loaded machine
            proc.kill()
        await poll(lambda: states[-1] is GatewayState.OFFLINE, timeout_s=30)

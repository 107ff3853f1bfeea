"""The world a setup test runs in: the cloud (production broker with TLS and dynamic security,
ingest consumer, REST API on PostgreSQL) and a home (its Mosquitto, the mattress on a pty, the
Zigbee2MQTT bridge emulator with a smoke sensor waiting to pair, a wristband being waved), and
"systemd": once setup installs the unit, the agent is started with the config setup wrote."""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import aiomqtt
import httpx
import uvicorn

from alerting.config import AlertingSettings
from alerting.service import run_alerting
from cloud_ingest.api.app import create_app
from cloud_ingest.api.context import ApiContext
from cloud_ingest.api.server import listen
from cloud_ingest.api.settings import ApiSettings
from cloud_ingest.auth.secrets import SecretHasher
from cloud_ingest.config import IngestSettings
from cloud_ingest.consumer.runner import run_ingest
from contracts.clock import SystemClock
from contracts.config import MqttEndpoint
from edge_agent.agent import run_agent
from edge_agent.config import load_edge_settings
from firmware_sim.wristband import WristbandSim
from firmware_sim.zigbee2mqtt_bridge import Zigbee2MqttBridgeSim
from silverguard.ports import free_port
from silverguard.sinks import WebhookReceiver
from tests.cloud_ingest.api.conftest import seed_database
from tests.cloud_ingest.api.support import JWT_SECRET
from tests.deploy.broker import ProductionBroker
from tests.servers import MosquittoInstance

BAND_ID = "c8f09e3a11b2"
SMOKE_IEEE = "0x00124b0024c2a1f0"
INGEST_PASSWORD_ENV = "SG_TEST_INGEST_PASSWORD"


@dataclass
class Cloud:
    """The running cloud side."""

    url: str
    broker: ProductionBroker


@contextlib.contextmanager
def api_server(database_url: str, broker: ProductionBroker | None) -> Iterator[str]:
    """The REST API served by uvicorn in a thread (the setup is its HTTP client)."""
    context = ApiContext(
        database_url,
        ApiSettings(broker_admin=broker.admin() if broker else None),
        JWT_SECRET,
        clock=SystemClock(),
        hasher=SecretHasher.fast_for_tests(),
    )
    port = free_port()
    sock = listen("127.0.0.1", port)
    server = uvicorn.Server(uvicorn.Config(create_app(context), log_config=None, access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        context.close()


@contextlib.asynccontextmanager
async def cloud(database_url: str, broker: ProductionBroker) -> AsyncIterator[Cloud]:
    """Seeded database, ingest consumer and API against the production broker."""
    clock, hasher = SystemClock(), SecretHasher.fast_for_tests()
    await asyncio.to_thread(seed_database, database_url, clock, hasher)  # type: ignore[arg-type]
    os.environ[INGEST_PASSWORD_ENV] = broker.ingest_password
    settings = IngestSettings(
        database_url=database_url,
        broker=MqttEndpoint(
            host=broker.host,
            port=broker.port,
            username="ingest",
            password_env=INGEST_PASSWORD_ENV,
            tls=True,
            ca_file=broker.ca_file,
        ),
        migrate_on_start=False,
    )
    ready = asyncio.Event()
    ingest = asyncio.create_task(run_ingest(settings, ready=ready))
    try:
        async with asyncio.timeout(30):
            await ready.wait()
        with api_server(database_url, broker) as url:
            yield Cloud(url, broker)
    finally:
        ingest.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ingest


async def run_bridge(home: MosquittoInstance, bridge: Zigbee2MqttBridgeSim) -> None:
    """The Zigbee2MQTT bridge emulator, and the paired sensor's test button pressed now and then."""
    stop = asyncio.Event()
    async with aiomqtt.Client(home.host, home.port, identifier="z2m-bridge") as client:
        serving = asyncio.create_task(bridge.serve(client, stop))
        try:
            while True:
                await asyncio.sleep(1.0)
                for device in list(bridge.devices.values()):
                    if device.friendly_name.startswith("0x"):
                        continue
                    await device.sensor.publish_state(client, {"test": True})
                    await asyncio.sleep(0.3)
                    await device.sensor.publish_state(client, {"test": False})
        finally:
            stop.set()
            serving.cancel()


async def wave_wristband(home: MosquittoInstance) -> None:
    """The band streams blocks; every other one is an arm being waved (|a| up to ~1.5 g)."""
    band = WristbandSim(BAND_ID)
    async with aiomqtt.Client(home.host, home.port, identifier="band-bridge") as client:
        for i in range(100_000):
            if i % 2:
                xyz = [(0.5 * math.sin(k / 3), 0.2, 1.0 + 0.3 * math.cos(k / 3)) for k in range(25)]
                payload = band.accel_payload(1_700_000_000_000 + i * 500, xyz)
            else:
                payload = band.resting_block(1_700_000_000_000 + i * 500, 25)
            await band.publish(client, band.accel_topic, payload)
            await asyncio.sleep(0.5)


async def play_systemd(systemd_dir: Path, config: Path) -> None:
    """Start the agent once setup has installed its unit (what systemctl enable --now does)."""
    while not (systemd_dir / "silverguard-edge.service").exists():
        await asyncio.sleep(0.2)
    for line in config.with_name("edge.env").read_text().splitlines():  # EnvironmentFile=
        name, _, value = line.partition("=")
        os.environ[name] = value
    await run_agent(await asyncio.to_thread(load_edge_settings, config))


INSTALLER = "inst-0001"
CARE_WORKER = "cw-0001"
DUTY_DESK = "op-0001"
ROUTER_TOKEN_ENV = "SG_TEST_SETUP_ROUTER_TOKEN_SECRET"
ROUTER_WEBHOOK_ENV = "SG_TEST_SETUP_ROUTER_WEBHOOK_SECRET"
ROUTER_JWT_ENV = "SG_TEST_SETUP_ROUTER_JWT_SECRET"
ROUTER_WEBHOOK_SECRET = "setup-router-webhook-secret"


def router_settings(database_url: str, hooks: WebhookReceiver, api_port: int) -> AlertingSettings:
    """The alert router on the cloud's database: care events → a care worker, device health →
    the duty desk, the commissioning test → the installers; every person a signed webhook."""
    os.environ[ROUTER_TOKEN_ENV] = "setup-router-link-token-secret"
    os.environ[ROUTER_WEBHOOK_ENV] = ROUTER_WEBHOOK_SECRET
    os.environ[ROUTER_JWT_ENV] = JWT_SECRET  # the cloud API's logins are valid here
    people = (INSTALLER, CARE_WORKER, DUTY_DESK)
    return AlertingSettings.model_validate(
        {
            "org_id": "org-demo",
            "database_url": database_url,
            "public_base_url": f"http://127.0.0.1:{api_port}",
            "api": {"host": "127.0.0.1", "port": api_port},
            "poll_interval_s": 0.2,
            "token_secret_env": ROUTER_TOKEN_ENV,
            "auth": {"jwt_secret_env": ROUTER_JWT_ENV},
            "people": [
                {"id": p, "name": p, "contacts": [{"channel": "webhook", "url": hooks.url(p)}]}
                for p in people
            ],
            "receivers": [
                {"name": "installers", "people": [INSTALLER]},
                {"name": "care", "people": [CARE_WORKER]},
                {"name": "duty-desk", "people": [DUTY_DESK]},
            ],
            "route": {"receiver": "care"},
            "operator_receiver": "duty-desk",
            "installer_receiver": "installers",
            "channels": {"webhook": {"secret_env": ROUTER_WEBHOOK_ENV, "timeout_s": 5}},
            "delivery": {"interval_s": 0.1},
        }
    )


@contextlib.asynccontextmanager
async def alert_router(settings: AlertingSettings) -> AsyncIterator[str]:
    """The real alert router (feed, escalation, channels, HTTP API); yields its API URL."""
    ready = asyncio.Event()
    task = asyncio.create_task(run_alerting(settings, ready=ready))
    try:
        async with asyncio.timeout(30):
            await ready.wait()
        yield settings.public_base_url
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def installer_phone(hooks: WebhookReceiver) -> None:
    """The installer's phone: taps the accept link of each test alarm it is sent."""
    tapped: set[str] = set()
    async with httpx.AsyncClient() as client:
        while True:
            for payload in hooks.payloads(INSTALLER):
                if payload["type"] == "commissioning_test" and payload["accept_url"] not in tapped:
                    response = await client.post(payload["accept_url"])
                    response.raise_for_status()
                    tapped.add(payload["accept_url"])
            await asyncio.sleep(0.2)

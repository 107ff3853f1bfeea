"""A fleet of homes driven through the whole chain, for the dashboards' chain test.

firmware_sim devices (a Zigbee2MQTT smoke sensor, a wristband, a mattress on a pseudo-terminal)
publish on each home's own Mosquitto; each home's edge agent (``deploy/examples/edge.yaml``
with this run's ids, ports and paths) forwards to the cloud Mosquitto; the ingest stores in
PostgreSQL and writes vitals and device health to VictoriaMetrics, which scrapes the daemons'
``/metrics`` every second with ``deploy/victoriametrics/scrape.yaml`` (targets rewritten to
this run's ports); the alert router daemon pages a webhook receiver, and a care worker answers
through the router's API.

The scenario: home 1's kitchen fire (accepted at once, closed as a false alarm), home 2's
fall (left until the backup and team lead are paged, then accepted, closed as assisted), home
3's wristband falls silent and, at the end, home 3's gateway shuts down.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiomqtt
import httpx
from pydantic import BaseModel

from alerting.store.db import migrate as migrate_alerting
from cloud_ingest.store import migrate as migrate_ingest
from contracts import TopicKind, build_topic
from contracts.auth import AccessClaims, Role, issue_access_token
from contracts.config import MqttEndpoint, MqttProtocol
from contracts.devices.mattress_serial import MattressMode
from edge_agent.uplink.forwarder import AGENT_VERSION
from firmware_sim.mattress import MattressFirmwareSim
from firmware_sim.mqtt import sim_client
from firmware_sim.scenarios import BAND, FALL, KITCHEN_FIRE, SMOKE_KITCHEN, play_scenario
from firmware_sim.wristband import WristbandSim
from firmware_sim.zigbee2mqtt import SmokeSensorSim
from silverguard.sinks import ReceivedWebhook, WebhookReceiver
from tests.alerting.escalation_support import JWT_SECRET, JWT_SECRET_ENV
from tests.alerting.router_support import router_config, router_process, wait_healthy
from tests.alerting.support import WEBHOOK_SECRET
from tests.cloud_ingest.support import running_ingest
from tests.dashboards.fleet_chain_setup import (
    BAND_BATTERY_PCT,
    BAND_STATUS_EVERY_S,
    FALL_HOME,
    FALL_IMPACT_AFTER_S,
    FIRE_HOME,
    HEART_RATE_BPM,
    HOMES,
    INGEST_AFTER_S,
    MALFORMED,
    OFF_WRIST_HOME,
    ORG,
    QUIET_HOME,
    RESP_RATE_BR_MIN,
    SESSION_SECRET_ENV,
    SILENT_AFTER_S,
    ChainPorts,
    Home,
    api_config,
    care_app_config,
    edge_config,
    ingest_config,
    router_settings,
    write_config,
)
from tests.edge_agent.test_agent_integration import running_agent
from tests.servers import MosquittoInstance, mosquitto

MIN_SCENARIO_S = 34.0
"""The scenario lasts at least this long: the test's range (from 30 s before it) then holds
two of Grafana's 15 s steps after the ingest came up, so every graph is a line, not a dot."""
HUNG_AFTER_S = 150.0
"""The scenario takes under a minute; past this the chain is stuck somewhere."""


@dataclass
class ChainRun:
    """What the chain did, for the panels' expectations."""

    start: datetime
    end: datetime = field(default_factory=lambda: datetime.now(UTC))
    incidents: dict[str, str] = field(default_factory=dict)
    """Incident id by event type (fire, fall, device_offline)."""
    pages: list[ReceivedWebhook] = field(default_factory=list)
    agent_version: str = AGENT_VERSION


async def _wait(
    condition: Callable[[], bool],
    what: str,
    seen: Callable[[], object] = lambda: "",
    timeout_s: float = 45.0,
) -> None:
    """Wait for ``condition``; on timeout, fail saying ``what`` and what was ``seen``."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"the chain never got there: {what} (seen: {seen()})"
        await asyncio.sleep(0.05)


def _page(pages: list[ReceivedWebhook], event_type: str, person: str) -> ReceivedWebhook | None:
    for page in pages:
        if page.name == person and page.payload.get("type") == event_type:
            return page
    return None


class CareWorker:
    """cw-0001 on their phone: accepts from the page's link, then works the closed loop."""

    def __init__(self, http: httpx.AsyncClient, api: str, pages: list[ReceivedWebhook]) -> None:
        self.http = http
        self.api = api
        self.pages = pages
        claims = AccessClaims(
            sub="u-cw-0001",
            org_id=ORG,
            role=Role.CARE_WORKER,
            person_id="cw-0001",
            exp=datetime.now(UTC) + timedelta(minutes=30),
        )
        self.login = {"Authorization": f"Bearer {issue_access_token(claims, JWT_SECRET)}"}

    async def handle(self, event_type: str, outcome: str, *, wait_for_page_to: str) -> str:
        """Wait until ``wait_for_page_to`` is paged about ``event_type``, then accept (with
        the link of cw-0001's page), go, make contact and close with ``outcome``."""
        pages = self.pages
        await _wait(
            lambda: _page(pages, event_type, wait_for_page_to) is not None,
            f"{wait_for_page_to} paged about the {event_type}",
            lambda: sorted({(p.name, str(p.payload.get("type"))) for p in pages}),
        )
        mine = _page(self.pages, event_type, "cw-0001")
        assert mine is not None, f"cw-0001 was never paged about the {event_type}"
        incident = str(mine.payload["incident_id"])
        link_token = str(mine.payload["accept_url"]).rstrip("/").rsplit("/", 1)[-1]
        url = f"{self.api}/api/v1/incidents/{incident}"
        accepted = await self.http.post(
            f"{url}/accept", headers={"Authorization": f"Bearer {link_token}"}
        )
        assert accepted.status_code == 200, accepted.text
        for step, body in (("en-route", None), ("contact", None), ("close", {"outcome": outcome})):
            await asyncio.sleep(0.5)  # the worker's own pace: each step takes a moment
            done = await self.http.post(f"{url}/{step}", headers=self.login, json=body)
            assert done.status_code == 200, (step, done.text)
        return incident

    async def duty_desk_paged(self, event_type: str) -> str:
        """The incident the duty desk (op-0001) was paged about for ``event_type``."""
        pages = self.pages
        await _wait(
            lambda: _page(pages, event_type, "op-0001") is not None,
            f"the duty desk paged about {event_type}",
            lambda: sorted({(p.name, str(p.payload.get("type"))) for p in pages}),
        )
        page = _page(pages, event_type, "op-0001")
        assert page is not None
        return str(page.payload["incident_id"])


async def _smoke_sensor_online(endpoint: MqttEndpoint) -> None:
    sensor = SmokeSensorSim(SMOKE_KITCHEN)
    async with sim_client(endpoint, name="smoke") as client:
        await sensor.publish_availability(client, online=True)
        await sensor.publish_state(client)


async def _band_status(endpoint: MqttEndpoint, home: Home) -> None:
    """The band's status every second (home 3's stops after ``SILENT_AFTER_S``)."""
    band = WristbandSim(BAND)
    change = {"battery": BAND_BATTERY_PCT[home.n], "on_wrist": home.n != OFF_WRIST_HOME}
    silent_at = time.monotonic() + SILENT_AFTER_S if home.n == QUIET_HOME else float("inf")
    async with sim_client(endpoint, name=f"band-{home.n}") as client:
        while time.monotonic() < silent_at:
            await band.publish(client, band.status_topic, band.status_payload(**change))
            await asyncio.sleep(BAND_STATUS_EVERY_S)


async def _outdated_gateway(cloud_port: int) -> None:
    async with aiomqtt.Client("127.0.0.1", cloud_port, identifier="gw-0099-old") as client:
        await client.publish(build_topic(ORG, "gw-0099", TopicKind.READING), MALFORMED, qos=1)


@contextlib.asynccontextmanager
async def _mattress(workdir: Path, home: Home) -> AsyncIterator[MattressFirmwareSim]:
    """The home's mattress streaming vitals on its pseudo-terminal."""
    with MattressFirmwareSim(
        MattressMode.VITALS,
        link=workdir / f"tty-{home.n}",
        heart_rate_bpm=HEART_RATE_BPM[home.n],
        resp_rate_br_min=RESP_RATE_BR_MIN[home.n],
        in_bed=True,
        seed=home.n,
        serial_number=f"SIM-{home.n:06d}",
    ) as mattress:
        task = asyncio.create_task(mattress.run())
        try:
            yield mattress
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def drive_fleet(workdir: Path, database_url: str, vm_url: str, ports: ChainPorts) -> ChainRun:
    """Run the whole chain through the scenario; returns once it is over and everything
    stopped (VictoriaMetrics keeps what it scraped, PostgreSQL what was stored).

    Raises:
        AssertionError: a step never happened, or the chain hung (with every task's stack).
    """
    loop = asyncio.get_running_loop()
    watchdog = loop.call_later(HUNG_AFTER_S, _print_task_stacks)
    try:
        return await _drive(workdir, database_url, vm_url, ports)
    finally:
        watchdog.cancel()


def _print_task_stacks() -> None:
    """Show where every task waits (pytest shows it with the failure)."""
    print(f"the fleet chain still runs after {HUNG_AFTER_S} s; its tasks:", file=sys.stderr)
    for task in asyncio.all_tasks():
        task.print_stack(file=sys.stderr)


async def _drive(workdir: Path, database_url: str, vm_url: str, ports: ChainPorts) -> ChainRun:
    migrate_ingest(database_url)  # the event feed the router reads
    migrate_alerting(database_url)
    homes = [Home(n) for n in HOMES]
    async with contextlib.AsyncExitStack() as stack:
        brokers: dict[int, MosquittoInstance] = {
            h.n: stack.enter_context(mosquitto(workdir / f"home-{h.n}-mosquitto")) for h in homes
        }
        cloud = stack.enter_context(mosquitto(workdir / "cloud-mosquitto"))
        receiver = await stack.enter_async_context(
            WebhookReceiver(WEBHOOK_SECRET.encode(), port=ports.webhook)
        )
        config = router_config(workdir, router_settings(database_url, ports), "router")
        router = stack.enter_context(router_process(config))
        api = stack.enter_context(
            _daemon(["ingest", "api"], api_config(database_url, ports), workdir)
        )
        app = care_app_config(ports)
        care_app = stack.enter_context(_daemon(["app", "serve"], app, workdir))
        endpoints = {
            h.n: MqttEndpoint(port=brokers[h.n].port, protocol=MqttProtocol.V311) for h in homes
        }
        beds = {h.n: await stack.enter_async_context(_mattress(workdir, h)) for h in homes}
        run = ChainRun(start=datetime.now(UTC))
        quiet_gateway = await stack.enter_async_context(contextlib.AsyncExitStack())
        for h in homes:
            agent = running_agent(edge_config(h, workdir, brokers[h.n].port, cloud.port), [])
            await (quiet_gateway if h.n == QUIET_HOME else stack).enter_async_context(agent)
        await stack.enter_async_context(_running([_band_status(endpoints[h.n], h) for h in homes]))
        for h in homes:
            await _smoke_sensor_online(endpoints[h.n])
        await asyncio.sleep(INGEST_AFTER_S)
        ingest = ingest_config(database_url, cloud.port, ports, vm_url)
        async with running_ingest(ingest):  # stops before the gateways say goodbye
            await wait_healthy([router], [ports.router_api])
            await _listening(api, ports.api)
            await _listening(care_app, ports.care_app)
            await _outdated_gateway(cloud.port)
            http = await stack.enter_async_context(httpx.AsyncClient(timeout=10))
            worker = CareWorker(http, f"http://127.0.0.1:{ports.router_api}", receiver.deliveries)
            run.incidents = await _scenario(worker, beds, endpoints)
            await _probe_daemons(http, ports)
            await quiet_gateway.aclose()  # home 3's gateway shuts down: it says offline
            gone = await worker.duty_desk_paged("gateway_offline")
            run.incidents["gateway_offline"] = gone
            # the last scrapes and heartbeats reach VictoriaMetrics, and the range holds two
            # of the panels' 15 s steps with data
            elapsed_s = (datetime.now(UTC) - run.start).total_seconds()
            await asyncio.sleep(max(3.0, MIN_SCENARIO_S - elapsed_s))
            assert router.poll() is None, "the alert router died"
            run.end = datetime.now(UTC)
        run.pages = list(receiver.deliveries)
    return run


@contextlib.contextmanager
def _daemon(
    command: list[str], settings: BaseModel, workdir: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """``silverguard COMMAND --config FILE`` in its own process (the secrets it names in its
    environment), its output in ``{workdir}/{command}.log``."""
    name = "-".join(command)
    config = write_config(workdir / f"{name}.yaml", settings)
    env = {**os.environ, JWT_SECRET_ENV: JWT_SECRET, SESSION_SECRET_ENV: secrets.token_urlsafe(32)}
    with (workdir / f"{name}.log").open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "silverguard", *command, "--config", str(config)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


async def _listening(proc: subprocess.Popen[bytes], port: int, timeout_s: float = 60.0) -> None:
    """Wait until the daemon ``proc`` accepts connections on ``port`` (fails if it died)."""
    deadline = time.monotonic() + timeout_s
    what = " ".join(str(a) for a in proc.args) if isinstance(proc.args, list) else "a daemon"
    while True:
        assert proc.poll() is None, f"{what} died on start (see its .log in the workdir)"
        with contextlib.suppress(OSError):
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            await writer.wait_closed()
            return
        assert time.monotonic() < deadline, f"{what} does not listen on {port}"
        await asyncio.sleep(0.2)


async def _probe_daemons(http: httpx.AsyncClient, ports: ChainPorts) -> None:
    """The operators' monitoring asks the REST API whether it is up; the care worker's phone
    opens the care app (its login page and the manifest that installs it)."""
    for url in (
        f"http://127.0.0.1:{ports.api}/healthz",
        f"http://127.0.0.1:{ports.care_app}/login",
        f"http://127.0.0.1:{ports.care_app}/manifest.webmanifest",
    ):
        answer = await http.get(url)
        assert answer.status_code == 200, (url, answer.status_code, answer.text[:300])


async def _scenario(
    worker: CareWorker, beds: Mapping[int, MattressFirmwareSim], homes: Mapping[int, MqttEndpoint]
) -> dict[str, str]:
    """Fire, fall and the silent band at once; the incident id of each."""
    fire, fall, silent = await asyncio.gather(
        _play_then(
            play_scenario(KITCHEN_FIRE, homes[FIRE_HOME], time_scale=0.0),
            worker.handle("fire", "false_alarm", wait_for_page_to="cw-0001"),
        ),
        _play_then(
            _get_up_and_fall(beds[FALL_HOME], homes[FALL_HOME]),
            worker.handle("fall", "assisted_no_injury", wait_for_page_to="tl-0001"),
        ),
        worker.duty_desk_paged("device_offline"),
    )
    return {"fire": fire, "fall": fall, "device_offline": silent}


@contextlib.asynccontextmanager
async def _running(coroutines: Sequence[Coroutine[Any, Any, None]]) -> AsyncIterator[None]:
    """Run ``coroutines`` as tasks for the block; cancel them at its end."""
    tasks = [asyncio.create_task(c) for c in coroutines]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for outcome in await asyncio.gather(*tasks, return_exceptions=True):
            if not isinstance(outcome, asyncio.CancelledError | None):
                raise outcome


async def _get_up_and_fall(bed: MattressFirmwareSim, wristband: MqttEndpoint) -> None:
    """The resident gets out of bed (a fall in bed is no fall), then falls; the band raises
    its own fall flag at the impact, as such bands do (the detector weighs it with the
    accelerometer, so a fall still counts when a loaded machine bunches the samples)."""
    bed.synth.in_bed = False

    async def flag_at_impact() -> None:
        await asyncio.sleep(FALL_IMPACT_AFTER_S)
        band = WristbandSim(BAND)
        async with sim_client(wristband, name="band-flag") as client:
            flagged = band.status_payload(fall=True, battery=BAND_BATTERY_PCT[FALL_HOME])
            await band.publish(client, band.status_topic, flagged)

    await asyncio.gather(
        play_scenario(FALL, wristband, wristband_base_topic="wristband"), flag_at_impact()
    )


async def _play_then(
    scenario: Coroutine[Any, Any, None], handling: Coroutine[Any, Any, str]
) -> str:
    """Play a scenario, then handle the incident it raises."""
    await scenario
    return await handling

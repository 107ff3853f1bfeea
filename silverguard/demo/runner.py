"""The embedded single-home demo: every component in one process, nothing to install.

Two amqtt brokers (the home's and the cloud's), SQLite for storage, a local mailbox and a
webhook receiver. The configuration comes from ``deploy/examples/`` with the ports and paths
changed to free ones, and secrets generated for this run only.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import secrets
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Protocol

import aiomqtt
import httpx

from alerting.config import AlertingSettings, load_alerting_settings
from alerting.service import run_alerting
from cloud_ingest.config import IngestSettings, load_ingest_settings
from cloud_ingest.consumer import run_ingest
from contracts import (
    TAXONOMY,
    Audience,
    EventBody,
    TopicKind,
    decode_ack,
    decode_envelope,
    parse_topic,
)
from contracts.config import ConfigError, MqttEndpoint, MqttProtocol
from contracts.devices.mattress_serial import MattressMode
from contracts.errors import ContractError
from edge_agent.agent import EdgeStage, run_agent
from edge_agent.config import EdgeSettings, MattressSettings, load_edge_settings
from firmware_sim.mattress import MattressFirmwareSim
from firmware_sim.scenarios import SCENARIOS, Scenario, ScenarioStep, play_scenario
from silverguard.demo.brokers import EmbeddedBroker
from silverguard.demo.report import DemoReport, ScenarioEventResult, Timeline
from silverguard.demo.timings import demo_detection
from silverguard.ports import free_port
from silverguard.sinks import ReceivedMail, ReceivedWebhook, SmtpSink, WebhookReceiver

log = logging.getLogger(__name__)

DEFAULT_SCENARIOS = (
    "smoke_test",
    "abnormal_vitals",
    "night_exit",
    "fall",
    "kitchen_fire",
)
"""In this order: an open fire mutes the home's bed-absence incidents (the router's
inhibition rule), so the fire comes last; the night exit leaves the bed empty for the fall."""
_INCIDENT_IN_MAIL = re.compile(r"事件编号：(\S+)")
"""The incident number line of the alert router's zh-CN email."""
DEFAULT_LIMIT_S = 240.0
"""Without ``--duration`` the demo still gives up (and says what is missing) after this."""


class _Starter(Protocol):
    def __call__(self, *, ready: asyncio.Event) -> Coroutine[Any, Any, None]: ...


@dataclass(frozen=True)
class DemoOptions:
    """How to run the demo."""

    config_dir: Path
    workdir: Path
    scenarios: tuple[str, ...] = DEFAULT_SCENARIOS
    duration_s: float | None = None
    accept: bool = True
    home_broker: MqttEndpoint | None = None
    """An external home broker; None runs an embedded one."""
    cloud_broker: MqttEndpoint | None = None
    """An external cloud broker (MQTT v5: the ingest uses a shared subscription)."""
    database_url: str | None = None
    """An external database; None uses SQLite in the work folder."""


@dataclass
class _Step:
    scenario: str
    step: ScenarioStep
    sent_at: float
    detected: str | None = None
    stored: bool = False
    message_id: str | None = None
    incident_id: str | None = None
    webhook_at: float | None = None
    email_at: float | None = None
    accept_url: str | None = None
    accepted_by: str | None = None
    accepted_at: str | None = None
    accept_done_at: float | None = None


@dataclass
class _Tracker:
    timeline: Timeline
    steps: list[_Step] = field(default_factory=list)
    by_message: dict[str, _Step] = field(default_factory=dict)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def step_for_event(self, device_id: str | None, event_type: str) -> _Step | None:
        for s in reversed(self.steps):
            expected = s.step.expected_event
            if s.detected is None and expected is not None and expected.value == event_type:
                return s
        return None

    def step_for_incident(self, incident_id: str, event_type: str | None) -> _Step | None:
        """The step whose incident this is; the first paging step without one claims it."""
        for s in self.steps:
            if s.incident_id == incident_id:
                return s
        for s in self.steps:
            fits = s.detected == event_type if event_type else _pages(s.step) and s.detected
            if fits and s.incident_id is None:
                s.incident_id = incident_id
                return s
        return None


def _configs(
    options: DemoOptions, ports: dict[str, int], env: dict[str, str]
) -> tuple[EdgeSettings, IngestSettings, AlertingSettings, str]:
    """The example configs with this run's ports, paths and secrets (the last: the webhook
    secret's variable name)."""
    cfg = options.config_dir
    db_url = options.database_url or f"sqlite:///{options.workdir / 'silverguard.sqlite3'}"
    home = options.home_broker or MqttEndpoint(
        host="127.0.0.1", port=ports["home"], protocol=MqttProtocol.V311
    )
    cloud = options.cloud_broker or MqttEndpoint(
        host="127.0.0.1", port=ports["cloud"], protocol=MqttProtocol.V311
    )
    shared_group = "ingest" if cloud.protocol is MqttProtocol.V5 else None

    edge = load_edge_settings(cfg / "edge.yaml")
    edge = edge.model_copy(
        update={
            "home_broker": home,
            "cloud_broker": cloud,
            "outbox_path": options.workdir / "outbox.sqlite3",
            "mattress": MattressSettings(
                port=str(mattress_link(options)),
                device_id=edge.mattress.device_id if edge.mattress else "mattress-0001",
                mode=MattressMode.VITALS,
            ),
            "detection": demo_detection(edge.detection),
        }
    )
    ingest = load_ingest_settings(cfg / "ingest.yaml")
    ingest = ingest.model_copy(
        update={"database_url": db_url, "broker": cloud, "shared_group": shared_group}
    )
    alerting = load_alerting_settings(cfg / "alerting.yaml")
    people = [
        person.model_copy(
            update={
                "contacts": [
                    c.model_copy(
                        update={"url": f"http://127.0.0.1:{ports['webhook']}/hooks/{person.id}"}
                    )
                    if c.channel == "webhook"
                    else c
                    for c in person.contacts
                ]
            }
        )
        for person in alerting.people
    ]
    email, webhook = alerting.channels.email, alerting.channels.webhook
    if email is None or webhook is None:
        raise ConfigError(
            f"{cfg / 'alerting.yaml'} must configure both channels.webhook and channels.email: "
            "the demo delivers through both"
        )
    alerting = alerting.model_copy(
        update={
            "database_url": db_url,
            "public_base_url": f"http://127.0.0.1:{ports['api']}",
            "api": alerting.api.model_copy(update={"host": "127.0.0.1", "port": ports["api"]}),
            "people": people,
            "channels": alerting.channels.model_copy(
                update={
                    "email": email.model_copy(
                        update={"smtp_host": "127.0.0.1", "smtp_port": ports["smtp"]}
                    )
                }
            ),
        }
    )
    env[webhook.secret_env] = secrets.token_urlsafe(32)
    env[alerting.token_secret_env] = secrets.token_urlsafe(32)
    return edge, ingest, alerting, webhook.secret_env


def mattress_link(options: DemoOptions) -> Path:
    """Where the demo's emulated mattress appears (a symlink to its pseudo-terminal)."""
    return options.workdir / "ttyMattress"


def _pages(step: ScenarioStep) -> bool:
    expected = step.expected_event
    return expected is not None and TAXONOMY[expected].audience is Audience.CARE


def _done(s: _Step, accept: bool) -> bool:
    if s.step.expected_event is None:
        return True
    if not (s.detected and s.stored):
        return False
    if not _pages(s.step):
        return True
    # The webhook (the phone's channel) must arrive; the email may be cancelled by the router
    # when the incident is accepted before it goes out, which is what a care team wants.
    delivered = s.webhook_at is not None
    return delivered and (not accept or s.accepted_by is not None)


def _ok(s: _Step) -> bool:
    expected = s.step.expected_event
    if expected is None:
        return s.detected is None
    if _pages(s.step):
        return _done(s, accept=True)
    return s.detected == expected.value and s.stored and s.webhook_at is None


async def _observe_cloud(
    endpoint: MqttEndpoint, tracker: _Tracker, *, ready: asyncio.Event
) -> None:
    """Watch the cloud broker: events arriving from the gateway and the ingest's acks."""
    async with aiomqtt.Client(
        endpoint.host,
        endpoint.port,
        identifier=f"demo-observer-{secrets.token_hex(3)}",
        protocol=aiomqtt.ProtocolVersion.V311,
    ) as client:
        await client.subscribe("sg/v1/+/+/event", qos=1)
        await client.subscribe("sg/v1/+/+/ack", qos=1)
        ready.set()
        async for message in client.messages:
            try:
                kind = parse_topic(str(message.topic)).kind
                payload = (
                    bytes(message.payload)
                    if isinstance(message.payload, bytes | bytearray)
                    else b""
                )
                if kind is TopicKind.EVENT:
                    env = decode_envelope(payload)
                    if isinstance(env.body, EventBody):
                        _on_cloud_event(tracker, env.message_id, env.device_id, env.body)
                elif kind is TopicKind.ACK:
                    for message_id, status in decode_ack(payload).body.acked:
                        step = tracker.by_message.get(message_id)
                        if step is not None and not step.stored:
                            step.stored = True
                            tracker.timeline.mark(
                                "ingest stored+ack", f"{message_id} {status.value}"
                            )
                            tracker.changed.set()
            except ContractError as exc:
                log.warning("demo observer could not read %s: %s", message.topic, exc)


def _on_cloud_event(
    tracker: _Tracker, message_id: str, device_id: str | None, body: EventBody
) -> None:
    step = tracker.step_for_event(device_id, body.type.value)
    tracker.timeline.mark(
        "cloud broker",
        f"{body.type.value} ({body.severity.value}) {message_id} — {body.evidence.summary}",
    )
    if step is not None:
        step.detected = body.type.value
        step.message_id = message_id
        tracker.by_message[message_id] = step
        tracker.changed.set()


async def _accept(client: httpx.AsyncClient, tracker: _Tracker, step: _Step) -> None:
    """Act as the care worker: accept the incident with the token from the page."""
    if step.accept_url is None or step.incident_id is None:
        return
    token = step.accept_url.rstrip("/").rsplit("/", 1)[-1]
    base = step.accept_url.split("/a/", 1)[0]
    headers = {"Authorization": f"Bearer {token}"}
    response = await client.post(
        f"{base}/api/v1/incidents/{step.incident_id}/accept", headers=headers
    )
    response.raise_for_status()
    incident = (
        await client.get(f"{base}/api/v1/incidents/{step.incident_id}", headers=headers)
    ).json()
    step.accepted_by = str(incident["accepted_by"])
    step.accepted_at = str(incident["accepted_at"])
    step.accept_done_at = time.monotonic()
    tracker.timeline.mark(
        "accepted", f"incident {step.incident_id} by {step.accepted_by} at {step.accepted_at}"
    )
    tracker.changed.set()


class _DemoSession:
    """Callbacks from the components and the sinks, turned into timeline rows and step state."""

    def __init__(self, options: DemoOptions, tracker: _Tracker, http: httpx.AsyncClient) -> None:
        self.options = options
        self.tracker = tracker
        self.timeline = tracker.timeline
        self.http = http
        self.loop = asyncio.get_running_loop()
        self.background: set[asyncio.Task[None]] = set()
        self.event_ids: set[str] = set()

    def on_webhook(self, delivery: ReceivedWebhook) -> None:
        payload = delivery.payload
        incident_id = str(payload["incident_id"])
        step = self.tracker.step_for_incident(incident_id, str(payload.get("type")))
        self.timeline.mark(
            "webhook delivered",
            f"{delivery.path} incident {incident_id} {payload.get('type')} (signature verified)",
            at=delivery.received_monotonic,
        )
        if step is not None and step.webhook_at is None:
            step.webhook_at = delivery.received_monotonic
            step.accept_url = str(payload.get("accept_url"))
            if self.options.accept:
                task = asyncio.create_task(_accept(self.http, self.tracker, step))
                self.background.add(task)
                task.add_done_callback(self.background.discard)
        self.tracker.changed.set()

    def on_mail(self, mail: ReceivedMail) -> None:
        """Called from the SMTP server's thread."""
        self.loop.call_soon_threadsafe(self._on_mail_in_loop, mail)

    def _on_mail_in_loop(self, mail: ReceivedMail) -> None:
        self.timeline.mark(
            "email delivered",
            f"to {', '.join(mail.rcpt_tos)}: {mail.subject}",
            at=mail.received_monotonic,
        )
        found = _INCIDENT_IN_MAIL.search(mail.body)
        step = self.tracker.step_for_incident(found.group(1), None) if found else None
        if step is not None and step.email_at is None:
            step.email_at = mail.received_monotonic
        self.tracker.changed.set()

    def on_stage(self, stage: EdgeStage, message_id: str) -> None:
        """Edge stages of detected events (the mattress's telemetry each second is left out)."""
        if stage is EdgeStage.EVENT_DETECTED:
            self.event_ids.add(message_id)
        if message_id in self.event_ids:
            self.timeline.mark(f"edge {stage.value}", message_id)

    def on_step(self, scenario: Scenario) -> Callable[[ScenarioStep, float], None]:
        def record(step: ScenarioStep, sent_at: float) -> None:
            self.tracker.steps.append(_Step(scenario.name, step, sent_at))
            expected = step.expected_event.value if step.expected_event else "nothing"
            self.timeline.mark(
                "sensor → home MQTT",
                f"{scenario.name}: {step.description} (expect {expected})",
                at=sent_at,
            )

        return record

    def all_done(self) -> bool:
        for task in list(self.background):
            if task.done() and not task.cancelled() and task.exception() is not None:
                raise RuntimeError(
                    f"the demo's care worker could not accept the incident: {task.exception()!r}"
                )
        return all(_done(s, self.options.accept) for s in self.tracker.steps)


async def run_demo(options: DemoOptions, timeline: Timeline) -> DemoReport:
    """Start everything, play the scenarios, and report what reached whom, and when."""
    options.workdir.mkdir(parents=True, exist_ok=True)
    ports = {name: free_port() for name in ("home", "cloud", "smtp", "webhook", "api")}
    env: dict[str, str] = {}
    edge, ingest, alerting, webhook_secret_env = _configs(options, ports, env)
    os.environ.update(env)  # secrets for this run only; the components read them by name
    try:
        return await _run(
            options,
            timeline,
            edge=edge,
            ingest=ingest,
            alerting=alerting,
            ports=ports,
            webhook_secret_text=env[webhook_secret_env],
        )
    finally:
        for name in env:
            os.environ.pop(name, None)


async def _run(
    options: DemoOptions,
    timeline: Timeline,
    *,
    edge: EdgeSettings,
    ingest: IngestSettings,
    alerting: AlertingSettings,
    ports: dict[str, int],
    webhook_secret_text: str,
) -> DemoReport:
    tracker = _Tracker(timeline)
    started = time.monotonic()
    complete = False
    webhook_secret = webhook_secret_text.encode()
    async with contextlib.AsyncExitStack() as stack:
        http = await stack.enter_async_context(httpx.AsyncClient(timeout=10))
        session = _DemoSession(options, tracker, http)
        stack.enter_context(SmtpSink(port=ports["smtp"], on_mail=session.on_mail))
        if options.home_broker is None:
            await stack.enter_async_context(EmbeddedBroker(ports["home"], "home"))
        if options.cloud_broker is None:
            await stack.enter_async_context(EmbeddedBroker(ports["cloud"], "cloud"))
        await stack.enter_async_context(
            WebhookReceiver(webhook_secret, port=ports["webhook"], on_delivery=session.on_webhook)
        )
        # The bed starts empty: the scenarios put the resident in it and take them out.
        mattress = stack.enter_context(
            MattressFirmwareSim(MattressMode.VITALS, link=mattress_link(options), in_bed=False)
        )
        tasks: list[asyncio.Task[None]] = []
        tg = await stack.enter_async_context(asyncio.TaskGroup())
        tasks.append(tg.create_task(mattress.run()))
        try:
            # The ingest migrates first: it owns the event feed the alert router reads.
            starters: list[_Starter] = [
                partial(run_ingest, ingest),
                partial(run_alerting, alerting),
                partial(run_agent, edge, on_stage=session.on_stage),
                partial(_observe_cloud, edge.cloud_broker, tracker),
            ]
            for starter in starters:
                ready = asyncio.Event()
                tasks.append(tg.create_task(starter(ready=ready)))
                async with asyncio.timeout(30):
                    await _wait_ready(ready, tasks)
            timeline.mark("ready", "brokers, edge agent, ingest, alert router, mail, webhook")
            deadline = started + (options.duration_s or DEFAULT_LIMIT_S)
            for name in options.scenarios:
                scenario = SCENARIOS[name]
                await play_scenario(
                    scenario,
                    edge.home_broker,
                    on_step=session.on_step(scenario),
                    mattress=mattress,
                    wristband_base_topic=edge.wristbands.base_topic,
                )
                complete = await _wait_until(session.all_done, tracker, deadline)
                if not complete:
                    break
            if complete:
                # a smoke test must not page anyone: give a stray page time to show up
                await asyncio.sleep(1.0)
        finally:
            for task in tasks:
                task.cancel()
    rows = [_result(s) for s in tracker.steps if s.step.expected_event is not None]
    return DemoReport(
        complete=complete and all(r.ok for r in rows),
        elapsed_s=round(time.monotonic() - started, 3),
        workdir=str(options.workdir),
        events=rows,
        timeline=timeline.rows,
    )


async def _wait_ready(ready: asyncio.Event, tasks: list[asyncio.Task[None]]) -> None:
    while not ready.is_set():
        for task in tasks:
            if task.done():
                task.result()  # a component that died at start raises here
        await asyncio.sleep(0.05)


async def _wait_until(
    condition: Callable[[], bool], tracker: _Tracker, deadline: float | None
) -> bool:
    while not condition():
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            return False
        tracker.changed.clear()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(min(remaining or 1.0, 1.0)):
                await tracker.changed.wait()
    return True


def _ms(at: float | None, since: float) -> float | None:
    return None if at is None else round((at - since) * 1000, 1)


def _missing(s: _Step) -> list[str]:
    """The stages that did not happen, in the order they should have."""
    if s.step.expected_event is None:
        return []
    stages = [
        (s.detected is not None, "edge agent detection reaching the cloud broker"),
        (s.stored, "the ingest's ack (stored)"),
    ]
    if _pages(s.step):
        stages += [
            (s.webhook_at is not None, "webhook delivery"),
            (s.accepted_by is not None, "acceptance over the HTTP API"),
        ]
    return [what for happened, what in stages if not happened]


def _result(s: _Step) -> ScenarioEventResult:
    expected = s.step.expected_event
    return ScenarioEventResult(
        scenario=s.scenario,
        device=s.step.device,
        sensor_message=s.step.description,
        sensor_payload=json.dumps(s.step.payload, ensure_ascii=False, sort_keys=True),
        expected_event_type=expected.value if expected else None,
        detected_event_type=s.detected,
        stored_in_cloud=s.stored,
        pages_expected=_pages(s.step),
        incident_id=s.incident_id,
        webhook_delivery_ms=_ms(s.webhook_at, s.sent_at),
        email_delivery_ms=_ms(s.email_at, s.sent_at),
        accepted_by=s.accepted_by,
        accepted_at=s.accepted_at,
        accept_ms=_ms(s.accept_done_at, s.sent_at),
        ok=_ok(s),
        missing=_missing(s),
    )

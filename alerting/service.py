"""``run_alerting``: migrate, then the feed poller, the dispatcher and the API in one TaskGroup.

Embeddable in another asyncio program: uvicorn's signal handling is switched off, the host
process keeps SIGINT/SIGTERM, and cancelling ``run_alerting`` shuts the API down cleanly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Generator

import httpx
import uvicorn

from alerting.api.app import create_app
from alerting.api.tokens import tokens_from_settings
from alerting.channels.base import ChannelSender
from alerting.channels.email.sender import EmailSender
from alerting.channels.kinds import ChannelKind
from alerting.channels.registry import build_push_and_telecom_senders
from alerting.channels.webhook.sender import WebhookSender
from alerting.config import AlertingSettings
from alerting.dispatch.dispatcher import Dispatcher
from alerting.errors import AlertingError
from alerting.feed.listener import listen_for_new_events
from alerting.feed.poller import FeedPoller
from alerting.metrics import AlertingMetrics
from alerting.store.db import create_db_engine, migrate
from contracts.clock import Clock, SystemClock
from contracts.http_metrics import HttpMetrics
from contracts.metrics import MetricsPortError, MetricsServer
from contracts.net import bind_tcp_listener

log = logging.getLogger(__name__)


class EmbeddedServer(uvicorn.Server):
    """A uvicorn server that leaves the host process's signal handlers alone."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


def build_senders(
    settings: AlertingSettings, client: httpx.AsyncClient, clock: Clock
) -> dict[str, ChannelSender]:
    """One sender per configured channel."""
    senders: dict[str, ChannelSender] = {}
    if settings.channels.webhook is not None:
        senders[ChannelKind.WEBHOOK.value] = WebhookSender(settings.channels.webhook, client, clock)
    if settings.channels.email is not None:
        senders[ChannelKind.EMAIL.value] = EmailSender(settings.channels.email)
    senders.update(build_push_and_telecom_senders(settings, client, clock))
    return senders


async def run_alerting(
    settings: AlertingSettings,
    *,
    clock: Clock | None = None,
    ready: asyncio.Event | None = None,
    metrics: AlertingMetrics | None = None,
) -> None:
    """Run the alert router until cancelled; ``ready`` is set once the API answers.

    Its metrics go to ``metrics`` (a new registry unless given), served on ``/metrics`` when
    the settings have a ``metrics`` block.
    """
    clock = clock or SystemClock()
    metrics = metrics or AlertingMetrics()
    tokens = tokens_from_settings(settings, clock)  # fail fast on a missing secret
    await asyncio.to_thread(migrate, settings.database_url)
    engine = create_db_engine(settings.database_url)
    try:
        with _metrics_served(settings, metrics):
            async with httpx.AsyncClient() as client:
                senders = build_senders(settings, client, clock)
                server = EmbeddedServer(
                    uvicorn.Config(
                        create_app(
                            settings, engine, clock, http_metrics=HttpMetrics(metrics.registry)
                        ),
                        host=settings.api.host,
                        port=settings.api.port,
                        log_config=None,
                        lifespan="off",
                        access_log=False,
                        timeout_graceful_shutdown=2,  # live SSE streams must not block a stop
                    )
                )
                with _listen(settings.api.host, settings.api.port) as listener:
                    async with asyncio.TaskGroup() as tg:
                        new_pages, new_events = asyncio.Event(), asyncio.Event()
                        if engine.dialect.name == "postgresql":
                            tg.create_task(
                                listen_for_new_events(settings.database_url, new_events),
                                name="feed-listen",
                            )
                        dispatcher = Dispatcher(
                            engine, settings, senders, tokens, clock, metrics=metrics
                        )
                        tg.create_task(
                            FeedPoller(engine, settings, clock, metrics=metrics).run(
                                new_pages, new_events, hand_over=dispatcher.take
                            ),
                            name="feed",
                        )
                        tg.create_task(dispatcher.run(new_pages), name="dispatch")
                        tg.create_task(_serve(server, listener), name="api")
                        tg.create_task(_announce_ready(settings, client, ready), name="ready")
    finally:
        engine.dispose()


@contextlib.contextmanager
def _metrics_served(
    settings: AlertingSettings, metrics: AlertingMetrics
) -> Generator[None, None, None]:
    """Serve ``metrics`` on ``/metrics`` while the router runs, if the settings ask for it."""
    if settings.metrics is None:
        yield
        return
    try:
        server = MetricsServer(metrics.registry, settings.metrics.host, settings.metrics.port)
    except MetricsPortError as exc:
        raise AlertingError(str(exc)) from exc
    try:
        yield
    finally:
        server.close()


@contextlib.contextmanager
def _listen(host: str, port: int) -> Generator[socket.socket, None, None]:
    """Bind the API's socket ourselves: uvicorn would ``sys.exit`` the host on a busy port."""
    try:
        sock = bind_tcp_listener(host, port)
    except OSError as exc:
        raise AlertingError(
            f"the alerting API cannot listen on {host}:{port} ({exc.strerror}): "
            "choose another api.port or stop the program using it"
        ) from exc
    try:
        yield sock
    finally:
        sock.close()


async def _serve(server: uvicorn.Server, listener: socket.socket) -> None:
    task = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        server.should_exit = True
        await task
        raise


async def _announce_ready(
    settings: AlertingSettings, client: httpx.AsyncClient, ready: asyncio.Event | None
) -> None:
    url = f"http://{_connect_host(settings.api.host)}:{settings.api.port}/healthz"
    while True:
        with contextlib.suppress(httpx.HTTPError):
            if (await client.get(url, timeout=2.0)).status_code == 200:
                break
        await asyncio.sleep(0.05)
    log.info("alerting API ready on %s:%d", settings.api.host, settings.api.port)
    if ready is not None:
        ready.set()


def _connect_host(host: str) -> str:
    return {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)  # noqa: S104

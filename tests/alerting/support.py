"""Real servers and helpers for the alerting tests: events feed rows, webhook receiver, SMTP."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

from sqlalchemy import Column, DateTime, Engine, Integer, MetaData, String, Table, Text, insert

from alerting.config import AlertingSettings
from alerting.service import run_alerting
from contracts.envelope import Envelope, encode_envelope
from contracts.events import EventBody, EventStatus, EventType, Evidence
from contracts.feed import (
    EVENT_FEED_ENVELOPE,
    EVENT_FEED_MESSAGE_ID,
    EVENT_FEED_RECEIVED_AT,
    EVENT_FEED_SEQ,
    EVENT_FEED_TABLE,
)
from contracts.ids import new_message_id
from silverguard.sinks import SmtpSink, WebhookReceiver
from tests.servers import free_port

WEBHOOK_SECRET = "webhook-test-secret"
TOKEN_SECRET = "token-test-secret"
WEBHOOK_SECRET_ENV = "SG_TEST_ALERTING_WEBHOOK_SECRET"
TOKEN_SECRET_ENV = "SG_TEST_ALERTING_TOKEN_SECRET"


def events_table(metadata: MetaData) -> Table:
    """The ingest's feed table as the tests create it (the ingest's migration does in prod)."""
    return Table(
        EVENT_FEED_TABLE,
        metadata,
        Column(EVENT_FEED_SEQ, Integer, primary_key=True, autoincrement=True),
        Column(EVENT_FEED_MESSAGE_ID, String(26), unique=True, nullable=False),
        Column(EVENT_FEED_ENVELOPE, Text, nullable=False),
        Column(
            EVENT_FEED_RECEIVED_AT,
            DateTime(timezone=True),
            nullable=False,
            default=lambda: datetime.now(UTC),
        ),
    )


def create_events_table(engine: Engine) -> Table:
    """Create the ``events`` table and return it."""
    metadata = MetaData()
    table = events_table(metadata)
    metadata.create_all(engine)
    return table


def make_envelope(
    event_type: EventType = EventType.FIRE,
    *,
    status: EventStatus = EventStatus.RAISED,
    resident_id: str = "res-0001",
    summary: str = "smoke detected in the kitchen",
    now: datetime | None = None,
) -> Envelope:
    """An event envelope as a gateway would send it."""
    now = now or datetime.now(UTC)
    return Envelope(
        message_id=new_message_id(now),
        org_id="org-demo",
        gateway_id="gw-0001",
        home_id="home-0001",
        resident_id=resident_id,
        device_id="smoke-kitchen",
        device_time=now,
        gateway_time=now,
        body=EventBody.of(event_type, Evidence(summary=summary), status=status),
    )


def insert_event(
    engine: Engine,
    envelope: Envelope,
    *,
    seq: int | None = None,
    received_at: datetime | None = None,
) -> str:
    """Store ``envelope`` as the ingest would (at ``received_at``, default now); returns its
    message id."""
    table = events_table(MetaData())
    row: dict[str, Any] = {
        EVENT_FEED_MESSAGE_ID: envelope.message_id,
        EVENT_FEED_ENVELOPE: encode_envelope(envelope).decode(),
        EVENT_FEED_RECEIVED_AT: received_at or datetime.now(UTC),
    }
    if seq is not None:
        row[EVENT_FEED_SEQ] = seq
    with engine.begin() as connection:
        connection.execute(insert(table).values(**row))
    return envelope.message_id


def make_settings(
    database_url: str,
    *,
    webhook_urls: tuple[str, ...] = ("http://127.0.0.1:9/hook",),
    email_address: str | None = "cw-0001@example.org",
    smtp_port: int = 9,
    api_port: int = 8400,
    max_attempts: int = 3,
    second_person: bool = False,
) -> AlertingSettings:
    """Settings with one care worker (optionally two) and both channels configured."""
    contacts: list[dict[str, Any]] = [{"channel": "webhook", "url": u} for u in webhook_urls]
    if email_address:
        contacts.append({"channel": "email", "address": email_address})
    people = [{"id": "cw-0001", "name": "王芳", "contacts": contacts}]
    if second_person:
        people.append(
            {
                "id": "cw-0002",
                "name": "李强",
                "contacts": [{"channel": "webhook", "url": webhook_urls[0]}],
            }
        )
    return AlertingSettings.model_validate(
        {
            "org_id": "org-demo",
            "database_url": database_url,
            "public_base_url": f"http://127.0.0.1:{api_port}",
            "api": {"host": "127.0.0.1", "port": api_port},
            "poll_interval_s": 0.05,
            "token_secret_env": TOKEN_SECRET_ENV,
            "people": people,
            "receivers": [{"name": "duty", "people": [p["id"] for p in people]}],
            "route": {"receiver": "duty"},
            "channels": {
                "webhook": {"secret_env": WEBHOOK_SECRET_ENV, "timeout_s": 5},
                "email": {
                    "smtp_host": "127.0.0.1",
                    "smtp_port": smtp_port,
                    "from_address": "alerts@silverguard.example",
                },
            },
            "delivery": {
                "max_attempts": max_attempts,
                "interval_s": 0.05,
                "backoff": {"initial_s": 1, "multiplier": 2, "max_s": 10},
            },
        }
    )


def _scripted_answer(name: str, hit: int) -> int:
    """``ok`` answers 200; ``flaky`` answers 500 once, then 200; ``reject`` answers 400."""
    if name == "reject":
        return 400
    if name == "flaky" and hit == 1:
        return 500
    return 200


@dataclass
class WebhookReceiverView:
    """The tests' per-hook view of the real :class:`silverguard.sinks.WebhookReceiver`."""

    sink: WebhookReceiver

    def url(self, path: str) -> str:
        return self.sink.url(path)

    @property
    def deliveries(self) -> dict[str, list[dict[str, Any]]]:
        grouped: dict[str, list[dict[str, Any]]] = {}
        for delivery in self.sink.deliveries:
            grouped.setdefault(delivery.name, []).append(delivery.payload)
        return grouped

    @property
    def bad_signatures(self) -> int:
        return len(self.sink.rejected)

    @property
    def hits(self) -> dict[str, int]:
        return self.sink.hits


@contextlib.asynccontextmanager
async def running_router(settings: AlertingSettings) -> AsyncIterator[asyncio.Task[None]]:
    """The alert router (feed, dispatcher, API) in this event loop until the block ends."""
    ready = asyncio.Event()
    task = asyncio.create_task(run_alerting(settings, ready=ready))
    try:
        await asyncio.wait_for(ready.wait(), timeout=15)
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@contextlib.asynccontextmanager
async def running_webhook_receiver() -> AsyncIterator[WebhookReceiverView]:
    """A real receiver that verifies signatures; see :func:`_scripted_answer` for its hooks."""
    async with WebhookReceiver(
        WEBHOOK_SECRET.encode(), port=free_port(), answer=_scripted_answer
    ) as sink:
        yield WebhookReceiverView(sink)


def _refuse(address: str) -> str | None:
    """``busy@`` gets 451 (try later), ``nobody@`` gets 550 (no such user)."""
    if address.startswith("busy@"):
        return "451 4.3.0 mailbox busy, try later"
    if address.startswith("nobody@"):
        return "550 5.1.1 no such user"
    return None


@dataclass
class SmtpView:
    """The tests' view of the real :class:`silverguard.sinks.SmtpSink`: parsed messages."""

    sink: SmtpSink

    @property
    def messages(self) -> list[EmailMessage]:
        return [mail.message for mail in self.sink.messages]


@contextlib.contextmanager
def running_smtp_server() -> Iterator[tuple[SmtpView, int]]:
    """A real SMTP server (aiosmtpd) on a free loopback port."""
    port = free_port()
    with SmtpSink(port=port, refuse_rcpt=_refuse) as sink:
        yield SmtpView(sink), port


async def wait_until(condition: Any, timeout_s: float = 10.0, what: str = "condition") -> None:
    """Poll ``condition()`` (sync) until true, failing after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        await asyncio.sleep(0.05)

"""On PostgreSQL the router reads new events the moment the ingest commits them
(LISTEN/NOTIFY), not at its next poll."""

from __future__ import annotations

import asyncio
import time

from alerting.feed.listener import listen_for_new_events
from cloud_ingest.store.migrate import migrate as migrate_ingest
from cloud_ingest.store.store import IngestStore
from contracts.clock import SystemClock
from contracts.envelope import encode_envelope
from contracts.events import EventType
from tests.alerting.support import (
    make_envelope,
    make_settings,
    running_router,
    running_webhook_receiver,
)
from tests.servers import free_port


async def test_a_stored_fall_is_paged_long_before_the_next_poll(postgres_url: str) -> None:
    migrate_ingest(postgres_url)  # the ingest owns the feed table and sends the notification
    async with running_webhook_receiver() as receiver:
        settings = make_settings(
            postgres_url,
            webhook_urls=(receiver.url("ok"),),
            email_address=None,
            api_port=free_port(),
        ).model_copy(update={"poll_interval_s": 60.0})
        async with running_router(settings):
            await asyncio.sleep(0.5)  # the router's first poll found nothing; next one in 60 s
            store = IngestStore(postgres_url, clock=SystemClock())
            try:
                envelope = make_envelope(EventType.FALL)
                started = time.monotonic()
                store.store(envelope, encode_envelope(envelope))
                async with asyncio.timeout(20):
                    while not receiver.deliveries.get("ok"):
                        await asyncio.sleep(0.02)
                waited = time.monotonic() - started
            finally:
                store.close()
    assert waited < 20  # a poll-only router would wait up to 60 s
    [page] = receiver.deliveries["ok"]
    assert page["type"] == "fall"


async def test_the_listener_reconnects_after_a_refused_connection() -> None:
    """A database that is not there yet is retried with backoff, never fatal."""
    wake = asyncio.Event()
    task = asyncio.create_task(
        listen_for_new_events(f"postgresql://nobody@127.0.0.1:{free_port()}/none", wake)
    )
    await asyncio.sleep(1.0)
    assert not task.done()  # still retrying
    assert not wake.is_set()
    task.cancel()

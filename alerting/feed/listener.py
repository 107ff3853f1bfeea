"""Wake the feed poller the moment the ingest commits new events (PostgreSQL LISTEN/NOTIFY).

The ingest notifies :data:`~contracts.feed.EVENT_FEED_NOTIFY_CHANNEL` in the transaction that
adds feed rows. This task keeps one connection listening and sets ``wake`` on each
notification, so a page does not wait for the next poll. It is an accelerator only: if the
connection drops, the poller still polls every ``poll_interval_s`` and this task reconnects
with backoff. SQLite has no notifications; there the poller polls.

Example:
    >>> listen_url("postgresql+psycopg://sg:pw@db.example:5432/silverguard")
    'postgresql://sg:pw@db.example:5432/silverguard'
"""

from __future__ import annotations

import asyncio
import logging

import psycopg
from sqlalchemy.engine import make_url

from contracts.feed import EVENT_FEED_NOTIFY_CHANNEL
from contracts.mqtt import ReconnectBackoff

log = logging.getLogger(__name__)

__all__ = ["listen_for_new_events", "listen_url"]


def listen_url(database_url: str) -> str:
    """The libpq URL of a SQLAlchemy PostgreSQL URL (any driver suffix dropped)."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


async def listen_for_new_events(database_url: str, wake: asyncio.Event) -> None:
    """Set ``wake`` whenever the ingest stores events; runs until cancelled, never fails."""
    backoff = ReconnectBackoff(initial_s=0.5, max_s=30.0)
    failing = False
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(
                listen_url(database_url), autocommit=True
            ) as conn:
                await conn.execute(f"LISTEN {EVENT_FEED_NOTIFY_CHANNEL}")
                if failing:
                    log.info("listening for new events again")
                failing = False
                backoff.reset()
                wake.set()  # rows may have arrived while we were not listening
                async for _ in conn.notifies():
                    wake.set()
        except psycopg.Error as exc:
            if not failing:
                log.warning("cannot listen for new events (polling goes on): %s", exc)
            failing = True
        await asyncio.sleep(backoff.next_delay_s())

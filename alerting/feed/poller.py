"""The feed poller: the async shell around :func:`process_event_row`."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable, Sequence
from datetime import timedelta

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import SQLAlchemyError

from alerting.config import AlertingSettings
from alerting.directory.port import Directory
from alerting.dispatch.claims import Claimed
from alerting.errors import StoreError
from alerting.escalation.context import RouterContext
from alerting.feed.processor import ProcessedEvent, process_event_row
from alerting.feed.source import events_table_exists, lag_floor, unprocessed_rows
from alerting.metrics import AlertingMetrics
from alerting.store.models import FeedCursor, FeedOutcome
from contracts.clock import Clock
from contracts.feed import EVENT_FEED_TABLE

log = logging.getLogger(__name__)

_OPENING = (FeedOutcome.OPENED, FeedOutcome.OPERATOR_OPENED, FeedOutcome.MUTED)
"""Outcomes that opened an incident (the feed lag is measured to these)."""


class FeedPoller:
    """Polls the ingest's ``events`` table and processes new rows, oldest first."""

    def __init__(
        self,
        engine: Engine,
        settings: AlertingSettings,
        clock: Clock,
        *,
        directory: Directory | None = None,
        metrics: AlertingMetrics | None = None,
    ) -> None:
        self._engine = engine
        self._settings = settings
        self._metrics = metrics or AlertingMetrics()
        self._ctx = RouterContext.build(settings, directory, engine, metrics=self._metrics)
        self._clock = clock
        self._table_seen = False
        self._waiting_logged = False

    def poll_once(
        self,
        on_processed: Callable[[ProcessedEvent], None] | None = None,
        *,
        claim: bool = False,
    ) -> list[ProcessedEvent]:
        """Process one batch; returns what was done (empty if nothing was new).

        ``on_processed`` is called with each event as soon as its transaction has committed,
        before the rest of the batch and the feed cursor: the caller can wake the dispatcher
        for the incident just opened instead of waiting for the whole poll. With ``claim``,
        a new incident's first pages are claimed in its transaction and handed over in
        :attr:`ProcessedEvent.claimed`: ``on_processed`` must see that they are sent.
        """
        lease = timedelta(seconds=self._settings.delivery.claim_lease_s) if claim else None
        try:
            with self._engine.connect() as connection:
                if not self._table_seen:
                    if not events_table_exists(connection):
                        if not self._waiting_logged:
                            log.info("waiting for the ingest's %s table", EVENT_FEED_TABLE)
                            self._waiting_logged = True
                        return []
                    self._table_seen = True
                    log.info("found the ingest's %s table: reading the feed", EVENT_FEED_TABLE)
                high = connection.scalar(
                    select(FeedCursor.high_seq).filter_by(feed=EVENT_FEED_TABLE)
                )
                rows = unprocessed_rows(
                    connection,
                    low=lag_floor(high or 0, self._settings.feed_lag_window),
                    limit=self._settings.feed_batch_size,
                )
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot read the event feed: {exc}") from exc
        done: list[ProcessedEvent] = []
        for row in rows:
            now = self._clock.now()
            result = process_event_row(self._engine, self._ctx, row, now, claim_lease=lease)
            if result is not None:
                done.append(result)
                if on_processed is not None:
                    on_processed(result)
                if result.outcome in _OPENING:
                    lag = (now - row.received_at).total_seconds()
                    self._metrics.feed_lag.observe(max(0.0, lag))
        if rows:
            self._advance_cursor(max(r.seq for r in rows))
        return done

    def _advance_cursor(self, seq: int) -> None:
        try:
            with self._engine.begin() as connection:
                connection.execute(
                    update(FeedCursor)
                    .where(FeedCursor.feed == EVENT_FEED_TABLE, FeedCursor.high_seq < seq)
                    .values(high_seq=seq, updated_at=self._clock.now())
                )
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot advance the feed cursor: {exc}") from exc

    async def run(
        self,
        wake_dispatcher: asyncio.Event | None = None,
        new_events: asyncio.Event | None = None,
        *,
        hand_over: Callable[[Sequence[Claimed]], None] | None = None,
    ) -> None:
        """Poll until cancelled; database trouble is logged and retried, never fatal.

        ``wake_dispatcher`` is set as soon as each event is committed (from the polling thread,
        through the loop), so a new page goes out at once instead of after the rest of the
        batch and the cursor update, or at the dispatcher's next poll. With ``hand_over``
        (which then replaces the wake-up)
        (:meth:`~alerting.dispatch.dispatcher.Dispatcher.take`, called in the loop), a new
        incident's first pages are claimed in its own transaction and handed straight to the
        dispatcher: no dispatcher round stands between the event and its page.
        ``new_events`` (set by :func:`~alerting.feed.listener.listen_for_new_events`) ends the
        wait between polls early.
        """
        new_events = new_events or asyncio.Event()
        on_processed = None
        loop = asyncio.get_running_loop()
        if wake_dispatcher is not None or hand_over is not None:
            wake, take = wake_dispatcher, hand_over

            def on_processed(result: ProcessedEvent) -> None:  # runs in the polling thread
                if take is None:
                    if wake is not None:
                        loop.call_soon_threadsafe(wake.set)
                elif result.claimed:  # every page the event made due now, already claimed
                    loop.call_soon_threadsafe(take, result.claimed)

        poll = functools.partial(self.poll_once, on_processed, claim=hand_over is not None)
        failing = False
        while True:
            try:
                done = await asyncio.to_thread(poll)
            except StoreError as exc:
                if not failing:
                    log.warning("feed polling failed, will retry: %s", exc)
                failing = True
                done = []
            else:
                if failing:
                    log.info("feed polling works again")
                failing = False
            if len(done) < self._settings.feed_batch_size:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._settings.poll_interval_s):
                        await new_events.wait()
                new_events.clear()

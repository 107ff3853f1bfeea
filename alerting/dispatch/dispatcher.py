"""The dispatcher loop: escalate → claim → send → record, for every due notification.

Sends run concurrently (one task per claimed notification) so a slow SMTP relay does not hold
up a webhook; each result goes through the retry stage (:func:`retry_decision`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import Engine

from alerting.api.tokens import AcceptTokens, link_for_token
from alerting.channels.base import ChannelSender, DeliveryReceipt, Notice
from alerting.config import AlertingSettings
from alerting.directory.port import Directory
from alerting.dispatch.claims import Claimed, Recorded, claim_due, record_outcome
from alerting.dispatch.retry import RetryDecision, retry_decision
from alerting.errors import (
    DeliveryError,
    PermanentDeliveryError,
    RetryableDeliveryError,
    StoreError,
)
from alerting.escalation.context import RouterContext
from alerting.escalation.engine import escalate_due
from alerting.incidents.views import active_incident_counts
from alerting.metrics import DELIVERED, AlertingMetrics, FailureKind
from alerting.store.models import LogAction, NotificationStatus
from contracts.clock import Clock

log = logging.getLogger(__name__)

ACTIVE_COUNT_EVERY_S = 5.0
"""How often the active-incidents gauge is recounted (a scrape every 15 s sees a fresh one)."""
_COUNT_EVERY = timedelta(seconds=ACTIVE_COUNT_EVERY_S)


class Dispatcher:
    """Delivers due notifications through their channels and records receipts or errors."""

    def __init__(
        self,
        engine: Engine,
        settings: AlertingSettings,
        senders: Mapping[str, ChannelSender],
        tokens: AcceptTokens,
        clock: Clock,
        *,
        batch_size: int = 50,
        directory: Directory | None = None,
        metrics: AlertingMetrics | None = None,
    ) -> None:
        self._engine = engine
        self._metrics = metrics or AlertingMetrics()
        for channel in senders:  # every configured channel shows 0 until something happens
            self._metrics.sent.labels(channel=channel)
            self._metrics.claimed.labels(channel=channel)
            for kind in FailureKind:
                self._metrics.failed.labels(channel=channel, kind=kind.value)
        self._ctx = RouterContext.build(settings, directory, engine, metrics=self._metrics)
        self._settings = settings
        self._senders = senders
        self._tokens = tokens
        self._clock = clock
        self._batch_size = batch_size
        self._counted_at: datetime | None = None  # when the active incidents were last counted
        self._handed: list[Claimed] = []  # taken before run() started
        self._sends: asyncio.TaskGroup | None = None  # run()'s, for pages handed over

    def take(self, claimed: Sequence[Claimed]) -> None:
        """Send pages already claimed elsewhere (the feed claims a new incident's first pages
        in the transaction that opens it), at once and alongside any round in progress.

        Call it in the event loop; pages taken before :meth:`run` starts go out when it does.
        """
        for item in claimed:
            self._metrics.claimed.labels(channel=item.channel).inc()
            if self._sends is None:
                self._handed.append(item)
            else:
                self._sends.create_task(self._deliver(item))

    async def run_once(self) -> int:
        """Fire due escalation steps, then claim and send one batch of notifications.

        Returns how many notifications were attempted. Also recounts the active incidents
        (at most every :data:`ACTIVE_COUNT_EVERY_S`).
        """
        await self._count_active_incidents()
        claimed = await asyncio.to_thread(self._escalate_and_claim)
        for item in claimed:
            self._metrics.claimed.labels(channel=item.channel).inc()
        if claimed:
            async with asyncio.TaskGroup() as tg:
                for item in claimed:
                    tg.create_task(self._deliver(item))
        return len(claimed)

    def _escalate_and_claim(self) -> list[Claimed]:
        """Fire due escalation steps, then claim a batch (two transactions, one thread hop).

        One hop instead of one per stage: under load each hop waits for a worker thread and
        then for the event loop, and a new incident's first page is created by the escalation
        and claimed right after it.
        """
        try:
            escalate_due(self._engine, self._ctx, self._clock.now(), self._batch_size)
        except StoreError as exc:  # pages already due still go out; escalation retries
            log.warning("escalating failed, will retry: %s", exc)
        lease = timedelta(seconds=self._settings.delivery.claim_lease_s)
        return claim_due(self._engine, self._clock.now(), lease, self._batch_size)

    async def run(self, wake: asyncio.Event | None = None) -> None:
        """Dispatch until cancelled; database trouble is logged and retried, never fatal.

        Between rounds it waits ``delivery.interval_s`` or until ``wake`` is set.
        """
        wake = wake or asyncio.Event()
        async with asyncio.TaskGroup() as sends:  # _deliver never raises
            self._sends = sends
            try:
                for item in self._handed:
                    sends.create_task(self._deliver(item))
                self._handed.clear()
                await self._rounds(wake)
            finally:
                self._sends = None

    async def _rounds(self, wake: asyncio.Event) -> None:
        failing = False
        while True:
            try:
                attempted = await self.run_once()
            except StoreError as exc:
                if not failing:
                    log.warning("dispatching failed, will retry: %s", exc)
                failing, attempted = True, 0
            else:
                if failing:
                    log.info("dispatching works again")
                failing = False
            if attempted < self._batch_size:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._settings.delivery.interval_s):
                        await wake.wait()
                wake.clear()

    async def _count_active_incidents(self) -> None:
        now = self._clock.now()
        if self._counted_at is not None and timedelta(0) <= now - self._counted_at < _COUNT_EVERY:
            return  # counted lately (a clock set back counts again at once)
        self._counted_at = now
        try:
            counts = await asyncio.to_thread(active_incident_counts, self._engine)
        except StoreError as exc:  # the gauge keeps its last value; the claim reports trouble
            log.debug("active incidents not counted: %s", exc)
            return
        for status, count in counts.items():
            self._metrics.active_incidents.labels(status=status.value).set(count)

    def _notice(self, item: Claimed) -> Notice:
        incident = item.incident
        token = self._tokens.issue(incident.id, item.person_id)
        return Notice(
            incident_id=incident.id,
            person_id=item.person_id,
            target=item.target,
            type=incident.type,
            severity=incident.severity,
            warning_class=incident.warning_class,
            resident_id=incident.resident_id or incident.home_id or "-",
            home_id=incident.home_id,
            summary=incident.summary,
            opened_at=incident.opened_at,
            accept_url=link_for_token(self._settings.public_base_url, token),
            accept_token=token,
        )

    async def _deliver(self, item: Claimed) -> None:
        """Send one claimed notification and record the outcome; never raises.

        A database error while recording leaves the claim to expire (the lease), so the
        notification is retried; an unexpected sender error counts as retryable.
        """
        sender = self._senders.get(item.channel)
        started: float | None = None
        try:
            if sender is None:
                raise PermanentDeliveryError(
                    f"channel {item.channel!r} is not configured: add it under channels"
                )
            notice = self._notice(item)
            started = time.perf_counter()
            try:
                receipt = await sender.send(notice)
            except DeliveryError:
                raise
            except Exception as exc:  # a bug in a channel must not stop the router
                log.exception(
                    "incident %s: %s sender failed unexpectedly", item.incident.id, item.channel
                )
                raise RetryableDeliveryError(f"unexpected {type(exc).__name__}: {exc}") from exc
        except DeliveryError as exc:
            kind = FailureKind.of(exc)
            self._metrics.failed.labels(channel=item.channel, kind=kind.value).inc()
            if started is not None:
                self._observe_send(item.channel, kind.value, started)
            outcome = partial(self._record_failure, item, exc)
        else:
            self._metrics.sent.labels(channel=item.channel).inc()
            self._observe_send(item.channel, DELIVERED, started)
            outcome = partial(self._record_success, item, receipt)
        try:
            await asyncio.to_thread(outcome)
        except StoreError as exc:
            log.warning(
                "incident %s: could not record the %s delivery outcome (%s); it is retried "
                "when its claim expires",
                item.incident.id,
                item.channel,
                exc,
            )

    def _observe_send(self, channel: str, outcome: str, started: float) -> None:
        elapsed = time.perf_counter() - started
        self._metrics.delivery.labels(channel=channel, outcome=outcome).observe(elapsed)

    def _record_success(self, item: Claimed, receipt: DeliveryReceipt) -> None:
        now = self._clock.now()
        recorded = record_outcome(
            self._engine,
            item,
            now=now,
            status=NotificationStatus.DELIVERED,
            action=LogAction.NOTIFICATION_DELIVERED,
            receipt_code=receipt.code,
            receipt_detail=receipt.detail,
        )
        if recorded is Recorded.FIRST_DELIVERY:
            waited = (now - item.incident.opened_at).total_seconds()
            self._metrics.first_delivery.observe(max(0.0, waited))
        if recorded is not Recorded.LOST:
            log.info(
                "incident %s: %s to %s delivered (attempt %d)",
                item.incident.id,
                item.channel,
                item.person_id,
                item.attempts,
            )

    def _record_failure(self, item: Claimed, exc: DeliveryError) -> None:
        now = self._clock.now()
        decision, delay = retry_decision(
            self._settings.delivery, attempts=item.attempts, retryable=exc.retryable
        )
        retry = decision is RetryDecision.RETRY
        record_outcome(
            self._engine,
            item,
            now=now,
            status=NotificationStatus.PENDING if retry else NotificationStatus.FAILED,
            action=LogAction.NOTIFICATION_RETRY if retry else LogAction.NOTIFICATION_FAILED,
            next_attempt_at=now + delay if retry else None,
            error=f"{decision.value}: {exc}",
            receipt_code=exc.code,
        )
        level = logging.INFO if retry else logging.WARNING
        log.log(
            level,
            "incident %s: %s to %s attempt %d failed (%s): %s",
            item.incident.id,
            item.channel,
            item.person_id,
            item.attempts,
            decision.value,
            exc,
        )

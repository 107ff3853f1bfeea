"""Telemetry to the time-series server, surviving its outages without losing a point.

While the server answers, points are written synchronously before their messages are acked.
Once a write fails, points go to the durable buffer (the ``tsdb_buffer`` table, in the same
transaction as their messages), and the drain writes the buffer out, oldest first, once the
server is back. The buffer is bounded: when it is full the consumer stops acking telemetry,
so gateways keep it in their outboxes. Several workers share one buffer; on PostgreSQL each
drain claims rows with ``FOR UPDATE SKIP LOCKED``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.exc import SQLAlchemyError

from cloud_ingest.config import TsdbSettings
from cloud_ingest.errors import StoreError, TsdbError
from cloud_ingest.metrics import IngestMetrics
from cloud_ingest.store.models import TsdbBufferRow
from cloud_ingest.tsdb.writer import TsdbWriter

log = logging.getLogger(__name__)


class TelemetrySink:
    """Direct writes while the server is up, the durable buffer while it is not."""

    def __init__(
        self,
        writer: TsdbWriter,
        engine: Engine,
        settings: TsdbSettings,
        metrics: IngestMetrics,
    ) -> None:
        self._writer = writer
        self._engine = engine
        self._settings = settings
        self._metrics = metrics
        self.server_up = True
        """False after a failed write, until a drain succeeds (points go to the buffer)."""
        self.buffered_points = 0
        """Points in the buffer, as last counted (plus what this worker added since)."""

    def write_now(self, lines: Sequence[str]) -> bool:
        """Write directly if the server is believed up; ``False`` means: buffer them."""
        if not self.server_up:
            return False
        try:
            self._timed_write(lines)
        except TsdbError as exc:
            self._went_down(exc)
            return False
        return True

    def has_room(self, points: int) -> bool:
        """Whether the buffer may take ``points`` more."""
        return self.buffered_points + points <= self._settings.buffer_max_points

    def note_buffered(self, points: int) -> None:
        """Count points this worker just buffered."""
        self.buffered_points += points
        self._metrics.buffer_points.set(self.buffered_points)

    def drain_once(self) -> int:
        """Write out the oldest buffered points; returns how many (0 when empty or down).

        Raises:
            StoreError: the database failed (the buffer is left as it was).
        """
        try:
            with self._engine.begin() as conn:
                rows = conn.execute(
                    select(TsdbBufferRow.id, TsdbBufferRow.point_count, TsdbBufferRow.lines)
                    .order_by(TsdbBufferRow.id)
                    .limit(max(1, self._settings.drain_batch_points // 100))
                    .with_for_update(skip_locked=True)
                ).all()
                taken: list[int] = []
                lines: list[str] = []
                for row in rows:
                    if taken and len(lines) + row.point_count > self._settings.drain_batch_points:
                        break
                    taken.append(row.id)
                    lines.extend(row.lines.split("\n"))
                if not taken:
                    self._set_depth(
                        conn.execute(select(func.sum(TsdbBufferRow.point_count))).scalar()
                    )
                    if not self.server_up:
                        self._came_back("buffer empty")
                    return 0
                try:
                    self._timed_write(lines)
                except TsdbError as exc:
                    self._went_down(exc)
                    return 0
                conn.execute(delete(TsdbBufferRow).where(TsdbBufferRow.id.in_(taken)))
                self._set_depth(conn.execute(select(func.sum(TsdbBufferRow.point_count))).scalar())
        except SQLAlchemyError as exc:
            raise StoreError(
                f"could not drain the time-series buffer: {type(exc).__name__}: {exc}. "
                "Check that the database is running."
            ) from exc
        self._came_back(f"wrote {len(lines)} buffered point(s)")
        return len(lines)

    def close(self) -> None:
        """Release the server connection."""
        self._writer.close()

    def _set_depth(self, total: int | None) -> None:
        self.buffered_points = int(total or 0)
        self._metrics.buffer_points.set(self.buffered_points)

    def _timed_write(self, lines: Sequence[str]) -> None:
        started = time.perf_counter()
        try:
            self._writer.write(lines)
        except TsdbError:
            self._metrics.tsdb_failures.inc()
            raise
        self._metrics.tsdb_write.observe(time.perf_counter() - started)

    def _went_down(self, exc: TsdbError) -> None:
        if self.server_up:
            log.error("%s", exc)
        self.server_up = False

    def _came_back(self, what: str) -> None:
        if not self.server_up:
            log.info("time-series server %s takes writes again (%s)", self._writer.url, what)
        self.server_up = True

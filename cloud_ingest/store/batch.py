"""Many messages in one transaction: multi-row idempotent inserts, in a fixed lock order.

Workers that store overlapping batches (a gateway resent a message while a worker was still
storing it) take locks in the same order — the event-feed lock, then rows sorted by key — so
they wait for each other but never deadlock.

Example:
    >>> unique_first([("b", 1), ("a", 2), ("b", 3)], key=lambda item: item[0])
    ([('a', 2), ('b', 1)], [('b', 3)])
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, Table, TextClause, func, select, text
from sqlalchemy.dialects import postgresql, sqlite

from cloud_ingest.store.models import (
    GATEWAY_ITSELF,
    EventRow,
    IngestBase,
    LivenessRow,
    QuarantineRow,
    ReadingRow,
    TsdbBufferRow,
)
from contracts.envelope import Envelope
from contracts.events import EventBody
from contracts.feed import EVENT_FEED_NOTIFY_CHANNEL
from contracts.series import DeviceKind, device_kind_of

T = TypeVar("T")

PG_EVENT_FEED_LOCK = 0x5347_4556  # "SGEV": event inserts commit in seq order


@dataclass(frozen=True, slots=True)
class QuarantineEntry:
    """A message to keep byte for byte with the reason it was not accepted."""

    topic: str
    payload: bytes
    error: str
    message_id: str | None


@dataclass(frozen=True, slots=True)
class Incoming:
    """A validated message and its payload exactly as received."""

    envelope: Envelope
    raw: bytes


def table_of(model: type[IngestBase]) -> Table:
    """The ``Table`` of a model."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


def unique_first(items: Sequence[T], *, key: Callable[[T], str]) -> tuple[list[T], list[T]]:
    """Split into the first item of each key (sorted by key) and the repeats (in order)."""
    first: dict[str, T] = {}
    repeats: list[T] = []
    for item in items:
        if key(item) in first:
            repeats.append(item)
        else:
            first[key(item)] = item
    return [first[k] for k in sorted(first)], repeats


def _dialect_insert(conn: Connection, table: Table) -> Any:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def insert_new(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> set[str]:
    """INSERT … ON CONFLICT DO NOTHING for rows with distinct ``message_id``s.

    Returns the message ids this call stored (the others were there already).
    """
    if not rows:
        return set()
    if conn.dialect.name == "postgresql":
        return _insert_new_unnest(conn, table, rows)
    # executemany with RETURNING: SQLAlchemy's "insertmanyvalues" sends multi-row INSERTs from
    # one cached compiled statement (compiling a fresh 500-row VALUES costs more than the I/O)
    insert = _dialect_insert(conn, table).on_conflict_do_nothing()
    return {r[0] for r in conn.execute(insert.returning(table.c.message_id), list(rows)).all()}


def _insert_new_unnest(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> set[str]:
    """PostgreSQL: one INSERT … SELECT FROM unnest(arrays): one column array per parameter.

    A short statement whatever the batch size, so neither SQLAlchemy nor psycopg spends time
    on thousands of placeholders.
    """
    names = tuple(rows[0])
    statement = _unnest_statement(table, names, "ON CONFLICT DO NOTHING RETURNING message_id")
    return {r[0] for r in conn.execute(statement, _unnest_params(names, rows)).all()}


@functools.lru_cache(maxsize=64)
def _unnest_statement(table: Table, names: tuple[str, ...], conflict: str) -> TextClause:
    """PostgreSQL: ``INSERT INTO table (names) SELECT * FROM unnest(one array per name)``
    followed by ``conflict``; built once per shape (building and parsing it costs more than a
    small batch's I/O)."""
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    columns = [table.c[name] for name in names]
    arrays = ", ".join(f"CAST(:{c.name} AS {c.type.compile(dialect=dialect)}[])" for c in columns)
    return text(
        f"INSERT INTO {table.name} ({', '.join(names)}) "  # noqa: S608 (names from our models)
        f"SELECT * FROM unnest({arrays}) {conflict}"
    )


def _unnest_params(names: Sequence[str], rows: Sequence[dict[str, Any]]) -> dict[str, list[Any]]:
    """One array per column, the rows in their order.

    >>> _unnest_params(("a", "b"), [{"a": 1, "b": 2}, {"a": 3, "b": 4}])
    {'a': [1, 3], 'b': [2, 4]}
    """
    return {name: [row[name] for row in rows] for name in names}


def lock_event_feed(conn: Connection) -> None:
    """Serialise event inserts on PostgreSQL, so ``seq`` order is commit order.

    Readers follow ``seq`` with a cursor; without this a reader could skip a row whose ``seq``
    was taken before a later one committed.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(PG_EVENT_FEED_LOCK)))


def event_row(envelope: Envelope, body: EventBody, raw: bytes, now: datetime) -> dict[str, Any]:
    """The ``events`` row of an event message."""
    return {
        "message_id": envelope.message_id,
        "org_id": envelope.org_id,
        "gateway_id": envelope.gateway_id,
        "home_id": envelope.home_id,
        "resident_id": envelope.resident_id,
        "device_id": envelope.device_id,
        "type": body.type.value,
        "severity": body.severity.value,
        "status": body.status.value,
        "warning_class": body.warning_class.value,
        "device_time": envelope.device_time,
        "gateway_time": envelope.gateway_time,
        "received_at": now,
        "envelope_json": raw.decode("utf-8"),
    }


def reading_row(envelope: Envelope, now: datetime) -> dict[str, Any]:
    """The ``readings`` row of a reading message."""
    return {
        "message_id": envelope.message_id,
        "org_id": envelope.org_id,
        "gateway_id": envelope.gateway_id,
        "device_id": envelope.device_id,
        "kind": envelope.body.kind,
        "gateway_time": envelope.gateway_time,
        "received_at": now,
        "body_json": envelope.body.model_dump_json(exclude_none=True),
    }


def insert_events(conn: Connection, items: Sequence[Incoming], now: datetime) -> set[str]:
    """Store event messages (distinct ids) once; returns the ids stored by this call."""
    if not items:
        return set()
    lock_event_feed(conn)
    rows = []
    for item in items:
        assert isinstance(item.envelope.body, EventBody)
        rows.append(event_row(item.envelope, item.envelope.body, item.raw, now))
    stored = insert_new(conn, table_of(EventRow), rows)
    if stored and conn.dialect.name == "postgresql":  # readers wake at commit, not next poll
        conn.execute(select(func.pg_notify(EVENT_FEED_NOTIFY_CHANNEL, "")))
    return stored


def insert_readings(conn: Connection, items: Sequence[Incoming], now: datetime) -> set[str]:
    """Store reading messages (distinct ids) once; returns the ids stored by this call."""
    rows = [reading_row(item.envelope, now) for item in items]
    return insert_new(conn, table_of(ReadingRow), rows)


def insert_quarantine(conn: Connection, entries: Sequence[QuarantineEntry], now: datetime) -> None:
    """Keep unacceptable messages with their reasons."""
    if entries:
        conn.execute(
            table_of(QuarantineRow).insert(),
            [
                {
                    "received_at": now,
                    "topic": e.topic,
                    "payload": e.payload,
                    "error": e.error,
                    "message_id": e.message_id,
                }
                for e in entries
            ],
        )


def buffer_points(conn: Connection, lines: Sequence[str], now: datetime) -> None:
    """Keep time-series points for the drain (one row for the lot)."""
    if lines:
        conn.execute(
            table_of(TsdbBufferRow).insert(),
            {"created_at": now, "point_count": len(lines), "lines": "\n".join(lines)},
        )


def touch_liveness(conn: Connection, envelopes: Sequence[Envelope], now: datetime) -> None:
    """Record that the gateways (and devices) of these messages were heard from at ``now``."""
    rows: dict[tuple[str, str, str], dict[str, Any]] = {}
    for env in envelopes:
        gateway_key = (env.org_id, env.gateway_id, GATEWAY_ITSELF)
        rows.setdefault(gateway_key, _liveness_row(gateway_key, DeviceKind.GATEWAY, env, now))
        kind = device_kind_of(env.body.kind)
        if kind is not None and env.device_id is not None:
            key = (env.org_id, env.gateway_id, env.device_id)
            rows[key] = _liveness_row(key, kind, env, now)
    if not rows:
        return
    ordered = [rows[k] for k in sorted(rows)]  # sorted: concurrent workers lock rows in one order
    table = table_of(LivenessRow)
    if conn.dialect.name == "postgresql":  # one unnest statement, not one upsert per row
        names = tuple(ordered[0])
        upsert = (
            "ON CONFLICT (org_id, gateway_id, device_id) DO UPDATE SET "
            "last_seen_at = excluded.last_seen_at, device_kind = excluded.device_kind, "
            f"home_id = coalesce(excluded.home_id, {table.name}.home_id), "
            f"resident_id = coalesce(excluded.resident_id, {table.name}.resident_id)"
        )
        conn.execute(_unnest_statement(table, names, upsert), _unnest_params(names, ordered))
        return
    insert = _dialect_insert(conn, table)
    excluded = insert.excluded
    conn.execute(
        insert.on_conflict_do_update(
            index_elements=[table.c.org_id, table.c.gateway_id, table.c.device_id],
            set_={
                "last_seen_at": excluded.last_seen_at,
                "device_kind": excluded.device_kind,
                "home_id": func.coalesce(excluded.home_id, table.c.home_id),
                "resident_id": func.coalesce(excluded.resident_id, table.c.resident_id),
            },
        ),
        ordered,
    )


def _liveness_row(
    key: tuple[str, str, str], kind: DeviceKind, env: Envelope, now: datetime
) -> dict[str, Any]:
    return {
        "org_id": key[0],
        "gateway_id": key[1],
        "device_id": key[2],
        "device_kind": kind.value,
        "home_id": env.home_id,
        "resident_id": env.resident_id if kind is not DeviceKind.GATEWAY else None,
        "last_seen_at": now,
        "offline_since": None,
    }

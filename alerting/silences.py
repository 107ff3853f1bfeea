"""Maintenance silences created through the API, stored in the ``silences`` table.

Silences never mute fire or SOS (see :mod:`alerting.mute`); they end at ``ends_at`` or when
expired early through the API.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from alerting.errors import StoreError
from alerting.mute import SilenceRule
from alerting.store.models import Silence
from contracts.ids import new_message_id


def active_silences(session: Session, org_id: str, now: datetime) -> list[SilenceRule]:
    """The stored silences of ``org_id`` in force at ``now``."""
    rows = session.scalars(
        select(Silence).where(
            Silence.org_id == org_id, Silence.starts_at <= now, Silence.ends_at > now
        )
    ).all()
    return [SilenceRule(tuple(json.loads(r.matchers_json)), r.starts_at, r.ends_at) for r in rows]


@dataclass(frozen=True, slots=True)
class SilenceView:
    """A stored silence as the API shows it."""

    id: str
    matchers: list[str]
    starts_at: datetime
    ends_at: datetime
    created_by: str
    comment: str


def _view(row: Silence) -> SilenceView:
    return SilenceView(
        row.id,
        json.loads(row.matchers_json),
        row.starts_at,
        row.ends_at,
        row.created_by,
        row.comment,
    )


def create_silence(
    engine: Engine,
    *,
    org_id: str,
    matchers: list[str],
    starts_at: datetime,
    ends_at: datetime,
    created_by: str,
    comment: str,
    now: datetime,
) -> SilenceView:
    """Store a silence (matchers already validated)."""
    row = Silence(
        id=new_message_id(now),
        org_id=org_id,
        matchers_json=json.dumps(matchers),
        starts_at=starts_at,
        ends_at=ends_at,
        created_by=created_by,
        comment=comment,
        created_at=now,
    )
    try:
        with Session(engine, expire_on_commit=False) as session, session.begin():
            session.add(row)
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot store the silence: {exc}") from exc
    return _view(row)


def list_silences(engine: Engine, org_id: str, now: datetime) -> list[SilenceView]:
    """Silences of ``org_id`` not yet ended, soonest end first."""
    try:
        with Session(engine) as session:
            rows = session.scalars(
                select(Silence)
                .where(Silence.org_id == org_id, Silence.ends_at > now)
                .order_by(Silence.ends_at)
            ).all()
            return [_view(r) for r in rows]
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot read silences: {exc}") from exc


def expire_silence(engine: Engine, org_id: str, silence_id: str, now: datetime) -> bool:
    """End a silence now; ``False`` if there is no such active silence."""
    try:
        with Session(engine) as session, session.begin():
            row = session.get(Silence, silence_id)
            if row is None or row.org_id != org_id or row.ends_at <= now:
                return False
            row.ends_at = now
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot expire silence {silence_id}: {exc}") from exc
    return True

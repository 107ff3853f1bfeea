"""Web Push subscriptions per person: stored by the API, read by the webpush channel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from alerting.errors import StoreError
from alerting.store.models import PushSubscription


@dataclass(frozen=True, slots=True)
class PushSubscriptionInfo:
    """What a Web Push sender needs (the browser's ``PushSubscription.toJSON()``)."""

    endpoint: str
    p256dh: str
    auth: str

    def as_subscription_info(self) -> dict[str, object]:
        """The dict pywebpush's ``webpush(subscription_info=…)`` takes."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


def save_push_subscription(
    engine: Engine,
    person_id: str,
    info: PushSubscriptionInfo,
    *,
    user_agent: str | None,
    now: datetime,
) -> None:
    """Store (or move to ``person_id``) the subscription with ``info.endpoint``."""
    try:
        with Session(engine) as session, session.begin():
            row = session.scalar(
                select(PushSubscription).where(PushSubscription.endpoint == info.endpoint)
            )
            if row is None:
                row = PushSubscription(endpoint=info.endpoint)
                session.add(row)
            row.person_id, row.p256dh, row.auth = person_id, info.p256dh, info.auth
            row.user_agent = (user_agent or "")[:300] or None
            row.created_at = now
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot store the push subscription: {exc}") from exc


def delete_push_subscription(engine: Engine, person_id: str, endpoint: str) -> bool:
    """Forget ``person_id``'s subscription at ``endpoint``; ``False`` if there was none."""
    try:
        with Session(engine) as session, session.begin():
            result = session.execute(
                delete(PushSubscription).where(
                    PushSubscription.person_id == person_id, PushSubscription.endpoint == endpoint
                )
            )
            return bool(getattr(result, "rowcount", 0))
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot delete the push subscription: {exc}") from exc


def push_subscriptions_for(engine: Engine, person_id: str) -> list[PushSubscriptionInfo]:
    """Every Web Push subscription of ``person_id`` (one per browser/phone), oldest first."""
    try:
        with Session(engine) as session:
            rows = session.scalars(
                select(PushSubscription)
                .where(PushSubscription.person_id == person_id)
                .order_by(PushSubscription.id)
            ).all()
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot read push subscriptions of {person_id}: {exc}") from exc
    return [PushSubscriptionInfo(r.endpoint, r.p256dh, r.auth) for r in rows]

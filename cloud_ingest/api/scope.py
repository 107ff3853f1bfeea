"""What a principal may see beyond residents: homes of their residents, and what is in them."""

from __future__ import annotations

from typing import Protocol, TypeVar

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from cloud_ingest.api.errors import forbidden, not_found
from cloud_ingest.auth.principal import Principal, resident_visibility
from cloud_ingest.store.domain import Home, Resident

T = TypeVar("T")


class InHome(Protocol):
    """A row of the organisation that sits in a home (a gateway, a device)."""

    @property
    def org_id(self) -> str:
        """Its organisation."""
        ...

    @property
    def home_id(self) -> str | None:
        """Its home, if installed in one."""
        ...


InHomeT = TypeVar("InHomeT", bound=InHome)


def visible_residents(principal: Principal) -> Select[str]:
    """Ids of the residents the principal may see."""
    return select(Resident.id).where(resident_visibility(principal))


def visible_homes(principal: Principal) -> Select[str]:
    """Ids of the homes the principal may see (care roles: their residents' homes)."""
    query = select(Home.id).where(Home.org_id == principal.org_id)
    if principal.org_wide:
        return query
    return query.where(Home.resident_id.in_(visible_residents(principal)))


def home_condition(
    principal: Principal, home_id: InstrumentedAttribute[str | None]
) -> ColumnElement[bool]:
    """SQL: ``home_id`` is one of the principal's homes."""
    return home_id.in_(visible_homes(principal))


def in_scope(principal: Principal, what: str, ident: str, obj: T | None, *, visible: bool) -> T:
    """``obj`` if the principal may see it: 404 when missing or another organisation's (the two
    are indistinguishable), 403 when it is outside the principal's homes.
    """
    if obj is None or getattr(obj, "org_id", None) != principal.org_id:
        raise not_found(what, ident)
    if not visible:
        raise forbidden(
            f"{what} {ident!r} is not in the homes of your residents: ask your team lead if "
            "you should care for its resident"
        )
    return obj


def in_home_scope(
    db: Session, principal: Principal, what: str, ident: str, obj: InHomeT | None
) -> InHomeT:
    """``obj`` (a gateway, a device) if it is in one of the principal's homes, else the
    errors of :func:`in_scope` (404 missing or another organisation's, 403 another home).
    """
    visible = principal.org_wide or (
        obj is not None
        and obj.home_id is not None
        and db.scalar(visible_homes(principal).where(Home.id == obj.home_id)) is not None
    )
    return in_scope(principal, what, ident, obj, visible=visible)

"""What a principal may see beyond residents: homes of their residents, and what is in them."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import InstrumentedAttribute

from cloud_ingest.api.errors import forbidden, not_found
from cloud_ingest.auth.principal import Principal, resident_visibility
from cloud_ingest.store.domain import Home, Resident

T = TypeVar("T")


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

"""Keyset pagination: ``limit`` and an opaque ``cursor`` that continues after the last item.

Example:
    >>> decode_cursor(encode_cursor("res-0042"))
    'res-0042'
    >>> decode_cursor("nonsense")
    Traceback (most recent call last):
    ...
    fastapi.exceptions.HTTPException: 400: the cursor 'nonsense' is not one this API gave out: ...
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute, Session

from cloud_ingest.api.errors import bad_request

ItemT = TypeVar("ItemT")
RowT = TypeVar("RowT")

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
_PREFIX = "c1:"

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"items per page (1–{MAX_LIMIT})")]
Cursor = Annotated[
    str | None,
    Query(max_length=200, description="next_cursor of the previous page; omit for the first"),
]


class Page(BaseModel, Generic[ItemT]):
    """One page of results; ``next_cursor`` is null on the last page."""

    items: list[ItemT]
    next_cursor: str | None


def encode_cursor(key: str | int) -> str:
    """An opaque cursor for the key of a page's last item."""
    return base64.urlsafe_b64encode(f"{_PREFIX}{key}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    """The key a cursor carries (400 if it is not one of ours)."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    if not text.startswith(_PREFIX) or len(text) == len(_PREFIX):
        raise bad_request(
            f"the cursor {cursor!r} is not one this API gave out: pass next_cursor from the "
            "previous page unchanged, or omit it to start from the first page"
        )
    return text[len(_PREFIX) :]


def decode_int_cursor(cursor: str) -> int:
    """An integer key from a cursor (400 if it is not one of ours)."""
    key = decode_cursor(cursor)
    if not key.isdigit() or len(key) > 19:
        raise bad_request(
            "the cursor is not one this API gave out: pass next_cursor from the previous page "
            "unchanged, or omit it to start from the first page"
        )
    return int(key)


def page_of(
    rows: Sequence[RowT],
    limit: int,
    key: Callable[[RowT], str | int],
    item: Callable[[RowT], ItemT],
) -> Page[ItemT]:
    """A page from up to ``limit + 1`` fetched rows (one more than shown tells there is more).

    >>> page_of(["a", "b", "c"], 2, key=str, item=str.upper)
    Page(items=['A', 'B'], next_cursor='YzE6Yg')
    """
    shown = rows[:limit]
    more = len(rows) > limit and bool(shown)
    return Page[ItemT](
        items=[item(r) for r in shown], next_cursor=encode_cursor(key(shown[-1])) if more else None
    )


def newest_first(
    db: Session,
    query: Select[Any],
    key: InstrumentedAttribute[int],
    *,
    cursor: str | None,
    limit: int,
    item: Callable[[Any], ItemT],
) -> Page[ItemT]:
    """One page of ``query``'s rows, newest (highest integer ``key``) first, after ``cursor``."""
    if cursor is not None:
        query = query.where(key < decode_int_cursor(cursor))
    rows = list(db.scalars(query.order_by(key.desc()).limit(limit + 1)))
    return page_of(rows, limit, key=lambda row: int(getattr(row, key.key)), item=item)

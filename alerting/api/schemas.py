"""Request bodies and parameters of the phone app's API.

Text that reaches the database is :data:`NulFreeText`: PostgreSQL cannot store a NUL
character, so one is refused up front with a 422 that names the field, rather than failing
in the database as a 503 ("unavailable") that no retry would fix.

Example:
    >>> from pydantic import TypeAdapter
    >>> TypeAdapter(NulFreeText).validate_python("all fine")
    'all fine'
    >>> TypeAdapter(NulFreeText).validate_python("a" + chr(0) + "b")
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for function-after[...]
      Value error, must not contain a NUL character (U+0000): remove it and send again ...
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, Field

NUL_FREE = r"^[^\x00]*$"


def _no_nul(text: str) -> str:
    if "\x00" in text:
        raise ValueError("must not contain a NUL character (U+0000): remove it and send again")
    return text


NulFreeText = Annotated[
    str, AfterValidator(_no_nul), Field(json_schema_extra={"pattern": NUL_FREE})
]
"""A string without NUL characters (documented as a ``pattern`` in the OpenAPI schema)."""


class CloseBody(BaseModel):
    """Closing an incident: an outcome code (required) and a note."""

    outcome: NulFreeText | None = None
    note: NulFreeText | None = Field(default=None, max_length=2000)


class PushKeys(BaseModel):
    """The keys of a browser push subscription."""

    p256dh: NulFreeText = Field(min_length=1, max_length=200)
    auth: NulFreeText = Field(min_length=1, max_length=100)


class PushBody(BaseModel):
    """A browser's ``PushSubscription.toJSON()``."""

    endpoint: NulFreeText = Field(pattern=r"^https?://[^\x00]*$", max_length=2000)
    keys: PushKeys


class SilenceBody(BaseModel):
    """A maintenance silence (never mutes fire or SOS)."""

    matchers: list[NulFreeText] = Field(min_length=1)
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime
    comment: NulFreeText = Field(min_length=1, max_length=500)

"""Request bodies of the phone app's API."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, Field


class CloseBody(BaseModel):
    """Closing an incident: an outcome code (required) and a note."""

    outcome: str | None = None
    note: str | None = Field(default=None, max_length=2000)


class PushKeys(BaseModel):
    """The keys of a browser push subscription."""

    p256dh: str = Field(min_length=1, max_length=200)
    auth: str = Field(min_length=1, max_length=100)


class PushBody(BaseModel):
    """A browser's ``PushSubscription.toJSON()``."""

    endpoint: str = Field(pattern=r"^https?://", max_length=2000)
    keys: PushKeys


class SilenceBody(BaseModel):
    """A maintenance silence (never mutes fire or SOS)."""

    matchers: list[str] = Field(min_length=1)
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime
    comment: str = Field(min_length=1, max_length=500)

"""Request and response bodies of the programme endpoints: visits, districts, bed targets."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, Field, StringConstraints

from cloud_ingest.api.schemas import In, Out
from cloud_ingest.programme import DISTRICT_CODE_PATTERN, HardshipCategory, VisitKind
from contracts.ids import Identifier

DistrictCode = Annotated[str, StringConstraints(pattern=DISTRICT_CODE_PATTERN)]
TARGET_YEARS = (2000, 2100)
"""The years a target may be set for."""


class VisitIn(In):
    """A visit to or a call with the resident that took place (record it after it happened)."""

    at: AwareDatetime = Field(description="when it took place (not in the future)")
    kind: VisitKind = Field(description="visit: in person at home; phone; video")
    home_id: Identifier | None = Field(
        default=None, description="the resident's home (null: the home bound to the resident)"
    )
    note: str | None = Field(default=None, max_length=1000)


class VisitOut(Out):
    """A recorded visit or call."""

    id: int
    org_id: str
    resident_id: str
    home_id: str | None
    at: datetime
    kind: VisitKind
    recorded_by: str
    recorded_at: datetime
    note: str | None


class DistrictIn(In):
    """A district's name (its code is in the path)."""

    name: str = Field(min_length=1, max_length=100)


class DistrictOut(Out):
    """An administrative division (行政区划)."""

    code: str
    name: str


class TargetIn(In):
    """How many family care beds the organisation is to run in the district that year."""

    beds_target: int = Field(ge=0, le=1_000_000)


class TargetOut(Out):
    """One district's yearly bed target of the organisation."""

    org_id: str
    district_code: str
    district_name: str
    year: int
    beds_target: int
    set_by: str | None = Field(description="the user who set it (null: the seed file)")
    set_at: datetime


class ResidentProgrammeIn(In):
    """A resident's district and special-hardship category, with the reason for the change."""

    district_code: DistrictCode | None
    hardship_category: HardshipCategory | None = Field(
        description="null: not a special-hardship resident"
    )
    reason: str = Field(min_length=5, max_length=1000, description="e.g. the bureau's decision")


class HomeDistrictIn(In):
    """The district a home is in (its family care bed counts there), with the reason."""

    district_code: DistrictCode | None
    reason: str = Field(min_length=5, max_length=1000, description="e.g. the address checked")


class ResidentProgrammeOut(Out):
    """What the programme knows of a resident."""

    resident_id: str
    district_code: str | None
    hardship_category: HardshipCategory | None

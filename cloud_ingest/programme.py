"""The family-care-bed programme as its supervisors see it: districts, hardship, visits.

A district is an administrative division (行政区划) named by its official code: 6 digits for a
county-level district (区/县, e.g. ``330302`` 鹿城区), 9 for a street or township (街道/乡镇).
Special-hardship residents (特殊困难老年人) are the ones the civil-affairs bureau expects to be
visited or contacted every month; a care visit records one such visit or contact.

Example:
    >>> HardshipCategory("extreme_poverty").label_zh
    '特困供养'
    >>> check_district_code("330302")
    '330302'
    >>> check_district_code("3303")
    Traceback (most recent call last):
    ...
    ValueError: district code '3303' is not a 行政区划 code: use the 6-digit county code (e.g. 330302) or the 9-digit street code
"""  # noqa: E501

from __future__ import annotations

import re
from datetime import datetime, timedelta
from enum import StrEnum

DISTRICT_CODE_PATTERN = r"^[0-9]{6}([0-9]{3})?$"
"""A 6-digit county-level or a 9-digit street-level administrative division code."""
DISTRICT_CODE_LEN = 9
VISIT_CLOCK_SKEW = timedelta(minutes=5)
"""A visit may be stamped this far ahead of the server's clock (a phone's clock runs fast)."""
VISIT_MAX_AGE = timedelta(days=366)
"""Visits older than this are refused: late paperwork belongs to the institution's own files."""


class HardshipCategory(StrEnum):
    """Why a resident counts as special-hardship (one category: the one the bureau lists).

    Residents outside these categories have none (NULL): the monthly visit rate is not kept
    for them.
    """

    EXTREME_POVERTY = "extreme_poverty"
    """特困供养: supported under the extreme-poverty scheme."""
    MINIMUM_LIVING = "minimum_living"
    """低保: receives the minimum living allowance."""
    LOW_INCOME_MARGIN = "low_income_margin"
    """低保边缘: just above the minimum-living line."""
    BEREAVED_ONLY_CHILD = "bereaved_only_child"
    """计生特殊家庭: parents whose only child died or is disabled."""

    @property
    def label_zh(self) -> str:
        """The category's name as the bureau writes it."""
        return _ZH[self]


_ZH = {
    HardshipCategory.EXTREME_POVERTY: "特困供养",
    HardshipCategory.MINIMUM_LIVING: "低保",
    HardshipCategory.LOW_INCOME_MARGIN: "低保边缘",
    HardshipCategory.BEREAVED_ONLY_CHILD: "计生特殊家庭",
}


class VisitKind(StrEnum):
    """How a care worker reached the resident."""

    VISIT = "visit"
    """In person, at home."""
    PHONE = "phone"
    VIDEO = "video"


def check_district_code(code: str) -> str:
    """``code`` if it is a 6- or 9-digit administrative division code.

    Raises:
        ValueError: it is not; the message says which codes are meant.
    """
    if re.fullmatch(DISTRICT_CODE_PATTERN, code) is None:
        raise ValueError(
            f"district code {code!r} is not a 行政区划 code: use the 6-digit county code "
            "(e.g. 330302) or the 9-digit street code"
        )
    return code


def check_visit_time(at: datetime, now: datetime) -> datetime:
    """``at`` if a visit could have happened then: not in the future, not over a year ago.

    >>> from datetime import UTC
    >>> now = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)
    >>> check_visit_time(now - timedelta(hours=2), now) == now - timedelta(hours=2)
    True
    >>> check_visit_time(now + timedelta(hours=1), now)
    Traceback (most recent call last):
    ...
    ValueError: the visit time 2026-12-07T05:00:00+00:00 is in the future (server time 2026-12-07T04:00:00+00:00): record a visit after it happened, with the time it happened

    Raises:
        ValueError: ``at`` is in the future (beyond the clock skew) or too old.
    """  # noqa: E501
    if at > now + VISIT_CLOCK_SKEW:
        raise ValueError(
            f"the visit time {at.isoformat()} is in the future (server time "
            f"{now.isoformat()}): record a visit after it happened, with the time it happened"
        )
    if at < now - VISIT_MAX_AGE:
        raise ValueError(
            f"the visit time {at.isoformat()} is more than {VISIT_MAX_AGE.days} days ago: "
            "check the date (visits are recorded as they happen)"
        )
    return at

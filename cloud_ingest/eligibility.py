"""Who the service is for: the eligibility rule of the 银龄卫士 programme, explained.

A resident is eligible when 60 or older with a moderate or severe disability, or 85 or older
with a mild disability. The rule's answer comes with an explanation in zh-CN and English. An
override (e.g. a case-worker's decision) needs a reason; the API audits it.

Example:
    >>> from datetime import date
    >>> r = check_eligibility(date(1950, 3, 1), DisabilityLevel.MODERATE, on=date(2026, 11, 24))
    >>> r.eligible, r.age_years
    (True, 76)
    >>> print(r.reason_en)
    eligible: aged 76 (60 or older) with a moderate disability
    >>> print(r.reason_zh)
    符合条件：76 岁（60 岁及以上），中度失能
    >>> r = check_eligibility(date(1945, 1, 1), DisabilityLevel.MILD, on=date(2026, 11, 24))
    >>> r.eligible, r.age_years
    (False, 81)
    >>> print(r.reason_en)
    not eligible: aged 81 with a mild disability (a mild disability needs age 85 or older)
    >>> apply_override(r, eligible=True, reason="").eligible
    Traceback (most recent call last):
    ...
    ValueError: an eligibility override needs a reason: say why the rule does not fit
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

MIN_AGE_MODERATE_OR_SEVERE = 60
"""Youngest eligible age with a moderate or severe disability."""
MIN_AGE_MILD = 85
"""Youngest eligible age with a mild disability."""


class DisabilityLevel(StrEnum):
    """Assessed disability (失能) level."""

    NONE = "none"
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


_ZH_LEVEL = {
    DisabilityLevel.NONE: "无失能",
    DisabilityLevel.MILD: "轻度失能",
    DisabilityLevel.MODERATE: "中度失能",
    DisabilityLevel.SEVERE: "重度失能",
}


@dataclass(frozen=True, slots=True)
class Eligibility:
    """The rule's answer (or an override of it) with its explanation in two languages."""

    eligible: bool
    age_years: int
    reason_en: str
    reason_zh: str
    overridden: bool = False


def age_on(birth_date: date, on: date) -> int:
    """Completed years of age on a day.

    >>> age_on(date(1950, 11, 25), date(2026, 11, 24)), age_on(date(1950, 11, 24), date(2026, 11, 24))
    (75, 76)
    """  # noqa: E501
    before_birthday = (on.month, on.day) < (birth_date.month, birth_date.day)
    return on.year - birth_date.year - int(before_birthday)


def check_eligibility(birth_date: date, disability: DisabilityLevel, *, on: date) -> Eligibility:
    """Apply the rule on day ``on`` and explain the answer.

    >>> check_eligibility(date(1940, 1, 1), DisabilityLevel.MILD, on=date(2026, 1, 1)).eligible
    True
    >>> check_eligibility(date(1990, 1, 1), DisabilityLevel.SEVERE, on=date(2026, 1, 1)).reason_zh
    '不符合条件：36 岁，重度失能（中度或重度失能需年满 60 岁）'
    """
    age = age_on(birth_date, on)
    level_en = "no" if disability is DisabilityLevel.NONE else f"a {disability.value}"
    level_zh = _ZH_LEVEL[disability]
    if disability in (DisabilityLevel.MODERATE, DisabilityLevel.SEVERE):
        if age >= MIN_AGE_MODERATE_OR_SEVERE:
            return Eligibility(
                True,
                age,
                f"eligible: aged {age} (60 or older) with {level_en} disability",
                f"符合条件：{age} 岁（60 岁及以上），{level_zh}",
            )
        return Eligibility(
            False,
            age,
            f"not eligible: aged {age} with {level_en} disability "
            "(a moderate or severe disability needs age 60 or older)",
            f"不符合条件：{age} 岁，{level_zh}（中度或重度失能需年满 60 岁）",
        )
    if disability is DisabilityLevel.MILD:
        if age >= MIN_AGE_MILD:
            return Eligibility(
                True,
                age,
                f"eligible: aged {age} (85 or older) with a mild disability",
                f"符合条件：{age} 岁（85 岁及以上），轻度失能",
            )
        return Eligibility(
            False,
            age,
            f"not eligible: aged {age} with a mild disability "
            "(a mild disability needs age 85 or older)",
            f"不符合条件：{age} 岁，轻度失能（轻度失能需年满 85 岁）",
        )
    return Eligibility(
        False,
        age,
        f"not eligible: aged {age} with no disability (the programme needs an assessed "
        "disability: moderate/severe from 60, mild from 85)",
        f"不符合条件：{age} 岁，无失能（需经评估：中度或重度失能年满 60 岁，轻度失能年满 85 岁）",
    )


def apply_override(rule: Eligibility, *, eligible: bool, reason: str) -> Eligibility:
    """The rule's answer replaced by a decision with a reason (which the caller audits).

    >>> from datetime import date
    >>> r = check_eligibility(date(1945, 1, 1), DisabilityLevel.MILD, on=date(2026, 11, 24))
    >>> o = apply_override(r, eligible=True, reason="lives alone after a stroke")
    >>> o.eligible, o.overridden, o.reason_en
    (True, True, 'eligible by override: lives alone after a stroke (rule: not eligible: ...)')

    Raises:
        ValueError: ``reason`` is blank.
    """
    reason = reason.strip()
    if not reason:
        raise ValueError("an eligibility override needs a reason: say why the rule does not fit")
    word_en, word_zh = ("eligible", "符合条件") if eligible else ("not eligible", "不符合条件")
    return replace(
        rule,
        eligible=eligible,
        overridden=True,
        reason_en=f"{word_en} by override: {reason} (rule: {rule.reason_en})",
        reason_zh=f"{word_zh}（人工认定）：{reason}（规则：{rule.reason_zh}）",
    )

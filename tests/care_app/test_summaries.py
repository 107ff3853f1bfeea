"""Event summaries in the incident page: zh-CN from the app's catalog and the evidence
numbers, English (and anything without the numbers) as the detector wrote it."""

from __future__ import annotations

import re
from typing import Any

import pytest

from care_app.i18n import load_translations
from care_app.render import Renderer
from care_app.summaries import SUMMARIES, summary_message

DETECTOR_SAYS = "suspected fall at 02:14 (impact 3.4 g, wrist turned 78°, still 40 s after)"
FALL_VALUES = {"peak_g": 3.4, "orientation_change_deg": 78.0, "stillness_s": 40.0}
HAN = re.compile(r"[\u4e00-\u9fff]")


def _why(locale: str, event_type: str, values: dict[str, Any]) -> str:
    evidence = {"summary": DETECTOR_SAYS, "values": values}
    incident: dict[str, Any] = {
        "id": "01JDZ3S3G2J8T0V0G8W6ZQ4C0Y",
        "type": event_type,
        "severity": "critical",
        "status": "open",
        "resident_id": "res-0001",
        "summary": DETECTOR_SAYS,
        "opened_at": "2026-11-24T18:14:00+00:00",
        "accepted_by": None,
        "evidence": evidence,
        "log": [],
    }
    page = Renderer().render(
        "incident.html",
        locale,
        {
            "incident": incident,
            "resident": None,
            "evidence": {"summary": DETECTOR_SAYS, "charts": [], "numbers": []},
            "outcomes": [],
            "session": None,
            "path": "/incidents/x",
        },
    )
    found = re.search(r'<p class="why">(.*?)</p>', page, re.DOTALL)
    assert found, "the incident page has no summary line"
    return found.group(1).strip()


def test_the_zh_cn_page_shows_the_summary_in_chinese() -> None:
    assert (
        _why("zh_CN", "fall", FALL_VALUES) == "疑似跌倒：冲击 3.4 g，手腕转动 78°，之后静止 40 秒"
    )


def test_english_keeps_the_detectors_words_and_so_does_an_event_without_numbers() -> None:
    assert _why("en", "fall", FALL_VALUES) == DETECTOR_SAYS
    assert _why("zh_CN", "fall", {"peak_g": 3.4}) == DETECTOR_SAYS


@pytest.mark.parametrize("event_type", sorted(SUMMARIES))
def test_every_summary_is_translated_and_filled(event_type: str) -> None:
    template = SUMMARIES[event_type]
    values: dict[str, Any] = dict.fromkeys(template.needs, 12.5) | template.when
    said = summary_message(event_type, {"values": values})
    assert said is not None
    message, params = said
    chinese = load_translations("zh_CN").gettext(message)
    assert chinese != message, f"{message!r} has no zh_CN translation"
    shown = chinese % params
    assert HAN.search(shown)
    assert "%(" not in shown
    assert not template.needs or "12.5" in shown

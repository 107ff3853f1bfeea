"""The short texts robots, SMS and voice calls carry: who/where/what/why in the first line.

Example:
    >>> from datetime import UTC, datetime
    >>> from alerting.channels.base import Notice
    >>> n = Notice(incident_id="01JDZ3S3G2J8T0V0G8W6ZQ4C0Y", person_id="cw-0001", target="x",
    ...            type="fall", severity="critical", warning_class="home_anomaly",
    ...            resident_id="res-0001", home_id="home-0001", summary="impact 3.1 g, still 40 s",
    ...            opened_at=datetime(2026, 11, 24, 3, 0, tzinfo=UTC),
    ...            accept_url="https://sg.example/a/TOKEN", accept_token="TOKEN")
    >>> first_line(n)
    '【紧急】跌倒 · 住户 res-0001 · 家庭 home-0001：impact 3.1 g, still 40 s'
    >>> print(markdown(n))
    ### 【紧急】跌倒 · 住户 res-0001 · 家庭 home-0001：impact 3.1 g, still 40 s
    - 发生时间：2026-11-24 11:00（北京时间）
    - 事件编号：01JDZ3S3G2J8T0V0G8W6ZQ4C0Y
    <BLANKLINE>
    [立即接单](https://sg.example/a/TOKEN)
    >>> spoken(n)
    '银龄卫士紧急通知。住户 res-0001，跌倒。impact 3.1 g, still 40 s。'
"""

from __future__ import annotations

from datetime import timedelta, timezone

from alerting.channels.base import Notice
from alerting.incidents.labels import type_label

__all__ = ["BEIJING", "first_line", "markdown", "spoken"]

BEIJING = timezone(timedelta(hours=8), "CST")
"""Care workers read times in Beijing time."""


def first_line(notice: Notice) -> str:
    """Who (resident), where (home), what (type and severity) and why (the evidence)."""
    where = f" · 家庭 {notice.home_id}" if notice.home_id else ""
    return f"{notice.title}{where}：{notice.summary}"


def markdown(notice: Notice) -> str:
    """A Markdown card for DingTalk / WeCom group robots, with the accept link."""
    opened = notice.opened_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
    return (
        f"### {first_line(notice)}\n"
        f"- 发生时间：{opened}（北京时间）\n"
        f"- 事件编号：{notice.incident_id}\n\n"
        f"[立即接单]({notice.accept_url})"
    )


def spoken(notice: Notice) -> str:
    """What a voice call says before "press 1 to accept" (no ids a listener cannot use)."""
    severity = "紧急" if notice.severity == "critical" else ""
    return (
        f"银龄卫士{severity}通知。住户 {notice.resident_id}，{type_label(notice.type)}。"
        f"{notice.summary}。"
    )

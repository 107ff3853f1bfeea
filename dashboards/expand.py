r"""Expand a panel's query the way Grafana does before sending it to the datasource.

Only the macros the Silverguard dashboards use: for PostgreSQL ``$__timeFilter(col)``,
``$__timeFrom()``, ``$__timeTo()`` and ``$__timeGroupAlias(col, $__interval)``; for PromQL
``$__interval``, ``$__range`` and ``$__rate_interval``; for both ``$var`` / ``${var}``
template variables (SQL: quoted, comma-separated; PromQL: a regex alternation).

Example:
    >>> from datetime import UTC, datetime
    >>> r = TimeRange(datetime(2026, 11, 24, tzinfo=UTC), datetime(2026, 11, 24, 1, tzinfo=UTC))
    >>> expand_sql("WHERE $__timeFilter(t) AND org IN ($org)", r, {"org": ["a", "b"]})
    "WHERE t BETWEEN '2026-11-24T00:00:00Z' AND '2026-11-24T01:00:00Z' AND org IN ('a','b')"
    >>> expand_promql('rate(x{org_id=~"$org"}[$__rate_interval])', r, {"org": ["a.b"]})
    'rate(x{org_id=~"a\\\\.b"}[240s])'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

_VAR = re.compile(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)")
_TIME_FILTER = re.compile(r"\$__timeFilter\(\s*([^)]+?)\s*\)")
_TIME_GROUP = re.compile(r"\$__timeGroupAlias\(\s*([^,]+?)\s*,\s*([^)]+?)\s*\)")


@dataclass(frozen=True)
class TimeRange:
    """The dashboard's time range and the panel's width in pixels (for ``$__interval``)."""

    start: datetime
    end: datetime
    max_data_points: int = 60

    @property
    def interval_s(self) -> int:
        """Grafana's ``$__interval``: the range over the points, at least 15 s (the scrape)."""
        return max(15, int((self.end - self.start).total_seconds()) // self.max_data_points)

    @property
    def range_s(self) -> int:
        """``$__range`` in seconds."""
        return int((self.end - self.start).total_seconds())


def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _sql_value(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def expand_sql(sql: str, r: TimeRange, variables: Mapping[str, Sequence[str]]) -> str:
    """``sql`` with Grafana's PostgreSQL macros and variables substituted."""
    sql = _TIME_FILTER.sub(
        lambda m: f"{m.group(1)} BETWEEN '{_iso(r.start)}' AND '{_iso(r.end)}'", sql
    )
    sql = _TIME_GROUP.sub(
        lambda m: (
            f"floor(extract(epoch from {m.group(1)})/{_seconds(m.group(2), r)})"
            f'*{_seconds(m.group(2), r)} AS "time"'
        ),
        sql,
    )
    sql = sql.replace("$__timeFrom()", f"'{_iso(r.start)}'")
    sql = sql.replace("$__timeTo()", f"'{_iso(r.end)}'")
    return _substitute(sql, lambda name: ",".join(_sql_value(v) for v in variables[name]))


def expand_promql(expr: str, r: TimeRange, variables: Mapping[str, Sequence[str]]) -> str:
    """``expr`` with Grafana's interval macros and variables substituted."""
    expr = expr.replace("$__rate_interval", f"{max(4 * 15, 4 * r.interval_s)}s")
    expr = expr.replace("$__interval", f"{r.interval_s}s")
    expr = expr.replace("$__range", f"{r.range_s}s")

    def regex(name: str) -> str:
        values = [re.escape(v).replace("\\", "\\\\") for v in variables[name]]
        return values[0] if len(values) == 1 else "(" + "|".join(values) + ")"

    return _substitute(expr, regex)


def _seconds(interval: str, r: TimeRange) -> int:
    if interval == "$__interval":
        return r.interval_s
    match = re.fullmatch(r"'?(\d+)([smh])'?", interval)
    if match is None:
        raise ValueError(f"unsupported interval {interval!r}: use $__interval or e.g. '5m'")
    return int(match.group(1)) * {"s": 1, "m": 60, "h": 3600}[match.group(2)]


def _substitute(text: str, render: Callable[[str], str]) -> str:
    def one(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(2)
        if name.startswith("__"):
            raise ValueError(f"macro ${name} is not expanded here: add it to dashboards.expand")
        return render(name)

    return _VAR.sub(one, text)

"""Grafana's macro and variable substitution, as the dashboards use it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dashboards.expand import TimeRange, expand_promql, expand_sql

START = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
DAY = TimeRange(START, START + timedelta(days=1))


def test_sql_time_macros() -> None:
    sql = "SELECT $__timeFrom(), $__timeTo() WHERE $__timeFilter( opened_at )"
    assert expand_sql(sql, DAY, {}) == (
        "SELECT '2026-11-24T00:00:00Z', '2026-11-25T00:00:00Z' WHERE opened_at BETWEEN "
        "'2026-11-24T00:00:00Z' AND '2026-11-25T00:00:00Z'"
    )


def test_sql_time_group_alias_uses_the_interval_or_a_fixed_one() -> None:
    assert DAY.interval_s == 1440  # one day over 60 points
    assert expand_sql("$__timeGroupAlias(t, $__interval)", DAY, {}) == (
        'floor(extract(epoch from t)/1440)*1440 AS "time"'
    )
    assert "/300)*300" in expand_sql("$__timeGroupAlias(t, '5m')", DAY, {})
    with pytest.raises(ValueError, match="unsupported interval"):
        expand_sql("$__timeGroupAlias(t, 5 weeks)", DAY, {})


def test_sql_variables_are_quoted_and_joined() -> None:
    sql = "org IN ($org) OR org = '${org}'"
    got = expand_sql(sql, DAY, {"org": ["a", "o'b"]})
    assert got == "org IN ('a','o''b') OR org = ''a','o''b''"


def test_an_unknown_variable_or_macro_fails_loudly() -> None:
    with pytest.raises(KeyError):
        expand_sql("x IN ($team)", DAY, {"org": ["a"]})
    with pytest.raises(ValueError, match=r"\$__unixEpochFilter"):
        expand_sql("$__unixEpochFilter(t)", DAY, {})


def test_promql_intervals_and_regex_variables() -> None:
    short = TimeRange(START, START + timedelta(minutes=5))
    assert short.interval_s == 15  # never below the scrape interval
    expr = 'rate(x{org=~"$org"}[$__rate_interval]) + y[$__interval] + z[$__range]'
    assert expand_promql(expr, short, {"org": ["a", "b.c"]}) == (
        'rate(x{org=~"(a|b\\\\.c)"}[60s]) + y[15s] + z[300s]'
    )

"""Run a panel's query as Grafana would: expand macros and variables, then ask the server."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import Engine

from dashboards.expand import TimeRange, expand_promql, expand_sql
from dashboards.model import Panel, PromQuery, SqlQuery


@dataclass(frozen=True)
class SqlResult:
    """Column names and rows of a PostgreSQL panel."""

    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]

    def column(self, name: str) -> list[Any]:
        """Every row's value of ``name``."""
        index = self.columns.index(name)
        return [row[index] for row in self.rows]


@dataclass(frozen=True)
class PromResult:
    """Series of a PromQL panel: labels and values (the last value for range queries)."""

    series: list[tuple[dict[str, str], float]]
    points: int


def run_sql(
    engine: Engine, query: SqlQuery, r: TimeRange, variables: Mapping[str, Sequence[str]]
) -> SqlResult:
    """Expand and run ``query`` on PostgreSQL."""
    with engine.connect() as conn:
        result = conn.exec_driver_sql(expand_sql(query.sql, r, variables))
        return SqlResult(tuple(result.keys()), [tuple(row) for row in result])


def run_prom(
    base_url: str, query: PromQuery, r: TimeRange, variables: Mapping[str, Sequence[str]]
) -> PromResult:
    """Expand and run ``query`` on the Prometheus API (instant at the range's end, or range)."""
    expr = expand_promql(query.expr, r, variables)
    if query.instant:
        params = {"query": expr, "time": str(r.end.timestamp())}
        path = "/api/v1/query"
    else:
        params = {
            "query": expr,
            "start": str(r.start.timestamp()),
            "end": str(r.end.timestamp()),
            "step": f"{r.interval_s}s",
        }
        path = "/api/v1/query_range"
    response = httpx.post(base_url + path, data=params, timeout=30)
    body = response.json()
    assert response.status_code == 200, (expr, body)
    assert body["status"] == "success", (expr, body)
    series: list[tuple[dict[str, str], float]] = []
    points = 0
    for item in body["data"]["result"]:
        values = [item["value"]] if query.instant else item["values"]
        points += len(values)
        series.append((dict(item["metric"]), float(values[-1][1])))
    return PromResult(series, points)


def run_panel(
    panel: Panel,
    engine: Engine,
    victoria_url: str,
    r: TimeRange,
    variables: Mapping[str, Sequence[str]],
) -> SqlResult | PromResult:
    """Run ``panel``'s query on its datasource."""
    if isinstance(panel.query, SqlQuery):
        return run_sql(engine, panel.query, r, variables)
    return run_prom(victoria_url, panel.query, r, variables)

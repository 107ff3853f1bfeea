"""A small typed builder of Grafana dashboard JSON (schema version 39).

Only what the Silverguard dashboards use: stat, table, time-series and bar-chart panels on a
PostgreSQL or a Prometheus-type (VictoriaMetrics) datasource, and query/custom variables.

Example:
    >>> d = Dashboard(uid="x", title="X", panels=(
    ...     Panel("Gateways", "stat", SqlQuery("SELECT 1 AS n")),))
    >>> j = d.to_json()
    >>> j["panels"][0]["targets"][0]["rawSql"], j["panels"][0]["datasource"]["uid"]
    ('SELECT 1 AS n', 'silverguard-pg')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

SCHEMA_VERSION = 39
PanelKind = Literal["stat", "table", "timeseries", "barchart"]


@dataclass(frozen=True)
class Datasource:
    """A provisioned datasource, referenced by uid."""

    uid: str
    type: str
    name: str


POSTGRES = Datasource("silverguard-pg", "grafana-postgresql-datasource", "Silverguard PostgreSQL")
"""Residents, incidents, outcomes and audit (the ingest's and the router's tables)."""
VICTORIA = Datasource("silverguard-vm", "prometheus", "Silverguard VictoriaMetrics")
"""Vitals, device health and service metrics (VictoriaMetrics speaks PromQL)."""


@dataclass(frozen=True)
class SqlQuery:
    """A PostgreSQL query; Grafana macros (``$__timeFilter(col)``…) and ``$var`` allowed."""

    sql: str
    format: Literal["table", "time_series"] = "table"

    datasource = POSTGRES

    def target(self, ref: str) -> dict[str, Any]:
        """The panel target JSON."""
        return {
            "refId": ref,
            "datasource": _ref(POSTGRES),
            "editorMode": "code",
            "format": self.format,
            "rawQuery": True,
            "rawSql": self.sql,
        }


@dataclass(frozen=True)
class PromQuery:
    """A PromQL query; ``$__interval``, ``$__range`` and ``$var`` allowed."""

    expr: str
    legend: str = ""
    instant: bool = False

    datasource = VICTORIA

    def target(self, ref: str) -> dict[str, Any]:
        """The panel target JSON."""
        return {
            "refId": ref,
            "datasource": _ref(VICTORIA),
            "editorMode": "code",
            "expr": self.expr,
            "legendFormat": self.legend or "__auto",
            "instant": self.instant,
            "range": not self.instant,
        }


Query = SqlQuery | PromQuery


@dataclass(frozen=True)
class Panel:
    """One panel: a title, a kind, one query, and what its rows must look like in tests."""

    title: str
    kind: PanelKind
    query: Query
    description: str = ""
    unit: str = ""
    columns: tuple[str, ...] = ()
    """SQL panels: the columns the query must return (checked against real data in tests)."""
    width: int = 12
    height: int = 8


@dataclass(frozen=True)
class Variable:
    """A dashboard variable filled by a PostgreSQL query (multi-select with "All", or single)."""

    name: str
    label: str
    sql: str
    multi: bool = True

    def to_json(self) -> dict[str, Any]:
        """The templating entry."""
        return {
            "name": self.name,
            "label": self.label,
            "type": "query",
            "datasource": _ref(POSTGRES),
            "query": self.sql,
            "refresh": 2,
            "multi": self.multi,
            "includeAll": self.multi,
            "current": (
                {"selected": True, "text": ["All"], "value": ["$__all"]} if self.multi else {}
            ),
            "sort": 1,
        }


@dataclass(frozen=True)
class Dashboard:
    """A dashboard: panels laid out left to right, two per row by default."""

    uid: str
    title: str
    panels: tuple[Panel, ...]
    variables: tuple[Variable, ...] = ()
    description: str = ""
    time_from: str = "now-24h"
    tags: tuple[str, ...] = field(default=("silverguard",))

    def to_json(self) -> dict[str, Any]:
        """The dashboard JSON Grafana's file provisioning loads."""
        panels: list[dict[str, Any]] = []
        x = y = row_height = 0
        for number, panel in enumerate(self.panels, start=1):
            if x + panel.width > 24:
                x, y, row_height = 0, y + row_height, 0
            panels.append(_panel_json(panel, number, x, y))
            x += panel.width
            row_height = max(row_height, panel.height)
        return {
            "uid": self.uid,
            "title": self.title,
            "description": self.description,
            "tags": list(self.tags),
            "timezone": "browser",
            "editable": False,
            "schemaVersion": SCHEMA_VERSION,
            "version": 1,
            "refresh": "1m",
            "time": {"from": self.time_from, "to": "now"},
            "templating": {"list": [v.to_json() for v in self.variables]},
            "annotations": {"list": []},
            "panels": panels,
        }


def _ref(ds: Datasource) -> dict[str, str]:
    return {"type": ds.type, "uid": ds.uid}


def _panel_json(panel: Panel, number: int, x: int, y: int) -> dict[str, Any]:
    return {
        "id": number,
        "type": panel.kind,
        "title": panel.title,
        "description": panel.description,
        "datasource": _ref(panel.query.datasource),
        "gridPos": {"x": x, "y": y, "w": panel.width, "h": panel.height},
        "fieldConfig": {"defaults": {"unit": panel.unit} if panel.unit else {}, "overrides": []},
        "options": {},
        "targets": [panel.query.target("A")],
    }

"""Every panel's query, expanded as Grafana would, on PostgreSQL and VictoriaMetrics holding a
simulated fleet written by the real ingest store, TSDB writer and alert router."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from alerting.incidents.stats import DEFAULT_TARGET_ACCEPT_S
from cloud_ingest.store.engine import make_engine
from dashboards.build import all_dashboards
from dashboards.expand import TimeRange
from dashboards.model import Panel, SqlQuery
from dashboards.supervision import UID as SUPERVISION_UID
from tests.alerting.support import (
    TOKEN_SECRET,
    TOKEN_SECRET_ENV,
    WEBHOOK_SECRET,
    WEBHOOK_SECRET_ENV,
)
from tests.dashboards import fleet_sim
from tests.dashboards.fleet_sim import Fleet
from tests.dashboards.runner import PromResult, SqlResult, run_panel, run_sql
from tests.servers import throwaway_postgres_database, victoria_metrics

pytestmark = pytest.mark.integration

PIPELINE_UID = "sg-pipeline"
ELSEWHERE = {PIPELINE_UID, SUPERVISION_UID}
"""Run in test_pipeline.py (a real ingest's scraped metrics) and test_supervision.py (programme
data written through the seed loader and the API)."""
RESIDENT = "res-0002"
ALL = {"org": [fleet_sim.ORG], "resident": [RESIDENT]}


@dataclass
class Populated:
    """The servers holding the simulated fleet."""

    engine: Engine
    victoria_url: str
    fleet: Fleet

    @property
    def range(self) -> TimeRange:
        """The dashboard range covering the whole simulation (Grafana's "last 2 hours")."""
        return TimeRange(self.fleet.end - timedelta(hours=2), self.fleet.end)


@pytest.fixture(scope="module")
def populated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Populated]:
    mp = pytest.MonkeyPatch()
    mp.setenv(TOKEN_SECRET_ENV, TOKEN_SECRET)
    mp.setenv(WEBHOOK_SECRET_ENV, WEBHOOK_SECRET)
    workdir: Path = tmp_path_factory.mktemp("vm")
    try:
        with throwaway_postgres_database() as url, victoria_metrics(workdir) as vm:
            fleet = fleet_sim.populate(url, vm.url)
            httpx.get(f"{vm.url}/internal/force_flush", timeout=10).raise_for_status()
            engine = make_engine(url)
            try:
                yield Populated(engine, vm.url, fleet)
            finally:
                engine.dispose()
    finally:
        mp.undo()


def _sql(result: SqlResult | PromResult) -> SqlResult:
    assert isinstance(result, SqlResult)
    return result


def _prom(result: SqlResult | PromResult) -> PromResult:
    assert isinstance(result, PromResult)
    return result


def _by(result: SqlResult, key: str) -> dict[object, dict[str, object]]:
    return {
        row[result.columns.index(key)]: dict(zip(result.columns, row, strict=True))
        for row in result.rows
    }


def _gateways_online(r: SqlResult | PromResult) -> None:
    assert _sql(r).rows == [(2, 3)]  # gw-0003's last will came last


def _versions(r: SqlResult | PromResult) -> None:
    assert dict(_sql(r).rows) == {fleet_sim.AGENT_VERSION: 2, "0.4.1": 1}


def _silent(r: SqlResult | PromResult) -> None:
    result = _sql(r)
    assert len(result.rows) == 3 * 3  # smoke sensor, wristband and mattress of 3 homes
    flags = dict(zip(result.column("device_id"), result.column("silent"), strict=True))
    assert result.column("device_id")[0] == fleet_sim.SILENT_BAND
    assert [device for device, silent in flags.items() if silent] == [fleet_sim.SILENT_BAND]


def _battery(r: SqlResult | PromResult) -> None:
    series = _prom(r).series
    assert len(series) == 6  # 3 smoke sensors and 3 wristbands report a battery
    lowest_labels, lowest = series[0]
    assert (lowest_labels["device_id"], lowest) == ("smoke-0001", fleet_sim.LOW_BATTERY_PCT)
    assert all(0 <= value <= 100 for _, value in series)


def _on_wrist(r: SqlResult | PromResult) -> None:
    values = {labels["device_id"]: value for labels, value in _prom(r).series}
    assert values == {"band-0001": 1.0, "band-0002": 1.0, "band-0003": 0.0}


def _outbox(r: SqlResult | PromResult) -> None:
    result = _prom(r)
    assert {labels["gateway_id"] for labels, _ in result.series} == set(fleet_sim.GATEWAYS)
    assert result.points > 3 * 10  # a graph, not one dot
    assert all(0 <= value < 7 for _, value in result.series)


def _oldest_unsent(r: SqlResult | PromResult) -> None:
    ages = {labels["gateway_id"]: value for labels, value in _prom(r).series}
    # the last heartbeats: tick 20 (20 % 3 = 2 s); gw-0003's last will carries none (tick 19)
    assert ages == {"gw-0001": 2.0, "gw-0002": 2.0, "gw-0003": 1.0}


def _disk_full(r: SqlResult | PromResult) -> None:
    series = _prom(r).series
    # gw-0001's disk was full once, early: the panel shows the last heartbeat, room again
    first_labels, first = series[0]  # full ones first
    assert (first_labels["gateway_id"], first) == ("gw-0002", 1.0)
    assert {labels["gateway_id"]: value for labels, value in series} == {
        "gw-0001": 0.0,
        "gw-0002": 1.0,
        "gw-0003": 0.0,
    }


def _online_share(r: SqlResult | PromResult) -> None:
    shares = {labels["gateway_id"]: value for labels, value in _prom(r).series}
    assert shares["gw-0001"] == shares["gw-0002"] == 1.0
    assert 0.9 < shares["gw-0003"] < 1.0  # its last message was the last will


def _coverage(r: SqlResult | PromResult) -> None:
    result = _sql(r)
    shares = dict(zip(result.column("home_id"), result.column("monitored_share"), strict=True))
    assert list(shares) == ["home-0002", "home-0001", "home-0003"]  # least covered first
    # band-0002 unheard from minute 60: flagged offline 15 min later (three missed reports)
    # at the sweep of minute 80 (silent for more than 900 s), to the end: 20 of 120 minutes
    assert float(shares["home-0002"]) == pytest.approx(1 - 20 / 120)
    # gw-0003's last will came at the range's very end: no time lost in the range
    assert float(shares["home-0001"]) == float(shares["home-0003"]) == 1.0


def _open(r: SqlResult | PromResult) -> None:
    assert _sql(r).rows == [("fall", "critical", 1)] or _sql(r).column("open") == [1]


def _within(r: SqlResult | PromResult) -> None:
    # 40 s and 90 s are within 300 s; 420 s is not; the open one was never accepted
    assert DEFAULT_TARGET_ACCEPT_S == 300
    assert float(_sql(r).rows[0][0]) == pytest.approx(0.5)


def _per_team(r: SqlResult | PromResult) -> None:
    rows = _by(_sql(r), "team")
    [only] = rows.values()
    assert only["incidents"] == 4
    assert (only["accept_p50_s"], only["accept_p95_s"]) == (90.0, 420.0)
    assert (only["contact_p50_s"], only["contact_p95_s"]) == (600.0, 900.0)


def _per_shift(r: SqlResult | PromResult) -> None:
    result = _sql(r)
    assert set(result.column("shift")) <= {"day", "night"}
    assert sum(result.column("incidents")) == 4


def _escalation(r: SqlResult | PromResult) -> None:
    result = _sql(r)
    assert sum(result.column("incidents")) == 4
    assert all(step.isdigit() for step in result.column("step"))


def _outcomes(r: SqlResult | PromResult) -> None:
    rows = _by(_sql(r), "detector")
    assert (rows["edge.fall/v1"]["closed"], rows["edge.fall/v1"]["false_alarms"]) == (2, 1)
    assert float(str(rows["edge.fall/v1"]["false_alarm_rate"])) == pytest.approx(0.5)
    assert float(str(rows["edge.fire/v1"]["false_alarm_rate"])) == pytest.approx(1.0)


def _opened(r: SqlResult | PromResult) -> None:
    result = _sql(r)
    assert sum(result.column("opened")) == 4
    assert len(result.rows) >= 2  # opened 17 minutes apart: several buckets


def _pair(r: SqlResult | PromResult) -> dict[str, float]:
    result = _prom(r)
    last = {labels["series"]: value for labels, value in result.series}
    assert set(last) == {"value", "baseline"}
    assert result.points > 2 * 10  # drawn over the range, not one dot
    return last


def _heart(r: SqlResult | PromResult) -> None:
    last = _pair(r)
    assert 60.0 <= last["value"] <= 62.0  # res-0002: 58 + 2 + (0..2) bpm
    assert last["baseline"] == pytest.approx(61.0, abs=0.2)


def _breathing(r: SqlResult | PromResult) -> None:
    assert _pair(r) == {"value": 15.0, "baseline": 15.0}  # other residents breathe 14, 16


def _in_bed(r: SqlResult | PromResult) -> None:
    assert _pair(r) == {"value": 1.0, "baseline": 1.0}


def _movement(r: SqlResult | PromResult) -> None:
    last = _pair(r)
    assert 0.0 <= last["value"] <= 0.6
    assert last["baseline"] == pytest.approx(0.3, abs=0.05)


CHECKS: dict[str, Callable[[SqlResult | PromResult], None]] = {
    "Gateways online": _gateways_online,
    "Agent versions": _versions,
    "Devices by last heard (silent first)": _silent,
    "Battery by device (lowest first)": _battery,
    "Wristbands on wrist (1) / off (0)": _on_wrist,
    "Outbox depth per gateway": _outbox,
    "Oldest unsent item per gateway": _oldest_unsent,
    "Gateways with a full outbox disk": _disk_full,
    "Gateway online share": _online_share,
    "Monitoring coverage per home": _coverage,
    "Open incidents by type and severity": _open,
    "Accepted within 5 min": _within,
    "Response times per team": _per_team,
    "Response times per shift": _per_shift,
    "Escalation steps reached": _escalation,
    "Outcomes and false-alarm rate per detector": _outcomes,
    "Incidents opened": _opened,
    "Heart rate in bed and baseline": _heart,
    "Breathing rate in bed and baseline": _breathing,
    "Share of time in bed": _in_bed,
    "Movement in bed and baseline": _movement,
}

DASHBOARDS = [d for d in all_dashboards() if d.uid not in ELSEWHERE]
PANELS = [(d.uid, p) for d in DASHBOARDS for p in d.panels]


@pytest.mark.parametrize(("uid", "panel"), PANELS, ids=[f"{u}:{p.title}" for u, p in PANELS])
def test_every_panel_returns_plausible_rows(uid: str, panel: Panel, populated: Populated) -> None:
    assert panel.title in CHECKS, f"panel {panel.title!r} of {uid} has no check: add one"
    result = run_panel(panel, populated.engine, populated.victoria_url, populated.range, ALL)
    if isinstance(result, SqlResult):
        assert result.columns == panel.columns
        assert result.rows, "no rows: the panel would show No data"
    else:
        assert result.series, "no series: the panel would show No data"
    CHECKS[panel.title](result)


def test_the_org_variable_filters_every_sql_panel(populated: Populated) -> None:
    other = {"org": ["org-other"]}
    for dashboard in DASHBOARDS:
        for panel in dashboard.panels:
            if not isinstance(panel.query, SqlQuery) or "$org" not in panel.query.sql:
                continue
            result = _sql(run_panel(panel, populated.engine, "", populated.range, other))
            counts = [v for row in result.rows for v in row if isinstance(v, int)]
            assert not result.rows or set(counts) <= {0}, panel.title


def test_every_variable_query_lists_the_fleet(populated: Populated) -> None:
    expected = {"org": [fleet_sim.ORG], "resident": ["res-0001", "res-0002", "res-0003"]}
    for dashboard in DASHBOARDS:
        for variable in dashboard.variables:
            query = SqlQuery(variable.sql)
            result = run_sql(populated.engine, query, populated.range, {})
            assert len(result.columns) == 1, variable.name
            assert sorted(result.column(result.columns[0])) == expected[variable.name]

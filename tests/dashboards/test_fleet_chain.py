"""Every panel of every dashboard on a fleet driven through the whole chain (issue 8's "done
when"): firmware_sim devices → edge agents → cloud broker → ingest → PostgreSQL and
VictoriaMetrics (vitals and device health written by the ingest, the daemons' /metrics
scraped by VictoriaMetrics itself) → alert router → webhook pages → a care worker's answers
through the router's API. Each panel's query is expanded as Grafana would and run; its rows
must have the panel's shape, and every panel the chain can feed must show plausible values.
A panel the chain cannot feed is listed in ``UNFED`` with the reason; a panel in neither
table fails the test, so a new panel has to be classified here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import Engine

from cloud_ingest.store.engine import make_engine
from dashboards.build import all_dashboards
from dashboards.expand import TimeRange
from dashboards.model import Dashboard, Panel, SqlQuery
from dashboards.supervision import LOCAL_TIMEZONE
from tests.dashboards import programme_sim
from tests.dashboards.fleet_chain import ChainRun, drive_fleet
from tests.dashboards.fleet_chain_setup import (
    BAND_BATTERY_PCT,
    HEART_RATE_BPM,
    HOMES,
    OFF_WRIST_HOME,
    ORG,
    QUIET_HOME,
    RESP_RATE_BR_MIN,
    SMOKE_BATTERY_PCT,
    ChainPorts,
    Home,
    scrape_config,
)
from tests.dashboards.runner import PromResult, SqlResult, run_panel, run_sql
from tests.servers import throwaway_postgres_database, victoria_metrics

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]

BED_HOME = 1
RESIDENT = Home(BED_HOME).resident_id
"""The resident trends dashboard shows home 1's resident, in bed all along."""
QUIET = Home(QUIET_HOME)


@dataclass
class Fed:
    """The servers holding what the chain wrote, and what it did."""

    engine: Engine
    victoria_url: str
    run: ChainRun

    @property
    def range(self) -> TimeRange:
        """The dashboard range: from just before the chain started to its end."""
        return TimeRange(self.run.start - timedelta(seconds=30), self.run.end)

    def listed(self, dashboard: Dashboard) -> dict[str, list[str]]:
        """What each variable's query lists (a later one may use an earlier one: "All")."""
        listed: dict[str, list[str]] = {}
        for variable in dashboard.variables:
            result = run_sql(self.engine, SqlQuery(variable.sql), self.range, listed)
            listed[variable.name] = sorted(str(v) for v in result.column(result.columns[0]))
            assert listed[variable.name], f"{variable.name} of {dashboard.uid} lists nothing"
        return listed

    def variables(self, dashboard: Dashboard) -> dict[str, list[str]]:
        """Each variable as an operator leaves it: "All" values, or home 1's resident."""
        chosen = self.listed(dashboard)
        for variable in dashboard.variables:
            values = chosen[variable.name]
            if not variable.multi:
                chosen[variable.name] = [RESIDENT if RESIDENT in values else values[0]]
        return chosen


@pytest.fixture(scope="module")
def fed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fed]:
    workdir: Path = tmp_path_factory.mktemp("fleet-chain")
    ports = ChainPorts()
    scrape = workdir / "scrape.yaml"
    scrape.write_text(scrape_config(ports.scrape_targets()), encoding="utf-8")
    scraping = (f"-promscrape.config={scrape}",)
    with (
        throwaway_postgres_database() as url,
        victoria_metrics(workdir / "victoria-metrics", scraping) as vm,
    ):
        run = asyncio.run(drive_fleet(workdir, url, vm.url, ports))
        homes = [(h.home_id, h.resident_id, h.gateway_id, h.bed_id) for h in map(Home, HOMES)]
        year = run.end.astimezone(ZoneInfo(LOCAL_TIMEZONE)).year
        directory = programme_sim.chain_directory(ORG, homes, year)
        programme_sim.load_directory(url, directory, run.start - timedelta(days=1))
        print(f"fleet chain: {(run.end - run.start).total_seconds():.1f} s of scenario")
        httpx.get(f"{vm.url}/internal/force_flush", timeout=10).raise_for_status()
        engine = make_engine(url)
        try:
            yield Fed(engine, vm.url, run)
        finally:
            engine.dispose()


Check = Callable[[SqlResult | PromResult, Fed], None]


def _sql(result: SqlResult | PromResult) -> SqlResult:
    assert isinstance(result, SqlResult)
    return result


def _prom(result: SqlResult | PromResult) -> PromResult:
    assert isinstance(result, PromResult)
    return result


def _by_label(result: SqlResult | PromResult, label: str) -> dict[str, float]:
    return {labels[label]: value for labels, value in _prom(result).series}


def _rows(result: SqlResult | PromResult, key: str) -> dict[object, dict[str, object]]:
    r = _sql(result)
    return {row[r.columns.index(key)]: dict(zip(r.columns, row, strict=True)) for row in r.rows}


def _num(value: object) -> float:
    assert isinstance(value, int | float) or value.__class__.__name__ == "Decimal", value
    return float(str(value))


# --- fleet health -------------------------------------------------------------------------


def _gateways_online(r: SqlResult | PromResult, _: Fed) -> None:
    assert _sql(r).rows == [(len(HOMES) - 1, len(HOMES))]  # home 3's gateway shut down


def _versions(r: SqlResult | PromResult, fed: Fed) -> None:
    assert dict(_sql(r).rows) == {fed.run.agent_version: len(HOMES)}


def _silent(r: SqlResult | PromResult, _: Fed) -> None:
    result = _sql(r)
    devices = {h.smoke_id for h in map(Home, HOMES)} | {h.band_id for h in map(Home, HOMES)}
    devices |= {h.bed_id for h in map(Home, HOMES)}
    assert set(result.column("device_id")) == devices
    silent = [
        d for d, s in zip(result.column("device_id"), result.column("silent"), strict=True) if s
    ]
    assert silent == [QUIET.band_id]  # and listed first
    assert result.column("device_id")[0] == QUIET.band_id


def _battery(r: SqlResult | PromResult, _: Fed) -> None:
    series = _prom(r).series
    values = {labels["device_id"]: value for labels, value in series}
    expected = {Home(n).band_id: float(pct) for n, pct in BAND_BATTERY_PCT.items()}
    expected |= {Home(n).smoke_id: float(SMOKE_BATTERY_PCT) for n in HOMES}
    assert values == expected
    assert [value for _, value in series] == sorted(values.values())  # lowest first


def _on_wrist(r: SqlResult | PromResult, _: Fed) -> None:
    expected = {Home(n).band_id: float(n != OFF_WRIST_HOME) for n in HOMES}
    assert _by_label(r, "device_id") == expected


def _outbox(r: SqlResult | PromResult, _: Fed) -> None:
    depths = _by_label(r, "gateway_id")
    assert set(depths) == {Home(n).gateway_id for n in HOMES}
    assert _prom(r).points >= 2 * len(HOMES)  # a line per gateway, not a dot
    assert all(0 <= depth < 100 for depth in depths.values())  # acks keep outboxes short


def _oldest_unsent(r: SqlResult | PromResult, _: Fed) -> None:
    ages = _by_label(r, "gateway_id")
    assert set(ages) == {Home(n).gateway_id for n in HOMES}
    # seconds: what waited for the ingest to come up, resent after the ack timeout
    assert all(0 < age < 30 for age in ages.values())


def _disk_full(r: SqlResult | PromResult, _: Fed) -> None:
    # the real agents' heartbeats: every outbox has room (the reserve made, nothing dropped)
    assert _by_label(r, "gateway_id") == {Home(n).gateway_id: 0.0 for n in HOMES}


def _online_share(r: SqlResult | PromResult, _: Fed) -> None:
    shares = _by_label(r, "gateway_id")
    assert {gw: shares[gw] for gw in shares if gw != QUIET.gateway_id} == {
        Home(n).gateway_id: 1.0 for n in HOMES if n != QUIET_HOME
    }
    assert 0.5 < shares[QUIET.gateway_id] < 1.0  # online all along, offline at the end


# --- care operations ----------------------------------------------------------------------


def _open(r: SqlResult | PromResult, _: Fed) -> None:
    # the silent band and the gateway that shut down, for the duty desk; fire and fall closed
    rows = {(row[0], row[2]) for row in _sql(r).rows}
    assert rows == {("device_offline", 1), ("gateway_offline", 1)}


def _within(r: SqlResult | PromResult, fed: Fed) -> None:
    # fire and fall were accepted within seconds; the duty desk's device-health incidents
    # (the silent band, the gateway that shut down) were never accepted
    [(share,)] = _sql(r).rows
    assert _num(share) == pytest.approx(2 / _opened_count(fed))


def _opened_count(fed: Fed) -> int:
    assert set(fed.run.incidents) == {"fire", "fall", "device_offline", "gateway_offline"}
    return len(fed.run.incidents)


def _per_team(r: SqlResult | PromResult, _: Fed) -> None:
    teams = _rows(r, "team")
    north = teams["t-north"]
    assert north["incidents"] == 3  # the fire, the fall, the silent band: team north's homes
    assert teams["(no team)"]["incidents"] == 1  # the gateway: the duty desk's alone
    accept = _num(north["accept_p50_s"]), _num(north["accept_p95_s"])
    contact = _num(north["contact_p50_s"]), _num(north["contact_p95_s"])
    assert 0 < accept[0] <= accept[1] < 60
    assert 0 < contact[0] <= contact[1] < 60
    assert accept[0] < contact[0]  # contact comes after accepting


def _per_shift(r: SqlResult | PromResult, fed: Fed) -> None:
    result = _sql(r)
    assert set(result.column("shift")) <= {"day", "night"}
    assert 1 <= len(result.rows) <= 2  # a minute of incidents: one shift (or its change)
    assert sum(result.column("incidents")) == _opened_count(fed)


def _escalation(r: SqlResult | PromResult, fed: Fed) -> None:
    steps = {str(k): int(_num(v["incidents"])) for k, v in _rows(r, "step").items()}
    # a fire pages everyone its policy names at once (fan-out: its last step, 2); the fall
    # reached its second step (backup and team lead); the duty desk's two device-health
    # incidents stay at their first (its policy waits 10 minutes)
    assert steps == {"0": 2, "1": 1, "2": 1}
    assert sum(steps.values()) == _opened_count(fed)


def _outcomes(r: SqlResult | PromResult, _: Fed) -> None:
    rows = _rows(r, "detector")
    fire = next(v for k, v in rows.items() if "fire" in str(k))
    fall = next(v for k, v in rows.items() if "fall" in str(k))
    assert (fire["closed"], fire["false_alarms"], _num(fire["false_alarm_rate"])) == (1, 1, 1.0)
    assert (fall["closed"], fall["false_alarms"], _num(fall["false_alarm_rate"])) == (1, 0, 0.0)


def _opened(r: SqlResult | PromResult, fed: Fed) -> None:
    assert sum(_sql(r).column("opened")) == _opened_count(fed)


# --- resident trends (home 1's resident, in bed all along) --------------------------------


def _pair(r: SqlResult | PromResult) -> dict[str, float]:
    result = _prom(r)
    last = _by_label(r, "series")
    assert set(last) == {"value", "baseline"}
    assert result.points >= 2 * 2  # both drawn over the range, not one dot
    return last


def _heart(r: SqlResult | PromResult, _: Fed) -> None:
    last = _pair(r)
    assert last["value"] == pytest.approx(HEART_RATE_BPM[BED_HOME], abs=3)  # the firmware's
    assert last["baseline"] == pytest.approx(HEART_RATE_BPM[BED_HOME], abs=3)


def _breathing(r: SqlResult | PromResult, _: Fed) -> None:
    last = _pair(r)
    assert last["value"] == pytest.approx(RESP_RATE_BR_MIN[BED_HOME], abs=2)
    assert last["baseline"] == pytest.approx(RESP_RATE_BR_MIN[BED_HOME], abs=2)


def _in_bed(r: SqlResult | PromResult, _: Fed) -> None:
    assert _pair(r) == {"value": 1.0, "baseline": 1.0}  # in bed all along


def _movement(r: SqlResult | PromResult, _: Fed) -> None:
    last = _pair(r)
    assert all(0.0 <= v <= 1.0 for v in last.values())


# --- pipeline (VictoriaMetrics scraped the ingest's /metrics itself) -----------------------


def _received(r: SqlResult | PromResult, _: Fed) -> None:
    rates = _by_label(r, "kind")
    # vitals, band statuses and heartbeats: a few messages a second from three homes
    assert 1 < rates["reading"] < 100
    assert all(0 <= v < 100 for v in rates.values())


def _stored(r: SqlResult | PromResult, _: Fed) -> None:
    assert 1 < _by_label(r, "status")["stored"] < 100


def _quarantined(r: SqlResult | PromResult, _: Fed) -> None:
    result = _sql(r)
    assert sum(result.column("quarantined")) == 1  # the outdated gateway's message
    assert all(result.column("example_error"))


def _quantiles(r: SqlResult | PromResult) -> tuple[float, float]:
    q = _by_label(r, "q")
    assert set(q) == {"p50", "p95"}
    return q["p50"], q["p95"]


def _ack_latency(r: SqlResult | PromResult, _: Fed) -> None:
    p50, p95 = _quantiles(r)
    assert 0 < p50 <= p95 <= 10  # seconds from receipt to ack: the ingest's own work


def _lag(r: SqlResult | PromResult, _: Fed) -> None:
    p50, p95 = _quantiles(r)
    assert 0 < p50 <= 10  # most messages: stored as they are sent
    # the first ones waited for the ingest (INGEST_AFTER_S) and the resend (ACK_TIMEOUT_S)
    assert p50 <= p95 <= 30


def _coverage(r: SqlResult | PromResult, _: Fed) -> None:
    result = _sql(r)
    shares = {
        str(home): _num(share)
        for home, share in zip(
            result.column("home_id"), result.column("monitored_share"), strict=True
        )
    }
    assert set(shares) == {Home(n).home_id for n in HOMES}
    assert all(0.0 <= share <= 1.0 for share in shares.values())
    quiet = shares[QUIET.home_id]  # its band fell silent, then its gateway shut down
    assert quiet < 1.0
    assert quiet < max(shares.values())


def _by_labels(r: SqlResult | PromResult, *labels: str) -> dict[tuple[str, ...], float]:
    return {tuple(ls[label] for label in labels): v for ls, v in _prom(r).series}


def _delivery_latency(r: SqlResult | PromResult, _: Fed) -> None:
    q = _by_labels(r, "channel", "q")
    assert set(q) == {("webhook", "p50"), ("webhook", "p95")}  # the router's one channel
    assert 0 < q["webhook", "p50"] <= q["webhook", "p95"] < 5  # a local receiver answers


def _delivery_failures(r: SqlResult | PromResult, _: Fed) -> None:
    failed = _by_labels(r, "channel", "kind")
    assert {channel for channel, _ in failed} == {"webhook", "email"}  # configured ones
    assert set(failed.values()) == {0.0}  # the receiver took every page


def _first_page(r: SqlResult | PromResult, _: Fed) -> None:
    p50, p95 = _quantiles(r)
    assert 0 < p50 <= p95 < 10  # paged at once (the webhook answers in milliseconds)


def _http_requests(r: SqlResult | PromResult, _: Fed) -> None:
    rates = _by_labels(r, "service", "status")
    # the care worker's answers through the router's API; the monitoring's probe of the REST
    # API; the care worker's phone opening the care app
    assert {("alerting", "200"), ("api", "200"), ("care-app", "200")} <= set(rates)
    assert all(0 <= v < 100 for v in rates.values())


def _http_latency(r: SqlResult | PromResult, _: Fed) -> None:
    q = _by_labels(r, "service", "q")
    for service in ("alerting", "api", "care-app"):
        assert {(service, "p50"), (service, "p95")} <= set(q), service
        assert 0 < q[service, "p50"] <= q[service, "p95"] < 5, service


def _beds(r: SqlResult | PromResult, _: Fed) -> None:
    # the programme's directory, loaded after the run: a target of one bed per home; every
    # gateway was heard in the range (home 3's shut down at the end, after being heard)
    [row] = _sql(r).rows
    assert row == (programme_sim.CENTRE, "鹿城区", len(HOMES), len(HOMES), len(HOMES), 1.0)


def _beds_bars(r: SqlResult | PromResult, _: Fed) -> None:
    assert _sql(r).rows == [("鹿城区", len(HOMES), len(HOMES))]


def _equipped(r: SqlResult | PromResult, _: Fed) -> None:
    [row] = _sql(r).rows
    assert row == (programme_sim.CENTRE, "鹿城区", len(HOMES), len(HOMES), 1.0)


def _visit_rate(r: SqlResult | PromResult, _: Fed) -> None:
    # residents 1 and 2 are special-hardship; nobody recorded a visit, but the care worker
    # made contact in home 1's fire and home 2's fall: shown beside the rate, not in it
    last = _sql(r).rows[-1]
    assert last[1:] == (programme_sim.CENTRE, "鹿城区", 2, 0, 0.0, 2)


def _not_contacted(r: SqlResult | PromResult, fed: Fed) -> None:
    result = _sql(r)
    assert result.column("resident_id") == [Home(1).resident_id, Home(2).resident_id]
    assert result.column("last_visit_at") == [None, None]
    contacts = result.column("last_incident_contact_at")
    assert all(fed.run.start <= at <= fed.run.end for at in contacts)


CHECKS: dict[str, Check] = {
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
    "Messages in per second, by kind": _received,
    "Messages stored per second, by status": _stored,
    "Quarantined messages": _quarantined,
    "Ack latency (receipt to ack)": _ack_latency,
    "End-to-end lag (gateway time to storage)": _lag,
    "Notification delivery latency per channel": _delivery_latency,
    "Notification delivery failures per channel and kind": _delivery_failures,
    "Incident opened to first page delivered": _first_page,
    "HTTP requests per second by service and status": _http_requests,
    "HTTP request latency by service": _http_latency,
    "Family care beds active vs target per district": _beds,
    "Beds active and target": _beds_bars,
    "Eligible residents equipped per district": _equipped,
    "Monthly visit/contact rate, special-hardship residents": _visit_rate,
    "Special-hardship residents not contacted this month": _not_contacted,
}
"""Panels the chain feeds, and what they must show."""

UNFED: Mapping[str, str] = {}
"""Panels the chain cannot feed (title → why); their queries still run and keep their shape."""

PANELS: Sequence[tuple[Dashboard, Panel]] = [(d, p) for d in all_dashboards() for p in d.panels]


def test_every_panel_is_classified_once() -> None:
    titles = [p.title for _, p in PANELS]
    assert len(titles) == len(set(titles)), "two panels share a title: the tables need keys"
    assert not set(CHECKS) & set(UNFED)
    unclassified = sorted(set(titles) - set(CHECKS) - set(UNFED))
    assert not unclassified, (
        f"panels without a check on the chain: {unclassified}; add a check to CHECKS in "
        f"{__file__}, or the reason the chain cannot feed it to UNFED"
    )
    assert not (set(CHECKS) | set(UNFED)) - set(titles), "a classified panel no longer exists"


@pytest.mark.parametrize(
    ("dashboard", "panel"), PANELS, ids=[f"{d.uid}:{p.title}" for d, p in PANELS]
)
def test_every_panel_on_the_fleet_driven_through_the_chain(
    dashboard: Dashboard, panel: Panel, fed: Fed
) -> None:
    assert panel.title in CHECKS or panel.title in UNFED, f"{panel.title!r} is not classified"
    variables = fed.variables(dashboard)
    result = run_panel(panel, fed.engine, fed.victoria_url, fed.range, variables)
    if isinstance(result, SqlResult):
        assert result.columns == panel.columns
    if panel.title in UNFED:
        return  # the query ran and has the panel's shape; the chain has nothing to show in it
    if isinstance(result, SqlResult):
        assert result.rows, "no rows: the panel would show No data"
    else:
        assert result.series, "no series: the panel would show No data"
    CHECKS[panel.title](result, fed)


def test_the_chain_paged_whom_it_should(fed: Fed) -> None:
    """The scenario itself: who was paged about what (the panels' checks rely on it)."""
    paged = {(p.name, p.payload.get("type")) for p in fed.run.pages}
    assert paged >= {
        ("cw-0001", "fire"),
        ("cw-0001", "fall"),
        ("cw-0002", "fall"),
        ("tl-0001", "fall"),
        ("op-0001", "device_offline"),
        ("op-0001", "gateway_offline"),
    }
    assert set(fed.run.incidents) == {"fire", "fall", "device_offline", "gateway_offline"}


def test_every_variable_lists_what_the_chain_wrote(fed: Fed) -> None:
    """The variables' own queries (Grafana fills the drop-downs with them)."""
    expected = {"org": [ORG], "resident": [Home(n).resident_id for n in HOMES]}
    for dashboard in all_dashboards():
        for name, values in fed.listed(dashboard).items():
            assert values == expected.get(name, values), (dashboard.uid, name)

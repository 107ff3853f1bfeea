"""The programme supervision dashboard's panels, expanded as Grafana would, on PostgreSQL
holding programme data written through the real seed loader, REST API, ingest store and alert
router (tests/dashboards/programme_sim.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from cloud_ingest.api.routes.residents import eligibility_of
from cloud_ingest.store.domain import Resident
from cloud_ingest.store.engine import make_engine
from dashboards.expand import TimeRange
from dashboards.model import Panel, SqlQuery
from dashboards.supervision import eligible_sql, programme_supervision
from tests.alerting.support import (
    TOKEN_SECRET,
    TOKEN_SECRET_ENV,
    WEBHOOK_SECRET,
    WEBHOOK_SECRET_ENV,
)
from tests.dashboards import programme_sim as sim
from tests.dashboards.runner import SqlResult, run_sql
from tests.servers import throwaway_postgres_database

pytestmark = pytest.mark.integration

RANGE = TimeRange(sim.START, sim.END)
ALL_DISTRICTS = [sim.CENTRE, sim.SUBURB, "330303"]
DEMO = {"org": [sim.ORG], "district": ALL_DISTRICTS}
PANELS = {p.title: p for p in programme_supervision().panels}


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    with throwaway_postgres_database() as url, pytest.MonkeyPatch.context() as env:
        env.setenv(sim.PASSWORD_ENV, sim.PASSWORD)
        env.setenv(TOKEN_SECRET_ENV, TOKEN_SECRET)
        env.setenv(WEBHOOK_SECRET_ENV, WEBHOOK_SECRET)
        sim.populate(url)
        engine = make_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()


def _run(engine: Engine, title: str, variables: dict[str, list[str]] = DEMO) -> SqlResult:
    panel: Panel = PANELS[title]
    assert isinstance(panel.query, SqlQuery)
    result = run_sql(engine, panel.query, RANGE, variables)
    assert result.columns == panel.columns
    return result


def _rows(result: SqlResult) -> list[dict[str, Any]]:
    return [dict(zip(result.columns, row, strict=True)) for row in result.rows]


def test_beds_active_vs_target_per_district(engine: Engine) -> None:
    rows = _rows(_run(engine, "Family care beds active vs target per district"))
    assert [
        (r["district_code"], r["district"], r["beds_target"], r["beds_installed"], r["beds_active"])
        for r in rows
    ] == [(sim.CENTRE, "鹿城区", 3, 3, 2), (sim.SUBURB, "瓯海区", 2, 1, 1)]
    assert [round(r["active_share"], 2) for r in rows] == [0.67, 0.5]  # 2 of 3, 1 of 2


def test_beds_bar_chart(engine: Engine) -> None:
    result = _run(engine, "Beds active and target")
    assert result.rows == [("鹿城区", 3, 2), ("瓯海区", 2, 1)]


def test_eligible_residents_equipped(engine: Engine) -> None:
    rows = _rows(_run(engine, "Eligible residents equipped per district"))
    assert [(r["district_code"], r["eligible"], r["equipped"]) for r in rows] == [
        (sim.CENTRE, 2, 2),  # res-0003 (76, mild disability) is not eligible
        (sim.SUBURB, 3, 1),  # res-0004 and res-0006 (by override) have no home yet
    ]
    assert [r["equipped_share"] for r in rows] == [1.0, pytest.approx(1 / 3)]


def test_monthly_visit_rate_of_special_hardship_residents(engine: Engine) -> None:
    rows = _rows(_run(engine, "Monthly visit/contact rate, special-hardship residents"))
    got = [
        (
            r["month"],
            r["district_code"],
            r["hardship_residents"],
            r["contacted"],
            r["contact_rate"],
            r["incident_contact_only"],
        )
        for r in rows
    ]
    assert got == [
        ("2026-11", sim.CENTRE, 2, 2, 1.0, 0),
        ("2026-11", sim.SUBURB, 1, 0, 0.0, 0),
        # res-0001's call at 30 Nov 17:30 UTC is 1 Dec local; res-0002 only had an alarm
        ("2026-12", sim.CENTRE, 2, 1, 0.5, 1),
        ("2026-12", sim.SUBURB, 1, 0, 0.0, 0),
    ]
    assert all(0.0 <= r["contact_rate"] <= 1.0 for r in rows)


def test_residents_not_contacted_this_month(engine: Engine) -> None:
    rows = _rows(_run(engine, "Special-hardship residents not contacted this month"))
    assert [(r["resident_id"], r["hardship_category"]) for r in rows] == [
        ("res-0004", "low_income_margin"),  # never visited: first
        ("res-0002", "minimum_living"),
    ]
    never, last_month = rows
    assert never["last_visit_at"] is None
    assert never["days_since_visit"] is None
    assert last_month["days_since_visit"] == 17  # 20 Nov → 7 Dec, local dates
    assert last_month["last_incident_contact_at"] == sim.INCIDENT_CONTACT_AT
    personal = {"full_name", "birth_date", "address"}
    assert not personal & {c for p in PANELS.values() for c in p.columns}


def test_the_org_and_district_variables_filter_every_panel(engine: Engine) -> None:
    other = {"org": [sim.OTHER_ORG], "district": ALL_DISTRICTS}
    beds = _rows(_run(engine, "Family care beds active vs target per district", other))
    assert [(r["district_code"], r["beds_target"], r["beds_active"]) for r in beds] == [
        (sim.CENTRE, 7, 0)
    ]
    missed = _run(engine, "Special-hardship residents not contacted this month", other)
    assert missed.column("resident_id") == ["ores-1"]
    suburb = {"org": [sim.ORG], "district": [sim.SUBURB]}
    for title in PANELS:
        result = _run(engine, title, suburb)
        assert result.rows, title
        if "district_code" in result.columns:
            assert set(result.column("district_code")) == {sim.SUBURB}, title


def test_variable_queries_list_the_organisations_and_districts(engine: Engine) -> None:
    values = {}
    for variable in programme_supervision().variables:
        result = run_sql(engine, SqlQuery(variable.sql), RANGE, {})
        values[variable.name] = sorted(result.rows)
    assert values["org"] == [(sim.ORG,), (sim.OTHER_ORG,)]
    assert values["district"] == [
        (sim.CENTRE, f"{sim.CENTRE} 鹿城区"),
        ("330303", "330303 龙湾区"),
        (sim.SUBURB, f"{sim.SUBURB} 瓯海区"),
    ]


@pytest.mark.parametrize(
    "day", [date(2023, 12, 30), date(2023, 12, 31), date(2026, 12, 7), date(2030, 2, 28)]
)
def test_the_eligibility_sql_is_the_programmes_rule(engine: Engine, day: date) -> None:
    """res-0005 (born 31 Dec 1938, mild) turns 85, and so eligible, on 31 Dec 2023."""
    with Session(engine) as db:
        residents = list(db.scalars(select(Resident).order_by(Resident.id)))
        day_sql = f"DATE '{day.isoformat()}'"
        query = f"SELECT r.id, {eligible_sql('r', day_sql)} FROM residents r ORDER BY r.id"
        sql_answer = {row[0]: row[1] for row in db.connection().exec_driver_sql(query)}
    python_answer = {r.id: eligibility_of(r, day).eligible for r in residents}
    assert sql_answer == python_answer
    assert sql_answer["res-0005"] is (day >= date(2023, 12, 31))
    assert sql_answer["res-0006"] is True  # the override

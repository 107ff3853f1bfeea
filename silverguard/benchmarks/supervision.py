"""``silverguard bench supervision``: the supervision dashboard's queries on a city's programme.

Fills a throwaway PostgreSQL database (created, migrated, dropped here) with one
organisation's programme at the size asked — residents spread over districts, one in five
special-hardship, nine in ten with a home, gateway and device, gateways heard over the last
two days, visits to about two of three hardship residents each month — then expands each
supervision panel's query as Grafana would (all districts, the last ``months`` months) and
times it. Printed: rows and milliseconds (median and slowest of ``runs``) per panel, and how
long the fill took.

Example:
    >>> d = district_codes(3)
    >>> d
    ['330301', '330302', '330303']
"""

from __future__ import annotations

import os
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, text

from alerting.store.db import migrate as migrate_alerting
from cloud_ingest.store.engine import make_engine
from cloud_ingest.store.migrate import migrate as migrate_ingest
from dashboards.expand import TimeRange, expand_sql
from dashboards.model import SqlQuery
from dashboards.supervision import programme_supervision
from silverguard.benchmarks.ingest import PG_ADMIN_URL_DEFAULT
from silverguard.benchmarks.ingest_servers import PG_ADMIN_URL_ENV, throwaway_database

__all__ = ["SupervisionBenchOptions", "district_codes", "run_supervision_bench"]

ORG = "bench-programme"
HARDSHIP_EVERY = 5
"""One resident in five is special-hardship."""
NO_HOME_EVERY = 10
"""One resident in ten has no home (eligible but not equipped, or not eligible)."""


@dataclass(frozen=True)
class SupervisionBenchOptions:
    """What to fill and how often to run each query."""

    pg_admin_url: str = ""
    """A PostgreSQL URL that may create databases (default: the environment, or local)."""
    residents: int = 20_000
    districts: int = 12
    months: int = 6
    runs: int = 5


def district_codes(count: int) -> list[str]:
    """``count`` county-level codes of one prefecture (Wenzhou's prefix, 3303)."""
    return [f"3303{n:02d}" for n in range(1, count + 1)]


def run_supervision_bench(options: SupervisionBenchOptions) -> dict[str, Any]:
    """Fill a throwaway database and time every supervision panel's query.

    Raises:
        RuntimeError: PostgreSQL is not reachable (the message says what to do).
    """
    admin_url = options.pg_admin_url or os.environ.get(PG_ADMIN_URL_ENV, PG_ADMIN_URL_DEFAULT)
    with throwaway_database(admin_url) as database_url:
        return _run(database_url, options)


def _run(database_url: str, options: SupervisionBenchOptions) -> dict[str, Any]:
    now = datetime.now(UTC).replace(microsecond=0)
    migrate_ingest(database_url)
    migrate_alerting(database_url)
    engine = make_engine(database_url)
    codes = district_codes(options.districts)
    try:
        with engine.begin() as conn:
            started = time.perf_counter()
            counts = _fill(conn, options, codes, now)
            fill_s = time.perf_counter() - started
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            panels = _time_panels(conn, options, codes, now)
    finally:
        engine.dispose()
    return {
        "benchmark": "supervision",
        "residents": options.residents,
        "districts": options.districts,
        "months": options.months,
        "runs": options.runs,
        **counts,
        "fill_s": round(fill_s, 2),
        "panels": panels,
    }


def _fill(
    conn: Connection, options: SupervisionBenchOptions, codes: list[str], now: datetime
) -> dict[str, int]:
    """Bulk rows through SQL (the API would take minutes for a city)."""
    params = {
        "org": ORG,
        "n": options.residents,
        "codes": codes,
        "d": len(codes),
        "now": now,
        "year": now.year,
        "months": options.months,
        "hardship": HARDSHIP_EVERY,
        "nohome": NO_HOME_EVERY,
    }
    statements = (
        "INSERT INTO organisations (id, name, created_at) VALUES (:org, 'Bench', :now)",
        "INSERT INTO districts (code, name) "
        "SELECT c, 'district ' || c FROM unnest(CAST(:codes AS text[])) c",
        "INSERT INTO programme_targets (org_id, district_code, year, beds_target, set_by, "
        "set_at) SELECT :org, c, :year, :n / :d, NULL, :now "
        "FROM unnest(CAST(:codes AS text[])) c",
        "INSERT INTO residents (id, org_id, full_name, birth_date, disability_level, dementia, "
        "living_alone, key_conditions, district_code, hardship_category, created_at, "
        "updated_at) SELECT 'bres-' || i, :org, 'bench', DATE '1930-01-01' + (i % 30) * 365, "
        "(ARRAY['none','mild','moderate','severe'])[1 + i % 4], false, false, '[]', "
        "(CAST(:codes AS text[]))[1 + i % :d], "
        "CASE WHEN i % :hardship = 0 THEN 'minimum_living' END, "
        ":now - interval '400 days', :now FROM generate_series(1, :n) i",
        "INSERT INTO homes (id, org_id, resident_id, district_code, created_at) "
        "SELECT 'bhome-' || substr(id, 6), org_id, id, district_code, :now "
        "FROM residents WHERE substr(id, 6)::int % :nohome <> 1",
        "INSERT INTO gateways (id, org_id, home_id, created_at) "
        "SELECT 'bgw-' || substr(id, 7), org_id, id, :now FROM homes",
        "INSERT INTO devices (id, org_id, gateway_id, home_id, kind, created_at) "
        "SELECT 'bbed-' || substr(id, 5), org_id, id, home_id, 'mattress', :now FROM gateways",
        "INSERT INTO liveness (org_id, gateway_id, device_id, device_kind, last_seen_at) "
        "SELECT org_id, id, '', 'gateway', "
        ":now - (row_number() OVER () % 48) * interval '1 hour' FROM gateways",
        "INSERT INTO care_visits (org_id, resident_id, at, kind, recorded_by, recorded_at) "
        "SELECT r.org_id, r.id, date_trunc('month', :now) - m * interval '1 month' + interval "
        "'3 days', 'visit', 'bench', :now FROM residents r, generate_series(0, :months) m "
        "WHERE r.hardship_category IS NOT NULL AND (hashtext(r.id) + m) % 3 <> 0",
    )
    for statement in statements:
        conn.execute(text(statement), params)
    count = conn.exec_driver_sql
    return {
        "homes": count("SELECT count(*) FROM homes").scalar_one(),
        "hardship_residents": count(
            "SELECT count(*) FROM residents WHERE hardship_category IS NOT NULL"
        ).scalar_one(),
        "visits": count("SELECT count(*) FROM care_visits").scalar_one(),
    }


def _time_panels(
    conn: Connection, options: SupervisionBenchOptions, codes: list[str], now: datetime
) -> dict[str, dict[str, float | int]]:
    window = TimeRange(now - timedelta(days=30 * options.months), now)
    variables = {"org": [ORG], "district": codes}
    out: dict[str, dict[str, float | int]] = {}
    for panel in programme_supervision().panels:
        assert isinstance(panel.query, SqlQuery)
        sql = expand_sql(panel.query.sql, window, variables)
        times_ms, rows = [], 0
        for _ in range(options.runs):
            started = time.perf_counter()
            rows = len(conn.exec_driver_sql(sql).all())
            times_ms.append((time.perf_counter() - started) * 1000)
        out[panel.title] = {
            "rows": rows,
            "median_ms": round(statistics.median(times_ms), 1),
            "max_ms": round(max(times_ms), 1),
        }
    return out

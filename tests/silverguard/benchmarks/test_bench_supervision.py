"""``silverguard bench supervision`` fills a throwaway PostgreSQL database and prints each
supervision panel's rows and time as JSON (the times are not asserted: the machine is shared).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from dashboards.supervision import LOCAL_TIMEZONE, programme_supervision
from silverguard.cli import app
from silverguard.ports import free_port

pytestmark = pytest.mark.integration


def test_bench_supervision_prints_every_panel_on_the_programme_it_filled() -> None:
    args = ["bench", "supervision", "--json", "--residents", "600", "--districts", "4"]
    result = CliRunner().invoke(app, [*args, "--months", "2", "--runs", "1"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output.strip().splitlines()[-1])
    assert (figures["homes"], figures["hardship_residents"]) == (540, 120)  # 9 in 10, 1 in 5
    panels = figures["panels"]
    assert list(panels) == [p.title for p in programme_supervision().panels]
    assert panels["Family care beds active vs target per district"]["rows"] == 4
    rate = panels["Monthly visit/contact rate, special-hardship residents"]
    assert rate["rows"] == 4 * _months_shown(days=2 * 30)  # every district, every month
    assert all(p["median_ms"] > 0 for p in panels.values())


def _months_shown(days: int) -> int:
    zone = ZoneInfo(LOCAL_TIMEZONE)
    end = datetime.now(UTC).astimezone(zone)
    start = (datetime.now(UTC) - timedelta(days=days)).astimezone(zone)
    return (end.year * 12 + end.month) - (start.year * 12 + start.month) + 1


def test_bench_supervision_says_what_to_do_without_postgresql() -> None:
    url = "postgresql://postgres@127.0.0.1:1/postgres"
    result = CliRunner().invoke(app, ["bench", "supervision", "--pg-admin-url", url])
    assert result.exit_code == 1
    assert "PostgreSQL is not reachable" in result.output


def test_an_unreachable_postgresql_is_one_red_line_and_exit_1() -> None:
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/postgres"  # nothing listens there
    result = CliRunner().invoke(app, ["bench", "supervision", "--pg-admin-url", url, "--json"])
    assert result.exit_code == 1, result.output
    said = " ".join(result.output.split())
    assert said.startswith(f"PostgreSQL is not reachable at {url}"), said  # no traceback
    assert "--pg-admin-url" in said  # and what to do

"""Care operations: open incidents, response times per team and shift, outcomes per detector.

Example:
    >>> d = care_operations()
    >>> d.uid, [v.name for v in d.variables]
    ('sg-care-operations', ['org'])
"""

from __future__ import annotations

from alerting.incidents.outcomes import FALSE_ALARM_OUTCOMES
from alerting.incidents.stats import DEFAULT_TARGET_ACCEPT_S
from alerting.store.models import ACTIVE_SQL, Incident
from dashboards.local_time import LOCAL_TIMEZONE, local_sql
from dashboards.model import Dashboard, Panel, SqlQuery, Variable

INCIDENTS = Incident.__tablename__
SHIFT_TIMEZONE = LOCAL_TIMEZONE
DAY_SHIFT_HOURS = (8, 20)
"""Local hours [start, end) of the day shift; the rest is the night shift."""
_FALSE = ", ".join(f"'{c.value}'" for c in sorted(FALSE_ALARM_OUTCOMES))
_SHIFT = (
    f"CASE WHEN extract(hour FROM {local_sql('opened_at')}) "
    f"BETWEEN {DAY_SHIFT_HOURS[0]} AND {DAY_SHIFT_HOURS[1] - 1} THEN 'day' ELSE 'night' END"
)
_IN_RANGE = "$__timeFilter(opened_at) AND org_id IN ($org)"
RESPONSE_COLUMNS = (
    "incidents",
    "accept_p50_s",
    "accept_p95_s",
    "contact_p50_s",
    "contact_p95_s",
)


def _response(key_sql: str, key: str) -> SqlQuery:
    """Nearest-rank percentiles, as alerting.incidents.stats computes them."""

    def pct(p: float, column: str) -> str:
        return f"percentile_disc({p}) WITHIN GROUP (ORDER BY {column})"

    return SqlQuery(
        f"SELECT {key_sql} AS {key}, count(*) AS incidents, "
        f"{pct(0.5, 'time_to_accept_s')} AS accept_p50_s, "
        f"{pct(0.95, 'time_to_accept_s')} AS accept_p95_s, "
        f"{pct(0.5, 'time_to_contact_s')} AS contact_p50_s, "
        f"{pct(0.95, 'time_to_contact_s')} AS contact_p95_s "
        f"FROM {INCIDENTS} WHERE {_IN_RANGE} GROUP BY 1 ORDER BY 1"
    )


def care_operations() -> Dashboard:
    """The care operations dashboard."""
    target = int(DEFAULT_TARGET_ACCEPT_S)
    return Dashboard(
        uid="sg-care-operations",
        title="Silverguard · Care operations",
        description="Incidents, response times, escalations and outcomes.",
        variables=(Variable("org", "Organisation", f"SELECT DISTINCT org_id FROM {INCIDENTS}"),),
        panels=(
            Panel(
                "Open incidents by type and severity",
                "table",
                SqlQuery(
                    f"SELECT type, severity, count(*) AS open FROM {INCIDENTS} "
                    f"WHERE {ACTIVE_SQL} AND org_id IN ($org) GROUP BY 1, 2 ORDER BY 3 DESC"
                ),
                columns=("type", "severity", "open"),
            ),
            Panel(
                f"Accepted within {target // 60} min",
                "stat",
                SqlQuery(
                    f"SELECT avg(CASE WHEN time_to_accept_s <= {target} THEN 1.0 ELSE 0.0 END)"
                    f" AS within_target FROM {INCIDENTS} WHERE {_IN_RANGE}"
                ),
                description="Share of the incidents opened in the range that were accepted "
                "within the target (never accepted counts as missed).",
                unit="percentunit",
                columns=("within_target",),
            ),
            Panel(
                "Response times per team",
                "table",
                _response("coalesce(team_id, '(no team)')", "team"),
                unit="s",
                columns=("team", *RESPONSE_COLUMNS),
            ),
            Panel(
                "Response times per shift",
                "table",
                _response(_SHIFT, "shift"),
                description=f"Day shift {DAY_SHIFT_HOURS[0]}:00–{DAY_SHIFT_HOURS[1]}:00 "
                f"{SHIFT_TIMEZONE} local time.",
                unit="s",
                columns=("shift", *RESPONSE_COLUMNS),
            ),
            Panel(
                "Escalation steps reached",
                "barchart",
                SqlQuery(
                    f"SELECT escalation_step::text AS step, count(*) AS incidents FROM "
                    f"{INCIDENTS} WHERE {_IN_RANGE} GROUP BY escalation_step "
                    f"ORDER BY escalation_step"
                ),
                description="0 = the first receivers; each escalation moves one step on.",
                columns=("step", "incidents"),
            ),
            Panel(
                "Outcomes and false-alarm rate per detector",
                "table",
                SqlQuery(
                    f"SELECT coalesce(detector, 'unknown') AS detector, count(*) AS closed, "
                    f"count(*) FILTER (WHERE outcome IN ({_FALSE})) AS false_alarms, "
                    f"avg(CASE WHEN outcome IN ({_FALSE}) THEN 1.0 ELSE 0.0 END) "
                    f"AS false_alarm_rate FROM {INCIDENTS} WHERE outcome IS NOT NULL "
                    f"AND {_IN_RANGE} GROUP BY 1 ORDER BY 2 DESC"
                ),
                columns=("detector", "closed", "false_alarms", "false_alarm_rate"),
            ),
            Panel(
                "Incidents opened",
                "timeseries",
                SqlQuery(
                    f"SELECT $__timeGroupAlias(opened_at, $__interval), count(*) AS opened "
                    f"FROM {INCIDENTS} WHERE {_IN_RANGE} GROUP BY 1 ORDER BY 1",
                    format="time_series",
                ),
                columns=("time", "opened"),
                width=24,
            ),
        ),
    )

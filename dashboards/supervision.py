"""Programme supervision (监管): beds against targets, eligible residents equipped, and the
monthly visit/contact rate of special-hardship residents, per district.

For the district civil-affairs supervisor and the care institution's manager. Figures:

- **Beds**: a family care bed is *installed* when a home of the organisation is bound to a
  resident and has a gateway; it is *active* when that gateway was heard (liveness) since the
  start of the range. Both are set against the organisation's target for the district and
  the year of the range's end (``programme_targets``). Homes count in their own district.
- **Eligible residents equipped**: eligible by :mod:`cloud_ingest.eligibility`'s rule (age on
  the range's last local day, disability level) unless a recorded override says otherwise;
  *equipped* when a device is bound to one of their homes. Residents count in their district.
- **Visit/contact rate**: the share of special-hardship residents (a hardship category set,
  on the books by the month's end) with at least one recorded care visit or call
  (``care_visits``) in each local calendar month (Asia/Shanghai).

  An incident's "contact made" step is *not* counted in the rate: it answers an alarm, where
  the programme's monthly visit is a planned welfare check, and counting it would let false
  alarms raise the rate. Residents reached only that way in a month are shown beside the rate
  (``incident_contact_only``), and the table of residents not contacted this month shows their
  last incident contact, so the supervisor sees them.

Residents appear by pseudonymous id only: no names, addresses or ID numbers. A home or resident
without a district is not counted: set it in the seed file, with ``PUT /api/v1/homes/{id}/district``
or ``PUT /api/v1/residents/{id}/programme``.

Example:
    >>> d = programme_supervision()
    >>> d.uid, [v.name for v in d.variables]
    ('sg-programme-supervision', ['org', 'district'])
    >>> eligible_sql("r", "DATE '2026-12-07'").startswith("coalesce(r.eligibility_override, ")
    True
"""

from __future__ import annotations

from alerting.store.models import Incident
from cloud_ingest.eligibility import MIN_AGE_MILD, MIN_AGE_MODERATE_OR_SEVERE, DisabilityLevel
from cloud_ingest.store.domain import Device, Gateway, Home, Organisation, Resident
from cloud_ingest.store.models import GATEWAY_ITSELF, LivenessRow
from cloud_ingest.store.programme import CareVisit, District, ProgrammeTarget
from dashboards import local_time
from dashboards.local_time import local_sql
from dashboards.model import Dashboard, Panel, SqlQuery, Variable

UID = "sg-programme-supervision"
HOMES, RESIDENTS, GATEWAYS = Home.__tablename__, Resident.__tablename__, Gateway.__tablename__
DEVICES, LIVENESS = Device.__tablename__, LivenessRow.__tablename__
DISTRICTS, TARGETS = District.__tablename__, ProgrammeTarget.__tablename__
VISITS, INCIDENTS = CareVisit.__tablename__, Incident.__tablename__
LOCAL_TIMEZONE = local_time.LOCAL_TIMEZONE
"""Months and ages are counted in the residents' local time (the API's default zone)."""

_LOCAL_END = local_sql("$__timeTo()::timestamptz")
_TODAY = f"{_LOCAL_END}::date"
_THIS_MONTH = f"date_trunc('month', {_LOCAL_END})"


def eligible_sql(resident: str, today: str) -> str:
    """SQL: the resident (alias ``resident``) is eligible on day ``today`` (a SQL date).

    The same rule as :func:`cloud_ingest.eligibility.check_eligibility`, with the override.
    """
    age = f"extract(year FROM age({today}, {resident}.birth_date))"
    heavy = ", ".join(
        f"'{level.value}'" for level in (DisabilityLevel.MODERATE, DisabilityLevel.SEVERE)
    )
    rule = (
        f"(({resident}.disability_level IN ({heavy}) AND {age} >= {MIN_AGE_MODERATE_OR_SEVERE}) "
        f"OR ({resident}.disability_level = '{DisabilityLevel.MILD.value}' "
        f"AND {age} >= {MIN_AGE_MILD}))"
    )
    return f"coalesce({resident}.eligibility_override, {rule})"


def _beds_sql() -> str:
    """Per district: the organisations' targets for the year, installed and active beds
    (one row per bound home first, whether any of its gateways was heard; then per district).
    """
    return (
        f"WITH t AS (SELECT district_code, sum(beds_target) AS beds_target FROM {TARGETS} "
        f"WHERE org_id IN ($org) AND year = extract(year FROM {_LOCAL_END}) "
        f"GROUP BY district_code), "
        f"hb AS (SELECT h.id, h.district_code, bool_or(l.last_seen_at >= $__timeFrom()) AS heard "
        f"FROM {HOMES} h JOIN {GATEWAYS} g ON g.home_id = h.id "
        f"LEFT JOIN {LIVENESS} l ON l.org_id = g.org_id AND l.gateway_id = g.id "
        f"AND l.device_id = '{GATEWAY_ITSELF}' "
        f"WHERE h.org_id IN ($org) AND h.resident_id IS NOT NULL GROUP BY h.id), "
        f"b AS (SELECT district_code, count(*) AS installed, "
        f"count(*) FILTER (WHERE heard) AS active FROM hb GROUP BY district_code) "
        f"SELECT d.code AS district_code, d.name AS district, "
        f"coalesce(t.beds_target, 0) AS beds_target, "
        f"coalesce(b.installed, 0) AS beds_installed, coalesce(b.active, 0) AS beds_active, "
        f"coalesce(b.active, 0)::float / nullif(t.beds_target, 0) AS active_share "
        f"FROM {DISTRICTS} d LEFT JOIN t ON t.district_code = d.code "
        f"LEFT JOIN b ON b.district_code = d.code "
        f"WHERE d.code IN ($district) AND (t.beds_target IS NOT NULL OR b.installed IS NOT NULL) "
        f"ORDER BY d.code"
    )


def _equipped_sql() -> str:
    equipped = (
        f"SELECT DISTINCT h.resident_id FROM {HOMES} h JOIN {DEVICES} dv ON dv.home_id = h.id "
        f"WHERE h.org_id IN ($org) AND h.resident_id IS NOT NULL"
    )
    return (
        f"SELECT r.district_code, d.name AS district, count(*) AS eligible, "
        f"count(e.resident_id) AS equipped, "
        f"avg(CASE WHEN e.resident_id IS NULL THEN 0.0 ELSE 1.0 END)::float AS equipped_share "
        f"FROM {RESIDENTS} r JOIN {DISTRICTS} d ON d.code = r.district_code "
        f"LEFT JOIN ({equipped}) e ON e.resident_id = r.id "
        f"WHERE r.org_id IN ($org) AND r.district_code IN ($district) "
        f"AND r.created_at <= $__timeTo() AND {eligible_sql('r', _TODAY)} "
        f"GROUP BY r.district_code, d.name ORDER BY r.district_code"
    )


def _visit_rate_sql() -> str:
    """Months × hardship residents, joined to who was visited / reached in an alarm each month
    (each aggregated once: a hash join, not a lookup per resident and month)."""
    first = f"date_trunc('month', {local_sql('$__timeFrom()::timestamptz')})"
    since = f"({first} AT TIME ZONE '{LOCAL_TIMEZONE}')"

    def per_month(table: str, column: str) -> str:
        return (
            f"SELECT DISTINCT x.resident_id, date_trunc('month', {local_sql(f'x.{column}')}) "
            f"AS month FROM {table} x JOIN hr ON hr.id = x.resident_id AND hr.org_id = x.org_id "
            f"WHERE x.{column} >= {since} AND x.{column} <= $__timeTo()"
        )

    return (
        f"WITH m AS (SELECT s AS month_start, s + interval '1 month' AS month_end "
        f"FROM generate_series({first}, {_THIS_MONTH}, interval '1 month') AS s), "
        f"hr AS (SELECT id, org_id, district_code, {local_sql('created_at')} AS created "
        f"FROM {RESIDENTS} WHERE hardship_category IS NOT NULL AND org_id IN ($org) "
        f"AND district_code IN ($district)), "
        f"vm AS ({per_month(VISITS, 'at')}), "
        f"im AS ({per_month(INCIDENTS, 'contact_at')}) "
        f"SELECT to_char(m.month_start, 'YYYY-MM') AS month, hr.district_code, "
        f"d.name AS district, count(*) AS hardship_residents, "
        f"count(vm.resident_id) AS contacted, "
        f"avg(CASE WHEN vm.resident_id IS NULL THEN 0.0 ELSE 1.0 END)::float AS contact_rate, "
        f"count(*) FILTER (WHERE vm.resident_id IS NULL AND im.resident_id IS NOT NULL) "
        f"AS incident_contact_only "
        f"FROM m JOIN hr ON hr.created < m.month_end "
        f"JOIN {DISTRICTS} d ON d.code = hr.district_code "
        f"LEFT JOIN vm ON vm.resident_id = hr.id AND vm.month = m.month_start "
        f"LEFT JOIN im ON im.resident_id = hr.id AND im.month = m.month_start "
        f"GROUP BY m.month_start, hr.district_code, d.name ORDER BY 1, 2"
    )


def _not_contacted_sql() -> str:
    this_month = f"{local_sql('v.at')} >= {_THIS_MONTH}"
    last_visit = f"(SELECT max(v.at) FROM {VISITS} v WHERE v.resident_id = r.id)"
    last_incident = (
        f"(SELECT max(i.contact_at) FROM {INCIDENTS} i WHERE i.resident_id = r.id "
        f"AND i.org_id = r.org_id)"
    )
    return (
        f"SELECT r.id AS resident_id, r.district_code, r.hardship_category, "
        f"{last_visit} AS last_visit_at, "
        f"({_TODAY} - {local_sql(last_visit)}::date) AS days_since_visit, "
        f"{last_incident} AS last_incident_contact_at "
        f"FROM {RESIDENTS} r WHERE r.hardship_category IS NOT NULL AND r.org_id IN ($org) "
        f"AND r.district_code IN ($district) AND r.created_at <= $__timeTo() "
        f"AND NOT EXISTS (SELECT 1 FROM {VISITS} v WHERE v.resident_id = r.id "
        f"AND {this_month} AND v.at <= $__timeTo()) "
        f"ORDER BY last_visit_at NULLS FIRST, r.id"
    )


BEDS_COLUMNS = (
    "district_code",
    "district",
    "beds_target",
    "beds_installed",
    "beds_active",
    "active_share",
)


def programme_supervision() -> Dashboard:
    """The programme supervision dashboard."""
    return Dashboard(
        uid=UID,
        title="Silverguard · Programme supervision",
        description="Family care beds against targets, eligible residents equipped, and the "
        "monthly visit/contact rate of special-hardship residents, per district.",
        time_from="now-6M",
        variables=(
            Variable(
                "org",
                "Organisation",
                f"SELECT {Organisation.id.key} FROM {Organisation.__tablename__}",
            ),
            Variable(
                "district",
                "District (行政区划)",
                f"SELECT {District.code.key} AS __value, {District.code.key} || ' ' || "
                f"{District.name.key} AS __text FROM {DISTRICTS}",
            ),
        ),
        panels=(
            Panel(
                "Family care beds active vs target per district",
                "table",
                SqlQuery(_beds_sql()),
                description="Installed: homes bound to a resident with a gateway. Active: of "
                "those, gateway heard since the range's start. Target: the organisation's for "
                "the district and the year of the range's end.",
                columns=BEDS_COLUMNS,
                width=14,
            ),
            Panel(
                "Beds active and target",
                "barchart",
                SqlQuery(f"SELECT district, beds_target, beds_active FROM ({_beds_sql()}) AS beds"),
                columns=("district", "beds_target", "beds_active"),
                width=10,
            ),
            Panel(
                "Eligible residents equipped per district",
                "table",
                SqlQuery(_equipped_sql()),
                description="Eligible by the programme's rule (or a recorded override) on the "
                "range's last day; equipped: a device is bound to their home.",
                columns=("district_code", "district", "eligible", "equipped", "equipped_share"),
            ),
            Panel(
                "Monthly visit/contact rate, special-hardship residents",
                "table",
                SqlQuery(_visit_rate_sql()),
                description="Share of special-hardship residents with a recorded visit, call "
                "or video call in the month (local time). An alarm's contact is not a visit: "
                "incident_contact_only counts those reached only that way.",
                columns=(
                    "month",
                    "district_code",
                    "district",
                    "hardship_residents",
                    "contacted",
                    "contact_rate",
                    "incident_contact_only",
                ),
            ),
            Panel(
                "Special-hardship residents not contacted this month",
                "table",
                SqlQuery(_not_contacted_sql()),
                description="No visit or call recorded in the month of the range's end (local "
                "time), longest without one first. Pseudonymous ids only.",
                columns=(
                    "resident_id",
                    "district_code",
                    "hardship_category",
                    "last_visit_at",
                    "days_since_visit",
                    "last_incident_contact_at",
                ),
                width=24,
            ),
        ),
    )

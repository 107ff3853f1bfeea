"""Fleet health: gateways online, silent devices, batteries, wristbands, outboxes, versions,
and each home's monitoring coverage over the range.

Example:
    >>> d = fleet_health()
    >>> d.uid, len(d.panels) >= 6
    ('sg-fleet-health', True)
"""

from __future__ import annotations

from cloud_ingest.store.models import GATEWAY_ITSELF, EventRow, GatewayStatusRow, LivenessRow
from contracts.events import EventStatus, EventType
from contracts.series import DEVICE_HEALTH, DeviceHealthField, SeriesTag, flat_name
from contracts.status import GatewayState
from dashboards.model import Dashboard, Panel, PromQuery, SqlQuery, Variable

GATEWAYS = GatewayStatusRow.__tablename__
LIVENESS = LivenessRow.__tablename__
EVENTS = EventRow.__tablename__
SILENT_AFTER = "15 minutes"
"""A device unheard for this long before the range's end is listed as silent."""
ORG = SeriesTag.ORG_ID.value
_ORG_MATCH = f'{ORG}=~"$org"'


def _health(field: DeviceHealthField) -> str:
    return f"{flat_name(DEVICE_HEALTH, field)}{{{_ORG_MATCH}}}"


def coverage_sql() -> str:
    """Each home's share of the range during which it was fully monitored.

    The rule is the operator console's (``care_app/coverage.py``): a device counts while the
    cloud hears from it (not flagged offline by the liveness sweep) and its gateway is not
    offline. A home is fully monitored while all of them count, so its unmonitored time is the
    union of the spans during which its gateway or one of its devices stood flagged offline:
    from each raised ``gateway_offline`` / ``device_offline`` event the sweep stored to the
    next event of the same gateway or device (its clearing), or on if none came yet.
    Homes are those the liveness table knows devices of.
    """
    gw_off, dev_off = EventType.GATEWAY_OFFLINE.value, EventType.DEVICE_OFFLINE.value
    range_ = "tstzrange($__timeFrom()::timestamptz, $__timeTo()::timestamptz)"
    return (
        f"WITH homes AS (SELECT DISTINCT org_id, gateway_id, home_id FROM {LIVENESS} "
        f"WHERE home_id IS NOT NULL AND device_id <> '{GATEWAY_ITSELF}' AND org_id IN ($org)), "
        f"flags AS (SELECT org_id, gateway_id, home_id, type, status, received_at AS since, "
        f"lead(received_at) OVER (PARTITION BY org_id, gateway_id, coalesce(device_id, ''), "
        f"type ORDER BY seq) AS until FROM {EVENTS} "
        f"WHERE type IN ('{gw_off}', '{dev_off}') AND org_id IN ($org)), "
        f"down AS (SELECT h.org_id, h.home_id, tstzrange(f.since, coalesce(f.until, "
        f"'infinity')) AS span FROM flags f JOIN homes h ON h.org_id = f.org_id "
        f"AND h.gateway_id = f.gateway_id AND (f.type = '{gw_off}' OR h.home_id = f.home_id) "
        f"WHERE f.status = '{EventStatus.RAISED.value}'), "
        f"gaps AS (SELECT org_id, home_id, range_agg(span) * tstzmultirange({range_}) AS gaps "
        f"FROM down GROUP BY org_id, home_id) "
        f"SELECT h.home_id, 1 - coalesce((SELECT sum(extract(epoch FROM upper(g) - lower(g))) "
        f"FROM unnest(gaps.gaps) AS g), 0) / extract(epoch FROM $__timeTo()::timestamptz - "
        f"$__timeFrom()::timestamptz) AS monitored_share "
        f"FROM (SELECT DISTINCT org_id, home_id FROM homes) h LEFT JOIN gaps "
        f"ON gaps.org_id = h.org_id AND gaps.home_id = h.home_id "
        f"ORDER BY monitored_share, h.home_id"
    )


ORG_VARIABLE = Variable(
    "org", "Organisation", f"SELECT DISTINCT {GatewayStatusRow.org_id.key} FROM {GATEWAYS}"
)


def fleet_health() -> Dashboard:
    """The fleet health dashboard."""
    state, version = GatewayStatusRow.state.key, GatewayStatusRow.agent_version.key
    by_device = f"{SeriesTag.HOME_ID}, {SeriesTag.DEVICE_ID}"
    return Dashboard(
        uid="sg-fleet-health",
        title="Silverguard · Fleet health",
        description="Are the homes monitored? Gateways, devices, outboxes and versions.",
        variables=(ORG_VARIABLE,),
        panels=(
            Panel(
                "Gateways online",
                "stat",
                SqlQuery(
                    f"SELECT count(*) FILTER (WHERE {state} = '{GatewayState.ONLINE.value}') "
                    f"AS online, count(*) AS gateways FROM {GATEWAYS} WHERE org_id IN ($org)"
                ),
                description="Gateways whose last announced state is online, of all known.",
                columns=("online", "gateways"),
                width=6,
            ),
            Panel(
                "Agent versions",
                "table",
                SqlQuery(
                    f"SELECT coalesce({version}, 'unknown') AS agent_version, count(*) AS "
                    f"gateways FROM {GATEWAYS} WHERE org_id IN ($org) GROUP BY 1 ORDER BY 2 DESC"
                ),
                columns=("agent_version", "gateways"),
                width=6,
            ),
            Panel(
                "Devices by last heard (silent first)",
                "table",
                SqlQuery(
                    f"SELECT gateway_id, home_id, device_id, device_kind, last_seen_at, "
                    f"offline_since, (offline_since IS NOT NULL OR last_seen_at < "
                    f"$__timeTo()::timestamptz - interval '{SILENT_AFTER}') AS silent "
                    f"FROM {LIVENESS} WHERE device_id <> '{GATEWAY_ITSELF}' "
                    f"AND org_id IN ($org) ORDER BY silent DESC, last_seen_at"
                ),
                description=f"Silent: offline (liveness sweep) or unheard for {SILENT_AFTER} "
                "before the range's end.",
                columns=(
                    "gateway_id",
                    "home_id",
                    "device_id",
                    "device_kind",
                    "last_seen_at",
                    "offline_since",
                    "silent",
                ),
            ),
            Panel(
                "Battery by device (lowest first)",
                "table",
                PromQuery(
                    f"sort(min by ({by_device}, {SeriesTag.DEVICE_KIND}) (last_over_time("
                    f"{_health(DeviceHealthField.BATTERY_PCT)}[$__range])))",
                    instant=True,
                ),
                unit="percent",
            ),
            Panel(
                "Wristbands on wrist (1) / off (0)",
                "table",
                PromQuery(
                    f"min by ({by_device}) (last_over_time("
                    f"{_health(DeviceHealthField.ON_WRIST)}[$__range]))",
                    instant=True,
                ),
            ),
            Panel(
                "Outbox depth per gateway",
                "timeseries",
                PromQuery(
                    f"max by ({SeriesTag.GATEWAY_ID}) (max_over_time("
                    f"{_health(DeviceHealthField.OUTBOX_DEPTH)}[$__interval]))",
                    legend="{{gateway_id}}",
                ),
                description="Messages waiting on the gateway (from its heartbeats).",
            ),
            Panel(
                "Oldest unsent item per gateway",
                "table",
                PromQuery(
                    f"max by ({SeriesTag.GATEWAY_ID}) (last_over_time("
                    f"{_health(DeviceHealthField.OLDEST_UNSENT_AGE_S)}[$__range]))",
                    instant=True,
                ),
                description="Age of the oldest message waiting on the gateway, from its last "
                "heartbeat in the range.",
                unit="s",
            ),
            Panel(
                "Gateways with a full outbox disk",
                "table",
                PromQuery(
                    f"sort_desc(max by ({SeriesTag.GATEWAY_ID}) (last_over_time("
                    f"{_health(DeviceHealthField.OUTBOX_DISK_FULL)}[$__range])))",
                    instant=True,
                ),
                description="1: the gateway's last heartbeat in the range said its outbox's "
                "disk is full (alarms go to its reserve file, telemetry is dropped; free space "
                "on the gateway). Full ones first; 0: room.",
            ),
            Panel(
                "Monitoring coverage per home",
                "table",
                SqlQuery(coverage_sql()),
                description="Share of the range each home was fully monitored: its gateway "
                "online and every device heard within its expected interval (the liveness "
                "sweep's offline flags, the operator console's rule). Least covered first.",
                columns=("home_id", "monitored_share"),
                unit="percentunit",
            ),
            Panel(
                "Gateway online share",
                "table",
                PromQuery(
                    f"avg by ({SeriesTag.GATEWAY_ID}) (avg_over_time("
                    f"{_health(DeviceHealthField.ONLINE)}[$__range]))",
                    instant=True,
                ),
                description="Share of the gateway's status messages in the range that said "
                "online (births and heartbeats against last wills).",
                unit="percentunit",
            ),
        ),
    )

"""Fleet health: gateways online, silent devices, batteries, wristbands, outboxes, versions.

Example:
    >>> d = fleet_health()
    >>> d.uid, len(d.panels) >= 6
    ('sg-fleet-health', True)
"""

from __future__ import annotations

from cloud_ingest.store.models import GATEWAY_ITSELF, GatewayStatusRow, LivenessRow
from contracts.series import DEVICE_HEALTH, DeviceHealthField, SeriesTag, flat_name
from contracts.status import GatewayState
from dashboards.model import Dashboard, Panel, PromQuery, SqlQuery, Variable

GATEWAYS = GatewayStatusRow.__tablename__
LIVENESS = LivenessRow.__tablename__
SILENT_AFTER = "15 minutes"
"""A device unheard for this long before the range's end is listed as silent."""
ORG = SeriesTag.ORG_ID.value
_ORG_MATCH = f'{ORG}=~"$org"'


def _health(field: DeviceHealthField) -> str:
    return f"{flat_name(DEVICE_HEALTH, field)}{{{_ORG_MATCH}}}"


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

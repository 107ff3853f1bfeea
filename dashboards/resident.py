"""Resident trends: one resident (pseudonymous id, no names) at a time, values beside baselines.

Every vital is drawn with its baseline (the mean over the preceding 14 days), so a slow drift
away from the resident's own normal shows as two lines parting.

Example:
    >>> d = resident_trends()
    >>> [v.name for v in d.variables], "$resident" in d.panels[0].query.expr
    (['resident'], True)
"""

from __future__ import annotations

from cloud_ingest.store.models import LivenessRow
from contracts.series import VITALS, DeviceKind, SeriesTag, VitalsField, flat_name
from dashboards.model import Dashboard, Panel, PromQuery, Variable

BASELINE_WINDOW = "14d"
"""The baseline: the resident's mean over this window before each point."""
_MATTRESS = f'{SeriesTag.RESIDENT_ID}=~"$resident",{SeriesTag.DEVICE_KIND}="{DeviceKind.MATTRESS}"'


def _series(field: VitalsField) -> str:
    return f"{flat_name(VITALS, field)}{{{_MATTRESS}}}"


def _with_baseline(field: VitalsField) -> PromQuery:
    """The value per interval and the baseline, as two series labelled ``series``."""
    value = f"avg(avg_over_time({_series(field)}[$__interval]))"
    baseline = f"avg(avg_over_time({_series(field)}[{BASELINE_WINDOW}]))"
    return PromQuery(
        f'label_set({value}, "series", "value") or label_set({baseline}, "series", "baseline")',
        legend="{{series}}",
    )


RESIDENT_VARIABLE = Variable(
    "resident",
    "Resident (pseudonymous id)",
    f"SELECT DISTINCT {LivenessRow.resident_id.key} FROM {LivenessRow.__tablename__} "
    f"WHERE {LivenessRow.resident_id.key} IS NOT NULL ORDER BY 1",
    multi=False,
)


def resident_trends() -> Dashboard:
    """The resident trends dashboard."""
    return Dashboard(
        uid="sg-resident-trends",
        title="Silverguard · Resident trends",
        description="One resident's vitals from the mattress, each beside its 14-day baseline.",
        variables=(RESIDENT_VARIABLE,),
        time_from="now-7d",
        panels=(
            Panel(
                "Heart rate in bed and baseline",
                "timeseries",
                _with_baseline(VitalsField.HEART_RATE_BPM),
                unit="bpm",
            ),
            Panel(
                "Breathing rate in bed and baseline",
                "timeseries",
                _with_baseline(VitalsField.RESP_RATE_BR_MIN),
                description="Breaths per minute.",
            ),
            Panel(
                "Share of time in bed",
                "timeseries",
                _with_baseline(VitalsField.IN_BED),
                unit="percentunit",
            ),
            Panel(
                "Movement in bed and baseline",
                "timeseries",
                _with_baseline(VitalsField.MOVEMENT_INDEX),
                description="The mattress's movement index; inactivity shows as a fall "
                "below the baseline.",
            ),
        ),
    )

"""Pipeline: messages in per second, quarantine, ack latency (the ingest's own metrics).

Example:
    >>> d = pipeline()
    >>> d.uid, "sg_ingest_messages_received_total" in d.panels[0].query.expr
    ('sg-pipeline', True)
"""

from __future__ import annotations

from cloud_ingest import metrics
from cloud_ingest.store.models import QuarantineRow
from dashboards.model import Dashboard, Panel, PromQuery, SqlQuery

QUARANTINE = QuarantineRow.__tablename__


def _quantiles(histogram: str) -> PromQuery:
    """p50 and p95 of a Prometheus histogram over all workers, as series labelled ``q``."""
    buckets = f"sum by (le) (rate({histogram}_bucket[$__rate_interval]))"
    return PromQuery(
        f'label_set(histogram_quantile(0.5, {buckets}), "q", "p50") or '
        f'label_set(histogram_quantile(0.95, {buckets}), "q", "p95")',
        legend="{{q}}",
        instant=True,
    )


def pipeline() -> Dashboard:
    """The pipeline dashboard."""
    return Dashboard(
        uid="sg-pipeline",
        title="Silverguard · Pipeline",
        description="The cloud ingest: throughput, quarantine and latency (scraped /metrics).",
        time_from="now-1h",
        panels=(
            Panel(
                "Messages in per second, by kind",
                "stat",
                PromQuery(
                    f"sum by (kind) (rate({metrics.MESSAGES_RECEIVED}_total[$__rate_interval]))",
                    legend="{{kind}}",
                    instant=True,
                ),
                unit="reqps",
            ),
            Panel(
                "Messages stored per second, by status",
                "stat",
                PromQuery(
                    f"sum by (status) (rate({metrics.MESSAGES_STORED}_total[$__rate_interval]))",
                    legend="{{status}}",
                    instant=True,
                ),
                unit="reqps",
            ),
            Panel(
                "Quarantined messages",
                "table",
                SqlQuery(
                    f"SELECT $__timeGroupAlias(received_at, $__interval), count(*) AS "
                    f"quarantined, min(error) AS example_error FROM {QUARANTINE} "
                    f"WHERE $__timeFilter(received_at) GROUP BY 1 ORDER BY 1",
                    format="time_series",
                ),
                description="Messages kept byte for byte because they could not be accepted.",
                columns=("time", "quarantined", "example_error"),
            ),
            Panel(
                "Ack latency (receipt to ack)",
                "stat",
                _quantiles(metrics.ACK_LATENCY),
                unit="s",
            ),
            Panel(
                "End-to-end lag (gateway time to storage)",
                "stat",
                _quantiles(metrics.MESSAGE_AGE),
                unit="s",
            ),
        ),
    )

"""Pipeline: the ingest (messages in, quarantine, ack latency), the alert router (delivery
latency and failures per channel, first page) and the HTTP daemons' requests — all from the
daemons' own ``/metrics`` as VictoriaMetrics scraped them.

Example:
    >>> d = pipeline()
    >>> d.uid, "sg_ingest_messages_received_total" in d.panels[0].query.expr
    ('sg-pipeline', True)
"""

from __future__ import annotations

from alerting import metrics as router
from cloud_ingest import metrics
from cloud_ingest.store.models import QuarantineRow
from contracts import http_metrics as http
from dashboards.model import Dashboard, Panel, PromQuery, SqlQuery

QUARANTINE = QuarantineRow.__tablename__
_NOT_STREAMS = 'route!~".*/stream"'
"""Server-sent-event routes (the live queues) answer for as long as the client listens."""


def _quantiles(
    histogram: str, by: str = "", match: str = "", window: str = "$__rate_interval"
) -> PromQuery:
    """p50 and p95 of a Prometheus histogram over all daemons (per ``by`` label, if given,
    of the series ``match`` selects) in the last ``window``, as series labelled ``q``.

    Sparse observations (pages) take the whole range as their window, so that the panel shows
    the range's figures rather than No data between incidents."""
    labels = f"le, {by}" if by else "le"
    selector = f"{{{match}}}" if match else ""
    buckets = f"sum by ({labels}) (increase({histogram}_bucket{selector}[{window}]))"
    return PromQuery(
        f'label_set(histogram_quantile(0.5, {buckets}), "q", "p50") or '
        f'label_set(histogram_quantile(0.95, {buckets}), "q", "p95")',
        legend=f"{{{{{by}}}}} {{{{q}}}}" if by else "{{q}}",
        instant=True,
    )


def pipeline() -> Dashboard:
    """The pipeline dashboard."""
    return Dashboard(
        uid="sg-pipeline",
        title="Silverguard · Pipeline",
        description="The ingest, the alert router's deliveries and the HTTP daemons, from "
        "their scraped /metrics.",
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
            Panel(
                "Notification delivery latency per channel",
                "table",
                _quantiles(router.DELIVERY_LATENCY, by="channel", window="$__range"),
                description="p50 and p95 from the start of a send attempt to the channel's "
                "answer (a receipt or an error), per channel.",
                unit="s",
            ),
            Panel(
                "Notification delivery failures per channel and kind",
                "table",
                PromQuery(
                    f"sum by (channel, kind) (increase("
                    f"{router.NOTIFICATION_FAILURES}_total[$__range]))",
                    legend="{{channel}} {{kind}}",
                    instant=True,
                ),
                description="Failed send attempts in the range: retryable (5xx, timeout: tried "
                "again) or permanent (4xx: given up). Zero for every configured channel when "
                "all went well.",
            ),
            Panel(
                "Incident opened to first page delivered",
                "stat",
                _quantiles(router.FIRST_DELIVERY_LATENCY, window="$__range"),
                description="p50 and p95 of the time from an incident's opening to the first "
                "of its pages a channel took.",
                unit="s",
            ),
            Panel(
                "HTTP requests per second by service and status",
                "table",
                PromQuery(
                    f"sum by (service, status) (rate({http.HTTP_REQUESTS}_total"
                    f"[$__rate_interval]))",
                    legend="{{service}} {{status}}",
                    instant=True,
                ),
                description="The REST API, the care app and the alert router's API (the "
                "scrape job's service label).",
                unit="reqps",
            ),
            Panel(
                "HTTP request latency by service",
                "table",
                _quantiles(
                    http.HTTP_REQUEST_DURATION, by="service", match=_NOT_STREAMS, window="$__range"
                ),
                description="p50 and p95 over the range, from a request's arrival to the end of "
                "its answer (live event streams, open for minutes, left out).",
                unit="s",
            ),
        ),
    )

"""The human summary of ``silverguard bench e2e`` (stderr; the JSON goes to stdout).

Example:
    >>> lat = {"n": 2, "p50_ms": 40.0, "p95_ms": 60.0, "p99_ms": 60.0, "max_ms": 60.0}
    >>> _latency(lat)
    'p50 40.0 / p95 60.0 / p99 60.0 / max 60.0 ms (n=2)'
"""

from __future__ import annotations

from typing import Any

__all__ = ["e2e_summary_lines"]


def _latency(summary: dict[str, Any]) -> str:
    return (
        f"p50 {summary['p50_ms']} / p95 {summary['p95_ms']} / p99 {summary['p99_ms']} / "
        f"max {summary['max_ms']} ms (n={summary['n']})"
    )


def e2e_summary_lines(result: dict[str, Any]) -> list[str]:
    """A few lines a person reads: the alarm latency, the anchors, the CPU."""
    alarms, fleet = result["alarms"], result["fleet"]
    options = result["options"]
    lines = [
        f"{options['homes']} homes, {fleet['messages_per_s']} msg/s, "
        f"{options['workers']} ingest worker(s)"
        f"{' + an alarm-lane worker' if options['alarm_lane'] else ''}, "
        f"load average {result['machine']['load_average']}",
        f"alarm → notification: {_latency(alarms['latency_publish_to_notification'])}; "
        f"{alarms['notified']}/{alarms['injected']} notified, {alarms['duplicates']} duplicates",
        f"raw broker (probe): {_latency(result['raw_broker_probe']['latency_publish_to_receipt'])}",
        f"ingest lag (publish → stored+acked): "
        f"{_latency(result['ingest_lag_publish_to_stored_acked'])}",
    ]
    cpu = result["cpu"]
    parts = [f"{name} {usage['pct_of_one_core']}%" for name, usage in cpu["by_component"].items()]
    lines.append(f"CPU (% of one core over {cpu['window_s']} s): " + ", ".join(parts))
    lines.append(f"CPU total: {cpu['total']['pct_of_machine']}% of the machine")
    return lines

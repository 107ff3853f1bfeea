"""Reads a resident's vital-sign series back from the time-series server (Prometheus API).

The ingest writes line protocol (``cloud_ingest.tsdb``); VictoriaMetrics names each series
``<measurement>_<field>`` (:func:`contracts.series.flat_name`) and answers PromQL range
queries at ``/api/v1/query_range``. Only the series of one organisation's resident are asked
for; non-finite samples are left out (JSON has no NaN).

Example:
    >>> body = {"status": "success", "data": {"resultType": "matrix", "result": [
    ...     {"metric": {"__name__": "sg_vitals_heart_rate_bpm", "device_id": "bed-1",
    ...                 "device_kind": "mattress", "source": "firmware"},
    ...      "values": [[1795489200, "61.5"], [1795489260, "NaN"]]}]}}
    >>> [(s.labels["device_id"], s.points) for s in parse_matrix(body)]
    [('bed-1', [(datetime.datetime(2026, 11, 24, 3, 0, tzinfo=datetime.timezone.utc), 61.5)])]
    >>> selector("sg_vitals_heart_rate_bpm", org_id="org-a", resident_id="res-1")
    '{__name__="sg_vitals_heart_rate_bpm",org_id="org-a",resident_id="res-1"}'
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from cloud_ingest.errors import IngestError

MAX_POINTS = 11_000
"""Most points per series one query may ask for (the server refuses more)."""


class TsdbQueryError(IngestError):
    """The time-series server could not answer a query."""


@dataclass(frozen=True, slots=True)
class Series:
    """One series: its labels (device, kind, source) and its (time, value) points."""

    labels: dict[str, str]
    points: list[tuple[datetime, float]]


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def selector(metric: str, **labels: str) -> str:
    """A PromQL series selector matching ``metric`` and the exact label values given."""
    parts = [f"__name__={_quote(metric)}"] + [f"{k}={_quote(v)}" for k, v in labels.items()]
    return "{" + ",".join(parts) + "}"


def parse_matrix(body: dict[str, Any]) -> list[Series]:
    """The series of a Prometheus ``query_range`` answer (raises ``TsdbQueryError``)."""
    if body.get("status") != "success":
        raise TsdbQueryError(f"the time-series server refused the query: {body.get('error')}")
    result = []
    for item in body.get("data", {}).get("result", []):
        labels = {k: str(v) for k, v in item.get("metric", {}).items() if k != "__name__"}
        points = []
        for stamp, text in item.get("values", []):
            value = float(text)
            if math.isfinite(value):
                points.append((datetime.fromtimestamp(float(stamp), UTC), value))
        result.append(Series(labels, points))
    return result


class SeriesReader:
    """A client of the time-series server's Prometheus query API."""

    def __init__(self, base_url: str, *, timeout_s: float = 5.0) -> None:
        self._base_url = base_url.rstrip("/")
        self._client = httpx.Client(base_url=self._base_url, timeout=timeout_s)

    def close(self) -> None:
        """Release the HTTP connections."""
        self._client.close()

    def query_range(self, query: str, start: datetime, end: datetime, step_s: int) -> list[Series]:
        """Run a PromQL range query.

        Raises:
            TsdbQueryError: the server is unreachable or refused the query.
        """
        params = {
            "query": query,
            "start": f"{start.timestamp():.3f}",
            "end": f"{end.timestamp():.3f}",
            "step": f"{step_s}s",
        }
        try:
            response = self._client.get("/api/v1/query_range", params=params)
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise TsdbQueryError(
                f"the time-series server at {self._base_url} did not answer "
                f"({type(exc).__name__}): check that it runs and tsdb.url is right"
            ) from exc
        if not isinstance(body, dict):
            raise TsdbQueryError("the time-series server answered something that is not JSON")
        return parse_matrix(body)

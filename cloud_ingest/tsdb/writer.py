"""Writes line-protocol points to the time-series server and waits until it has them.

influxdb-client's synchronous write API: the call returns only once the server answered
2xx, so the caller knows the points are stored (the batching writer drops a batch once its
retries run out while the server is down — the ingest must never ack on such a promise).
VictoriaMetrics accepts the same InfluxDB v2 write API.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import cast

import urllib3
from influxdb_client.client.exceptions import InfluxDBError
from influxdb_client.client.influxdb_client import InfluxDBClient
from influxdb_client.client.write_api import SYNCHRONOUS
from influxdb_client.domain.write_precision import WritePrecision
from influxdb_client.rest import ApiException

from cloud_ingest.config import TsdbSettings
from cloud_ingest.errors import TsdbError

log = logging.getLogger(__name__)


class TsdbWriter:
    """One HTTP client of the time-series server (thread-safe for sequential writes)."""

    def __init__(self, settings: TsdbSettings) -> None:
        self._settings = settings
        self._url = str(settings.url).rstrip("/")
        self._client = InfluxDBClient(
            url=self._url,
            token=settings.token(),
            org=settings.org,
            timeout=int(settings.timeout_s * 1000),
            retries=False,  # we retry ourselves, from the durable buffer
        )
        self._write_api = self._client.write_api(write_options=SYNCHRONOUS)

    @property
    def url(self) -> str:
        """The server's base URL."""
        return self._url

    def write(self, lines: Sequence[str]) -> None:
        """Store ``lines`` (line protocol, millisecond times) on the server.

        Raises:
            TsdbError: the server is unreachable or refused the write; nothing may be acked.
        """
        if not lines:
            return
        try:
            self._write_api.write(
                bucket=self._settings.bucket,
                org=self._settings.org,
                record="\n".join(lines),
                write_precision=cast(WritePrecision, WritePrecision.MS),  # a str constant
            )
        except (InfluxDBError, ApiException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise TsdbError(
                f"the time-series server at {self._url} did not take {len(lines)} point(s): "
                f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc) else ''}. "
                "Points wait in the durable buffer; check that the server runs and the "
                "tsdb url/org/bucket/token are right."
            ) from exc

    def close(self) -> None:
        """Release the HTTP connections."""
        self._write_api.close()
        self._client.close()

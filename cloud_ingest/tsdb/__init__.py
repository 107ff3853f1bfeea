"""Vitals and device-health series to an InfluxDB-v2-write-API server, with a durable buffer."""

from cloud_ingest.tsdb.points import points_of
from cloud_ingest.tsdb.sink import TelemetrySink
from cloud_ingest.tsdb.writer import TsdbWriter

__all__ = ["TelemetrySink", "TsdbWriter", "points_of"]

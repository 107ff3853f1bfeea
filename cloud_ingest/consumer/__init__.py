"""The MQTT consumer: check, store (or quarantine), then acknowledge each gateway message."""

from cloud_ingest.consumer.processor import IngestCounters, MessageProcessor, OutgoingAck
from cloud_ingest.consumer.runner import run_ingest

__all__ = ["IngestCounters", "MessageProcessor", "OutgoingAck", "run_ingest"]

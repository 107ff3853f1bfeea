"""Errors of the cloud ingest: one root, so callers can catch everything we raise."""

from __future__ import annotations


class IngestError(Exception):
    """Root of every error the cloud ingest raises."""


class StoreError(IngestError):
    """The database refused or could not be reached; the message was not stored."""


class BrokerError(IngestError):
    """The MQTT broker refused something the ingest needs (a subscription, a credential)."""

"""Errors of the cloud ingest: one root, so callers can catch everything we raise."""

from __future__ import annotations


class IngestError(Exception):
    """Root of every error the cloud ingest raises."""


class StoreError(IngestError):
    """The database refused or could not be reached; the message was not stored."""


class UnstorableMessageError(StoreError):
    """The database refuses this very message (a constraint, a value it cannot hold).

    Sending it again would fail again, so the message is quarantined instead.
    """


class BrokerError(IngestError):
    """The MQTT broker refused something the ingest needs (a subscription, a credential)."""


class TsdbError(IngestError):
    """The time-series server did not take a write (down, refused, timed out)."""

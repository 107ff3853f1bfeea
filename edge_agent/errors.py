"""Errors the edge agent raises: one root, one child per concern."""

from __future__ import annotations


class EdgeAgentError(Exception):
    """Root of every error the edge agent raises."""


class EdgeConfigError(EdgeAgentError):
    """The agent's configuration file is missing or invalid."""


class OutboxError(EdgeAgentError):
    """The durable outbox (SQLite) cannot be opened, read or written."""


class OutboxFullError(OutboxError):
    """The outbox's disk is full: nothing can be written until space returns."""


class DetectorStateError(EdgeAgentError):
    """A saved detector snapshot cannot be restored."""


class SerialPortError(EdgeAgentError):
    """A device's serial port cannot be opened, read or written (unplugged, gone, busy)."""

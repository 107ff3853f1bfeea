"""Errors the device emulators raise: one root."""

from __future__ import annotations


class FirmwareSimError(Exception):
    """Root of every error the emulators raise (e.g. the home broker is unreachable)."""

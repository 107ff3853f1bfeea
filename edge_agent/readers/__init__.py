"""Readers: turn device messages into device-neutral readings."""

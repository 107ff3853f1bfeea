"""Signed HTTP webhook channel."""

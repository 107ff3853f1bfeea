"""Trace replay and recording: JSON Lines of contract readings through the same detectors."""

"""Routing: matchers on incident labels and the Alertmanager-shaped route tree."""

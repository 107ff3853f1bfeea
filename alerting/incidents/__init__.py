"""Incidents: the pure decisions (grouping, labels) and the accept transition."""

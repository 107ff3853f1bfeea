"""Grafana dashboards and provisioning, built from Python (issue #8).

Panels take metric, table and column names from the modules that write them
(:mod:`contracts.series`, :mod:`cloud_ingest.metrics`, the store models), so a rename breaks
the build rather than a dashboard.
"""

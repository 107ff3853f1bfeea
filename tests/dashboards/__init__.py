"""Tests of the Grafana dashboards and their provisioning."""

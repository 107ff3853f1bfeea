"""Grafana provisioning files: the two datasources and the dashboard provider.

Connection details come from environment variables Grafana expands when it loads the files
(``$VAR`` syntax), so no host, user or password is in the repository.

Example:
    >>> [d["uid"] for d in datasources()["datasources"]]
    ['silverguard-pg', 'silverguard-vm']
"""

from __future__ import annotations

from typing import Any

from dashboards.model import POSTGRES, VICTORIA

DASHBOARDS_PATH = "/var/lib/silverguard/grafana/dashboards"
"""Where the provider reads the dashboard JSON (copy ``deploy/grafana/dashboards`` there)."""
FOLDER = "Silverguard"


def datasources() -> dict[str, Any]:
    """``provisioning/datasources/silverguard.yaml``."""
    return {
        "apiVersion": 1,
        "datasources": [
            {
                "name": POSTGRES.name,
                "uid": POSTGRES.uid,
                "type": POSTGRES.type,
                "access": "proxy",
                "url": "${SILVERGUARD_GRAFANA_PG_HOST}",
                "user": "${SILVERGUARD_GRAFANA_PG_USER}",
                "isDefault": True,
                "editable": False,
                "jsonData": {
                    "database": "${SILVERGUARD_GRAFANA_PG_DATABASE}",
                    "sslmode": "${SILVERGUARD_GRAFANA_PG_SSLMODE}",
                    "postgresVersion": 1500,
                    "timescaledb": False,
                    "maxOpenConns": 10,
                },
                "secureJsonData": {"password": "${SILVERGUARD_GRAFANA_PG_PASSWORD}"},
            },
            {
                "name": VICTORIA.name,
                "uid": VICTORIA.uid,
                "type": VICTORIA.type,
                "access": "proxy",
                "url": "${SILVERGUARD_GRAFANA_VM_URL}",
                "editable": False,
                "jsonData": {"httpMethod": "POST", "timeInterval": "15s"},
            },
        ],
    }


def dashboard_provider() -> dict[str, Any]:
    """``provisioning/dashboards/silverguard.yaml``."""
    return {
        "apiVersion": 1,
        "providers": [
            {
                "name": "silverguard",
                "orgId": 1,
                "folder": FOLDER,
                "type": "file",
                "disableDeletion": True,
                "allowUiUpdates": False,
                "updateIntervalSeconds": 60,
                "options": {"path": DASHBOARDS_PATH, "foldersFromFilesStructure": False},
            }
        ],
    }

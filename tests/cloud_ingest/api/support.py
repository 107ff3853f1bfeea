"""Test data and a thin client for the REST API tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cloud_ingest.api.context import ApiContext
from cloud_ingest.store.domain import AuditEntry
from contracts.clock import FakeClock

JWT_SECRET = "test-signing-secret-0123456789abcdef"
STAFF_PASSWORD = "staff-pass-不错-123"
ADMIN_PASSWORD = "admin-pass-456"
PARTNER_SECRET = "partner-secret-789"
GW_CODE = "ABCD-EFGH-JKMN-PQRS"

SEED_ENV = {
    "SG_SEED_ADMIN_PASSWORD": ADMIN_PASSWORD,
    "SG_SEED_STAFF_PASSWORD": STAFF_PASSWORD,
    "SG_SEED_PARTNER_KEY": PARTNER_SECRET,
    "SG_SEED_GW_0001_CODE": GW_CODE,
}

OTHER_RESIDENTS = 7

OTHER_ORG_SEED: dict[str, Any] = {
    "organisations": [
        {
            "id": "org-other",
            "name": "Other care org",
            "teams": [{"id": "team-o", "name": "O team", "lead": None}],
            "users": [
                {
                    "id": "ocw-1",
                    "username": "other.worker",
                    "display_name": "Other worker",
                    "role": "care_worker",
                    "password_env": "SG_SEED_STAFF_PASSWORD",
                    "teams": ["team-o"],
                },
                {
                    "id": "oadm-1",
                    "username": "other.admin",
                    "display_name": "Other admin",
                    "role": "admin",
                    "password_env": "SG_SEED_ADMIN_PASSWORD",
                },
            ],
            "residents": [
                {
                    "id": f"ores-{i}",
                    "full_name": f"Other resident {i}",
                    "birth_date": "1940-01-01",
                    "disability_level": "severe",
                    "team": "team-o",
                }
                for i in range(OTHER_RESIDENTS)
            ],
            "homes": [
                {
                    "id": "ohome-1",
                    "resident": "ores-0",
                    "gateways": [{"id": "ogw-1", "devices": [{"id": "odev-1", "kind": "smoke"}]}],
                }
            ],
        }
    ]
}


@dataclass
class Api:
    """A test client and the context behind it."""

    client: httpx.AsyncClient
    context: ApiContext
    clock: FakeClock

    async def login(self, username: str, password: str = STAFF_PASSWORD) -> dict[str, str]:
        """Log in and return the Authorization header."""
        response = await self.client.post(
            "/api/v1/auth/token", data={"username": username, "password": password}
        )
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    async def get(self, path: str, headers: dict[str, str], **params: Any) -> Any:
        """GET that must succeed; returns the JSON body."""
        response = await self.client.get(path, headers=headers, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def audit_rows(self, **where: str) -> int:
        """How many audit rows match the column values given."""
        query = select(func.count()).select_from(AuditEntry)
        for column, value in where.items():
            query = query.where(getattr(AuditEntry, column) == value)
        with Session(self.context.engine) as db:
            return int(db.scalar(query) or 0)

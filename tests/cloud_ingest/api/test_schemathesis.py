"""Schemathesis drives the API from its own OpenAPI document: no input makes it fail with 5xx.

Runs in-process through schemathesis' ASGI support, over a seeded PostgreSQL database (with the
alert router's tables, so incidents are served too) and a VictoriaMetrics for time series, as an
admin, an operator and a care worker, with a partner key. The default run keeps the example
count modest; ``-m slow`` runs a bigger one. Responses must also match their declared schemas.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import schemathesis

from alerting.store.db import migrate as migrate_alerting
from cloud_ingest.api.app import create_app
from cloud_ingest.api.context import ApiContext
from cloud_ingest.api.settings import ApiSettings
from cloud_ingest.auth.secrets import SecretHasher
from contracts.auth import AccessClaims, Role, issue_access_token
from contracts.clock import FakeClock
from tests.api_fuzz import run_every_operation
from tests.cloud_ingest.api.conftest import seed_database
from tests.cloud_ingest.api.support import JWT_SECRET, PARTNER_SECRET, SEED_ENV
from tests.cloud_ingest.support import NOW
from tests.servers import throwaway_postgres_database, victoria_metrics

DEFAULT_EXAMPLES = 10
SLOW_EXAMPLES = 150


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The app's schema, served over one seeded database and VictoriaMetrics for the module."""
    clock = FakeClock(NOW)
    hasher = SecretHasher.fast_for_tests()
    workdir = tmp_path_factory.mktemp("victoria-metrics")
    with (
        throwaway_postgres_database() as url,
        victoria_metrics(workdir) as victoria,
        pytest.MonkeyPatch.context() as env,
    ):
        for name, value in SEED_ENV.items():
            env.setenv(name, value)
        seed_database(url, clock, hasher)
        migrate_alerting(url)
        context = ApiContext(
            url, ApiSettings(), JWT_SECRET, clock=clock, hasher=hasher, tsdb_url=victoria.url
        )
        try:
            yield schemathesis.openapi.from_asgi("/openapi.json", create_app(context))
        finally:
            context.close()


PEOPLE = {
    Role.ADMIN: ("adm-0001", []),
    Role.OPERATOR: ("op-0001", []),
    Role.CARE_WORKER: ("cw-0001", ["team-east"]),
}


def _headers(role: Role) -> dict[str, str]:
    user_id, teams = PEOPLE[role]
    token = issue_access_token(
        AccessClaims(
            sub=user_id,
            org_id="org-demo",
            role=role,
            person_id=user_id,
            team_ids=teams,
            exp=NOW + timedelta(hours=1),
        ),
        JWT_SECRET,
    )
    return {"Authorization": f"Bearer {token}", "X-Api-Key": f"bank-fraud-desk.{PARTNER_SECRET}"}


def _run_every_operation(api_schema: Any, max_examples: int, role: Role) -> list[str]:
    """Generate ``max_examples`` cases per operation as ``role``; return the operations run."""
    return run_every_operation(api_schema, max_examples, lambda: _headers(role))


@pytest.mark.parametrize("role", list(PEOPLE))
def test_no_server_errors(api_schema: Any, role: Role) -> None:
    ran = _run_every_operation(api_schema, DEFAULT_EXAMPLES, role)
    assert "POST /api/v1/partner/events" in ran
    assert "GET /api/v1/residents/{resident_id}" in ran
    assert "GET /api/v1/residents/{resident_id}/series" in ran
    assert len(ran) >= 15


@pytest.mark.slow
@pytest.mark.parametrize("role", list(PEOPLE))
def test_no_server_errors_many_examples(api_schema: Any, role: Role) -> None:
    assert _run_every_operation(api_schema, SLOW_EXAMPLES, role)

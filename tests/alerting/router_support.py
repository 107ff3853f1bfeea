"""Alert router processes for integration and fault tests: configs on one database with a
three-step escalation (primary, then backup and team lead, then family), ``silverguard alerting
run`` as a child process, a health wait, and the "each page once" check."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from alerting.config import AlertingSettings
from alerting.store.db import create_db_engine
from alerting.store.models import Notification
from silverguard.sinks import WebhookReceiver
from tests.alerting.escalation_support import JWT_SECRET, JWT_SECRET_ENV, escalation_settings
from tests.alerting.support import (
    TOKEN_SECRET,
    TOKEN_SECRET_ENV,
    WEBHOOK_SECRET,
    WEBHOOK_SECRET_ENV,
)
from tests.servers import free_port

PEOPLE_PAGED = ("cw-0001", "cw-0002", "tl-0001", "fam-0001")
"""Who the escalation of :func:`fleet_configs` pages, step by step."""
STEP_OF = {"cw-0001": 0, "cw-0002": 1, "tl-0001": 1, "fam-0001": 2}
"""The escalation step that pages each person in :func:`fleet_configs`."""


def hooks_url(receiver: WebhookReceiver) -> str:
    """The base URL every person's webhook contact hangs under."""
    return f"{receiver.base_url}/hooks"


def router_config(tmp_path: Path, settings: AlertingSettings, name: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    data: dict[str, Any] = settings.model_dump(mode="json", by_alias=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@contextlib.contextmanager
def router_process(config: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``silverguard alerting run`` in its own process."""
    env = {
        **os.environ,
        TOKEN_SECRET_ENV: TOKEN_SECRET,
        WEBHOOK_SECRET_ENV: WEBHOOK_SECRET,
        JWT_SECRET_ENV: JWT_SECRET,
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "silverguard", "alerting", "run", "--config", str(config)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
        try:
            proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate(timeout=5)


async def healthy(client: httpx.AsyncClient, port: int) -> bool:
    with contextlib.suppress(httpx.HTTPError):
        return (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200
    return False


def fleet_configs(
    tmp_path: Path,
    postgres_url: str,
    receiver: WebhookReceiver,
    residents: list[str],
    *,
    routers: int,
    second_step_after_s: float,
    third_step_after_s: float = 1,
) -> tuple[list[Path], list[int]]:
    """Router configs on one database: falls page the primary, then backup and lead, then
    family (each once, no repeats)."""
    policy = {
        "name": "critical",
        "steps": [
            {"after_s": 0, "notify": ["primary"]},
            {"after_s": second_step_after_s, "notify": ["backup", "team_lead"]},
            {"after_s": third_step_after_s, "notify": ["family"]},
        ],
    }
    directory = {
        "teams": [{"id": "t-north", "lead": "tl-0001"}],
        "residents": [
            {
                "id": r,
                "team": "t-north",
                "primary": "cw-0001",
                "backup": "cw-0002",
                "family": ["fam-0001"],
            }
            for r in residents
        ],
    }
    ports = [free_port() for _ in range(routers)]
    configs = [
        router_config(
            tmp_path,
            escalation_settings(
                postgres_url,
                hook_url=hooks_url(receiver),
                api_port=port,
                escalation_policies=[policy, {**policy, "name": "standard"}],
                directory=directory,
                poll_interval_s=0.02,
            ),
            f"router-{i}",
        )
        for i, port in enumerate(ports)
    ]
    return configs, ports


async def wait_healthy(procs: list[subprocess.Popen[bytes]], ports: list[int]) -> None:
    async with httpx.AsyncClient() as client:
        deadline = time.monotonic() + 60
        while not all([await healthy(client, p) for p in ports]):
            for proc in procs:
                if proc.poll() is not None:
                    _, stderr = proc.communicate()
                    raise AssertionError(f"a router died on start:\n{stderr.decode()[-3000:]}")
            assert time.monotonic() < deadline, "the routers did not start"
            await asyncio.sleep(0.2)


def assert_each_page_once(postgres_url: str, receiver: WebhookReceiver, expected: int) -> None:
    engine = create_db_engine(postgres_url)
    try:
        with Session(engine) as session:
            rows = session.execute(select(Notification.incident_id, Notification.person_id)).all()
    finally:
        engine.dispose()
    pages = Counter((d.payload["incident_id"], d.name) for d in receiver.deliveries)
    assert len(pages) == expected
    assert set(pages.values()) == {1}, [k for k, n in pages.items() if n > 1]
    assert Counter(tuple(r) for r in rows) == pages  # one notification row per page, too
    assert {name for _, name in pages} == {"cw-0001", "cw-0002", "tl-0001", "fam-0001"}

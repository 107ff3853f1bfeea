"""``silverguard ingest seed`` / ``users`` / ``api``: the example seed loads, the API serves."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, func, select
from typer.testing import CliRunner

from cloud_ingest.cli import app
from cloud_ingest.store.domain import User
from silverguard.ports import free_port
from tests.cloud_ingest.api.conftest import EXAMPLE_SEED
from tests.cloud_ingest.api.support import JWT_SECRET, SEED_ENV, STAFF_PASSWORD
from tests.servers import wait_for_port


def _config(tmp_path: Path, database_url: str, port: int = 8080) -> Path:
    config = tmp_path / "ingest.yaml"
    config.write_text(
        f"database_url: {database_url}\napi:\n  host: 127.0.0.1\n  port: {port}\n"
        "  jwt_secret_env: SG_TEST_JWT\n",
        encoding="utf-8",
    )
    return config


@pytest.mark.usefixtures("seed_env")
def test_seeding_the_example_twice_changes_nothing(postgres_url: str, tmp_path: Path) -> None:
    config = _config(tmp_path, postgres_url)
    args = ["seed", "--config", str(config), "--file", str(EXAMPLE_SEED)]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "seeded 1 organisation(s), 5 user(s), 2 resident(s)" in first.output
    engine = create_engine(postgres_url)
    with engine.connect() as conn:
        hashes = dict(conn.execute(select(User.id, User.password_hash)).all())
    second = CliRunner().invoke(app, args)
    assert second.exit_code == 0, second.output
    with engine.connect() as conn:
        assert dict(conn.execute(select(User.id, User.password_hash)).all()) == hashes
        assert conn.execute(select(func.count()).select_from(User)).scalar() == 5
    engine.dispose()


def test_a_seed_naming_an_unset_secret_says_which_variable(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in SEED_ENV:
        monkeypatch.delenv(name, raising=False)
    config = _config(tmp_path, postgres_url)
    result = CliRunner().invoke(app, ["seed", "--config", str(config), "--file", str(EXAMPLE_SEED)])
    assert result.exit_code == 1
    assert "SG_SEED_ADMIN_PASSWORD is not set" in result.output


@pytest.mark.usefixtures("seed_env")
def test_users_add_and_passwd(postgres_url: str, tmp_path: Path) -> None:
    config = _config(tmp_path, postgres_url)
    CliRunner().invoke(app, ["seed", "--config", str(config), "--file", str(EXAMPLE_SEED)])
    base = ["users", "add", "--config", str(config), "--org", "org-demo", "--id", "cw-0009"]
    args = [*base, "--username", "new.worker", "--display-name", "新同事", "--role"]
    result = CliRunner().invoke(
        app,
        [*args, "care_worker", "--team", "team-east", "--password-env", "SG_SEED_STAFF_PASSWORD"],
    )
    assert result.exit_code == 0, result.output
    again = CliRunner().invoke(
        app,
        [*args, "care_worker", "--password-env", "SG_SEED_STAFF_PASSWORD"],
    )
    assert again.exit_code == 1
    assert "is taken" in again.output
    result = CliRunner().invoke(
        app,
        ["users", "passwd", "--config", str(config), "--username", "new.worker"],
        input="short\nshort\n",
    )
    assert result.exit_code == 1
    assert "use at least 10" in result.output


@pytest.mark.usefixtures("seed_env")
def test_ingest_api_serves_login_and_openapi_over_http(postgres_url: str, tmp_path: Path) -> None:
    port = free_port()
    config = _config(tmp_path, postgres_url, port)
    seeded = CliRunner().invoke(app, ["seed", "--config", str(config), "--file", str(EXAMPLE_SEED)])
    assert seeded.exit_code == 0, seeded.output
    env = {**os.environ, "SG_TEST_JWT": JWT_SECRET}
    process = subprocess.Popen(
        [sys.executable, "-m", "silverguard", "ingest", "api", "--config", str(config)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(port, timeout_s=60)
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/openapi.json").json()["info"]["title"] == "Silverguard cloud API"
        token = httpx.post(
            f"{base}/api/v1/auth/token",
            data={"username": "wang.fang", "password": STAFF_PASSWORD},
        ).json()["access_token"]
        residents = httpx.get(
            f"{base}/api/v1/residents", headers={"Authorization": f"Bearer {token}"}
        ).json()
        assert [r["id"] for r in residents["items"]] == ["res-0001"]
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    # uvicorn shuts down cleanly, then re-raises the signal so the exit status tells it
    assert process.returncode in (0, -signal.SIGTERM), output.decode()
    assert b"Application shutdown complete" in output


def test_ingest_api_without_its_secret_says_which_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SG_TEST_JWT", raising=False)
    config = _config(tmp_path, f"sqlite:///{tmp_path / 'ingest.db'}")
    result = CliRunner().invoke(app, ["api", "--config", str(config)])
    assert result.exit_code == 1
    assert "SG_TEST_JWT is not set" in result.output

"""``silverguard ingest``: run the consumer, check a config, migrate the database."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import typer
from rich.console import Console

from cloud_ingest.api.server import serve_api
from cloud_ingest.auth.secrets import SecretHasher
from cloud_ingest.config import IngestSettings, load_ingest_settings
from cloud_ingest.consumer import run_ingest
from cloud_ingest.errors import IngestError
from cloud_ingest.seed import apply_seed, load_seed_file
from cloud_ingest.store import migrate as migrate_database
from cloud_ingest.users import add_user, set_password
from contracts.auth import Role
from contracts.clock import SystemClock
from contracts.config import secret_from_env
from contracts.errors import ContractError

app = typer.Typer(no_args_is_help=True, help="Cloud ingest: MQTT consumer and storage.")

_CONFIG = typer.Option(..., "--config", "-c", help="Ingest YAML config file.")


def _settings(path: Path) -> IngestSettings:
    try:
        return load_ingest_settings(path)
    except ContractError as exc:
        Console(stderr=True).print(f"[red]{exc}[/]", markup=True, highlight=False)
        raise typer.Exit(code=2) from exc


def _fail(exc: Exception) -> typer.Exit:
    Console(stderr=True).print(f"[red]{exc}[/]", highlight=False)
    return typer.Exit(code=1)


@app.command()
def run(config: Path = _CONFIG) -> None:
    """Consume gateway messages: validate, store idempotently, acknowledge (Ctrl-C stops)."""
    settings = _settings(config)
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(run_ingest(settings))
    except (IngestError, ContractError) as exc:
        raise _fail(exc) from exc


@app.command("check-config")
def check_config(config: Path = _CONFIG) -> None:
    """Validate a config file and print the settings it gives."""
    settings = _settings(config)
    Console().print_json(settings.model_dump_json())
    typer.echo(f"{config}: valid")


@app.command()
def migrate(config: Path = _CONFIG) -> None:
    """Create or upgrade the ingest's tables in the configured database."""
    settings = _settings(config)
    try:
        migrate_database(settings.database_url)
    except IngestError as exc:
        raise _fail(exc) from exc
    typer.echo("ingest database is up to date")


@app.command()
def api(config: Path = _CONFIG) -> None:
    """Serve the REST API (OpenAPI at /openapi.json; Ctrl-C stops)."""
    settings = _settings(config)
    try:
        serve_api(settings)
    except (IngestError, ContractError) as exc:
        raise _fail(exc) from exc


_SEED_FILE = typer.Option(..., "--file", "-f", help="Seed YAML (see deploy/examples/seed.yaml).")


@app.command()
def seed(
    config: Path = _CONFIG,
    file: Path = _SEED_FILE,
) -> None:
    """Load organisations, teams, people, residents, homes, gateways, devices (idempotent)."""
    settings = _settings(config)
    try:
        seed_file = load_seed_file(file)
        migrate_database(settings.database_url)
        result = apply_seed(
            seed_file, settings.database_url, clock=SystemClock(), hasher=SecretHasher()
        )
    except (IngestError, ContractError) as exc:
        raise _fail(exc) from exc
    typer.echo(
        f"seeded {result.organisations} organisation(s), {result.users} user(s), "
        f"{result.residents} resident(s), {result.homes} home(s), {result.gateways} "
        f"gateway(s), {result.devices} device(s)"
    )


users = typer.Typer(no_args_is_help=True, help="People who log in to the REST API.")
app.add_typer(users, name="users")

_PASSWORD_ENV = typer.Option(
    None, "--password-env", help="Environment variable holding the password (else prompted)."
)


def _password(env_name: str | None) -> str:
    if env_name:
        return secret_from_env(env_name)
    password: str = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    return password


@users.command("add")
def users_add(
    *,
    config: Path = _CONFIG,
    org: str = typer.Option(..., help="Organisation id."),
    user_id: str = typer.Option(..., "--id", help="Person id (paged by alerting), e.g. cw-0003."),
    username: str = typer.Option(..., help="Login name."),
    display_name: str = typer.Option(..., help="Name shown in the apps."),
    role: str = typer.Option(..., help="care_worker, team_lead, operator or admin."),
    team: list[str] = typer.Option([], help="Care team id (repeat for several)."),  # noqa: B008
    password_env: str | None = _PASSWORD_ENV,
) -> None:
    """Add a person who can log in."""
    settings = _settings(config)
    try:
        add_user(
            settings.database_url,
            org_id=org,
            user_id=user_id,
            username=username,
            display_name=display_name,
            role=Role(role),
            password=_password(password_env),
            teams=team,
            clock=SystemClock(),
            hasher=SecretHasher(),
        )
    except (IngestError, ValueError) as exc:
        raise _fail(exc) from exc
    typer.echo(f"added {username} ({role}) to {org}")


@users.command("passwd")
def users_passwd(
    config: Path = _CONFIG,
    username: str = typer.Option(..., help="Login name."),
    password_env: str | None = _PASSWORD_ENV,
) -> None:
    """Set a person's password."""
    settings = _settings(config)
    try:
        set_password(settings.database_url, username, _password(password_env), SecretHasher())
    except (IngestError, ContractError) as exc:
        raise _fail(exc) from exc
    typer.echo(f"password of {username} changed")

"""``silverguard ingest``: run the consumer, check a config, migrate the database."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import typer
from rich.console import Console

from cloud_ingest.config import IngestSettings, load_ingest_settings
from cloud_ingest.consumer import run_ingest
from cloud_ingest.errors import IngestError
from cloud_ingest.store import migrate as migrate_database
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

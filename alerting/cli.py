"""``silverguard alerting``: run the alert router, check its config, migrate its tables."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import typer

from alerting.config import AlertingSettings, load_alerting_settings
from alerting.errors import AlertingError
from alerting.service import run_alerting
from alerting.store.db import migrate
from contracts.config import ConfigError, secret_from_env

app = typer.Typer(no_args_is_help=True, help="Alert router: incidents and notifications.")

ConfigOption = typer.Option(..., "--config", "-c", help="Alerting YAML settings file.")


def _settings(config: Path) -> AlertingSettings:
    try:
        return load_alerting_settings(config)
    except ConfigError as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(code=2) from exc


def _secrets(settings: AlertingSettings) -> None:
    names = [settings.token_secret_env]
    if settings.channels.webhook:
        names.append(settings.channels.webhook.secret_env)
    if settings.channels.email and settings.channels.email.password_env:
        names.append(settings.channels.email.password_env)
    for name in names:
        secret_from_env(name)


@app.command("check-config")
def check_config(config: Path = ConfigOption) -> None:
    """Validate the settings file and that the secrets it names are set."""
    settings = _settings(config)
    try:
        _secrets(settings)
    except ConfigError as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(code=2) from exc
    typer.echo(
        f"{config}: OK — {len(settings.people)} people, {len(settings.receivers)} receivers, "
        f"route → {settings.route.receiver}"
    )


@app.command("migrate")
def migrate_command(config: Path = ConfigOption) -> None:
    """Create or upgrade the alert router's tables."""
    settings = _settings(config)
    try:
        migrate(settings.database_url)
    except AlertingError as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(code=1) from exc
    typer.echo("alerting tables are up to date")


@app.command("run")
def run(config: Path = ConfigOption) -> None:
    """Run the alert router (feed poller, dispatcher, HTTP API) until interrupted."""
    settings = _settings(config)
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(run_alerting(settings))
    except (AlertingError, ConfigError) as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(code=1) from exc

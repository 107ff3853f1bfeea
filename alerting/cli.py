"""``silverguard alerting``: run the alert router, check its config, migrate its tables."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Annotated

import typer

from alerting.config import AlertingSettings, load_alerting_settings
from alerting.errors import AlertingError
from alerting.routing.matchers import parse_labels
from alerting.routing.tree import match_routes
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
    if settings.auth:
        names.append(settings.auth.jwt_secret_env)
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
    routes = sum(1 for _ in settings.route.walk())
    typer.echo(
        f"{config}: OK — {len(settings.people)} people, {len(settings.receivers)} receivers, "
        f"route → {settings.route.receiver} ({routes} route(s)), "
        f"{len(settings.escalation_policies)} escalation policies, {len(settings.rosters)} "
        f"rosters, {len(settings.directory.residents)} residents in the directory"
    )


routes_app = typer.Typer(no_args_is_help=True, help="Inspect the route tree.")
app.add_typer(routes_app, name="routes")


@routes_app.command("test")
def routes_test(
    labels: Annotated[
        list[str],
        typer.Option("--labels", "-l", help="name=value pairs, comma-separated or repeated"),
    ],
    config: Path = ConfigOption,
) -> None:
    """Print the route path(s) and receivers an incident with these labels would get."""
    settings = _settings(config)
    try:
        parsed = parse_labels(labels)
    except ValueError as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(code=2) from exc
    for route in match_routes(settings.route, parsed):
        policy = settings.policy(route.escalation)
        people = ", ".join(settings.receiver(route.receiver).people)
        steps = " → ".join(
            f"{'+' if s.after_s else ''}{s.after_s:g}s {'/'.join(s.notify)}" for s in policy.steps
        )
        typer.echo(f"{route.path_text}")
        typer.echo(f"  receiver: {route.receiver} ({people})")
        typer.echo(f"  escalation: {policy.name}: {steps}")
        typer.echo(f"  group by: {', '.join(route.group_by)}")


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

"""``silverguard app``: serve the care worker app and operator console, or check a config."""

from __future__ import annotations

import logging
from pathlib import Path

import typer
import uvicorn

from care_app.app import create_app
from care_app.config import CareAppSettings
from contracts.clock import SystemClock
from contracts.config import ConfigError, load_yaml_model, secret_from_env
from contracts.http_metrics import HttpMetrics
from contracts.metrics import MetricsServer

log = logging.getLogger(__name__)
app = typer.Typer(no_args_is_help=True, help="Care worker phone app and operator console.")
ConfigOption = typer.Option(..., "--config", "-c", help="Care app YAML settings file.")


def _settings(config: Path) -> CareAppSettings:
    try:
        return load_yaml_model(config, CareAppSettings)
    except ConfigError as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(code=2) from exc


@app.command("check-config")
def check_config(config: Path = ConfigOption) -> None:
    """Validate the settings and that the session secret is set; print a summary."""
    settings = _settings(config)
    try:
        secret_from_env(settings.session_secret_env)
    except ConfigError as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(code=2) from exc
    typer.echo(
        f"ok: app on {settings.host}:{settings.port}; cloud API {settings.cloud_api_url}; "
        f"alert router {settings.alerting_api_url}; sessions last {settings.session_ttl_s} s; "
        f"default language {settings.default_locale}; "
        f"web push {'on' if settings.vapid_public_key else 'off'}"
    )


@app.command("serve")
def serve(config: Path = ConfigOption) -> None:
    """Serve the app until SIGINT/SIGTERM."""
    settings = _settings(config)
    metrics = HttpMetrics()
    try:
        web = create_app(settings, SystemClock(), http_metrics=metrics)
        served = (
            MetricsServer(metrics.registry, settings.metrics.host, settings.metrics.port)
            if settings.metrics is not None
            else None
        )
    except ConfigError as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(code=2) from exc
    log.info("care app listening on %s:%s", settings.host, settings.port)
    try:
        uvicorn.run(web, host=settings.host, port=settings.port, log_config=None, access_log=False)
    finally:
        if served is not None:
            served.close()

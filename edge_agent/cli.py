"""``silverguard edge``: run the edge agent, or check its configuration."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer
from rich.console import Console

from edge_agent.agent import run_agent
from edge_agent.config import EdgeSettings, load_edge_settings
from edge_agent.errors import EdgeAgentError

app = typer.Typer(no_args_is_help=True, help="Edge agent on the home gateway.")

_CONFIG = typer.Option(..., "--config", "-c", help="The agent's YAML settings file.")


def _load(config: Path, console: Console) -> EdgeSettings:
    try:
        return load_edge_settings(config)
    except EdgeAgentError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(code=1) from exc


@app.command()
def run(config: Path = _CONFIG) -> None:
    """Run the agent until Ctrl-C."""
    console = Console(stderr=True)
    settings = _load(config, console)
    try:
        asyncio.run(run_agent(settings))
    except KeyboardInterrupt:
        console.print("edge agent stopped; queued messages stay in the outbox")
    except EdgeAgentError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(code=1) from exc


@app.command("check-config")
def check_config(config: Path = _CONFIG) -> None:
    """Validate the settings file and print a summary."""
    console = Console()
    settings = _load(config, Console(stderr=True))
    z2m = settings.zigbee2mqtt
    console.print(f"{config}: valid")
    console.print(
        f"  gateway {settings.gateway_id} of {settings.org_id}, home {settings.home_id}, "
        f"resident {settings.resident_id}"
    )
    for role, ep in (
        ("home broker", settings.home_broker),
        ("cloud broker", settings.cloud_broker),
    ):
        tls = ", TLS" if ep.tls else ""
        console.print(f"  {role}: {ep.host}:{ep.port} (MQTT {ep.protocol.value}{tls})")
    sensors = ", ".join(f"{name} → {dev}" for name, dev in z2m.smoke_sensors.items()) or "none"
    console.print(f"  smoke sensors on {z2m.base_topic}/: {sensors}")
    wb = settings.wristbands
    bands = ", ".join(f"{band} → {dev}" for band, dev in wb.bands.items()) or "none"
    console.print(f"  wristbands on {wb.base_topic}/: {bands}")
    console.print(
        f"  outbox {settings.outbox_path}, ack timeout {settings.ack_timeout_s:g} s, "
        f"batch {settings.forward_batch}"
    )

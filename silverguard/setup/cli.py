"""``silverguard setup``: the installer's command (Rich prompts, or flags for scripting).

Safe to re-run: progress is kept in ``--state-dir`` (0600) and a re-run resumes where it
stopped; a one-time code is never needed twice.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.prompt import Prompt

from contracts.config import MqttEndpoint, MqttProtocol
from silverguard.setup.errors import SetupError
from silverguard.setup.options import SetupOptions
from silverguard.setup.runner import SetupRun

app = typer.Typer(invoke_without_command=True, no_args_is_help=False)

_Opt = typer.Option


@app.callback()
def setup(  # noqa: PLR0917 (Typer options)
    cloud_url: Annotated[str, _Opt(help="The cloud API, e.g. https://api.example.org")],
    cloud_broker: Annotated[str, _Opt(help="The cloud broker's host name")],
    resident: Annotated[str | None, _Opt(help="Resident id to bind the home to")] = None,
    band_id: Annotated[str | None, _Opt(help="Id printed on the wristband")] = None,
    code: Annotated[str | None, _Opt(help="One-time provisioning code")] = None,
    installer: Annotated[str | None, _Opt(help="Your name (for the report)")] = None,
    cloud_broker_port: Annotated[int, _Opt()] = 8883,
    ca_file: Annotated[Path | None, _Opt(help="CA certificate of the cloud broker")] = None,
    home_broker_port: Annotated[int, _Opt()] = 1883,
    serial_port: Annotated[list[str] | None, _Opt(help="Probe this port too (e.g. a pty)")] = None,
    smoke_name: Annotated[
        str, _Opt(help="Zigbee2MQTT name for the smoke sensor")
    ] = "smoke_kitchen",
    router_url: Annotated[
        str | None, _Opt(help="Alert router API (the test alarm is accepted there)")
    ] = None,
    operator_user: Annotated[str | None, _Opt(help="Operator who binds the resident")] = None,
    operator_password_env: Annotated[str, _Opt()] = "SILVERGUARD_OPERATOR_PASSWORD",  # noqa: S107
    eligibility_override_reason: Annotated[str | None, _Opt(help="Why (audited)")] = None,
    config: Annotated[Path, _Opt(help="Where the agent's config goes")] = Path(
        "/etc/silverguard/edge.yaml"
    ),
    outbox: Annotated[Path, _Opt()] = Path("/var/lib/silverguard/outbox.db"),
    state_dir: Annotated[Path, _Opt()] = Path("/var/lib/silverguard/setup"),
    systemd_dir: Annotated[Path, _Opt()] = Path("/etc/systemd/system"),
    no_systemctl: Annotated[bool, _Opt(help="Install the unit file only")] = False,
    step_timeout: Annotated[float, _Opt(help="Seconds to wait for each device")] = 120.0,
    non_interactive: Annotated[bool, _Opt(help="Never prompt; fail on what is missing")] = False,
) -> None:
    """Register this gateway, pair its devices, run the commissioning self-test, install."""
    console = Console()

    def ask(value: str | None, question: str) -> str:
        if value:
            return value
        if non_interactive:
            raise typer.BadParameter(f"{question}: give it as a flag with --non-interactive")
        return Prompt.ask(question, console=console)

    try:
        options = SetupOptions(
            cloud_url=cloud_url,
            code=code
            or (None if non_interactive else Prompt.ask("One-time code", console=console)),
            installer=ask(installer, "Your name"),
            router_url=router_url,
            cloud_broker_host=cloud_broker,
            cloud_broker_port=cloud_broker_port,
            ca_file=ca_file,
            home_broker=MqttEndpoint(port=home_broker_port, protocol=MqttProtocol.V311),
            smoke_name=smoke_name,
            band_id=ask(band_id, "Wristband id"),
            serial_ports=serial_port or [],
            resident_id=ask(resident, "Resident id"),
            eligibility_override_reason=eligibility_override_reason,
            operator_user=operator_user,
            operator_password=os.environ.get(operator_password_env),
            config_path=config,
            outbox_path=outbox,
            state_dir=state_dir,
            systemd_dir=systemd_dir,
            use_systemctl=not no_systemctl,
            step_timeout_s=step_timeout,
        )
        prompt = None if non_interactive else _wait_for_enter
        asyncio.run(SetupRun(options, console, prompt=prompt).run())
    except SetupError:
        raise typer.Exit(code=1) from None


def _wait_for_enter(text: str) -> None:
    Prompt.ask(f"[bold yellow]→ {text}[/] (Enter when done)", default="")

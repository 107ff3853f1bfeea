"""``silverguard sim``: emulated devices speaking their real wire formats."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import aiomqtt
import typer
from rich.console import Console

from contracts.config import MqttEndpoint, MqttProtocol
from firmware_sim.errors import FirmwareSimError
from firmware_sim.mqtt import sim_client
from firmware_sim.scenarios import SCENARIOS, ScenarioStep, play_scenario
from firmware_sim.zigbee2mqtt import SmokeSensorSim

app = typer.Typer(no_args_is_help=True, help="Device emulators speaking the real wire formats.")

_HOST = typer.Option("127.0.0.1", "--host", help="Home broker host.")
_PORT = typer.Option(1883, "--port", help="Home broker port.")
_PROTOCOL = typer.Option(MqttProtocol.V311, "--protocol", help="MQTT protocol version.")


@app.command()
def smoke(
    *,
    host: str = _HOST,
    port: int = _PORT,
    name: str = typer.Option("smoke_kitchen", "--name", help="Zigbee2MQTT friendly name."),
    smoke_on: bool = typer.Option(False, "--smoke/--no-smoke", help="Report smoke or not."),
    test: bool = typer.Option(False, "--test", help="Report the test button pressed."),
    protocol: MqttProtocol = _PROTOCOL,
) -> None:
    """Publish one smoke sensor's availability (online) and state."""
    endpoint = MqttEndpoint(host=host, port=port, protocol=protocol)
    sensor = SmokeSensorSim(name)

    async def publish() -> bytes:
        try:
            async with sim_client(endpoint, name=name) as client:
                await sensor.publish_availability(client, True)
                return await sensor.publish_state(client, {"smoke": smoke_on, "test": test})
        except aiomqtt.MqttError as exc:
            raise FirmwareSimError(f"cannot reach {host}:{port} ({exc}): is it running?") from exc

    _run(publish, f"published to {sensor.state_topic}: ")


@app.command()
def scenario(
    name: str = typer.Argument(..., help="Scenario name (see `scenarios`)."),
    *,
    host: str = _HOST,
    port: int = _PORT,
    time_scale: float = typer.Option(1.0, "--time-scale", min=0, help="Wall s per scenario s."),
    protocol: MqttProtocol = _PROTOCOL,
) -> None:
    """Play a scripted scenario to the home broker."""
    chosen = SCENARIOS.get(name)
    if chosen is None:
        Console(stderr=True).print(
            f"[red]unknown scenario {name!r}[/]: choose one of {', '.join(SCENARIOS)}"
        )
        raise typer.Exit(code=1)
    console = Console()

    def show(step: ScenarioStep, _at: float) -> None:
        expected = step.expected_event.value if step.expected_event else "nothing"
        console.print(f"  {step.at_s:5.1f} s  {step.device}: {step.description} → {expected}")

    endpoint = MqttEndpoint(host=host, port=port, protocol=protocol)
    _run(
        lambda: play_scenario(chosen, endpoint, time_scale=time_scale, on_step=show),
        f"played {name}",
    )


@app.command()
def scenarios() -> None:
    """List the scenarios."""
    console = Console()
    for item in SCENARIOS.values():
        console.print(f"[bold]{item.name}[/]: {item.description}")


def _run(make: Callable[[], Coroutine[Any, Any, bytes | None]], done: str) -> None:
    console = Console(stderr=True)
    try:
        result = asyncio.run(make())
    except FirmwareSimError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(code=1) from exc
    except KeyboardInterrupt:
        console.print("stopped")
        raise typer.Exit(code=130) from None
    suffix = result.decode() if isinstance(result, bytes) else ""
    Console().print(done + suffix)

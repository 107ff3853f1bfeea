"""``silverguard sim``: emulated devices speaking their real wire formats."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any

import aiomqtt
import typer
from rich.console import Console

from contracts.config import MqttEndpoint, MqttProtocol
from contracts.devices.mattress_serial import MattressMode
from firmware_sim.errors import FirmwareSimError
from firmware_sim.fleet_shards import FleetPlan, ShardedFleet
from firmware_sim.mattress import MattressFirmwareSim
from firmware_sim.mqtt import sim_client
from firmware_sim.scenarios import SCENARIOS, ScenarioStep, play_scenario
from firmware_sim.wristband import WristbandSim, blocks_of, read_accel_csv
from firmware_sim.zigbee2mqtt import SmokeSensorSim

app = typer.Typer(no_args_is_help=True, help="Device emulators speaking the real wire formats.")

_HOST = typer.Option("127.0.0.1", "--host", help="Home broker host.")
_PORT = typer.Option(1883, "--port", help="Home broker port.")
_CSV = typer.Option(
    None,
    "--csv",
    help="Replay this accelerometer CSV (e.g. WEDA-FALL *_accel.csv; m/s² with gravity, "
    "as WEDA-FALL records it).",
)
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
def wristband(
    *,
    host: str = _HOST,
    port: int = _PORT,
    band: str = typer.Option("c8f09e3a11b2", "--band", help="Band id (its topic level)."),
    seconds: float = typer.Option(10.0, "--seconds", min=0, help="How long to stream."),
    sos: bool = typer.Option(False, "--sos", help="Press the SOS button first."),
    recording: Path | None = _CSV,
    protocol: MqttProtocol = _PROTOCOL,
) -> None:
    """Stream one wristband's accelerometer blocks and status (real time)."""
    endpoint = MqttEndpoint(host=host, port=port, protocol=protocol)
    sim = WristbandSim(band)

    async def publish() -> bytes:
        start_ms = int(time.time() * 1000)
        try:
            async with sim_client(endpoint, name=band) as client:
                if sos:
                    await sim.publish(client, sim.status_topic, sim.status_payload(sos=True))
                if recording is None:
                    sent = await sim.stream(client, seconds=seconds, start_ms=start_ms)
                    return f"{sent} blocks".encode()
                rows = read_accel_csv(recording)
                sent = 0
                for t0, xyz in blocks_of(rows):
                    ts = start_ms + round((t0 - rows[0][0]) * 1000)
                    payload = sim.accel_payload(ts, xyz, unit="m/s2")  # WEDA-FALL is in m/s²
                    await sim.publish(client, sim.accel_topic, payload)
                    sent += 1
                    await asyncio.sleep(len(xyz) / 50)
                return f"{sent} blocks from {recording}".encode()
        except aiomqtt.MqttError as exc:
            raise FirmwareSimError(f"cannot reach {host}:{port} ({exc}): is it running?") from exc

    _run(publish, f"published to {sim.accel_topic}: ")


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
def mattress(
    *,
    mode: Annotated[MattressMode, typer.Option("--mode", help="raw or vitals.")] = (
        MattressMode.VITALS
    ),
    link: Annotated[
        Path | None,
        typer.Option("--link", help="Stable symlink to the pty, for the agent's mattress.port."),
    ] = None,
    heart_rate: float = typer.Option(62.0, "--heart-rate", min=30, max=240, help="bpm."),
    resp_rate: float = typer.Option(14.0, "--resp-rate", min=4, max=60, help="Breaths/min."),
    empty_bed: bool = typer.Option(False, "--empty-bed", help="Nobody in bed."),
    speed: float = typer.Option(1.0, "--speed", min=0.01, help="Frames this many times faster."),
    fault_rate: float = typer.Option(
        0.0, "--fault-rate", min=0, max=1, help="Share of frames replaced by line faults."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of the synthetic signal."),
    duration: float | None = typer.Option(
        None, "--duration", min=0, help="Stop after this many seconds (default: Ctrl-C)."
    ),
) -> None:
    """Emulate a BCG mattress on a pseudo-terminal; print the port path to open."""
    sim = MattressFirmwareSim(
        mode,
        link=link,
        heart_rate_bpm=heart_rate,
        resp_rate_br_min=resp_rate,
        in_bed=not empty_bed,
        speed=speed,
        fault_rate=fault_rate,
        seed=seed,
    )

    async def serve() -> bytes:
        try:
            sim.open()
        except OSError as exc:
            raise FirmwareSimError(f"cannot create the pseudo-terminal or {link}: {exc}") from exc
        try:
            print(sim.port_path, flush=True)
            async with asyncio.timeout(duration):
                await sim.run()
        except TimeoutError:
            pass
        finally:
            sim.close()
        faults = ", ".join(f"{n} {kind}" for kind, n in sorted(sim.faults.items()))
        return f"{sim.frames_sent} frames sent, faults: {faults or 'none'}".encode()

    _run(serve, "stopped: ")


@app.command()
def fleet(  # noqa: PLR0917 (Typer options)
    homes: Annotated[int, typer.Option(min=1, help="Homes, each its own gateway identity.")] = 10,
    port: Annotated[int, typer.Option(help="The cloud broker's port on 127.0.0.1.")] = 1883,
    duration: Annotated[float, typer.Option(min=0.1, help="Seconds to send.")] = 10.0,
    org: Annotated[str, typer.Option(help="Organisation id in the topics.")] = "org-demo",
    alarm_every: Annotated[
        int, typer.Option(min=1, help="Every N-th message (fleet-wide) is a fall alarm.")
    ] = 600,
    wait_acks: Annotated[
        bool, typer.Option(help="Resend until the cloud acks everything (up to 120 s).")
    ] = True,
) -> None:
    """Homes at real rates at the cloud broker; JSON.

    Each home: mattress vitals 1 Hz, wristband status and gateway heartbeat every 60 s, smoke
    sensor state every hour, and an occasional fall (``--alarm-every``).
    """
    plan = FleetPlan(
        port=port,
        homes=homes,
        org=org,
        duration_s=duration,
        alarm_every=alarm_every,
        wait_acks=wait_acks,
    )
    sim = ShardedFleet(plan)
    try:
        sim.start()
        sim.go()
        result = sim.results(timeout_s=duration + plan.drain_s + 30)
    except FirmwareSimError as exc:
        Console(stderr=True).print(f"[red]error:[/] {exc}", highlight=False)
        raise typer.Exit(code=1) from exc
    finally:
        sim.close()
    delays = sorted(result["alarm_ack_delays_s"] + result["telemetry_ack_delays_s"])
    if wait_acks and result["unacked"]:
        Console(stderr=True).print(
            f"[red]error:[/] {result['unacked']} messages never acked within {plan.drain_s:.0f} s:"
            " is an ingest worker running on that broker?",
            highlight=False,
        )
    typer.echo(
        json.dumps(
            {
                "homes": homes,
                "processes": len(sim.pids),
                "alarms": result["alarms"],
                "readings": result["readings"],
                "other_telemetry": result["other_telemetry"],
                "unacked": result["unacked"],
                "ack_delay_ms": {
                    "p50": round(delays[len(delays) // 2] * 1000, 1) if delays else None,
                    "max": round(delays[-1] * 1000, 1) if delays else None,
                    "resends": result["resends"],
                },
            }
        )
    )
    if wait_acks and result["unacked"]:
        raise typer.Exit(code=1)


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

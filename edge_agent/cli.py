"""``silverguard edge``: run the agent, check its configuration, inspect its outbox, replay
and record traces."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from edge_agent.agent import run_agent
from edge_agent.config import EdgeSettings, load_edge_settings
from edge_agent.errors import EdgeAgentError
from edge_agent.outbox.status import outbox_report
from edge_agent.outbox.store import OutboxStore
from edge_agent.replay.record import TraceWriter, record_trace
from edge_agent.replay.runner import TraceReplayer
from edge_agent.replay.trace import TraceFormatError, read_trace

app = typer.Typer(no_args_is_help=True, help="Edge agent on the home gateway.")
outbox_app = typer.Typer(no_args_is_help=True, help="The durable outbox.")
app.add_typer(outbox_app, name="outbox")

_CONFIG = typer.Option(..., "--config", "-c", help="The agent's YAML settings file.")
_JSON = typer.Option(False, "--json", help="Print JSON instead of a table.")
_TRACE = typer.Argument(..., help="Trace file: JSON Lines of readings (see edge_agent.replay).")
_OUT = typer.Option(..., "--out", "-o", help="Trace file to write (appended to).")
_DURATION = typer.Option(None, "--duration", min=0, help="Stop after this many seconds.")


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
        tls = (", TLS, client certificate" if ep.cert_file else ", TLS") if ep.tls else ""
        console.print(f"  {role}: {ep.host}:{ep.port} (MQTT {ep.protocol.value}{tls})")
    sensors = ", ".join(f"{name} → {dev}" for name, dev in z2m.smoke_sensors.items()) or "none"
    console.print(f"  smoke sensors on {z2m.base_topic}/: {sensors}")
    wb = settings.wristbands
    bands = ", ".join(f"{band} → {dev}" for band, dev in wb.bands.items()) or "none"
    console.print(f"  wristbands on {wb.base_topic}/: {bands}")
    m = settings.mattress
    console.print(
        f"  mattress {m.device_id} on {m.port} ({m.mode.value} mode, {m.baud_rate} baud)"
        if m
        else "  mattress: none",
        soft_wrap=True,
    )
    console.print(
        f"  outbox {settings.outbox_path}, ack timeout {settings.ack_timeout_s:g} s, "
        f"batch {settings.forward_batch}"
    )
    limits = settings.outbox_limits
    console.print(
        f"  outbox bounds: {limits.max_messages} messages, {limits.max_bytes / 2**20:g} MB, "
        f"telemetry ≤ {limits.telemetry_max_age_h:g} h (alarms are never shed); heartbeat every "
        f"{settings.heartbeat_s:g} s, detectors checkpointed at least every "
        f"{settings.checkpoint_s:g} s"
    )


@outbox_app.command("status")
def outbox_status(config: Path = _CONFIG, as_json: bool = _JSON) -> None:
    """Depth per lane, oldest unacked age, shed and malformed counts."""
    err = Console(stderr=True)
    settings = _load(config, err)
    if not settings.outbox_path.exists():
        err.print(f"[red]error:[/] no outbox at {settings.outbox_path}: has the agent run yet?")
        raise typer.Exit(code=1)
    try:
        store = OutboxStore(settings.outbox_path, limits=settings.outbox_limits)
        try:
            report = outbox_report(store, datetime.now(UTC))
        finally:
            store.close()
    except EdgeAgentError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(code=1) from exc
    if as_json:
        sys.stdout.write(json.dumps(report.to_json(), indent=2) + "\n")
        return
    table = Table(title=f"outbox {report.path}")
    for column in ("lane", "depth", "bytes", "oldest unacked"):
        table.add_column(column, justify="left" if column == "lane" else "right")
    for name, lane in report.lanes.items():
        age = "-" if lane.oldest_unacked_age_s is None else f"{lane.oldest_unacked_age_s:.0f} s"
        table.add_row(name, str(lane.depth), str(lane.bytes), age)
    console = Console()
    console.print(table)
    shed = ", ".join(f"{k}: {v}" for k, v in report.shed.items()) or "none"
    malformed = ", ".join(f"{k}: {v}" for k, v in report.malformed.items()) or "none"
    console.print(f"telemetry shed: {shed}")
    console.print(f"malformed device payloads: {malformed}")


@app.command()
def replay(trace: Path = _TRACE, config: Path = _CONFIG) -> None:
    """Feed a trace through this home's detectors as fast as possible; print one JSON event
    per line. Bad lines are reported on stderr and skipped (exit code 1 at the end)."""
    err = Console(stderr=True)
    settings = _load(config, err)
    replayer = TraceReplayer(settings)
    events = 0
    bad: list[tuple[int, TraceFormatError]] = []
    try:
        with trace.open(encoding="utf-8") as handle:
            for number, line in read_trace(handle):
                if isinstance(line, TraceFormatError):
                    bad.append((number, line))
                    err.print(f"[yellow]{trace}:{number}:[/] {line}; skipped")
                    continue
                for event in replayer.feed(line):
                    sys.stdout.write(event.to_json() + "\n")
                    events += 1
    except (OSError, UnicodeDecodeError) as exc:
        err.print(f"[red]error:[/] cannot read the trace {trace}: {exc}")
        raise typer.Exit(code=1) from exc
    err.print(
        f"replayed {replayer.readings} readings ({replayer.ticks} ticks): {events} events"
        + (f"; {len(bad)} bad lines skipped" if bad else "")
    )
    if bad:
        raise typer.Exit(code=1)


@app.command()
def record(config: Path = _CONFIG, out: Path = _OUT, duration: float | None = _DURATION) -> None:
    """Write the live readers' readings to a trace until Ctrl-C or ``--duration``."""
    err = Console(stderr=True)
    settings = _load(config, err)
    try:
        with out.open("a", encoding="utf-8") as handle:
            writer = TraceWriter(handle)
            with contextlib.suppress(KeyboardInterrupt):
                asyncio.run(record_trace(settings, writer, duration_s=duration))
    except OSError as exc:
        err.print(f"[red]error:[/] cannot write the trace {out}: {exc}")
        raise typer.Exit(code=1) from exc
    except EdgeAgentError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(code=1) from exc
    err.print(f"recorded {writer.lines} readings to {out}")

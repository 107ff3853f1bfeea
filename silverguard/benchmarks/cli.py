"""``silverguard bench``: each benchmark prints one JSON object (``--json``) or a summary."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Annotated, TypeVar

import typer
from rich.console import Console

from contracts.devices.mattress_serial import MattressMode
from silverguard.benchmarks.alerting import AlertingBenchOptions, run_alerting_bench
from silverguard.benchmarks.alertmanager import AlertmanagerError
from silverguard.benchmarks.e2e import E2eBenchOptions, run_e2e_bench
from silverguard.benchmarks.e2e_summary import e2e_summary_lines
from silverguard.benchmarks.edge import run_edge_bench
from silverguard.benchmarks.edge_backlog import run_backlog_bench
from silverguard.benchmarks.fuzz_serial import run_serial_fuzz
from silverguard.benchmarks.ingest import IngestBenchOptions, run_ingest_bench
from silverguard.benchmarks.serial import run_serial_bench
from silverguard.benchmarks.supervision import SupervisionBenchOptions, run_supervision_bench

app = typer.Typer(help="Benchmarks (figures, never pass/fail).", no_args_is_help=True)
Result = TypeVar("Result")
PgAdminUrl = Annotated[
    str, typer.Option(help="PostgreSQL URL that may create databases (default: env/local).")
]


def _run_or_exit(
    run: Callable[[], Result],
    errors: tuple[type[Exception], ...] = (RuntimeError,),
    err: Console | None = None,
) -> Result:
    """Run a benchmark with per-message logs off (they would skew the timing); a setup error
    (a server that did not start, a tool not installed: each says what to do) is printed in
    red on stderr and exits 1."""
    logging.getLogger().setLevel(logging.WARNING)
    try:
        return run()
    except errors as exc:
        (err or Console(stderr=True)).print(f"[red]{exc}[/]", highlight=False)
        raise typer.Exit(code=1) from exc


@app.command("alerting")
def alerting(  # noqa: PLR0917 (Typer options)
    alerts: Annotated[int, typer.Option(min=1, help="Alerts per side.")] = 200,
    rate: Annotated[float, typer.Option(min=0.1, help="Alerts sent per second.")] = 50.0,
    default_alerts: Annotated[
        int, typer.Option(min=1, help="Alerts for Alertmanager's default (30 s) run.")
    ] = 20,
    with_default: Annotated[
        bool, typer.Option(help="Also measure Alertmanager's default group_wait (30 s).")
    ] = True,
    database_url: Annotated[
        str | None, typer.Option(help="Router database (default: a temporary SQLite file).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """Alert in → notification received: Silverguard's router vs Prometheus Alertmanager."""
    options = AlertingBenchOptions(
        alerts=alerts,
        rate_per_s=rate,
        default_alerts=default_alerts,
        with_default=with_default,
        database_url=database_url,
    )
    result = _run_or_exit(
        lambda: asyncio.run(run_alerting_bench(options)), errors=(AlertmanagerError,)
    )
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    console = Console()
    sides = {"Silverguard": result["silverguard"]}
    for key, value in result["alertmanager"].items():
        if isinstance(value, dict):
            sides[f"Alertmanager ({key})"] = value
    for name, side in sides.items():
        lat = side["latency"]
        console.print(
            f"{name}: delivered {side['delivered']}/{side['sent']}, p50 {lat['p50_ms']} ms, "
            f"p99 {lat['p99_ms']} ms, {side['notifications_per_s']} notifications/s"
        )


@app.command("serial")
def serial(
    *,
    frames: Annotated[int, typer.Option(min=1000, help="Frames per measured stream.")] = 200_000,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """The mattress serial decoder: frames/s on clean and damaged streams, readings/s."""
    result = run_serial_bench(frames)
    if as_json:
        typer.echo(json.dumps(result))
        return
    console = Console()
    for key, value in result.items():
        console.print(f"{key:>34}: {value}")


@app.command("fuzz-serial")
def fuzz_serial(
    *,
    frames: Annotated[int, typer.Option(min=1000, help="Frames to generate.")] = 1_000_000,
    seed: Annotated[int, typer.Option(help="Random seed (a run is reproducible).")] = 1,
    damaged: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Share of frames damaged.")
    ] = 0.3,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """Fuzz the mattress serial decoder with random and mutated frames; exit 1 on a failure."""
    result = run_serial_fuzz(frames, seed=seed, damaged_share=damaged)
    if as_json:
        typer.echo(json.dumps(result))
    else:
        console = Console()
        for key, value in result.items():
            console.print(f"{key:>30}: {value}")
    if result["failures"] or result["untouched_missing_unexplained"]:
        raise typer.Exit(code=1)


@app.command("edge")
def edge(
    *,
    duration: Annotated[float, typer.Option(min=0.1, help="Measured seconds.")] = 60.0,
    warmup: Annotated[float, typer.Option(min=0, help="Seconds before measuring.")] = 20.0,
    mattress: Annotated[
        MattressMode, typer.Option(help="raw: 100 Hz BCG; vitals: the firmware's 1 Hz.")
    ] = MattressMode.RAW,
    beds: Annotated[int, typer.Option(min=1, help="Beds in the raw-BCG batch.")] = 2000,
    backlog: Annotated[
        int, typer.Option(min=0, help="Backlog (telemetry messages) to drain; 0: skip.")
    ] = 10_000,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """One home's agent at real sensor rates (CPU %, RSS) and raw-BCG beds per core."""
    logging.getLogger().setLevel(logging.WARNING)
    result = asyncio.run(
        run_edge_bench(duration_s=duration, warmup_s=warmup, mattress=mattress, beds=beds)
    )
    if backlog:
        result["backlog"] = asyncio.run(
            run_backlog_bench(telemetry=backlog, alarms=max(1, backlog // 100))
        )
    if as_json:
        typer.echo(json.dumps(result))
        return
    agent, raw = result["agent"], result["raw_bcg"]
    console = Console()
    console.print(f"one home's agent: {agent}")
    console.print(f"raw BCG: {raw}")
    if backlog:
        console.print(f"backlog drain: {result['backlog']}")


def _counts(text: str) -> tuple[int, ...]:
    try:
        counts = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        counts = ()
    if not counts or min(counts) < 1:
        raise typer.BadParameter("give worker counts like 1,2")
    return counts


@app.command("ingest")
def ingest(
    *,
    workers: Annotated[str, typer.Option(help="Worker counts to measure, e.g. 1,2.")] = "1,2",
    messages: Annotated[int, typer.Option(min=100, help="Messages per phase.")] = 20_000,
    gateways: Annotated[int, typer.Option(min=1, help="Gateways in the fleet.")] = 50,
    batch_max: Annotated[int, typer.Option(min=1, help="The workers' batch_max.")] = 500,
    rate: Annotated[
        float, typer.Option(min=0, help="Messages/s the fleet publishes at (0: flat out).")
    ] = 0.0,
    batch_linger_s: Annotated[
        float | None, typer.Option(min=0, help="The workers' batch_linger_s (default: theirs).")
    ] = None,
    pg_admin_url: PgAdminUrl = "",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """Cloud ingest: stored-and-acked messages/s per worker vs a raw paho subscriber, and the
    workers' CPU per message."""
    options = IngestBenchOptions(
        workers=_counts(workers),
        messages=messages,
        gateways=gateways,
        batch_max=batch_max,
        pg_admin_url=pg_admin_url,
        rate=rate,
        batch_linger_s=batch_linger_s,
    )
    result = _run_or_exit(lambda: run_ingest_bench(options))
    if as_json:
        typer.echo(json.dumps(result))
        return
    console = Console()
    raw = result["raw_paho_subscriber"]
    console.print(f"raw paho subscriber: {raw['delivered_per_s']} msg/s")
    for phase in result["ingest"]:
        console.print(
            f"{phase['workers']} worker(s): {phase['stored_acked_per_s']} stored+acked msg/s "
            f"({phase['per_worker_per_s']} per worker; fleet published "
            f"{phase['publisher_per_s']} msg/s)"
        )
    if "scaling_1_to_2" in result:
        console.print(f"1 → 2 workers: ×{result['scaling_1_to_2']}")


@app.command("e2e")
def e2e(  # noqa: PLR0917 (Typer options)
    homes: Annotated[
        int, typer.Option(min=1, help="Homes streaming, each its own gateway.")
    ] = 1000,
    duration: Annotated[
        float, typer.Option(min=1, help="Measured seconds (alarms are injected over them).")
    ] = 60.0,
    warmup: Annotated[float, typer.Option(min=0, help="Seconds of streaming before.")] = 10.0,
    alarm_rate: Annotated[
        float, typer.Option(min=0.01, help="Alarms injected per second (one per home at most).")
    ] = 1.0,
    workers: Annotated[int, typer.Option(min=1, help="Ingest worker processes.")] = 1,
    alarm_lane: Annotated[
        bool, typer.Option(help="One more ingest worker that takes only the alarms (events).")
    ] = True,
    batch_max: Annotated[int, typer.Option(min=1, help="The ingest workers' batch_max.")] = 500,
    pg_admin_url: PgAdminUrl = "",
    as_json: Annotated[bool, typer.Option("--json", help="JSON on stdout.")] = False,
) -> None:
    """Sensor alarm → notification received, with N homes streaming through the real chain.

    JSON goes to stdout (``--json``), a human summary to stderr.
    """
    options = E2eBenchOptions(
        homes=homes,
        duration_s=duration,
        warmup_s=warmup,
        alarm_rate_per_s=alarm_rate,
        workers=workers,
        alarm_lane=alarm_lane,
        batch_max=batch_max,
        pg_admin_url=pg_admin_url,
    )
    err = Console(stderr=True, soft_wrap=True)
    result = _run_or_exit(lambda: run_e2e_bench(options), err=err)
    for line in e2e_summary_lines(result):
        err.print(line, highlight=False)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))


@app.command("supervision")
def supervision(
    *,
    residents: Annotated[int, typer.Option(min=100, help="Residents of the programme.")] = 20_000,
    districts: Annotated[int, typer.Option(min=1, max=99, help="Districts.")] = 12,
    months: Annotated[int, typer.Option(min=1, max=24, help="Months in the range.")] = 6,
    runs: Annotated[int, typer.Option(min=1, help="Runs of each query.")] = 5,
    pg_admin_url: PgAdminUrl = "",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """The supervision dashboard's queries on a city-sized programme: ms per panel."""
    options = SupervisionBenchOptions(
        pg_admin_url=pg_admin_url,
        residents=residents,
        districts=districts,
        months=months,
        runs=runs,
    )
    result = _run_or_exit(lambda: run_supervision_bench(options))
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    console = Console()
    console.print(
        f"{result['residents']} residents, {result['hardship_residents']} special-hardship, "
        f"{result['visits']} visits over {result['months']} months (filled in "
        f"{result['fill_s']} s)"
    )
    for title, figures in result["panels"].items():
        console.print(
            f"{title}: {figures['rows']} rows, median {figures['median_ms']} ms, "
            f"max {figures['max_ms']} ms"
        )

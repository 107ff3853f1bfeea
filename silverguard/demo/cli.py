"""``silverguard demo``: the whole chain for one home, on embedded defaults."""

from __future__ import annotations

import asyncio
import logging
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from contracts.config import ConfigError
from firmware_sim.scenarios import SCENARIOS
from silverguard.demo.report import Timeline, print_summary
from silverguard.demo.runner import DEFAULT_SCENARIOS, DemoOptions, run_demo


def _reasons(exc: BaseException) -> str:
    """The leaf errors of an exception group, one line each.

    >>> _reasons(ExceptionGroup("g", [OSError("port 1883 in use"), ValueError("bad")]))
    'OSError: port 1883 in use; ValueError: bad'
    """
    if isinstance(exc, BaseExceptionGroup):
        return "; ".join(_reasons(inner) for inner in exc.exceptions)
    return f"{type(exc).__name__}: {exc}"


EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "deploy" / "examples"


def demo(
    duration: Annotated[
        float | None,
        typer.Option(help="Stop after this many seconds at most (default: when all is done)."),
    ] = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print one JSON object instead of the live timeline.")
    ] = False,
    scenario: Annotated[
        list[str] | None,
        typer.Option(help="Scenario to play (repeatable). Default: smoke_test, kitchen_fire."),
    ] = None,
    config_dir: Annotated[
        Path, typer.Option(help="Folder with edge.yaml, ingest.yaml and alerting.yaml.")
    ] = EXAMPLES_DIR,
    workdir: Annotated[
        Path | None,
        typer.Option(help="Keep the SQLite files here (default: a temporary folder, removed)."),
    ] = None,
) -> None:
    """Run the embedded single-home demo: a smoke alarm travels from the sensor to a care
    worker's webhook and mailbox, and the care worker accepts it."""
    names = tuple(scenario or DEFAULT_SCENARIOS)
    unknown = [n for n in names if n not in SCENARIOS]
    err = Console(stderr=True)
    if unknown:
        err.print(f"[red]Unknown scenario {', '.join(unknown)}.[/] Known: {', '.join(SCENARIOS)}")
        raise typer.Exit(code=2)
    if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
        logging.getLogger().setLevel(logging.WARNING)  # the timeline tells the story; -v for logs
    work = workdir or Path(tempfile.mkdtemp(prefix="silverguard-demo-"))
    console = None if json_output else Console()
    options = DemoOptions(config_dir=config_dir, workdir=work, scenarios=names, duration_s=duration)
    try:
        report = asyncio.run(run_demo(options, Timeline(console)))
    except ConfigError as exc:
        err.print(f"[red]Configuration problem:[/] {exc}")
        raise typer.Exit(code=2) from exc
    except KeyboardInterrupt:
        err.print("stopped")
        raise typer.Exit(code=130) from None
    except Exception as exc:  # a component failed to start or crashed: say which, not a trace
        err.print(f"[red]The demo stopped:[/] {_reasons(exc)}")
        err.print("Run `silverguard -v demo` to see the components' logs.")
        raise typer.Exit(code=1) from exc
    finally:
        if workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    if json_output:
        sys.stdout.write(report.model_dump_json() + "\n")
    else:
        assert console is not None
        print_summary(console, report)
    if not report.complete:
        raise typer.Exit(code=1)

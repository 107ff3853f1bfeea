"""``silverguard eval routine``: options → :func:`evaluate_routine` → figures next to goals.

Mounted in :mod:`silverguard.evaluation.cli`; exits 0 once it has measured, whatever the
figures, and 1 with advice when the recordings cannot be read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from silverguard.evaluation.datadir import default_data_dir
from silverguard.evaluation.errors import EvaluationError
from silverguard.evaluation.logs import quiet_logger
from silverguard.evaluation.routine import GOALS, evaluate_routine

__all__ = ["routine"]


def routine(
    *,
    ordonez: Annotated[
        Path | None,
        typer.Option(
            help="Folder with Ordonez<house>_Sensors.txt (default: DATA_DIR/ordonez, i.e. "
            "../shared/data/ordonez or $SILVERGUARD_DATA_DIR/ordonez)."
        ),
    ] = None,
    house: Annotated[str, typer.Option(help="House letter as in the file names.")] = "A",
    learn_days: Annotated[
        int, typer.Option(help="First portrait days learned (the burn-in); the rest are tested.")
    ] = 7,
    timezone: Annotated[
        str, typer.Option(help="IANA zone of the house's wall-clock times.")
    ] = "Europe/Madrid",
    max_days: Annotated[
        float | None, typer.Option(help="Use only this many days from the start (a cut).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Routine detectors on a real home: false alarms on real days, injected anomalies caught."""
    directory = ordonez or default_data_dir() / "ordonez"
    try:
        with quiet_logger("edge_agent.portrait"):
            result = evaluate_routine(
                directory, house, timezone=timezone, learn_days=learn_days, max_days=max_days
            )
    except EvaluationError as exc:
        Console(stderr=True).print(f"[red]error:[/] {exc}")
        raise typer.Exit(code=1) from exc
    if as_json:
        typer.echo(json.dumps(result, indent=2, ensure_ascii=False))
        return
    _print(result)


def _print(r: dict[str, object]) -> None:
    console = Console()
    learning: list[str] = r["learning_days"]  # type: ignore[assignment]
    held: list[str] = r["evaluation_days"]  # type: ignore[assignment]
    fa: dict[str, object] = r["false_alarms"]  # type: ignore[assignment]
    console.print(
        f"Ordóñez house {r['house']}: learned on {learning[0]}…{learning[-1]} "
        f"({len(learning)} days), tested on {held[0]}…{held[-1]} ({len(held)} days)"
    )
    console.print(
        f"  false alarms on real days: {fa['total']} {fa['per_type']}  "
        f"(goal {GOALS['false_alarms_on_real_days']})"
    )
    table = Table(title=f"Injected anomalies (goal: {GOALS['injected_anomalies_caught']} caught)")
    for col in ("anomaly", "event", "caught", "delay p50 min", "delay max min", "missed"):
        table.add_column(col)
    injected: dict[str, dict[str, object]] = r["injected"]  # type: ignore[assignment]
    for kind, row in injected.items():
        delay: dict[str, float | None] = row["delay_min"]  # type: ignore[assignment]
        table.add_row(
            kind,
            str(row["event_type"]),
            f"{row['caught']}/{row['injected']}",
            "n/a" if delay["median"] is None else f"{delay['median']:.0f}",
            "n/a" if delay["max"] is None else f"{delay['max']:.0f}",
            ", ".join(row["missed_days"]) or "-",  # type: ignore[arg-type]
        )
    console.print(table)
    console.print(f"  goals met: {r['goals_met']}")

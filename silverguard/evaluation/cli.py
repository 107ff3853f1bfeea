"""``silverguard eval``: the detectors measured on real recordings nobody here made.

Each command prints its figures next to the goals (``--json`` for machine-readable output)
and exits 0 once it has measured, whatever the figures; it exits 1 with advice when the
data cannot be read.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console

from edge_agent.detectors.fall import FallSettings
from edge_agent.detectors.fall_coefficients import MODEL
from edge_agent.detectors.fall_model import FallModel
from silverguard.evaluation.errors import EvaluationError
from silverguard.evaluation.falls import evaluate, leave_one_subject_out, result_rows, summarise
from silverguard.evaluation.falls_data import load_recordings
from silverguard.evaluation.falls_train import impact_examples, train, write_coefficients

app = typer.Typer(no_args_is_help=True, help="Detector evaluation on real recordings.")

COEFFICIENTS = Path(__file__).resolve().parents[2] / "edge_agent/detectors/fall_coefficients.py"


def _subjects(value: str | None) -> set[str] | None:
    if not value:
        return None
    return {s.strip().upper() for s in value.split(",") if s.strip()}


@app.command("falls")
def falls(
    *,
    weda: Annotated[Path, typer.Option(help="The weda-fall directory (F01…, D01…).")],
    subjects: Annotated[
        str | None, typer.Option(help="Only these subjects, e.g. U01,U02,U21 (default all).")
    ] = None,
    model: Annotated[
        str,
        typer.Option(
            help="'loso': each subject scored by a model trained without it (honest figures); "
            "'committed': the coefficients in the repository (saw every subject here)."
        ),
    ] = "loso",
    cancel_window_s: Annotated[
        float, typer.Option(help="Cancel window the detector holds a fall for.")
    ] = FallSettings().cancel_window_s,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
    per_recording: Annotated[
        bool, typer.Option(help="Include every recording's result in the JSON.")
    ] = False,
) -> None:
    """Sensitivity, specificity, per-activity confusion and delay of the fall detector."""
    if model not in {"loso", "committed"}:
        _fail(f"--model must be 'loso' or 'committed', not {model!r}")
    try:
        settings = FallSettings(cancel_window_s=cancel_window_s)
    except ValidationError as exc:
        _fail(f"--cancel-window-s: {exc.errors()[0]['msg']}")
    try:
        chosen = load_recordings(weda, _subjects(subjects))
        if model == "loso":
            everyone = load_recordings(weda)
            examples = [e for r in everyone for e in impact_examples(r)]
            model_for = leave_one_subject_out(examples)
        else:
            committed = FallModel.from_dict(MODEL)

            def model_for(subject: str) -> FallModel:
                del subject
                return committed

        with _quiet("edge_agent.detectors.fall"):
            results = evaluate(chosen, settings=settings, model_for=model_for)
    except EvaluationError as exc:
        _fail(str(exc))
    summary = summarise(results) | {
        "model": model,
        "cancel_window_s": cancel_window_s,
        "dataset": "WEDA-FALL (Marques & Moreno)",
    }
    if per_recording:
        summary["recordings_detail"] = result_rows(results)
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
        return
    _print_falls(summary)


@contextmanager
def _quiet(name: str) -> Iterator[None]:
    """One log line per suspected fall over hundreds of recordings says nothing new."""
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _print_falls(s: dict[str, object]) -> None:
    console = Console()
    goals: dict[str, float] = s["goals"]  # type: ignore[assignment]
    delay: dict[str, float | None] = s["delay_from_marked_start_s"]  # type: ignore[assignment]
    console.print(
        f"WEDA-FALL, {s['recordings']} recordings, model {s['model']} "
        f"(cancel window {s['cancel_window_s']:.0f} s)"
    )
    console.print(f"  sensitivity {s['sensitivity']}  (goal ≥ {goals['sensitivity']})")
    console.print(f"  specificity {s['specificity']}  (goal ≥ {goals['specificity']})")
    console.print(f"  specificity, elderly U21–U26 ADLs {s['specificity_elderly_u21_u26']}")
    console.print(
        f"  delay from marked fall start: suspected p50 {delay['to_suspected_p50']} s / "
        f"p95 {delay['to_suspected_p95']} s; raised p50 {delay['to_raised_p50']} s / "
        f"p95 {delay['to_raised_p95']} s"
    )
    per: dict[str, dict[str, object]] = s["per_activity"]  # type: ignore[assignment]
    for act, row in per.items():
        console.print(
            f"  {act} ({row['kind']}): {row['recordings']} recordings, fall raised in "
            f"{row['fall_raised']}, not in {row['no_fall_raised']}"
        )


@app.command("falls-train")
def falls_train(
    *,
    weda: Annotated[Path, typer.Option(help="The weda-fall directory (F01…, D01…).")],
    out: Annotated[
        Path, typer.Option(help="Where to write the coefficients table.")
    ] = COEFFICIENTS,
) -> None:
    """Train the fall model on every recording in WEDA and write its coefficients table."""
    try:
        recordings = load_recordings(weda)
        examples = [e for r in recordings for e in impact_examples(r)]
        model = train(examples)
        write_coefficients(out, model, recordings)
    except (EvaluationError, ValueError) as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"cannot write {out}: {exc}")
    Console().print(
        f"trained on {len(examples)} impacts of {len(recordings)} recordings; wrote {out}"
    )


def _fail(message: str) -> None:
    Console(stderr=True).print(f"[red]error:[/] {message}")
    raise typer.Exit(code=1)

"""``silverguard eval``: the detectors measured on real recordings nobody here made.

Each command prints its figures next to the goals (``--json`` for machine-readable output)
and exits 0 once it has measured, whatever the figures; it exits 1 with advice when the
data cannot be read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from edge_agent.detectors.fall import FallSettings
from edge_agent.detectors.fall_coefficients import MODEL
from edge_agent.detectors.fall_model import FallModel
from silverguard.evaluation.datadir import default_data_dir
from silverguard.evaluation.errors import EvaluationError
from silverguard.evaluation.falls import evaluate, leave_one_subject_out, result_rows, summarise
from silverguard.evaluation.falls_data import load_recordings
from silverguard.evaluation.falls_train import impact_examples, train, write_coefficients
from silverguard.evaluation.logs import quiet_logger
from silverguard.evaluation.routine_cli import routine
from silverguard.evaluation.vitals import GOALS, evaluate_record, overall

app = typer.Typer(no_args_is_help=True, help="Detector evaluation on real recordings.")

app.command("routine")(routine)

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
    threshold: Annotated[
        float | None,
        typer.Option(help="Fall probability to suspect a fall (default: the model's own)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
    per_recording: Annotated[
        bool, typer.Option(help="Include every recording's result in the JSON.")
    ] = False,
) -> None:
    """Sensitivity, specificity, per-activity confusion and delay of the fall detector."""
    if model not in {"loso", "committed"}:
        _fail(f"--model must be 'loso' or 'committed', not {model!r}")
    try:
        settings = FallSettings(cancel_window_s=cancel_window_s, threshold=threshold)
    except ValidationError as exc:
        error = exc.errors()[0]
        _fail(f"--{str(error['loc'][0]).replace('_', '-')}: {error['msg']}")
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

        with quiet_logger("edge_agent.detectors.fall"):
            results = evaluate(chosen, settings=settings, model_for=model_for)
    except EvaluationError as exc:
        _fail(str(exc))
    summary = summarise(results) | {
        "model": model,
        "cancel_window_s": cancel_window_s,
        "threshold": threshold if threshold is not None else "model default",
        "dataset": "WEDA-FALL (Marques & Moreno)",
    }
    if per_recording:
        summary["recordings_detail"] = result_rows(results)
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
        return
    _print_falls(summary)


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
    impact: dict[str, float | None] = s["delay_from_detected_impact_s"]  # type: ignore[assignment]
    console.print(
        f"  delay from the detected impact: suspected p50 {impact['to_suspected_p50']} s; "
        f"raised p50 {impact['to_raised_p50']} s (raised = suspected + the cancel window)"
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


def resolve_record(record: str, data_dir: Path) -> Path:
    """A record given as a path, or as a bare name looked up in ``DATA_DIR/physionet``."""
    as_path = Path(record)
    if as_path.with_suffix(".hea").is_file() or as_path.parent != Path():
        return as_path
    if not data_dir.is_dir():
        raise EvaluationError(
            f"data folder {data_dir} does not exist: pass --data-dir, or give record paths "
            "such as ../shared/data/physionet/03700181"
        )
    return data_dir / "physionet" / record


@app.command("vitals")
def vitals(
    records: Annotated[
        list[str],
        typer.Argument(
            help="WFDB records with ECG and RESP, e.g. ../shared/data/physionet/03700181 "
            "(or a bare name found under DATA_DIR/physionet)."
        ),
    ],
    *,
    json_output: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            help="Where the recordings are, for bare record names (default: "
            "../shared/data above the project, or $SILVERGUARD_DATA_DIR)."
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic noise and movement.")] = 0,
    start_s: Annotated[float, typer.Option(help="Start this far into each record.")] = 0.0,
    duration_s: Annotated[
        float | None, typer.Option(help="Use only this much of each record (default: all).")
    ] = None,
) -> None:
    """Heart and breathing rate from a mattress stream built from real ECG and respiration.

    The stream runs through the edge's own RawMattressProcessor; see
    silverguard/evaluation/vitals.py for the synthesis and the references.
    """
    try:
        figures = [
            evaluate_record(
                resolve_record(r, data_dir or default_data_dir()),
                seed=seed,
                start_s=start_s,
                duration_s=duration_s,
            )
            for r in records
        ]
    except EvaluationError as exc:
        _fail(str(exc))
    result = {
        "goals": GOALS,
        "overall": overall(figures),
        "records": [f.as_dict() for f in figures],
        "seed": seed,
    }
    if json_output:
        typer.echo(json.dumps(result, indent=2))
        return
    table = Table(title="Mattress vitals vs real ECG/respiration")
    for col in ("record", "beats", "windows", "HR MAE bpm", "HR cov", "RR MAE /min", "RR cov"):
        table.add_column(col)
    for f in figures:
        table.add_row(
            f.record,
            f.beat_source,
            str(f.windows),
            _fmt(f.hr_mae_bpm),
            _pct(f.hr_coverage),
            _fmt(f.rr_mae_br_min),
            _pct(f.rr_coverage),
        )
    o = result["overall"]
    assert isinstance(o, dict)
    table.add_row(
        "all",
        "",
        str(sum(f.windows for f in figures)),
        _fmt(o["hr_mae_bpm"]),
        _pct(o["hr_coverage"]),
        _fmt(o["rr_mae_br_min"]),
        _pct(o["rr_coverage"]),
    )
    table.add_row(
        "goal",
        "",
        "",
        f"≤ {GOALS['hr_mae_bpm']:g}",
        f"≥ {GOALS['coverage']:.0%}",
        f"≤ {GOALS['rr_mae_br_min']:g}",
        f"≥ {GOALS['coverage']:.0%}",
    )
    Console().print(table)


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def _fail(message: str) -> None:
    Console(stderr=True).print(f"[red]error:[/] {message}")
    raise typer.Exit(code=1)

"""``silverguard eval falls`` and ``falls-train`` on a small cut of the real WEDA-FALL data."""

from __future__ import annotations

import json
import runpy
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from edge_agent.detectors.fall import FallDetector
from edge_agent.detectors.fall_features import FEATURE_NAMES
from edge_agent.detectors.fall_model import FallModel
from silverguard.cli import app

CUT = [
    "F01/U01_R01",
    "F03/U01_R02",
    "F06/U01_R01",
    "D01/U01_R01",
    "D09/U01_R01",
    "F01/U02_R01",
    "F05/U02_R01",
    "D02/U02_R01",
    "D10/U02_R01",
    "D01/U21_R01",
    "D09/U21_R01",
    "D11/U21_R01",
]


@pytest.fixture(scope="module")
def weda_cut(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three subjects, a dozen recordings, and the fall windows of those recordings."""
    source = shared_data / "weda-fall"
    cut = tmp_path_factory.mktemp("weda-cut")
    lines = (source / "fall_timestamps.csv").read_text().splitlines()
    keep = [lines[0]] + [line for line in lines[1:] if line.split(",")[0] in CUT]
    (cut / "fall_timestamps.csv").write_text("\n".join(keep) + "\n")
    for key in CUT:
        (cut / key).parent.mkdir(exist_ok=True)
        shutil.copy(source / f"{key}_accel.csv", cut / f"{key}_accel.csv")
    return cut


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_eval_falls_reports_leave_one_subject_out_figures_next_to_the_goals(
    weda_cut: Path,
) -> None:
    code, out = _run(
        "eval",
        "falls",
        "--weda",
        str(weda_cut),
        "--subjects",
        "U01,U21",
        "--json",
        "--per-recording",
    )
    assert code == 0, out
    report = json.loads(out)
    assert report["model"] == "loso"
    assert report["subjects"] == ["U01", "U21"]
    assert report["goals"] == {"sensitivity": 0.95, "specificity": 0.98}
    assert report["recordings"] == 8
    falls, adls = report["falls"], report["adls"]
    assert falls["recordings"] == 3
    assert adls["recordings"] == 5
    assert falls["detected"] + falls["missed"] == 3
    assert report["sensitivity"] == round(falls["detected"] / 3, 4)
    assert report["specificity"] == round(adls["true_negatives"] / 5, 4)
    assert set(report["per_activity"]) == {"F01", "F03", "F06", "D01", "D09", "D11"}
    assert sum(r["recordings"] for r in report["per_activity"].values()) == 8
    rows = {r["key"]: r for r in report["recordings_detail"]}
    assert set(rows) == {k for k in CUT if "_U02_" not in k and "U02_" not in k}
    assert sum(r["positive"] for r in rows.values() if r["fall_window_s"]) == falls["detected"]


def test_eval_falls_with_the_committed_model_catches_a_clear_fall_after_its_window(
    weda_cut: Path,
) -> None:
    code, out = _run(
        "eval",
        "falls",
        "--weda",
        str(weda_cut),
        "--subjects",
        "U01",
        "--model",
        "committed",
        "--json",
        "--per-recording",
    )
    assert code == 0, out
    report = json.loads(out)
    [f01] = [r for r in report["recordings_detail"] if r["key"] == "F01/U01_R01"]
    assert f01["positive"]
    start, _ = f01["fall_window_s"]
    first = min(f01["raised"], key=lambda r: r["raised_s"])
    # held for the 30 s cancel window (ticks are 1 s apart), suspected within seconds
    assert first["raised_s"] - first["suspected_s"] == pytest.approx(30, abs=1.01)
    assert 0 < first["suspected_s"] - start < 10
    delay = report["delay_from_marked_start_s"]
    assert delay["to_raised_p50"] > delay["to_suspected_p50"] + 29


def test_eval_falls_prints_figures_and_goals_for_people(weda_cut: Path) -> None:
    code, out = _run("eval", "falls", "--weda", str(weda_cut), "--model", "committed")
    assert code == 0, out
    assert "sensitivity" in out
    assert "goal ≥ 0.95" in out
    assert "F01 (fall)" in out


def test_eval_falls_says_what_is_wrong_with_a_bad_directory(tmp_path: Path) -> None:
    code, out = _run("eval", "falls", "--weda", str(tmp_path))
    assert code == 1
    assert "fall_timestamps.csv" in out
    assert "point --weda at" in " ".join(out.split())


def test_eval_falls_says_when_leaving_a_subject_out_leaves_no_falls(weda_cut: Path) -> None:
    lone = weda_cut.parent / "weda-lone"
    shutil.copytree(weda_cut, lone, ignore=shutil.ignore_patterns("U02_*", "U21_*"))
    code, out = _run("eval", "falls", "--weda", str(lone))
    assert code == 1
    assert "--model committed" in " ".join(out.split())


def test_falls_train_writes_a_table_the_detector_loads(weda_cut: Path, tmp_path: Path) -> None:
    target = tmp_path / "coefficients.py"
    code, out = _run("eval", "falls-train", "--weda", str(weda_cut), "--out", str(target))
    assert code == 0, out
    model = FallModel.from_dict(runpy.run_path(str(target))["MODEL"])
    assert model.names == FEATURE_NAMES
    assert len(model.weights) == len(FEATURE_NAMES)
    FallDetector(model=model)  # a table the detector takes
    again = tmp_path / "again.py"
    assert _run("eval", "falls-train", "--weda", str(weda_cut), "--out", str(again))[0] == 0
    assert again.read_text() == target.read_text()  # reproducible

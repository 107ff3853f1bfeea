"""``silverguard eval vitals`` on short cuts of the real PhysioNet records."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from silverguard.cli import app
from silverguard.evaluation.datadir import default_data_dir
from silverguard.evaluation.physionet import load_record
from silverguard.evaluation.vitals import breath_times, evaluate_record

PHYSIONET = default_data_dir() / "physionet"


def test_the_command_prints_figures_next_to_the_goals_as_json() -> None:
    result = CliRunner().invoke(
        app,
        ["eval", "vitals", str(PHYSIONET / "03700181"), "--duration-s", "90", "--json"],
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["goals"] == {"hr_mae_bpm": 2.0, "rr_mae_br_min": 1.0, "coverage": 0.8}
    (rec,) = out["records"]
    assert rec["record"] == "03700181"
    assert rec["beat_source"].startswith("annotations:gqrsl")
    assert rec["windows"] == 61  # one a second from the first full 30 s window to 90 s
    for key in ("hr_mae_bpm", "rr_mae_br_min"):
        assert isinstance(rec[key], float)
        assert rec[key] >= 0
    assert 0 <= rec["hr_coverage"] <= 1
    assert 100 < rec["hr_reference_mean_bpm"] < 140  # a tachycardic patient
    assert set(out["overall"]) == {"hr_mae_bpm", "hr_coverage", "rr_mae_br_min", "rr_coverage"}


def test_a_bare_record_name_is_found_in_the_data_dir_and_a_table_is_printed() -> None:
    result = CliRunner().invoke(
        app,
        ["eval", "vitals", "100", "--duration-s", "45", "--data-dir", str(PHYSIONET.parent)],
    )
    assert result.exit_code == 0, result.output
    assert "goal" in result.stdout
    assert "n/a" in result.stdout  # record 100 has no respiration channel


def test_a_missing_record_is_a_clear_error() -> None:
    result = CliRunner().invoke(app, ["eval", "vitals", "/nowhere/0000"])
    assert result.exit_code == 1
    assert "no WFDB record" in result.output
    assert "without extension" in result.output


def test_a_record_without_respiration_scores_heart_rate_only() -> None:
    figures = evaluate_record(PHYSIONET / "100", duration_s=60)
    assert figures.hr_mae_bpm is not None
    assert figures.rr_mae_br_min is None
    assert figures.rr_coverage is None


def test_without_annotations_the_qrs_detector_finds_the_beats() -> None:
    rec = load_record(PHYSIONET / "v102s", duration_s=60)
    assert rec.beat_source.startswith("xqrs:")
    hr = 60.0 / float(np.median(np.diff(rec.beat_times_s)))
    assert 90 < hr < 115  # ~103 bpm in this record


def test_breaths_of_a_clean_sine_are_counted() -> None:
    t = np.arange(0, 60, 0.01)
    breaths = breath_times(np.sin(2 * np.pi * 0.25 * t), 100.0)
    assert len(breaths) in (14, 15)
    assert np.allclose(np.diff(breaths), 4.0, atol=0.05)


def test_the_synthesis_is_seeded() -> None:
    a = evaluate_record(PHYSIONET / "03700181", duration_s=40, seed=3)
    b = evaluate_record(PHYSIONET / "03700181", duration_s=40, seed=3)
    assert a == b


def test_default_data_dir_is_the_shared_data_folder() -> None:
    assert (default_data_dir() / "README.md").is_file()
    assert Path(default_data_dir()).name == "data"


def test_a_damaged_record_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "bad.hea").write_text("not a header\n")
    result = CliRunner().invoke(app, ["eval", "vitals", str(tmp_path / "bad")])
    assert result.exit_code == 1
    assert "cannot read WFDB record" in result.output

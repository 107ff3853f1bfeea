"""``silverguard eval routine`` on cuts of the real Ordóñez house A recordings."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from typer.testing import CliRunner

from contracts.readings import HomeSensorReading, MattressVitals
from silverguard.cli import app
from silverguard.evaluation.ordonez import BED_DEVICE, load_house, to_readings


def _run(*args: str) -> dict[str, object]:
    result = CliRunner().invoke(app, ["eval", "routine", *args, "--json"])
    assert result.exit_code == 0, result.output
    out: dict[str, object] = json.loads(result.stdout)
    return out


def test_a_cut_of_house_a_learns_then_counts_false_alarms_and_catches_injections(
    shared_data: Path,
) -> None:
    out = _run("--ordonez", str(shared_data / "ordonez"), "--house", "A", "--max-days", "9")
    assert out["learning_days"] == [f"2011-11-{d}" for d in range(27, 31)] + [
        "2011-12-01",
        "2011-12-02",
        "2011-12-03",
    ]
    assert out["evaluation_days"] == ["2011-12-04", "2011-12-05", "2011-12-06"]
    assert out["unreadable_rows"] == 0
    assert out["unmapped_locations"] == []
    assert out["goals"] == {"false_alarms_on_real_days": "0", "injected_anomalies_caught": "100 %"}
    injected = out["injected"]
    assert isinstance(injected, dict)
    assert set(injected) == {"not_up", "bed_exit", "inactivity", "night_leaving"}
    for kind, row in injected.items():
        assert row["injected"] >= 2, kind
        assert 0 <= row["caught"] <= row["injected"]
    bed_exit = injected["bed_exit"]
    assert bed_exit["delay_min"]["max"] <= 60  # inside its window
    assert "out of bed" in bed_exit["example"]
    leaving = injected["night_leaving"]
    assert leaving["event_type"] == "possible_wandering"
    assert "entrance door" in leaving["example"]
    portrait = out["portrait"]
    assert isinstance(portrait, dict)
    assert portrait["burned_in"] is True
    assert out["false_alarms"]["total"] == len(out["false_alarms"]["alarms"])  # type: ignore[index]


def test_a_morning_the_resident_stays_in_bed_counts_as_an_alarm(
    shared_data: Path, tmp_path: Path
) -> None:
    """The real 2011-12-05 wake-up (11:48) moved to 16:00, other sensors silent till then:
    the evaluation must report the not-up alert it raises (it is not a normal day any more)."""
    lines = (shared_data / "ordonez" / "OrdonezA_Sensors.txt").read_text().splitlines()
    edited = []
    for line in lines:
        if line.startswith("2011-12-05 1") and line[11:13] in {"11", "12", "13", "14", "15"}:
            continue
        edited.append(line.replace("2011-12-05 11:48:55", "2011-12-05 16:00:00"))
    (tmp_path / "OrdonezA_Sensors.txt").write_text("\n".join(edited) + "\n")
    out = _run("--ordonez", str(tmp_path), "--house", "A", "--max-days", "9")
    alarms = out["false_alarms"]
    assert isinstance(alarms, dict)
    assert alarms["per_type"] == {"not_up_by_usual_time": 1}
    (alarm,) = alarms["alarms"]
    assert alarm["day"] == "2011-12-04"
    assert "usually up by" in alarm["summary"]
    goals_met = out["goals_met"]
    assert isinstance(goals_met, dict)
    assert goals_met["false_alarms_on_real_days"] is False  # a finding, not an exit code


def test_the_mapping_turns_the_bed_mat_into_mattress_presence(shared_data: Path) -> None:
    rows, bad = load_house(shared_data / "ordonez", "A")
    readings, _ = to_readings(rows[:20], "Europe/Madrid")
    madrid = ZoneInfo("Europe/Madrid")
    bed = [r for r in readings if r.device_id == BED_DEVICE]
    assert isinstance(bed[0].reading, MattressVitals)
    assert bed[0].at == datetime(2011, 11, 28, 2, 27, 59, tzinfo=madrid)
    assert bed[0].reading.in_bed is True
    woke = next(r for r in bed if r.at == datetime(2011, 11, 28, 10, 18, 11, tzinfo=madrid))
    assert isinstance(woke.reading, MattressVitals)
    assert woke.reading.in_bed is False
    others = [r.reading for r in readings if r.device_id != BED_DEVICE]
    assert all(isinstance(o, HomeSensorReading) for o in others)
    assert bad == 0


def test_a_missing_house_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["eval", "routine", "--ordonez", str(tmp_path)])
    assert result.exit_code == 1
    assert "OrdonezA_Sensors.txt" in result.output
    assert "--ordonez" in result.output


def test_too_few_days_to_hold_any_out_is_a_clear_error(shared_data: Path) -> None:
    args = ["eval", "routine", "--ordonez", str(shared_data / "ordonez"), "--max-days", "2"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert "--learn-days" in result.output

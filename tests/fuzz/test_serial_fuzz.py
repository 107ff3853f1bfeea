"""The serial decoder under a seeded mutation fuzzer (a million frames in the slow run)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from silverguard.benchmarks.fuzz_serial import run_serial_fuzz
from silverguard.cli import app


def _assert_clean(result: dict[str, object], frames: int) -> None:
    assert result["frames"] == frames
    assert result["failures"] == []
    assert result["untouched_missing_unexplained"] == 0
    assert isinstance(result["untouched_frames"], int)
    assert isinstance(result["decoder"], dict)
    # Damage really happened and was really counted (the fuzzer is not a no-op).
    assert result["decoder"]["crc_errors"] > 0
    assert result["decoder"]["torn_frames"] > 0
    assert result["readings"]


def test_fifty_thousand_mutated_frames() -> None:
    _assert_clean(run_serial_fuzz(50_000, seed=11), 50_000)


def test_the_overlap_ambiguity_is_found_and_explained() -> None:
    # Seed 3 damages a frame so that its bytes and the next frame's sync form a valid frame
    # (two valid readings of the same bytes): the next frame is lost, and that is reported.
    result = run_serial_fuzz(20_000, seed=3)
    assert result["untouched_missing"] >= 1
    assert result["untouched_missing_unexplained"] == 0


@pytest.mark.slow
def test_a_million_frames_through_the_cli() -> None:
    run = CliRunner().invoke(app, ["bench", "fuzz-serial", "--frames", "1000000", "--json"])
    assert run.exit_code == 0, run.output
    _assert_clean(json.loads(run.output), 1_000_000)

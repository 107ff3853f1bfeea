"""Mattress reading streams for the vitals and bed detectors' tests (one reading a second)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from contracts.readings import MattressRawBlock, MattressSource, MattressVitals
from edge_agent.detectors.bed import BedSettings
from edge_agent.detectors.contract import Step
from edge_agent.detectors.vitals_limits import VitalsSettings

T0 = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
MAT = "mat-0001"


def at(seconds: float) -> datetime:
    """``seconds`` after 02:00 UTC."""
    return T0 + timedelta(seconds=seconds)


def vitals(
    hr: float | None = 64.0,
    rr: float | None = 14.0,
    *,
    quality: float | None = 0.9,
    in_bed: bool = True,
    source: MattressSource = MattressSource.EDGE,
    breathing: bool | None = None,
) -> MattressVitals:
    """One mattress reading (``breathing`` defaults to "seen" when there is a rate)."""
    return MattressVitals(
        source=source,
        in_bed=in_bed,
        heart_rate_bpm=hr,
        resp_rate_br_min=rr,
        signal_quality=quality,
        movement_index=0.0,
        breathing_detected=breathing if breathing is not None or rr is None else True,
    )


def steps(readings: list[MattressVitals], start_s: float = 0.0) -> list[Step]:
    """One step a second from ``start_s``."""
    return [Step(at(start_s + i), MAT, r) for i, r in enumerate(readings)]


def fast_vitals_settings() -> VitalsSettings:
    """Short windows so the contract check's replay of every cut stays quick."""
    return VitalsSettings(sustain_s=20, min_readings=5, apnea_s=6)


def vitals_contract_stream() -> list[Step]:
    """In bed, normal; heart rate high for 30 s (raised), normal again (cleared); a pause
    in breathing (apnea), breathing again (cleared); a low breathing rate (raised)."""
    normal = [vitals()] * 12
    high = [vitals(hr=135)] * 30
    back = [vitals()] * 25
    pause = [vitals(rr=None, breathing=False)] * 9
    low_rr = [vitals(rr=5)] * 25
    return steps(normal + high + back + pause + [vitals()] * 3 + low_rr)


def bed_contract_stream() -> list[Step]:
    """Raw blocks and firmware readings in and out of bed, then silence and return."""
    raw = MattressRawBlock(sample_rate_hz=100, first_sample_seq=0, samples=[0.0] * 100)
    flags = [True] * 15 + [False] * 25 + [True] * 5
    return [
        Step(at(0), MAT, raw),
        *steps(
            [
                vitals(None, None, quality=None, in_bed=f, source=MattressSource.FIRMWARE)
                for f in flags
            ],
            1,
        ),
        Step(at(300)),
        Step(at(301), MAT, vitals(source=MattressSource.FIRMWARE)),
    ]


def fast_bed_settings() -> BedSettings:
    """The defaults, written out (the stream above relies on them)."""
    return BedSettings(enter_after_s=10, exit_after_s=20, silent_after_s=120)

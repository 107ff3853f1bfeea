"""Reading a PhysioNet (WFDB) record for the vitals evaluation: beats, respiration, rates.

The I/O boundary of ``silverguard eval vitals``: every ``wfdb`` call is here, and its errors
come out as :class:`EvaluationDataError` saying which file and what to do.

Reference beats: the record's own beat annotations if it has them (``atr`` — expert — then
``gqrsl``, ``qrs``), else the ``wfdb.processing.xqrs_detect`` QRS detector run on each ECG lead
(a channel in mV), keeping the lead whose beats have the fewest impossible gaps (> 2 s).
Annotations made by an automatic detector (``gqrsl``, ``qrs``; not the expert ``atr``) miss
beats now and then (``03700181``'s ``gqrsl`` skips ~7 % of beats at 123 bpm, leaving double
intervals): in their gaps (> 1.5 × the median interval) the beats xqrs found are added
(:func:`fill_missed_beats`), so the synthetic mattress does not lose heartbeats the ECG shows.
The respiration signal is the first channel whose name starts with ``RESP``. Missing samples
(NaN) are filled linearly.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from silverguard.evaluation.errors import EvaluationError

__all__ = ["EvaluationDataError", "PhysioRecord", "fill_missed_beats", "load_record"]

ANNOTATION_PREFERENCE = ("atr", "gqrsl", "qrs")
BEAT_SYMBOLS = frozenset("NLRBAaJSVrFejnE/fQ")
NOT_ECG = frozenset({"RESP", "ABP", "ART", "PAP", "CVP", "PLETH", "SPO2", "CO2", "ICP"})


class EvaluationDataError(EvaluationError):
    """A recording is missing, unreadable, or lacks what the evaluation needs."""


@dataclass(frozen=True, slots=True)
class PhysioRecord:
    """What the vitals evaluation uses from one record (times in s from the cut's start)."""

    name: str
    duration_s: float
    beat_times_s: NDArray[np.float64]
    beat_source: str
    """``annotations:<ext>`` or ``xqrs:<lead>``."""
    resp: NDArray[np.float64] | None
    rate_hz: float


@contextmanager
def _quiet_wfdb() -> Iterator[Any]:
    """wfdb 4.3 calls a pandas API deprecated in pandas 3.1; that is not ours to fix."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The inplace keyword")
        import wfdb  # noqa: PLC0415 (an optional dependency, imported where it is used)
        import wfdb.processing  # noqa: PLC0415

        yield wfdb


def _filled(x: NDArray[np.float64]) -> NDArray[np.float64]:
    bad = np.isnan(x)
    if not bad.any():
        return x
    if bad.all():
        return np.zeros_like(x)
    idx = np.arange(x.size)
    return np.interp(idx, idx[~bad], x[~bad])


def load_record(
    path: Path, *, start_s: float = 0.0, duration_s: float | None = None
) -> PhysioRecord:
    """Load ``path`` (a record name without extension, e.g. ``…/physionet/03700181``).

    Raises:
        EvaluationDataError: the header is missing or unreadable, or there is no ECG lead.
    """
    if not path.with_suffix(".hea").is_file():
        raise EvaluationDataError(
            f"no WFDB record at {path} ({path.with_suffix('.hea').name} not found): give the "
            "record path without extension, e.g. ../shared/data/physionet/03700181"
        )
    try:
        with _quiet_wfdb() as wfdb:
            header = wfdb.rdheader(str(path))
            fs = float(header.fs)
            start = round(start_s * fs)
            stop = (
                header.sig_len
                if duration_s is None
                else min(header.sig_len, start + round(duration_s * fs))
            )
            rec = wfdb.rdrecord(str(path), sampfrom=start, sampto=stop)
            names = [str(n).upper() for n in rec.sig_name]
            units = [str(u).lower() for u in rec.units]
            signals = np.asarray(rec.p_signal, dtype=np.float64)
            beats, source = _annotated_beats(wfdb, path, start, stop)
            if beats is None:
                beats, source = _detected_beats(wfdb, signals, names, units, fs)
            elif source != "annotations:atr":
                detected, lead = _detected_beats(wfdb, signals, names, units, fs)
                beats, filled = fill_missed_beats(beats, detected, fs)
                source += f"+{filled} from {lead}" if filled else ""
    except EvaluationDataError:
        raise
    except (OSError, ValueError, IndexError) as exc:
        raise EvaluationDataError(f"cannot read WFDB record {path}: {exc}") from exc
    resp_ch = next((i for i, n in enumerate(names) if n.startswith("RESP")), None)
    resp = _filled(signals[:, resp_ch]) if resp_ch is not None else None
    return PhysioRecord(
        name=path.name,
        duration_s=(stop - start) / fs,
        beat_times_s=np.asarray(beats, dtype=np.float64) / fs,
        beat_source=source,
        resp=resp,
        rate_hz=fs,
    )


def _annotated_beats(
    wfdb: Any, path: Path, start: int, stop: int
) -> tuple[NDArray[np.int64] | None, str]:
    for ext in ANNOTATION_PREFERENCE:
        if not path.with_suffix(f".{ext}").is_file():
            continue
        ann = wfdb.rdann(str(path), ext, sampfrom=start, sampto=stop)
        keep = [s in BEAT_SYMBOLS for s in ann.symbol]
        return np.asarray(ann.sample, dtype=np.int64)[keep] - start, f"annotations:{ext}"
    return None, ""


def _detected_beats(
    wfdb: Any, signals: NDArray[np.float64], names: list[str], units: list[str], fs: float
) -> tuple[NDArray[np.int64], str]:
    best: tuple[int, int, NDArray[np.int64], str] | None = None
    leads = [i for i, n in enumerate(names) if n not in NOT_ECG and "RESP" not in n]
    in_mv = [i for i in leads if units[i] in {"mv", "uv"}]
    for i in in_mv or leads:  # a header without units: every channel that may be ECG
        name = names[i]
        found = np.asarray(
            wfdb.processing.xqrs_detect(sig=_filled(signals[:, i]), fs=fs, verbose=False),
            dtype=np.int64,
        )
        gaps = int((np.diff(found) > 2.0 * fs).sum())
        score = (gaps, -found.size, found, f"xqrs:{name}")
        if best is None or score[:2] < best[:2]:
            best = score
    if best is None:
        raise EvaluationDataError(f"no ECG lead among {names}: cannot find the heartbeats")
    return best[2], best[3]


def fill_missed_beats(
    annotated: NDArray[np.int64], detected: NDArray[np.int64], fs: float
) -> tuple[NDArray[np.int64], int]:
    """Add ``detected`` beats inside gaps of ``annotated`` longer than 1.5 × its median interval.

    Only beats at least 0.15 s from the gap's ends are added. Returns (beats, number added).

    >>> ann = np.array([0, 50, 100, 200, 250])            # one beat missing at 150
    >>> fill_missed_beats(ann, np.array([1, 51, 149, 201]), 100.0)
    (array([  0,  50, 100, 149, 200, 250]), 1)
    """
    if annotated.size < 3 or detected.size == 0:
        return annotated, 0
    gaps = np.diff(annotated)
    median = float(np.median(gaps))
    margin = 0.15 * fs
    added = [
        beat
        for a, b in zip(
            annotated[:-1][gaps > 1.5 * median], annotated[1:][gaps > 1.5 * median], strict=True
        )
        for beat in detected[(detected > a + margin) & (detected < b - margin)]
    ]
    return np.sort(np.concatenate([annotated, np.asarray(added, dtype=np.int64)])), len(added)

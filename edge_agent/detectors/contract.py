"""The contract every detector passes (like River's ``checks/``), run by one shared test.

``check_detector_contract`` plays a stream of readings and ticks through a detector and checks
that it
    * does not mutate its inputs,
    * is deterministic (two fresh detectors give the same detections),
    * snapshots to JSON-ready data, and restoring a snapshot taken at any point of the stream
      into a fresh detector resumes with exactly the detections the uninterrupted one gives,
    * rejects a damaged snapshot with ``DetectorStateError``,
    * is documented: its module and class have docstrings and the module has an example,
    * names itself with a versioned ``name`` put in every event's ``detector`` field.

Example:
    >>> from datetime import UTC, datetime, timedelta
    >>> from contracts.readings import SmokeReading
    >>> from edge_agent.detectors.fire import FireDetector
    >>> t0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    >>> stream = [Step(t0, "smoke-1", SmokeReading(smoke=False)),
    ...           Step(t0 + timedelta(seconds=5), "smoke-1", SmokeReading(smoke=True)),
    ...           Step(t0 + timedelta(hours=30))]
    >>> [d.event.type.value for d in check_detector_contract(FireDetector, stream)]
    ['fire', 'device_offline']
"""

from __future__ import annotations

import copy
import inspect
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from edge_agent.detectors.base import Detection, Detector, DeviceReading
from edge_agent.errors import DetectorStateError

__all__ = [
    "ContractViolation",
    "ContractViolationError",
    "Step",
    "check_detector_contract",
    "run_stream",
]


class ContractViolationError(AssertionError):
    """A detector broke the shared detector contract (the message says which rule)."""


ContractViolation = ContractViolationError


@dataclass(frozen=True, slots=True)
class Step:
    """At ``now``: show ``reading`` from ``device_id`` (if any), then ``tick(now)``."""

    now: datetime
    device_id: str | None = None
    reading: DeviceReading | None = None


def run_stream(detector: Detector, steps: Sequence[Step]) -> list[Detection]:
    """Play ``steps`` through ``detector`` and return every detection in order."""
    out: list[Detection] = []
    for step in steps:
        if step.reading is not None:
            if step.device_id is None:
                raise ValueError("a step with a reading needs the device_id it came from")
            out.extend(detector.observe(step.device_id, step.reading, step.now))
        out.extend(detector.tick(step.now))
    return out


def _dump(detections: Sequence[Detection]) -> list[tuple[str | None, str]]:
    return [(d.device_id, d.event.model_dump_json()) for d in detections]


def check_detector_contract(
    make: Callable[[], Detector], steps: Sequence[Step], *, min_detections: int = 1
) -> list[Detection]:
    """Check ``make()``'s detectors against the contract on ``steps``; return the detections.

    Raises:
        ContractViolationError: naming the rule broken and the step where it was.
    """
    detector = make()
    if not isinstance(detector, Detector):
        raise ContractViolationError(f"{type(detector).__name__} lacks the Detector methods")
    _check_documented(detector)
    inputs_before = [copy.deepcopy(s.reading) for s in steps]
    reference = run_stream(detector, steps)
    for i, (before, step) in enumerate(zip(inputs_before, steps, strict=True)):
        if before != step.reading:
            raise ContractViolationError(f"step {i}: the detector mutated its input reading")
    if len(reference) < min_detections:
        raise ContractViolationError(
            f"the stream gave {len(reference)} detections, expected at least {min_detections}: "
            "a contract test needs a stream that makes the detector fire"
        )
    for d in reference:
        if d.event.detector != detector.name:
            raise ContractViolationError(
                f"event {d.event.type.value} names detector {d.event.detector!r}, "
                f"not {detector.name!r}"
            )
    if _dump(run_stream(make(), steps)) != _dump(reference):
        raise ContractViolationError("two fresh detectors gave different detections")
    for cut in range(len(steps) + 1):
        first = make()
        head = run_stream(first, steps[:cut])
        snapshot = first.snapshot()
        try:
            wire = json.loads(json.dumps(snapshot))
        except (TypeError, ValueError) as exc:
            raise ContractViolationError(
                f"step {cut}: snapshot is not JSON-ready data: {exc}"
            ) from exc
        second = make()
        second.restore(wire)
        tail = run_stream(second, steps[cut:])
        if _dump(head + tail) != _dump(reference):
            raise ContractViolationError(
                f"restoring the snapshot taken after step {cut} did not resume exactly"
            )
    fresh = make()
    try:
        fresh.restore({"version": -1})
    except DetectorStateError:
        pass
    else:
        raise ContractViolationError("a damaged snapshot was accepted silently")
    return reference


def _check_documented(detector: Detector) -> None:
    cls = type(detector)
    module = sys.modules[cls.__module__]
    if not inspect.getdoc(cls):
        raise ContractViolationError(f"{cls.__name__} has no docstring")
    if ">>>" not in (module.__doc__ or ""):
        raise ContractViolationError(f"module {cls.__module__} has no runnable example")
    if "/v" not in detector.name:
        raise ContractViolationError(f"detector name {detector.name!r} carries no version")

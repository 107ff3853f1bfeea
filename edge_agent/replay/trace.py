"""The trace format: JSON Lines, one contract reading per line, in time order.

Each line::

    {"t": "2026-11-24T03:00:00.020+00:00", "device_id": "band-0001",
     "reading": {"kind": "reading.wristband_status", "sos_pressed": true, ...}}

``t`` is when the reading happened (timezone-aware ISO 8601; ``silverguard edge record`` writes
the gateway's receive time, and the device's own clock, if it sent one, as the optional
``device_time``). ``reading`` is any :data:`contracts.readings.DeviceReading`, told apart by its
``kind``. Blank lines and lines starting with ``#`` are skipped.

Example:
    >>> line = parse_trace_line(
    ...     '{"t": "2026-11-24T03:00:00+00:00", "device_id": "smoke-0001",'
    ...     ' "reading": {"kind": "reading.smoke", "smoke": true}}')
    >>> line.device_id, line.reading.kind, line.t.isoformat()
    ('smoke-0001', 'reading.smoke', '2026-11-24T03:00:00+00:00')
    >>> parse_trace_line(line.to_json()) == line
    True
    >>> parse_trace_line('{"t": "yesterday"}')
    Traceback (most recent call last):
    ...
    edge_agent.replay.trace.TraceFormatError: not a trace line: t: Input should be a valid ...
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, TextIO

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from contracts.ids import Identifier
from contracts.readings import DeviceReading
from edge_agent.errors import EdgeAgentError


class TraceFormatError(EdgeAgentError):
    """A trace line is not valid JSON of the documented shape."""


class TraceLine(BaseModel):
    """One reading of a trace."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    t: AwareDatetime
    device_id: Identifier
    reading: Annotated[DeviceReading, Field(discriminator="kind")]
    device_time: AwareDatetime | None = None

    def to_json(self) -> str:
        """The line as written to a trace file (no newline)."""
        return self.model_dump_json(exclude_none=True)


def parse_trace_line(text: str) -> TraceLine:
    """Parse one line (raises :class:`TraceFormatError` saying which field is wrong)."""
    try:
        return TraceLine.model_validate_json(text)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '<line>'}: {err['msg']}"
            for err in exc.errors(include_url=False)[:3]
        )
        raise TraceFormatError(f"not a trace line: {problems}") from exc


def read_trace(handle: TextIO) -> Iterator[tuple[int, TraceLine | TraceFormatError]]:
    """(line number, line or its error) for every non-blank, non-comment line."""
    for number, text in enumerate(handle, start=1):
        stripped = text.strip()
        if not stripped or stripped.startswith("#"):
            continue
        try:
            yield number, parse_trace_line(stripped)
        except TraceFormatError as exc:
            yield number, exc

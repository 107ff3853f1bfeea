"""What the demo measured: a timeline of stages and, per scenario event, the latencies."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict
from rich.console import Console
from rich.table import Table


class ScenarioEventResult(BaseModel):
    """One scenario step that should (or should not) lead to an event and a page."""

    model_config = ConfigDict(frozen=True)

    scenario: str
    device: str
    sensor_message: str
    sensor_payload: str
    expected_event_type: str | None
    detected_event_type: str | None
    stored_in_cloud: bool
    pages_expected: bool
    incident_id: str | None = None
    webhook_delivery_ms: float | None = None
    email_delivery_ms: float | None = None
    accepted_by: str | None = None
    accepted_at: str | None = None
    accept_ms: float | None = None
    ok: bool
    missing: list[str] = []


class DemoReport(BaseModel):
    """The JSON printed by ``silverguard demo --json``."""

    model_config = ConfigDict(frozen=True)

    complete: bool
    elapsed_s: float
    workdir: str
    events: list[ScenarioEventResult]
    timeline: list[dict[str, str | float]]


@dataclass
class Timeline:
    """Stages with the time since the first sensor message, printed as they happen."""

    console: Console | None
    t0: float | None = None
    rows: list[dict[str, str | float]] = field(default_factory=list)

    def mark(self, stage: str, detail: str, at: float | None = None) -> None:
        """Record (and print) one stage."""
        now = time.monotonic() if at is None else at
        if self.t0 is None:
            self.t0 = now
        offset = now - self.t0
        self.rows.append({"t_s": round(offset, 4), "stage": stage, "detail": detail})
        if self.console is not None:
            self.console.print(f"[dim]{offset:+9.3f} s[/]  [bold cyan]{stage:<18}[/] {detail}")


def print_summary(console: Console, report: DemoReport) -> None:
    """A table of what each scenario event did."""
    table = Table(title="Silverguard demo — summary", show_lines=False)
    for col in ("scenario", "event", "stored", "webhook", "email", "accepted by", "ok"):
        table.add_column(col, no_wrap=True)
    for e in report.events:
        table.add_row(
            e.scenario,
            e.detected_event_type or "—",
            "yes" if e.stored_in_cloud else "no",
            f"{e.webhook_delivery_ms:.0f} ms" if e.webhook_delivery_ms is not None else "—",
            f"{e.email_delivery_ms:.0f} ms" if e.email_delivery_ms is not None else "—",
            e.accepted_by or "—",
            "[green]✓[/]" if e.ok else "[red]✗[/]",
        )
    console.print(table)
    for e in report.events:
        if e.missing:
            console.print(f"[red]{e.scenario}: no {', no '.join(e.missing)}[/]")
    if not report.complete:
        console.print("Run again with -v to see the components' logs.")
    verdict = "[green]complete[/]" if report.complete else "[red]INCOMPLETE[/]"
    console.print(
        f"{verdict} in {report.elapsed_s:.1f} s — delivery times count from the sensor message"
    )

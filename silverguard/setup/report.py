"""The commissioning report: JSON for the record, a Rich summary for the installer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.console import Console
from rich.table import Table


def build_report(
    *,
    installer: str,
    at: datetime,
    gateway: dict[str, Any],
    devices: list[dict[str, Any]],
    resident: dict[str, Any],
    checks: list[dict[str, Any]],
) -> dict[str, Any]:
    """Who, when, which devices with serials, every check with its result and figures.

    Example:
        >>> from datetime import UTC, datetime
        >>> r = build_report(installer="li", at=datetime(2026, 11, 24, tzinfo=UTC), gateway={},
        ...                  devices=[], resident={}, checks=[{"name": "bed", "passed": True}])
        >>> r["passed"], r["at"]
        (True, '2026-11-24T00:00:00+00:00')
    """
    return {
        "installer": installer,
        "at": at.isoformat(),
        "gateway": gateway,
        "devices": devices,
        "resident": resident,
        "checks": checks,
        "passed": all(c["passed"] for c in checks),
    }


def print_report(report: dict[str, Any], console: Console) -> None:
    """A readable summary of the report."""
    gw = report["gateway"]
    console.print(
        f"[bold]Commissioning report[/] — gateway {gw.get('gateway_id')} "
        f"(home {gw.get('home_id')}), by {report['installer']} at {report['at']}"
    )
    devices = Table("device", "kind", "serial / address", "model")
    for d in report["devices"]:
        devices.add_row(d["device_id"], d["kind"], str(d.get("serial")), str(d.get("model")))
    console.print(devices)
    checks = Table("check", "result", "figures", "what to do")
    for c in report["checks"]:
        mark = "[green]PASS[/]" if c["passed"] else "[red]FAIL[/]"
        figures = ", ".join(f"{k}={v}" for k, v in c.get("figures", {}).items())
        checks.add_row(c["name"], mark, figures, c.get("advice") or "")
    console.print(checks)
    verdict = "[green]ALL CHECKS PASSED[/]" if report["passed"] else "[red]NOT COMMISSIONED[/]"
    console.print(verdict)

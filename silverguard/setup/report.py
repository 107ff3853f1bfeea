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


def upload_body(report: dict[str, Any], started_at: str) -> dict[str, Any]:
    """The report in the cloud API's shape (``CommissioningReportIn``: flat figures).

    Example:
        >>> body = upload_body({"installer": "li", "at": "2026-11-24T08:00:00+00:00",
        ...     "devices": [{"device_id": "bed-0001", "kind": "mattress", "serial": "SN1"}],
        ...     "checks": [{"name": "bed", "passed": True, "figures": {"hr": 64, "x": None}}]},
        ...     "2026-11-24T07:30:00+00:00")
        >>> body["devices"], body["checks"][0]["figures"]
        ([{'id': 'bed-0001', 'kind': 'mattress', 'serial': 'SN1'}], {'hr': 64})
    """
    return {
        "installer": report["installer"],
        "started_at": started_at,
        "finished_at": report["at"],
        "devices": [
            {"id": d["device_id"], "kind": d["kind"], "serial": d.get("serial")}
            for d in report["devices"]
        ],
        "checks": [
            {
                "name": c["name"],
                "passed": c["passed"],
                "detail": c.get("advice") or "",
                "figures": {
                    k: v
                    for k, v in c.get("figures", {}).items()
                    if isinstance(v, (int, float, str, bool))
                },
            }
            for c in report["checks"]
        ],
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

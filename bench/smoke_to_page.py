"""Smoke alarm → care worker's page latency on embedded defaults.

Runs the embedded demo's kitchen-fire scenario ``--runs`` times and prints one JSON object with
the delivery latency of the webhook and the email relative to the sensor message (min, p50,
p95, max, in milliseconds) and the time to acceptance.

Run: ``.venv/bin/python -m bench.smoke_to_page --runs 5``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import sys
import tempfile
from pathlib import Path

from silverguard.demo.cli import EXAMPLES_DIR
from silverguard.demo.report import Timeline
from silverguard.demo.runner import DemoOptions, run_demo


def _figures(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95_index = max(0, round(0.95 * (len(ordered) - 1)))
    return {
        "min": ordered[0],
        "p50": statistics.median(ordered),
        "p95": ordered[p95_index],
        "max": ordered[-1],
    }


async def _one_run(workdir: Path) -> dict[str, float]:
    options = DemoOptions(
        config_dir=EXAMPLES_DIR, workdir=workdir, scenarios=("kitchen_fire",), duration_s=60
    )
    report = await run_demo(options, Timeline(console=None))
    if not report.complete:
        raise RuntimeError(f"demo run did not complete: {report.model_dump_json()}")
    fire = next(e for e in report.events if e.detected_event_type == "fire")
    assert fire.webhook_delivery_ms is not None
    assert fire.email_delivery_ms is not None
    assert fire.accept_ms is not None
    return {
        "webhook_ms": fire.webhook_delivery_ms,
        "email_ms": fire.email_delivery_ms,
        "accepted_ms": fire.accept_ms,
    }


def main() -> None:
    """Parse arguments, run, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    samples: list[dict[str, float]] = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="sg-bench-") as tmp:
            samples.append(asyncio.run(_one_run(Path(tmp))))
    result = {
        "benchmark": "smoke_to_page",
        "runs": args.runs,
        "setup": "embedded demo: amqtt brokers, SQLite, local SMTP + webhook receiver",
        **{key: _figures([s[key] for s in samples]) for key in samples[0]},
    }
    sys.stdout.write(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()

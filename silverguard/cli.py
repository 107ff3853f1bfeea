"""``silverguard``: one command, a sub-command group per role.

Thin by design: each component owns its own Typer group in its ``cli.py``; this module only
mounts them and configures logging.
"""

from __future__ import annotations

import logging
from typing import Annotated

import typer
from rich.console import Console
from rich.logging import RichHandler

from alerting.cli import app as alerting_app
from care_app.cli import app as care_app_app
from cloud_ingest.cli import app as ingest_app
from dashboards.cli import app as dashboards_app
from edge_agent.cli import app as edge_app
from firmware_sim.cli import app as sim_app
from silverguard.benchmarks.cli import app as bench_app
from silverguard.contracts_cli import app as contracts_app
from silverguard.demo.cli import demo
from silverguard.evaluation.cli import app as eval_app
from silverguard.setup.cli import app as setup_app

app = typer.Typer(
    name="silverguard",
    help="Silverguard: home-care monitoring for family care beds (家庭养老照护床位).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log debug messages.")] = False,
) -> None:
    """Configure logging once for every sub-command."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(name)s: %(message)s",
        handlers=[RichHandler(console=Console(stderr=True), show_path=False)],
    )


app.command(name="demo")(demo)
app.add_typer(edge_app, name="edge", help="Edge agent on the home gateway.")
app.add_typer(ingest_app, name="ingest", help="Cloud ingest: MQTT consumer and storage.")
app.add_typer(alerting_app, name="alerting", help="Alert router: incidents and notifications.")
app.add_typer(sim_app, name="sim", help="Device emulators speaking the real wire formats.")
app.add_typer(setup_app, name="setup", help="Installer setup and commissioning self-test.")
app.add_typer(eval_app, name="eval", help="Detector evaluation on real recordings.")
app.add_typer(bench_app, name="bench", help="Benchmarks: figures as JSON, never pass/fail.")
app.add_typer(care_app_app, name="app", help="Care worker phone app and operator console.")
app.add_typer(contracts_app, name="contracts", help="Wire contracts: JSON Schema export.")
app.add_typer(dashboards_app, name="dashboards", help="Grafana dashboards and provisioning.")


def main() -> None:
    """Entry point of the ``silverguard`` console script."""
    app()

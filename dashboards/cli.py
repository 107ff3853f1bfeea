"""``silverguard dashboards …``: build the Grafana provisioning tree."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dashboards.build import build

app = typer.Typer(no_args_is_help=True, add_completion=False)


@app.command("build")
def build_command(
    directory: Annotated[
        Path, typer.Argument(help="Where to write dashboards/ and provisioning/ (deploy/grafana).")
    ],
) -> None:
    """Write the dashboards' JSON and the provisioning YAML under DIRECTORY."""
    try:
        paths = build(directory)
    except OSError as exc:
        typer.echo(f"cannot write under {directory}: {exc}; check the path and permissions")
        raise typer.Exit(1) from exc
    for path in paths:
        typer.echo(str(path))
